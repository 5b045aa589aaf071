// SPDX-License-Identifier: Apache-2.0

/// The release both executables print for `--version`, and the Debian packages' version
/// (`Packaging/build-deb.sh` reads it from the binaries).
public enum OTSensorRelease {
    /// Semantic version of this release.
    public static let version = "0.1.0"
}

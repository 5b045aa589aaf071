#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian packages otsensor (the agent) and otsensor-center into .build/deb/:
#   - release binaries with the Swift standard library and Foundation linked in (--static-swift-stdlib), stripped,
#     so the target machine needs no Swift toolchain, only the C libraries dpkg-shlibdeps finds (libpcap, libzstd,
#     zlib, libstdc++; SQLite for the center);
#   - man pages generated from the argument parser (`swift package generate-manual`), one per subcommand;
#   - the rules in /usr/share/otsensor/signatures, the default configuration in /etc/otsensor (conffiles), the
#     systemd units, and the maintainer scripts of Packaging/debian/.
# Usage: Packaging/build-deb.sh [OUTPUT-FOLDER]   (default .build/deb)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/opt/swift/usr/bin"
Packaging/setup-debian.sh --package

out=${1:-.build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=.build/deb-staging
rm -rf "$work"
mkdir -p "$work"

echo "== release build, Swift runtime linked statically"
swift build -c release --static-swift-stdlib --product otsensor
swift build -c release --static-swift-stdlib --product otsensor-center
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)
for binary in otsensor otsensor-center; do
    # No Swift runtime library may be needed at run time, and no path into the toolchain searched.
    if readelf -d "$bin/$binary" | grep -E 'NEEDED.*(libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime)'; then
        echo "build-deb: $binary still needs a Swift runtime library" >&2
        exit 1
    fi
done

echo "== man pages (swift package generate-manual)"
# The manual describes the command line, which is the same in every build configuration: the debug build the test
# suite already made serves (a release build here would build every product a second time).
swift package generate-manual --multi-page --configuration debug --date "$(date -u +%Y-%m-%d)" \
    --authors "OTSensor developers" >/dev/null
manuals=.build/plugins/GenerateManual/outputs

version=$("$bin/otsensor" --version | awk '{print $2}')
arch=$(dpkg --print-architecture)

# stage PACKAGE BINARY: the package's tree under $work/PACKAGE.
stage() {
    local package=$1 root=$work/$1
    install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man1" "$root/usr/share/doc/$package" \
        "$root/lib/systemd/system" "$root/etc/otsensor"
    install -m 755 "$bin/$package" "$root/usr/bin/$package"
    strip --strip-unneeded "$root/usr/bin/$package"
    # otsensor.run.1 becomes otsensor-run.1 (man otsensor-run), as git's pages are named; the help page is dropped.
    for page in "$manuals/$package"/*.1; do
        name=$(basename "$page" .1)
        [[ $name == *.help ]] && continue
        gzip -9n < "$page" > "$root/usr/share/man/man1/${name//./-}.1.gz"
    done
    install -m 644 Packaging/README.md "$root/usr/share/doc/$package/README.md"
    printf 'OTSensor\nCopyright: the OTSensor developers\nLicense: Apache-2.0\n On Debian systems the license is in /usr/share/common-licenses/Apache-2.0.\n' \
        > "$root/usr/share/doc/$package/copyright"
    for script in control conffiles postinst prerm postrm; do
        install -m "$([[ $script == control || $script == conffiles ]] && echo 644 || echo 755)" \
            "Packaging/debian/$package/$script" "$root/DEBIAN/$script"
    done
    # The library packages the binary links against, as dpkg-shlibdeps finds them (it wants a debian/control).
    local depends
    depends=$(cd "$work" && mkdir -p debian && printf 'Source: otsensor\n\nPackage: %s\nArchitecture: any\n' "$package" \
        > debian/control && dpkg-shlibdeps -O "$package/usr/bin/$package" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
    sed -i -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" "$root/DEBIAN/control"
    echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)" >> "$root/DEBIAN/control"
}

stage otsensor
install -d "$work/otsensor/usr/share/otsensor/signatures" "$work/otsensor/usr/share/doc/otsensor/examples"
install -m 644 Signatures/*.rules "$work/otsensor/usr/share/otsensor/signatures/"
install -m 644 Packaging/etc/otsensor.yaml "$work/otsensor/etc/otsensor/otsensor.yaml"
install -m 644 Packaging/etc/otsensor-instance.yaml "$work/otsensor/usr/share/doc/otsensor/examples/"
install -m 644 Packaging/systemd/otsensor.service Packaging/systemd/otsensor@.service "$work/otsensor/lib/systemd/system/"

stage otsensor-center
install -m 644 Packaging/etc/center.yaml "$work/otsensor-center/etc/otsensor/center.yaml"
install -m 644 Packaging/systemd/otsensor-center.service "$work/otsensor-center/lib/systemd/system/"

for package in otsensor otsensor-center; do
    dpkg-deb --root-owner-group -Zxz --build "$work/$package" "$out/${package}_${version}_${arch}.deb" >/dev/null
    echo "build-deb: $out/${package}_${version}_${arch}.deb ($(du -h "$out/${package}_${version}_${arch}.deb" | cut -f1)): $(dpkg-deb -f "$out/${package}_${version}_${arch}.deb" Depends)"
done

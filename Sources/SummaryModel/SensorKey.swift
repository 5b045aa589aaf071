// SPDX-License-Identifier: Apache-2.0
public import Crypto
public import Foundation

/// A sensor's Ed25519 signing key (RFC 8032, through swift-crypto) and its key file.
///
/// The key file holds one line: `ed25519-private-key ` and the 32-octet private key in base64. It is written with
/// mode 0600, fsynced and renamed into place. The public key travels as base64 of its 32 octets (what
/// `otsensor keygen` prints and `otsensor-center sensor add --public-key` takes).
public struct SensorKey: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey

    static let prefix = "ed25519-private-key "

    public init(privateKey: Curve25519.Signing.PrivateKey = .init()) {
        self.privateKey = privateKey
    }

    /// The public key in base64 (32 octets).
    public var publicKeyText: String { privateKey.publicKey.rawRepresentation.base64EncodedString() }

    /// Signs `bytes`: 64 octets.
    public func sign(_ bytes: [UInt8]) -> [UInt8] {
        // Signing with a valid key does not fail; swift-crypto declares it throwing for its other back ends.
        guard let signature = try? privateKey.signature(for: bytes) else {
            preconditionFailure("Ed25519 signing failed")
        }
        return Array(signature)
    }

    /// Reads a key file.
    ///
    /// - Throws: ``BatchError/badKey(_:)`` naming the file and what is wrong.
    public static func read(from path: String) throws(BatchError) -> SensorKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .badKey("\(path): cannot read the sensor key (make one with `otsensor keygen --key \(path)`)")
        }
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & 0o077 != 0 {
            throw .badKey(
                "\(path): the sensor key may be read by others (mode \(String(status.st_mode & 0o777, radix: 8))): chmod 600 it"
            )
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix(prefix), let raw = Data(base64Encoded: String(text.dropFirst(prefix.count))),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw .badKey("\(path): not an otsensor Ed25519 key file")
        }
        return SensorKey(privateKey: key)
    }

    /// Writes the key file (mode 0600), refusing to replace an existing file.
    ///
    /// - Throws: ``BatchError/badKey(_:)`` when the file exists or cannot be written.
    public func write(to path: String) throws(BatchError) {
        if FileManager.default.fileExists(atPath: path) {
            throw .badKey("\(path) exists; remove it first to make a new key (the center must then enroll the new one)")
        }
        let line = Array((Self.prefix + privateKey.rawRepresentation.base64EncodedString() + "\n").utf8)
        do {
            try DurableFile.write(line, to: path, mode: 0o600)
        } catch {
            throw .badKey("\(path): \(error)")
        }
    }

    /// Parses a public key given as base64 of 32 octets.
    public static func publicKey(fromText text: String) -> Curve25519.Signing.PublicKey? {
        guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
    }
}

/// Files written so that a crash leaves either the old file or the whole new one: a temporary file in the same
/// directory, written, fsynced, renamed over the target, and the directory fsynced.
public enum DurableFile {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(Failure) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary =
            (directory.isEmpty ? "." : directory) + "/.tmp-\(getpid())-" + (path as NSString).lastPathComponent
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temporary): \(errnoText())") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let why = errnoText()
                close(fd)
                unlink(temporary)
                throw Failure(description: "cannot write \(temporary): \(why)")
            }
            offset += written
        }
        if fsync(fd) != 0 {
            let why = errnoText()
            close(fd)
            unlink(temporary)
            throw Failure(description: "cannot fsync \(temporary): \(why)")
        }
        close(fd)
        if rename(temporary, path) != 0 {
            let why = errnoText()
            unlink(temporary)
            throw Failure(description: "cannot rename \(temporary) to \(path): \(why)")
        }
        syncDirectory(directory.isEmpty ? "." : directory)
    }

    /// fsyncs a directory so a rename or unlink in it is durable.
    public static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

// SPDX-License-Identifier: Apache-2.0
import CZlib
import CZstd
import Foundation

/// Why a batch could not be packed or read. Each case is one clear line for the center's reply and the logs.
public enum BatchError: Error, Equatable, CustomStringConvertible {
    /// The compressed payload does not decompress (damaged, or not the declared compression).
    case undecodableCompression(String)
    /// The payload decompresses to more than the limit (a decompression bomb, or a batch past the schema's size).
    case tooLarge(limit: Int)
    /// The protobuf bytes do not parse as the message.
    case malformed(String)
    /// The signature is not 64 octets or does not verify with the sensor's key.
    case badSignature
    /// A key file that cannot be read, or holds no Ed25519 key.
    case badKey(String)
    /// The batch is readable but breaks the contract (wrong sensor, sequence, schema version).
    case invalid(String)

    public var description: String {
        switch self {
        case .undecodableCompression(let why): "payload does not decompress: \(why)"
        case .tooLarge(let limit): "payload decompresses to more than \(limit) bytes"
        case .malformed(let why): "not a valid batch: \(why)"
        case .badSignature: "the signature does not verify with the sensor's enrolled key"
        case .badKey(let why): why
        case .invalid(let why): why
        }
    }
}

extension Otsensor_Uplink_V1_Compression {
    /// The name used in configuration files and reports (`zstd`, `deflate`, `none`).
    public var name: String {
        switch self {
        case .zstd: "zstd"
        case .deflate: "deflate"
        case .none: "none"
        case .UNRECOGNIZED(let value): "compression \(value)"
        }
    }

    /// Parses a configuration value.
    public init?(name: String) {
        switch name {
        case "zstd": self = .zstd
        case "deflate": self = .deflate
        case "none": self = .none
        default: return nil
        }
    }
}

/// Payload compression for batches: Zstandard (RFC 8878, libzstd) or zlib-wrapped deflate (RFC 1950/1951, zlib).
/// Both are one-shot: a batch is compressed whole and read back whole, with a limit on the decompressed size.
public enum BatchCompression {
    /// Zstandard's level. Batches are small (about 20 KB for 64 pairs) and made once a minute, so the slowest
    /// level costs about 5 ms a batch and gives the smallest payload: on the 64-pair polling workload, 257 KB of
    /// payload where level 3 gives 283 KB and zlib's deflate 273 KB (README, "Uplink").
    public static let zstdLevel: Int32 = 19
    /// zlib's level: 6 is its default.
    public static let deflateLevel: Int32 = 6

    /// Compresses `bytes` as `compression` says.
    public static func compress(_ bytes: [UInt8], as compression: Otsensor_Uplink_V1_Compression) -> [UInt8] {
        switch compression {
        case .zstd:
            let bound = ZSTD_compressBound(bytes.count)
            var output = [UInt8](repeating: 0, count: bound)
            let written = output.withUnsafeMutableBytes { out in
                bytes.withUnsafeBytes { input in
                    ZSTD_compress(out.baseAddress, bound, input.baseAddress, input.count, zstdLevel)
                }
            }
            // Compression into a buffer of ZSTD_compressBound cannot fail.
            precondition(ZSTD_isError(written) == 0, "ZSTD_compress failed")
            output.removeSubrange(written...)
            return output
        case .deflate:
            var bound = compressBound(uLong(bytes.count))
            var output = [UInt8](repeating: 0, count: Int(bound))
            let status = output.withUnsafeMutableBufferPointer { out in
                bytes.withUnsafeBufferPointer { input in
                    compress2(out.baseAddress, &bound, input.baseAddress, uLong(input.count), deflateLevel)
                }
            }
            precondition(status == Z_OK, "compress2 failed")
            output.removeSubrange(Int(bound)...)
            return output
        default:
            return bytes
        }
    }

    /// Decompresses `bytes`, refusing output past `limit` bytes.
    ///
    /// - Throws: ``BatchError/tooLarge(limit:)`` past the limit; ``BatchError/undecodableCompression(_:)`` for
    ///   damaged input or an unknown compression.
    public static func decompress(
        _ bytes: [UInt8],
        as compression: Otsensor_Uplink_V1_Compression,
        limit: Int
    ) throws(BatchError) -> [UInt8] {
        switch compression {
        case .none:
            guard bytes.count <= limit else { throw .tooLarge(limit: limit) }
            return bytes
        case .zstd:
            return try decompressZstd(bytes, limit: limit)
        case .deflate:
            return try inflate(bytes, limit: limit)
        case .UNRECOGNIZED(let value):
            throw .undecodableCompression("unknown compression \(value)")
        }
    }

    /// Streams the frame through ZSTD_decompressStream so a frame that lies about (or omits) its content size
    /// still stops at the limit.
    private static func decompressZstd(_ bytes: [UInt8], limit: Int) throws(BatchError) -> [UInt8] {
        guard let stream = ZSTD_createDStream() else { throw .undecodableCompression("out of memory") }
        defer { ZSTD_freeDStream(stream) }
        var output: [UInt8] = []
        let chunk = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: chunk)
        var failure: BatchError?
        var finished = false
        bytes.withUnsafeBytes { input in
            var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            while failure == nil {
                let result = buffer.withUnsafeMutableBytes { out -> Int in
                    var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: chunk, pos: 0)
                    let code = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    if ZSTD_isError(code) != 0 {
                        failure = .undecodableCompression(String(cString: ZSTD_getErrorName(code)))
                        return 0
                    }
                    if code == 0 { finished = true }
                    return outBuffer.pos
                }
                if output.count + result > limit {
                    failure = .tooLarge(limit: limit)
                    break
                }
                output.append(contentsOf: buffer[0..<result])
                if finished && inBuffer.pos == inBuffer.size { break }
                if result == 0 && inBuffer.pos == inBuffer.size {
                    if !finished { failure = .undecodableCompression("truncated frame") }
                    break
                }
            }
        }
        if let failure { throw failure }
        return output
    }

    private static func inflate(_ bytes: [UInt8], limit: Int) throws(BatchError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .undecodableCompression("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        let chunk = 64 * 1024
        var buffer = [UInt8](repeating: 0, count: chunk)
        var failure: BatchError?
        var input = bytes
        input.withUnsafeMutableBufferPointer { inputPointer in
            stream.next_in = inputPointer.baseAddress
            stream.avail_in = uInt(inputPointer.count)
            while failure == nil {
                var status: Int32 = Z_OK
                let produced = buffer.withUnsafeMutableBufferPointer { out -> Int in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(chunk)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return chunk - Int(stream.avail_out)
                }
                if status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR {
                    failure = .undecodableCompression(stream.msg.map { String(cString: $0) } ?? "zlib error \(status)")
                    break
                }
                if output.count + produced > limit {
                    failure = .tooLarge(limit: limit)
                    break
                }
                output.append(contentsOf: buffer[0..<produced])
                if status == Z_STREAM_END { break }
                if produced == 0 {
                    failure = .undecodableCompression("truncated stream")
                    break
                }
            }
        }
        if let failure { throw failure }
        return output
    }
}

// SPDX-License-Identifier: Apache-2.0
public import Crypto
import Foundation
import SwiftProtobuf

/// The schema's names, shorter.
public typealias UplinkBatch = Otsensor_Uplink_V1_Batch
public typealias UplinkSignedBatch = Otsensor_Uplink_V1_SignedBatch
public typealias UplinkCompression = Otsensor_Uplink_V1_Compression

/// Packing and opening batches: serialize, compress, sign; and on the center's side, check the signature before
/// anything else, then decompress within a limit and parse.
public enum BatchEnvelope {
    /// The schema version this code writes and reads (`Batch.schema_version`).
    public static let schemaVersion: UInt32 = 1
    /// The largest batch the center reads after decompression (64 MiB).
    public static let maxDecompressedBytes = 64 * 1024 * 1024
    /// The largest sequence number (2^53: a batch a millisecond for 285,000 years), so that every sum and range
    /// over them stays exact.
    public static let maxSequence: UInt64 = 1 << 53
    /// Times are microseconds from 1970 to the end of 9999.
    public static let timeRange: ClosedRange<Int64> = 0...253_402_300_799_999_999
    /// The largest count a loss may report per field (2^40).
    public static let maxCount: UInt64 = 1 << 40

    /// Sensor IDs: 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'.
    public static func isValidSensorID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            }
    }

    /// Serializes, compresses and signs `batch`: the request body's message.
    public static func seal(
        _ batch: UplinkBatch,
        compression: UplinkCompression,
        key: SensorKey
    ) -> UplinkSignedBatch {
        // Serializing a message built in code cannot fail (no required fields in proto3).
        let bytes: [UInt8] = (try? batch.serializedBytes()) ?? []
        var signed = UplinkSignedBatch()
        signed.sensorID = batch.sensorID
        signed.sequence = batch.sequence
        signed.compression = compression
        signed.payload = Data(BatchCompression.compress(bytes, as: compression))
        signed.signature = Data(key.sign(Array(signed.payload)))
        return signed
    }

    /// Parses a request body as a signed batch (without checking it).
    ///
    /// - Throws: ``BatchError/malformed(_:)``.
    public static func parse(_ body: [UInt8]) throws(BatchError) -> UplinkSignedBatch {
        let signed: UplinkSignedBatch
        do {
            signed = try UplinkSignedBatch(serializedBytes: body)
        } catch {
            throw .malformed("the body is not a SignedBatch message (\(error))")
        }
        guard isValidSensorID(signed.sensorID) else {
            throw .malformed("the SignedBatch's sensor ID is not 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'")
        }
        return signed
    }

    /// Checks the signature with `publicKey`, then decompresses and parses the batch and checks it against the
    /// envelope and the schema.
    ///
    /// - Throws: ``BatchError/badSignature`` first; then the decompression, parse and contract errors.
    public static func open(
        _ signed: UplinkSignedBatch,
        publicKey: Curve25519.Signing.PublicKey,
        limit: Int = maxDecompressedBytes
    ) throws(BatchError) -> UplinkBatch {
        guard signed.signature.count == 64, publicKey.isValidSignature(signed.signature, for: signed.payload) else {
            throw .badSignature
        }
        let bytes = try BatchCompression.decompress(Array(signed.payload), as: signed.compression, limit: limit)
        let batch: UplinkBatch
        do {
            batch = try UplinkBatch(serializedBytes: bytes)
        } catch {
            throw .malformed("the payload is not a Batch message (\(error))")
        }
        guard batch.schemaVersion == schemaVersion else {
            throw .invalid(
                "schema version \(batch.schemaVersion) is not supported (this center reads \(schemaVersion))"
            )
        }
        guard batch.sensorID == signed.sensorID, batch.sequence == signed.sequence else {
            throw .invalid(
                "the batch names sensor \(batch.sensorID) sequence \(batch.sequence), the envelope \(signed.sensorID) \(signed.sequence)"
            )
        }
        guard batch.sequence > 0 else { throw .invalid("sequence numbers start at 1") }
        guard batch.sequence <= maxSequence else { throw .invalid("sequence \(batch.sequence) is past \(maxSequence)") }
        try checkRanges(batch)
        return batch
    }

    /// A SHA-256 digest of the signed payload, hex: what the center compares to tell a retry (same bytes) from a
    /// reused sequence number (different bytes).
    public static func digest(_ signed: UplinkSignedBatch) -> String {
        SHA256.hash(data: signed.payload).map { String(format: "%02x", $0) }.joined()
    }

    /// Times within ``timeRange`` and loss counts within ``maxCount``, so that nothing the center sums or subtracts
    /// can overflow.
    static func checkRanges(_ batch: UplinkBatch) throws(BatchError) {
        var times = [batch.startUs, batch.endUs, batch.createdUs]
        for window in batch.windows { times += [window.startUs, window.endUs] }
        for alert in batch.alerts { times.append(alert.timestampUs) }
        for change in batch.assetChanges {
            times += [change.timestampUs, change.asset.firstSeenUs, change.asset.lastSeenUs]
        }
        if let bad = times.first(where: { !timeRange.contains($0) }) {
            throw .invalid("time \(bad) µs is outside 1970 to 9999")
        }
        for loss in batch.losses {
            for count in [loss.windows, loss.pairs, loss.alerts, loss.assetChanges] where count > maxCount {
                throw .invalid("a loss counts \(count), past \(maxCount)")
            }
        }
    }
}

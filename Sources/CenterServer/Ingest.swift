// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Logging
import SummaryModel

/// The reply to one upload: an HTTP status and its JSON body.
///
/// The sensor's contract: 2xx is acknowledged, 4xx is never retried (the sensor records the batch as rejected),
/// 5xx is retried later.
public struct IngestReply: Sendable, Equatable {
    public var status: Int
    public var body: JSON

    static func refused(_ status: Int, _ code: String, _ error: String) -> IngestReply {
        IngestReply(status: status, body: .object(["status": .string(code), "error": .string(error)]))
    }
}

/// Ingest: checks an uploaded `SignedBatch` and stores it.
public struct Ingest: Sendable {
    /// The largest request body read (16 MiB): a batch of a busy hour, compressed, is far smaller (README).
    public static let defaultMaxBodyBytes = 16 * 1024 * 1024

    public let store: any CenterStore
    public let maxBodyBytes: Int
    public let logger: Logger

    public init(store: any CenterStore, maxBodyBytes: Int = Ingest.defaultMaxBodyBytes, logger: Logger) {
        self.store = store
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    /// The reply for a body past ``maxBodyBytes`` (the HTTP layer stops reading at the limit).
    public var tooLarge: IngestReply {
        .refused(413, "too_large", "the body is larger than \(maxBodyBytes) bytes")
    }

    /// Checks and stores one uploaded body.
    ///
    /// Refusals change nothing, except that a reused sequence number is
    /// recorded as a center event.
    public func ingest(_ body: [UInt8], receivedAt: Int64 = WallClock.microseconds()) async -> IngestReply {
        guard body.count <= maxBodyBytes else { return tooLarge }
        let signed: UplinkSignedBatch
        do {
            signed = try BatchEnvelope.parse(body)
        } catch {
            return .refused(400, "malformed", error.description)
        }
        var logger = logger
        logger[metadataKey: "sensor"] = "\(signed.sensorID)"
        logger[metadataKey: "sequence"] = "\(signed.sequence)"
        do {
            guard let sensor = try await store.sensor(id: signed.sensorID) else {
                logger.warning("batch from an unknown sensor refused")
                return .refused(401, "unknown_sensor", "sensor '\(signed.sensorID)' is not enrolled")
            }
            guard sensor.revokedMicroseconds == nil else {
                logger.warning("batch from a revoked sensor refused")
                return .refused(403, "revoked", "sensor '\(signed.sensorID)' is revoked")
            }
            guard let publicKey = SensorKey.publicKey(fromText: sensor.publicKey) else {
                return .refused(401, "bad_signature", "the enrolled key of '\(signed.sensorID)' is unreadable")
            }
            let batch: UplinkBatch
            do {
                batch = try BatchEnvelope.open(signed, publicKey: publicKey)
                try BatchRows.validate(batch)
            } catch .badSignature {
                logger.warning("batch with a bad signature refused")
                return .refused(401, "bad_signature", BatchError.badSignature.description)
            } catch {
                logger.warning("invalid batch refused", metadata: ["error": "\(error.description)"])
                return .refused(400, "invalid", error.description)
            }
            let digest = BatchEnvelope.digest(signed)
            if let stored = try await store.digest(sensor: signed.sensorID, sequence: signed.sequence) {
                return try await alreadyStored(signed, storedDigest: stored, digest: digest, logger: logger)
            }
            switch try await store.store(
                batch,
                digest: digest,
                payloadBytes: signed.payload.count,
                receivedAt: receivedAt
            )
            {
            case .stored:
                logger.debug("batch stored")
                return IngestReply(
                    status: 201,
                    body: .object(["status": "stored", "sequence": .integer(Int64(signed.sequence))])
                )
            case .exists(let stored):
                return try await alreadyStored(signed, storedDigest: stored, digest: digest, logger: logger)
            }
        } catch {
            logger.error("database failure", metadata: ["error": "\(error)"])
            return .refused(503, "unavailable", "the database failed; retry later")
        }
    }

    /// A retry of a stored batch (200), or a different batch under a stored sequence number (409, recorded).
    private func alreadyStored(
        _ signed: UplinkSignedBatch,
        storedDigest: String,
        digest: String,
        logger: Logger
    ) async throws -> IngestReply {
        if storedDigest == digest {
            return IngestReply(
                status: 200,
                body: .object(["status": "duplicate", "sequence": .integer(Int64(signed.sequence))])
            )
        }
        try await store.recordSequenceReused(
            sensor: signed.sensorID,
            sequence: signed.sequence,
            storedDigest: storedDigest,
            newDigest: digest
        )
        logger.warning(
            "sensor reused a sequence number for a different batch; refused",
            metadata: ["stored_digest": "\(storedDigest)", "digest": "\(digest)"]
        )
        return .refused(
            409,
            "sequence_reused",
            "sequence \(signed.sequence) is stored with different content (digest \(storedDigest.prefix(16))…)"
        )
    }
}

extension JSON: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import SummaryModel
import Testing

@Suite struct BatchEnvelopeTests {
    static func sampleBatch(sequence: UInt64 = 7) -> UplinkBatch {
        var batch = UplinkBatch()
        batch.schemaVersion = BatchEnvelope.schemaVersion
        batch.sensorID = "plant-7"
        batch.sequence = sequence
        batch.startUs = 1_700_000_000_000_000
        batch.endUs = 1_700_000_060_000_000
        var window = Otsensor_Uplink_V1_Window()
        window.startUs = batch.startUs
        window.endUs = batch.endUs
        for index in 0..<64 {
            var pair = Otsensor_Uplink_V1_PairSummary()
            pair.appProto = "modbus"
            pair.client = Data([10, 0, 0, UInt8(index)])
            pair.server = Data([10, 0, 1, UInt8(index)])
            pair.serverPort = 502
            pair.ipProtocol = 6
            pair.packetsToServer = 1200
            var function = Otsensor_Uplink_V1_FunctionCount()
            function.unitIdentifierPlusOne = 2
            function.functionCode = 3
            function.count = 600
            pair.functions = [function]
            window.pairs.append(pair)
        }
        batch.windows = [window]
        return batch
    }

    // MARK: - valid

    @Test(arguments: [UplinkCompression.zstd, .deflate, .none])
    func sealsAndOpens(compression: UplinkCompression) throws {
        let key = SensorKey()
        let batch = Self.sampleBatch()
        let signed = BatchEnvelope.seal(batch, compression: compression, key: key)
        #expect(signed.sensorID == "plant-7")
        #expect(signed.sequence == 7)
        #expect(signed.signature.count == 64)
        let body = try signed.serializedBytes() as [UInt8]
        let parsed = try BatchEnvelope.parse(body)
        let opened = try BatchEnvelope.open(parsed, publicKey: SensorKey.publicKey(fromText: key.publicKeyText)!)
        #expect(opened == batch)
        let raw = try batch.serializedBytes() as [UInt8]
        if compression == .none {
            #expect(signed.payload.count == raw.count)
        } else {
            // 64 near-identical pairs compress well below half.
            #expect(signed.payload.count * 2 < raw.count)
        }
    }

    @Test func keyFileRoundTripsWithMode0600() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/sensor.key"
        let key = SensorKey()
        try key.write(to: path)
        let read = try SensorKey.read(from: path)
        #expect(read.publicKeyText == key.publicKeyText)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(throws: BatchError.self) { try key.write(to: path) }
    }

    // MARK: - malformed

    @Test func refusesAnotherKeysSignature() throws {
        let signed = BatchEnvelope.seal(Self.sampleBatch(), compression: .zstd, key: SensorKey())
        let other = SensorKey.publicKey(fromText: SensorKey().publicKeyText)!
        #expect(throws: BatchError.badSignature) { try BatchEnvelope.open(signed, publicKey: other) }
    }

    @Test func refusesAChangedPayload() throws {
        let key = SensorKey()
        var signed = BatchEnvelope.seal(Self.sampleBatch(), compression: .zstd, key: key)
        var payload = signed.payload
        payload[payload.count / 2] ^= 0x01
        signed.payload = payload
        #expect(throws: BatchError.badSignature) {
            try BatchEnvelope.open(signed, publicKey: key.privateKey.publicKey)
        }
    }

    @Test func refusesGarbageBodies() {
        #expect(throws: BatchError.self) { try BatchEnvelope.parse(Array("GET / HTTP/1.1\r\n".utf8)) }
        #expect(throws: BatchError.self) { try BatchEnvelope.parse([]) }
    }

    @Test func refusesAnEnvelopeThatDisagreesWithItsBatch() throws {
        let key = SensorKey()
        var signed = BatchEnvelope.seal(Self.sampleBatch(), compression: .zstd, key: key)
        signed.sequence = 8
        #expect(throws: BatchError.invalid("the batch names sensor plant-7 sequence 7, the envelope plant-7 8")) {
            try BatchEnvelope.open(signed, publicKey: key.privateKey.publicKey)
        }
    }

    // MARK: - limits

    @Test(arguments: [UplinkCompression.zstd, .deflate])
    func stopsADecompressionBombAtTheLimit(compression: UplinkCompression) {
        let zeros = [UInt8](repeating: 0, count: 4 * 1024 * 1024)
        let packed = BatchCompression.compress(zeros, as: compression)
        #expect(packed.count < 64 * 1024)
        #expect(throws: BatchError.tooLarge(limit: 1024 * 1024)) {
            try BatchCompression.decompress(packed, as: compression, limit: 1024 * 1024)
        }
        #expect((try? BatchCompression.decompress(packed, as: compression, limit: zeros.count)) == zeros)
    }

    @Test(arguments: [UplinkCompression.zstd, .deflate])
    func refusesTruncatedAndDamagedStreams(compression: UplinkCompression) {
        let packed = BatchCompression.compress(Array(repeating: 0x41, count: 10_000), as: compression)
        #expect(throws: BatchError.self) {
            try BatchCompression.decompress(Array(packed.prefix(packed.count / 2)), as: compression, limit: 1 << 20)
        }
        #expect(throws: BatchError.self) {
            try BatchCompression.decompress(Array(repeating: 0xFF, count: 100), as: compression, limit: 1 << 20)
        }
    }
}

@Suite struct BatchContractLimitTests {
    static func sealed(_ change: (inout UplinkBatch) -> Void, key: SensorKey) -> UplinkSignedBatch {
        var batch = BatchEnvelopeTests.sampleBatch()
        change(&batch)
        return BatchEnvelope.seal(batch, compression: .zstd, key: key)
    }

    /// Values a signed batch may not carry, because the center sums, subtracts or logs them.
    @Test func refusesValuesPastTheContractsLimits() throws {
        let key = SensorKey()
        let cases: [(inout UplinkBatch) -> Void] = [
            { $0.sequence = BatchEnvelope.maxSequence + 1 },
            { $0.endUs = Int64.min },
            { $0.startUs = -1 },
            { $0.alerts = [Otsensor_Uplink_V1_Alert.with { $0.timestampUs = Int64.max }] },
            { $0.losses = [Otsensor_Uplink_V1_Loss.with { $0.windows = UInt64(Int64.max) }] },
        ]
        for change in cases {
            var signed = Self.sealed(change, key: key)
            signed.sequence = try UplinkBatch(
                serializedBytes: BatchCompression.decompress(
                    Array(signed.payload),
                    as: .zstd,
                    limit: 1 << 20
                )
            ).sequence
            #expect(throws: BatchError.self) { try BatchEnvelope.open(signed, publicKey: key.privateKey.publicKey) }
        }
        // A sensor ID that is not one (a log line, 100 KB) is refused before any lookup.
        var envelope = Self.sealed({ _ in }, key: key)
        for id in ["plant-7\n2026 critical forged", String(repeating: "a", count: 100_000), ""] {
            envelope.sensorID = id
            let body: [UInt8] = try envelope.serializedBytes()
            #expect(throws: BatchError.self) { try BatchEnvelope.parse(body) }
        }
    }

    @Test func refusesAKeyFileOthersMayRead() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SensorKey().write(to: path)
        chmod(path, 0o644)
        #expect(throws: BatchError.self) { try SensorKey.read(from: path) }
        chmod(path, 0o600)
        _ = try SensorKey.read(from: path)
    }
}

import Foundation
import Hummingbird
import HummingbirdTesting
import SummaryModel
import Testing

// SPDX-License-Identifier: Apache-2.0
@testable import CenterServer

/// Ingest through the router, the same on both databases: each refusal leaves every table as it was.
enum IngestScenarios {
    static func storesANewBatch(_ kind: StoreKind) async throws {
        try await withTestStore(kind) { store in
            let key = try await enroll(store)
            let alerts = [makeAlert(sid: 1_000_001, severity: 1, signature: "Modbus write", techniques: ["T0836"])]
            let change = makeAssetChange(address: [10, 0, 1, 1], change: "new", at: baseTime, roles: ["server"])
            let batch = makeBatch(
                sensor: "plant-1",
                sequence: 1,
                windows: 2,
                pairs: 3,
                alerts: alerts,
                assetChanges: [change]
            )
            try await ingestApplication(store).test(.router) { client in
                let (status, body) = try await post(client, try sealed(batch, key))
                #expect(status == 201)
                #expect(body == .object(["sequence": .integer(1), "status": "stored"]))
            }
            let counts = try await store.rowCounts()
            #expect(counts["batches"] == 1)
            #expect(counts["windows"] == 2)
            #expect(counts["summaries"] == 6)
            #expect(counts["alerts"] == 1)
            #expect(counts["assets"] == 1)
            #expect(counts["health"] == 1)
            #expect(counts["center_events"] == 0)
        }
    }

    static func duplicateIsAcknowledgedAndNotStoredTwice(_ kind: StoreKind) async throws {
        try await withTestStore(kind) { store in
            let key = try await enroll(store)
            let body = try sealed(
                makeBatch(sensor: "plant-1", sequence: 1, alerts: [makeAlert(sid: 1, severity: 2, signature: "x")]),
                key
            )
            try await ingestApplication(store).test(.router) { client in
                #expect(try await post(client, body).0 == 201)
                let before = try await store.rowCounts()
                let (status, reply) = try await post(client, body)
                #expect(status == 200)
                #expect(reply?["status"] == "duplicate")
                #expect(try await store.rowCounts() == before)
                #expect(before["batches"] == 1 && before["alerts"] == 1 && before["summaries"] == 2)
            }
        }
    }

    static func reusedSequenceIsRefusedAndRecorded(_ kind: StoreKind) async throws {
        try await withTestStore(kind) { store in
            let key = try await enroll(store)
            let first = BatchEnvelope.seal(
                makeBatch(sensor: "plant-1", sequence: 7, pairs: 2),
                compression: .zstd,
                key: key
            )
            let second = BatchEnvelope.seal(
                makeBatch(sensor: "plant-1", sequence: 7, pairs: 5),
                compression: .zstd,
                key: key
            )
            try await ingestApplication(store).test(.router) { client in
                #expect(try await post(client, try first.serializedBytes()).0 == 201)
                let before = try await store.rowCounts()
                let (status, reply) = try await post(client, try second.serializedBytes())
                #expect(status == 409)
                #expect(reply?["status"] == "sequence_reused")
                #expect(reply?["error"]?.stringValue?.isEmpty == false)
                var after = try await store.rowCounts()
                #expect(after["center_events"] == 1)
                after["center_events"] = before["center_events"]
                #expect(after == before)
            }
            let events = try await store.query(.events, QueryFilter())
            #expect(events.items.count == 1)
            let event = try #require(events.items.first)
            #expect(event["kind"] == "sequence_reused")
            #expect(event["sensor"] == "plant-1")
            #expect(event["sequence"] == .integer(7))
            #expect(event["old_digest"] == .string(BatchEnvelope.digest(first)))
            #expect(event["new_digest"] == .string(BatchEnvelope.digest(second)))
            let sensors = try await store.query(.sensors, QueryFilter())
            #expect(sensors.items.first?["sequence_reused"] == .integer(1))
        }
    }

    /// Each refusal: its status, its `status` text, and no row changed.
    static func refusalsChangeNothing(_ kind: StoreKind) async throws {
        try await withTestStore(kind) { store in
            let key = try await enroll(store)
            let revokedKey = try await enroll(store, "old-sensor")
            try await store.revokeSensor(id: "old-sensor")
            let valid = makeBatch(sensor: "plant-1", sequence: 1)

            var wrongSchema = valid
            wrongSchema.schemaVersion = 2
            var wrongSensor = valid
            wrongSensor.sensorID = "plant-2"
            let mismatch = BatchEnvelope.seal(wrongSensor, compression: .zstd, key: key)
            var mismatchEnvelope = mismatch
            mismatchEnvelope.sensorID = "plant-1"
            mismatchEnvelope.signature = Data(key.sign(Array(mismatchEnvelope.payload)))
            var forged = BatchEnvelope.seal(valid, compression: .zstd, key: SensorKey())
            forged.sensorID = "plant-1"
            var tampered = BatchEnvelope.seal(valid, compression: .zstd, key: key)
            tampered.payload[tampered.payload.count - 1] ^= 0xFF
            let badRange = makeBatch(sensor: "plant-1", sequence: 3, replaces: [2...3])

            let cases: [(String, [UInt8], Int, String)] = [
                ("garbage", Array("this is not protobuf \u{01}\u{02}\u{FF}".utf8), 400, "malformed"),
                ("empty", [], 400, "malformed"),
                ("unknown sensor", try sealed(makeBatch(sensor: "nobody", sequence: 1), key), 401, "unknown_sensor"),
                ("revoked", try sealed(makeBatch(sensor: "old-sensor", sequence: 1), revokedKey), 403, "revoked"),
                ("forged signature", try forged.serializedBytes(), 401, "bad_signature"),
                ("tampered payload", try tampered.serializedBytes(), 401, "bad_signature"),
                ("schema version 2", try sealed(wrongSchema, key), 400, "invalid"),
                ("sensor mismatch", try mismatchEnvelope.serializedBytes(), 400, "invalid"),
                ("replaces itself", try sealed(badRange, key), 400, "invalid"),
                ("oversized", [UInt8](repeating: 0x0A, count: 5000), 413, "too_large"),
            ]
            let before = try await store.rowCounts()
            try await ingestApplication(store, maxBodyBytes: 4096).test(.router) { client in
                for (name, body, expected, code) in cases {
                    let (status, reply) = try await post(client, body)
                    #expect(status == expected, "\(name)")
                    #expect(reply?["status"] == .string(code), "\(name)")
                    #expect(reply?["error"]?.stringValue?.isEmpty == false, "\(name)")
                }
            }
            #expect(try await store.rowCounts() == before)
        }
    }

    /// Two stores (two center processes on PostgreSQL) storing the same batch at once: exactly one stores it.
    static func racingStoresStoreOnce(_ kind: StoreKind) async throws {
        let location = try kind.freshLocation()
        try await withCenterStore(location, logger: testLogger) { first in
            try await withCenterStore(location, logger: testLogger) { second in
                let key = try await enroll(first)
                for sequence in UInt64(1)...10 {
                    let signed = BatchEnvelope.seal(
                        makeBatch(sensor: "plant-1", sequence: sequence, pairs: 20),
                        compression: .zstd,
                        key: key
                    )
                    let batch = try BatchEnvelope.open(signed, publicKey: key.privateKey.publicKey)
                    let digest = BatchEnvelope.digest(signed)
                    async let a = first.store(batch, digest: digest, payloadBytes: 1)
                    async let b = second.store(batch, digest: digest, payloadBytes: 1)
                    let outcomes = try await [a, b]
                    #expect(outcomes.filter { $0 == .stored }.count == 1)
                    #expect(outcomes.contains(.exists(digest: digest)))
                }
                let counts = try await first.rowCounts()
                #expect(counts["batches"] == 10)
                #expect(counts["summaries"] == 200)
            }
        }
        if case .sqlite(let directory) = location { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Migrations run once: opening again, and several openers at once, leave one version row and working tables.
    static func migrationsAreIdempotent(_ kind: StoreKind) async throws {
        let location = try kind.freshLocation()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { try await withCenterStore(location, logger: testLogger) { _ in } }
            }
            try await group.waitForAll()
        }
        try await withCenterStore(location, logger: testLogger) { store in
            try await store.migrate()
            let versions = try await store.database.sql.query(SQLStatement("SELECT version FROM schema_migrations"))
            #expect(versions.map { $0.int(0) } == [1])
            _ = try await enroll(store)
            #expect(try await store.rowCounts()["sensors"] == 1)
        }
        if case .sqlite(let directory) = location { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Assets take the state of the latest change by timestamp, whatever order batches arrive in; first and last
    /// seen widen.
    ///
    /// Health keeps the newest batch's.
    static func latestStateWinsRegardlessOfArrival(_ kind: StoreKind) async throws {
        try await withTestStore(kind) { store in
            let key = try await enroll(store)
            let address: [UInt8] = [10, 0, 1, 9]
            let newer = makeBatch(
                sensor: "plant-1",
                sequence: 2,
                assetChanges: [
                    makeAssetChange(
                        address: address,
                        change: "updated",
                        at: baseTime + 2_000_000,
                        roles: ["server"],
                        vendor: "Acme"
                    )
                ]
            )
            let older = makeBatch(
                sensor: "plant-1",
                sequence: 1,
                assetChanges: [
                    makeAssetChange(address: address, change: "new", at: baseTime + 1_000_000, roles: ["client"]),
                    makeAssetChange(address: [10, 0, 1, 10], change: "new", at: baseTime, roles: ["client"]),
                ]
            )
            try await ingestApplication(store).test(.router) { client in
                let newerBody = try sealed(newer, key)
                let olderBody = try sealed(older, key)
                #expect(try await post(client, newerBody).0 == 201)
                #expect(try await post(client, olderBody).0 == 201)
            }
            var filter = QueryFilter()
            filter.sensor = "plant-1"
            let assets = try await store.query(.assets, filter)
            #expect(assets.items.count == 2)
            let asset = try #require(assets.items.first { $0["address"] == "10.0.1.9" })
            let roles = try #require(asset["roles"])
            #expect(JSON.parse(roles.text) == .array(["server"]))
            #expect(JSON.parse(try #require(asset["macs"]).text) == .array(["00:11:22:33:44:55"]))
            #expect(asset["identity"]?["vendor"] == "Acme")
            #expect(asset["first_seen"] == .string(RFC3339.format(microseconds: baseTime + 1_000_000)))
            #expect(asset["last_seen"] == .string(RFC3339.format(microseconds: baseTime + 2_000_000)))
            #expect(asset["last_change"]?["change"] == "updated")
            #expect(asset["last_change"]?["sequence"] == .integer(2))
            let sensors = try await store.query(.sensors, QueryFilter())
            let health = try #require(sensors.items.first?["health"])
            #expect(JSON.parse(health.text)?["uptimeSeconds"] == "102")
        }
    }

    /// A database that fails answers 503 (the sensor retries).
    static func databaseFailureIs503() async throws {
        let store = FailingStore()
        let key = SensorKey()
        try await ingestApplication(store).test(.router) { client in
            let (status, reply) = try await post(client, try sealed(makeBatch(sensor: "plant-1", sequence: 1), key))
            #expect(status == 503)
            #expect(reply?["status"] == "unavailable")
        }
        try await apiApplication(store).test(.router) { client in
            let (status, _) = try await get(client, "/v1/alerts")
            #expect(status == 503)
        }
    }
}

/// A store whose database fails every statement.
final class FailingStore: CenterStore {
    struct Failure: Error {}
    struct FailingExecutor: SQLExecutor {
        let dialect = SQLDialect.sqlite
        func query(_ statement: SQLStatement) async throws -> [SQLRow] { throw Failure() }
        func write(_ statement: SQLStatement) async throws -> [SQLRow] { throw Failure() }
        func claimAndWrite(_ claim: SQLStatement, then rest: [SQLStatement]) async throws -> Bool { throw Failure() }
        func migrate(_ migrations: [Migration]) async throws { throw Failure() }
    }
    let database = CenterDatabase(sql: FailingExecutor())
    func run() async throws {}
}

import Foundation
import Hummingbird
import HummingbirdTesting
import SummaryModel
import Testing

// SPDX-License-Identifier: Apache-2.0
@testable import CenterServer

/// Gaps and queries, the same on both databases.
enum QueryScenarios {
    /// Stored 1, 2, 5; 6 replaces 3; 7 reports 4 lost: no gaps.
    ///
    /// Then 10 arrives: 8 and 9 are a gap.
    static func gapsAccountForReplacedAndLostBatches(_ kind: StoreKind) async throws {
        try await withTestStore(kind) { store in
            let key = try await enroll(store)
            let batches = [
                makeBatch(sensor: "plant-1", sequence: 1),
                makeBatch(sensor: "plant-1", sequence: 2),
                makeBatch(sensor: "plant-1", sequence: 5),
                makeBatch(sensor: "plant-1", sequence: 6, replaces: [3...3]),
                makeBatch(sensor: "plant-1", sequence: 7, losses: [(ranges: [4...4], reason: "quota", windows: 3)]),
            ]
            let ingest = Ingest(store: store, logger: testLogger)
            for batch in batches {
                #expect(await ingest.ingest(try sealed(batch, key)).status == 201)
            }
            #expect(try await store.completeness(sensor: "plant-1") == Completeness(highest: 7, gaps: []))

            #expect(await ingest.ingest(try sealed(makeBatch(sensor: "plant-1", sequence: 10), key)).status == 201)
            #expect(
                await ingest.ingest(
                    try sealed(
                        makeBatch(
                            sensor: "plant-1",
                            sequence: 14,
                            losses: [(ranges: [12...13], reason: "rejected", windows: 1)]
                        ),
                        key
                    )
                ).status == 201
            )
            let completeness = try await store.completeness(sensor: "plant-1")
            #expect(completeness == Completeness(highest: 14, gaps: [8...9, 11...11]))
            #expect(completeness.missing == 3)

            let sensor = try #require(try await store.query(.sensors, QueryFilter()).items.first)
            #expect(sensor["id"] == "plant-1")
            #expect(sensor["batches"] == .integer(7))
            #expect(sensor["last_sequence"] == .integer(14))
            #expect(
                sensor["gaps"]
                    == .object([
                        "count": .integer(3),
                        "ranges": .array([
                            .object(["first": .integer(8), "last": .integer(9)]),
                            .object(["first": .integer(11), "last": .integer(11)]),
                        ]),
                    ])
            )
            let losses = try #require(sensor["losses"])
            #expect(losses["batches"] == .integer(3))
            #expect(losses["windows"] == .integer(4))
            #expect(losses["pairs"] == .integer(8))
            #expect(losses["by_reason"]?["quota"]?["batches"] == .integer(1))
            #expect(losses["by_reason"]?["rejected"]?["batches"] == .integer(2))
            // Batch 14 ended at base + 15 min and was received now: the lag is positive and large.
            #expect((sensor["lag_seconds"].flatMap { if case .number(let value) = $0 { value } else { nil } } ?? 0) > 0)
            #expect(sensor["last_seen"]?.stringValue?.hasSuffix("Z") == true)
        }
    }

    /// Alerts by severity, signature id, signature text, technique, time and sensor.
    static func alertFiltersSelectTheRightRows(_ kind: StoreKind) async throws {
        try await withTestStore(kind) { store in
            let key = try await enroll(store)
            let other = try await enroll(store, "plant-2")
            let alerts = [
                makeAlert(
                    sid: 1_000_001,
                    severity: 1,
                    signature: "MODBUS Write to coil",
                    techniques: ["T0836", "T0855"],
                    at: 0
                ),
                makeAlert(
                    sid: 1_000_002,
                    severity: 2,
                    signature: "Modbus diagnostic restart",
                    techniques: ["T0816"],
                    at: 10_000_000
                ),
                makeAlert(
                    sid: 1_000_003,
                    severity: 3,
                    signature: "DNP3 cold restart 100%",
                    techniques: [],
                    at: 20_000_000
                ),
            ]
            let ingest = Ingest(store: store, logger: testLogger)
            #expect(
                await ingest.ingest(try sealed(makeBatch(sensor: "plant-1", sequence: 1, alerts: alerts), key)).status
                    == 201
            )
            #expect(
                await ingest.ingest(
                    try sealed(
                        makeBatch(
                            sensor: "plant-2",
                            sequence: 1,
                            alerts: [makeAlert(sid: 9, severity: 1, signature: "other")]
                        ),
                        other
                    )
                ).status == 201
            )
            func sids(_ parameters: [(String, String)]) async throws -> [Int64] {
                let page = try await store.query(.alerts, try QueryFilter(kind: .alerts, parameters: parameters))
                return page.items.compactMap { $0["signature_id"]?.integerValue }
            }
            #expect(try await sids([]) == [1_000_001, 1_000_002, 1_000_003, 9])
            #expect(try await sids([("severity", "1")]) == [1_000_001, 9])
            #expect(try await sids([("severity", "2")]) == [1_000_001, 1_000_002, 9])
            #expect(try await sids([("signature", "1000002")]) == [1_000_002])
            #expect(try await sids([("signature", "modbus")]) == [1_000_001, 1_000_002])
            #expect(try await sids([("signature", "100%")]) == [1_000_003])
            #expect(try await sids([("signature", "0%")]) == [1_000_003])
            #expect(try await sids([("signature", "_")]) == [])
            #expect(try await sids([("technique", "t0836")]) == [1_000_001])
            #expect(try await sids([("technique", "T0855")]) == [1_000_001])
            #expect(try await sids([("technique", "T08")]) == [])
            #expect(try await sids([("sensor", "plant-2")]) == [9])
            let since = RFC3339.format(microseconds: baseTime + 10_000_000)
            #expect(try await sids([("since", since), ("sensor", "plant-1")]) == [1_000_002, 1_000_003])
            let until = String((baseTime + 10_000_000) / 1_000_000)
            #expect(try await sids([("until", until), ("sensor", "plant-1")]) == [1_000_001])

            let first = try #require(try await store.query(.alerts, QueryFilter()).items.first)
            #expect(first["techniques"] == .array(["T0836", "T0855"]))
            #expect(first["eve"]?["event_type"] == "alert")
            #expect(first["eve"]?["alert"]?["signature_id"] == .integer(1_000_001))
            #expect(first["timestamp"] == .string(RFC3339.format(microseconds: baseTime)))
            #expect(first["src_ip"] == "10.0.0.5" && first["dest_port"] == .integer(502))
            // The document survives a round trip through its text (valid JSON).
            #expect(JSON.parse(first.text)?["eve"]?["src_ip"] == "10.0.0.5")
        }
    }

    /// limit 2 over 5 rows: three pages, together every row once, in id order.
    static func paginationWalksEveryRowOnce(_ kind: StoreKind) async throws {
        try await withTestStore(kind) { store in
            let key = try await enroll(store)
            let alerts = (1...5).map { makeAlert(sid: UInt64($0), severity: 1, signature: "a\($0)", at: Int64($0)) }
            let ingest = Ingest(store: store, logger: testLogger)
            #expect(
                await ingest.ingest(try sealed(makeBatch(sensor: "plant-1", sequence: 1, alerts: alerts), key)).status
                    == 201
            )
            try await apiApplication(store).test(.router) { client in
                var seen: [Int64] = []
                var ids: [Int64] = []
                var uri = "/v1/alerts?limit=2"
                var pages = 0
                while true {
                    let (status, body) = try await get(client, uri)
                    #expect(status == 200)
                    let page = try #require(body)
                    let items = try #require(page["items"]?.arrayValue)
                    #expect(items.count <= 2)
                    seen += items.compactMap { $0["signature_id"]?.integerValue }
                    ids += items.compactMap { $0["id"]?.integerValue }
                    pages += 1
                    guard let next = page["next"]?.stringValue else { break }
                    uri = "/v1/alerts?limit=2&after=\(next)"
                    if pages > 5 { break }
                }
                #expect(pages == 3)
                #expect(seen == [1, 2, 3, 4, 5])
                #expect(ids == ids.sorted() && Set(ids).count == 5)
                let (badStatus, bad) = try await get(client, "/v1/alerts?after=bm9wZQ")
                #expect(badStatus == 400)
                #expect(bad?["error"]?.stringValue?.hasPrefix("after:") == true)
                #expect(try await get(client, "/v1/summaries?after=" + Cursor.encode(kind: .alerts, key: "3")).0 == 400)
            }
            // Sensors page by id too.
            for index in 2...4 { _ = try await enroll(store, "plant-\(index)") }
            var filter = QueryFilter()
            filter.limit = 3
            let first = try await store.query(.sensors, filter)
            #expect(first.items.compactMap { $0["id"]?.stringValue } == ["plant-1", "plant-2", "plant-3"])
            filter.after = try Cursor.decode(try #require(first.next), kind: .sensors)
            let second = try await store.query(.sensors, filter)
            #expect(second.items.compactMap { $0["id"]?.stringValue } == ["plant-4"])
            #expect(second.next == nil)
        }
    }

    /// Summaries by client, server, protocol and window; each with its counters and the whole pair.
    static func summariesFilterAndCarryThePair(_ kind: StoreKind) async throws {
        try await withTestStore(kind) { store in
            let key = try await enroll(store)
            let ingest = Ingest(store: store, logger: testLogger)
            #expect(
                await ingest.ingest(try sealed(makeBatch(sensor: "plant-1", sequence: 1, windows: 2, pairs: 4), key))
                    .status == 201
            )
            try await apiApplication(store).test(.router) { client in
                let (status, body) = try await get(client, "/v1/summaries?client=10.0.0.1&app_proto=modbus")
                #expect(status == 200)
                let items = try #require(body?["items"]?.arrayValue)
                #expect(items.count == 2)
                let item = try #require(items.first)
                #expect(item["server"] == "10.0.1.1")
                #expect(item["server_port"] == .integer(502))
                #expect(item["packets_to_server"] == .integer(10))
                #expect(item["bytes_to_client"] == .integer(900))
                #expect(item["window_start"] == .string(RFC3339.format(microseconds: baseTime + 60_000_000)))
                #expect(item["pair"]?["appProto"] == "modbus")
                #expect(item["pair"]?["functions"]?.arrayValue?.first?["functionCode"] == .integer(3))
                #expect(body?["next"] == .null)

                let since = RFC3339.format(microseconds: baseTime + 70_000_000)
                let (_, later) = try await get(client, "/v1/summaries?since=\(since)")
                #expect(later?["items"]?.arrayValue?.count == 4)
                let (_, server) = try await get(client, "/v1/summaries?server=10.0.1.2&app_proto=dnp3")
                #expect(server?["items"]?.arrayValue?.count == 2)
                let (badStatus, bad) = try await get(client, "/v1/summaries?severity=1")
                #expect(badStatus == 400)
                #expect(bad?["error"]?.stringValue?.hasPrefix("severity: not a filter of summaries") == true)
                #expect(try await get(client, "/v1/summaries?client=nohost").0 == 400)
                #expect(try await get(client, "/v1/health").1 == .object(["status": "ok"]))
            }
        }
    }
}

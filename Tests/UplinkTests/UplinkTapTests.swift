// SPDX-License-Identifier: Apache-2.0
import Detection
import Foundation
import SensorEngine
import SensorTestSupport
import SummaryModel
import Testing
import Uplink

@Suite struct UplinkTapTests {
    /// The attack capture through the engine twice: once to the EVE writer, once through the tap. The tap hands
    /// over exactly the EVE log's alert records, and its windows become one batch per window.
    @Test func handsOverTheEVEAlertRecordsAndTheWindows() throws {
        let capture = SharedData.projectCapture("dnp3/attack-dnp3.pcap").path
        var configuration = EngineConfiguration()
        configuration.summaries = SummaryLimits()
        configuration.rules = try Self.shippedRules()
        let expected = try ReplayHarness.replay([capture], configuration: configuration)
        let expectedAlerts = expected.lines.filter { $0.contains(#""event_type":"alert""#) }

        var records: [UpstreamRecord] = []
        let tap = UplinkTap(primary: DiscardingSink(), forwardSummaries: false) { records.append($0) }
        _ = try ReplayHarness.run([capture], sink: tap, configuration: configuration)
        let alerts = records.compactMap { record -> String? in
            if case .alert(let line) = record { return String(decoding: line, as: UTF8.self) }
            return nil
        }
        #expect(alerts.count == 4)
        #expect(alerts == expectedAlerts)
        var assembler = BatchAssembler()
        var batches: [BatchContent] = []
        for record in records { if let batch = assembler.add(record) { batches.append(batch) } }
        if let last = assembler.cut() { batches.append(last) }
        let summaries = expected.records(ofType: "summary")
        let windows = Set(summaries.compactMap { ($0["summary"] as? [String: Any])?["window_start"] as? String })
        #expect(!windows.isEmpty)
        #expect(batches.flatMap(\.windows).count == windows.count)
        #expect(batches.flatMap(\.alerts).count == expectedAlerts.count)
        // The alert's key fields come from its record.
        let first = try #require(batches.flatMap(\.alerts).first)
        let record = try #require(expected.records(ofType: "alert").first)
        let alert = try #require(record["alert"] as? [String: Any])
        #expect(first.signatureID == UInt64(alert["signature_id"] as? Int ?? -1))
        #expect(first.signature == alert["signature"] as? String)
        #expect(first.srcIp == record["src_ip"] as? String)
        #expect(first.severity == UInt32(alert["severity"] as? Int ?? -1))
        let metadata = alert["metadata"] as? [String: Any]
        #expect(first.techniques == (metadata?["mitre_attack_ics"] as? [String] ?? []))
        // EVE time 2026-…+0000 → microseconds.
        #expect(first.timestampUs > 1_700_000_000_000_000)
        #expect(first.timestampUs % 1_000_000 == Int64(Self.fraction(record["timestamp"] as? String ?? "")))
        // Pair summaries carry the EVE summaries' counts (one EVE record per pair and window).
        let batchPairs = batches.flatMap(\.windows).flatMap(\.pairs)
        #expect(batchPairs.count == summaries.count)
        #expect(
            batchPairs.map { Int($0.packetsToServer) }.sorted()
                == summaries.compactMap { ($0["summary"] as? [String: Any])?["pkts_toserver"] as? Int }.sorted()
        )
        #expect(
            batchPairs.map { Int($0.functions.reduce(0) { $0 + $1.count }) }.sorted()
                == summaries.map { record in
                    let functions = (record["summary"] as? [String: Any])?["functions"] as? [[String: Any]] ?? []
                    return functions.reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
                }.sorted()
        )
    }

    static func shippedRules() throws -> Detection.RuleSet {
        let folder = SharedData.packageRoot.appendingPathComponent("Signatures")
        var rules: [Detection.Rule] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        where name.hasSuffix(".rules") {
            let path = folder.appendingPathComponent(name).path
            rules += Detection.parseRules(try String(contentsOfFile: path, encoding: .utf8), file: path).rules
        }
        return try Detection.RuleSet(rules: rules)
    }

    static func fraction(_ timestamp: String) -> Int {
        guard let dot = timestamp.firstIndex(of: ".") else { return -1 }
        return Int(timestamp[timestamp.index(after: dot)...].prefix(6)) ?? -1
    }
}

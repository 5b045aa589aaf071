// SPDX-License-Identifier: Apache-2.0
import Detection
import Foundation
import SensorEngine
import SensorTestSupport
import Testing

/// Noise control: a rule raises at most ``EngineConfiguration/maxAlertsPerRulePerFlow`` alerts on one flow; the
/// matches past it are counted per signature in the summary and on the flow's record, and each flow has its own
/// allowance.
@Suite struct AlertNoiseTests {
    /// Two HMIs, one connection each, each writing a coil 25 times (every write answered).
    static func frames() -> [[UInt8]] {
        let writes = Array(repeating: (request: "05 0010 FF00", response: Optional("05 0010 FF00")), count: 25)
        return Wire.tcp(MB.session(writes), serverPort: 502)
            + Wire.tcp(MB.session(writes), client: [10, 0, 0, 3], serverPort: 502)
    }

    static func replay(limit: Int) throws -> ReplayResult {
        var configuration = EngineConfiguration()
        let parsed = Detection.parseRules(
            #"alert modbus any any -> any any (msg:"coil write"; modbus: access write coils; sid:7; rev:1;)"#,
            file: "t.rules"
        )
        configuration.rules = try Detection.RuleSet(rules: parsed.rules)
        configuration.maxAlertsPerRulePerFlow = limit
        let url = PcapFileWriter.temporaryURL("noise.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(frames(), to: url)
        return try ReplayHarness.replay(url, configuration: configuration)
    }

    @Test func eachFlowRaisesTheLimitAndCountsTheRest() throws {
        let result = try Self.replay(limit: 10)
        let alerts = result.records(ofType: "alert")
        let flows = result.records(ofType: "flow")
        #expect(flows.count == 2)
        #expect(alerts.count == 20)
        for flow in flows {
            let id = flow["flow_id"] as? Int
            #expect(alerts.filter { $0["flow_id"] as? Int == id }.count == 10)
            #expect(flow.value(at: "flow.alerted") as? Bool == true)
            #expect(flow.int("flow.alerts_suppressed") == 15)
        }
        // The first ten writes of each connection alert: transactions 1 to 10.
        #expect(Set(alerts.compactMap { $0.int("modbus.request.transaction_id") }) == Set(1...10))
        #expect(result.statistics.alerts == ["[1:7:1] coil write": 20])
        #expect(result.statistics.alertsHeldBack == ["[1:7:1] coil write": 30])
        #expect(result.statistics.flowSuppressedAlerts == 30)
        #expect(result.statistics.suppressedAlerts == 0)
        let summary = SummaryReport.render(
            result.statistics,
            files: 1,
            truncatedBySnapshotLength: 0,
            elapsedSeconds: nil
        )
        #expect(summary.contains("  alerts: 20 (more matches held back: 30 past the per-flow limit)\n"))
        #expect(summary.contains("    [1:7:1] coil write: 20 (+30 held back)\n"))
    }

    @Test func zeroMeansNoLimit() throws {
        let result = try Self.replay(limit: 0)
        #expect(result.records(ofType: "alert").count == 50)
        #expect(result.statistics.flowSuppressedAlerts == 0)
        for flow in result.records(ofType: "flow") {
            #expect(flow.value(at: "flow.alerted") as? Bool == true)
            #expect(flow.int("flow.alerts_suppressed") == nil)
        }
    }
}

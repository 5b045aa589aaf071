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

    /// A flow tracks at most 256 rules for the limit; matches of further rules are written, and counted.
    @Test func theTallyPerFlowIsBounded() throws {
        let rules = (1...300).map {
            #"alert modbus any any -> any any (msg:"write \#($0)"; modbus: access write coils; sid:\#($0);)"#
        }
        var configuration = EngineConfiguration()
        configuration.rules = try Detection.RuleSet(
            rules: Detection.parseRules(rules.joined(separator: "\n"), file: "t.rules").rules
        )
        configuration.maxAlertsPerRulePerFlow = 1
        let writes = Array(repeating: (request: "05 0010 FF00", response: Optional("05 0010 FF00")), count: 2)
        let url = PcapFileWriter.temporaryURL("tally.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(Wire.tcp(MB.session(writes), serverPort: 502), to: url)
        let result = try ReplayHarness.replay(url, configuration: configuration)
        // First write: 300 alerts (256 rules tracked, 44 not). Second: the 256 held back, the 44 written again.
        #expect(result.records(ofType: "alert").count == 344)
        #expect(result.statistics.flowSuppressedAlerts == 256)
        #expect(result.statistics.alertTallyFull == 88)
    }

    /// A matching `pass` rule lets the message through: no alert from any rule, the pass rule's included, and
    /// every match counted; messages it does not match alert as before.
    @Test func passRulesLetMessagesThrough() throws {
        var configuration = EngineConfiguration()
        configuration.rules = try Detection.RuleSet(
            rules: Detection.parseRules(
                """
                alert modbus any any -> any any (msg:"coil write"; modbus: access write coils; sid:7;)
                pass modbus 10.0.0.3 any -> any any (msg:"the engineering station"; modbus: access write; sid:8;)
                """,
                file: "t.rules"
            ).rules
        )
        let url = PcapFileWriter.temporaryURL("pass.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(Self.frames(), to: url)
        let result = try ReplayHarness.replay(url, configuration: configuration)
        let alerts = result.records(ofType: "alert")
        #expect(alerts.count == 10)  // 10.0.0.1's writes, to the per-flow limit
        #expect(alerts.allSatisfy { $0.string("src_ip") == "10.0.0.1" && $0.int("alert.signature_id") == 7 })
        #expect(result.statistics.passedAlerts == 50)  // 10.0.0.3's 25 writes, two matches each
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

/// A request the device never answers (a PLC put in listen-only mode) is reported once its response timeout has
/// passed on capture time, even when its connection falls silent: the engine sweeps waiting requests once a
/// capture second, so the report does not wait for the flow's end.
@Suite struct UnansweredRequestTests {
    @Test func silentFlowsRequestIsReportedAtItsTimeout() throws {
        // Flow A: force listen-only mode (8/4), never answered, then nothing. Flow B: a read every 250 ms for 16 s.
        let silent = Wire.tcp([(true, MB.adu(1, "08 0004 0000"))], serverPort: 502)
        let polls = Array(repeating: (request: "03 0000 0001", response: Optional("03 02 0007")), count: 32)
        let busy = Wire.tcp(MB.session(polls), client: [10, 0, 0, 3], serverPort: 502)
        var configuration = EngineConfiguration()
        configuration.rules = try Detection.RuleSet(
            rules: Detection.parseRules(
                #"alert modbus any any -> any any (msg:"listen only"; modbus: function 8, subfunction 4; sid:4;)"#,
                file: "t.rules"
            ).rules
        )
        let url = PcapFileWriter.temporaryURL("silent.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(silent + busy, interval: 250_000, to: url)
        let result = try ReplayHarness.replay(url, configuration: configuration)

        let lines = result.lines
        let unanswered = try #require(lines.firstIndex { $0.contains(#""event":"unanswered_request""#) })
        let alert = try #require(lines.firstIndex { $0.contains(#""event_type":"alert""#) })
        let busyRecords = lines.indices.filter {
            lines[$0].contains(#""event_type":"modbus""#) && lines[$0].contains(#""src_ip":"10.0.0.3""#)
        }
        #expect(busyRecords.count == 32)
        // The request went out at 0.75 s; its timeout is 10 s, so the sweep at capture second 11 reports it. Flow
        // B's poll k is answered at 2.5 + 0.5k s: polls 0-16 are written before, poll 17 (answered at 11.0 s, the
        // packet that runs the sweep) and later ones after, up to 18 s.
        #expect(lines[unanswered].contains("no response within 10 s of capture time"))
        #expect(unanswered > busyRecords[16] && unanswered < busyRecords[17])
        #expect(alert > busyRecords[16] && alert < busyRecords[17])
        #expect(result.records(ofType: "alert").first?.int("modbus.request.diagnostic.raw") == 4)
    }
}

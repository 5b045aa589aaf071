// SPDX-License-Identifier: Apache-2.0
import Detection
import Foundation
import SensorEngine
import SensorTestSupport
import Testing

/// Rules matched against the DNP3 messages and events of real captures, with alerts in Suricata's EVE layout:
/// the counts the suricata-verify expectations give for the same rules on the same captures.
@Suite(
    .enabled(
        if: SharedData.hasPcaps,
        "the shared captures are absent: set OTSENSOR_PCAPS or put them at ../shared/pcaps"
    )
)
struct DNP3AlertTests {
    func replay(_ capture: String, rules text: String) throws -> ReplayResult {
        let parsed = Detection.parseRules(text, file: "test.rules")
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        var configuration = EngineConfiguration()
        configuration.rules = try Detection.RuleSet(rules: parsed.rules)
        return try ReplayHarness.replay(
            SharedData.pcapsDirectory.appendingPathComponent(capture),
            configuration: configuration
        )
    }

    func alerts(_ result: ReplayResult, sid: Int) -> [[String: Any]] {
        result.records(ofType: "alert").filter { $0.int("alert.signature_id") == sid }
    }

    /// Our own rules in Suricata's keywords (the same conditions as suricata-verify's dnp3 tests; counts as its
    /// expectations give them).
    @Test func functionObjectIndicatorAndDataRules() throws {
        let result = try replay(
            "dnp3/sv-dnp3-eve.pcap",
            rules: """
                alert dnp3 any any -> any any (msg:"disable unsolicited, either way"; dnp3_func:21; sid:1;)
                alert dnp3 any any -> any any (msg:"disable unsolicited to the outstation"; flow:established,to_server; dnp3_func:21; sid:2;)
                alert dnp3 any any -> any any (msg:"counter events"; dnp3_obj:22,1; sid:3;)
                alert dnp3 any any -> any any (msg:"restart flagged"; dnp3.ind:device_restart; sid:4;)
                alert dnp3 any any -> any any (msg:"event data to the master"; flow:established,to_client; dnp3_data; content:"|02 01 28 01 00|"; sid:5;)
                """
        )
        #expect(alerts(result, sid: 1).count == 1)
        #expect(alerts(result, sid: 2).count == 1)
        #expect(alerts(result, sid: 3).count == 4)
        #expect(alerts(result, sid: 4).count == 2)
        #expect(alerts(result, sid: 5).count == 4)
        let restart = try #require(alerts(result, sid: 4).first)
        #expect(restart.value(at: "dnp3.response.iin.indicators") as? [String] == ["device_restart"])
        #expect(restart.string("alert.action") == "allowed")
        #expect(restart.string("app_proto") == "dnp3")
        // The unsolicited response of packet 6, its alert written at packet 8 (the next packet to the master).
        #expect(restart.value(at: "evidence.pcap_cnt") as? [Int] == [6])
        #expect(restart.int("pcap_cnt") == 8)
        #expect(result.statistics.alerts["[1:4:0] restart flagged"] == 2)
    }

    /// Decoder events fire `app-layer-event` rules: the request flood in suricata-verify's capture, with the
    /// classtype's category and severity.
    @Test func eventRulesFireOnAnomalies() throws {
        let result = try replay(
            "dnp3/sv-dnp3-flood.pcap",
            rules: """
                alert dnp3 any any -> any any (msg:"DNP3 request flood"; app-layer-event:dnp3.flooded; classtype:protocol-command-decode; sid:2270000; rev:2;)
                """
        )
        let flood = alerts(result, sid: 2_270_000)
        #expect(flood.count == 1)
        #expect(flood.first?.string("alert.category") == "Generic Protocol Command Decode")
        #expect(flood.first?.int("alert.severity") == 3)
        #expect(flood.first?.int("alert.rev") == 2)
        #expect(result.records(ofType: "dnp3").filter { $0.string("dnp3.type") == "request" }.count == 33)
    }
}

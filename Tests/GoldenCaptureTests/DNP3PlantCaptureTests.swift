// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorEngine
import SensorTestSupport
import Testing

/// The project's own DNP3 captures: real masters and outstations from PyPI on loopback
/// (`Tests/SensorTestSupport/Captures/dnp3/`, recorded by the scripts there), replayed against their golden EVE
/// output, with the values the peers sent checked one by one.
@Suite struct DNP3PlantCaptureTests {
    func replay(_ capture: String) throws -> ReplayResult {
        try ReplayHarness.replay(SharedData.projectCapture(capture))
    }

    func dnp3(_ result: ReplayResult) -> [[String: Any]] { result.records(ofType: "dnp3") }

    func objects(_ record: [String: Any]) -> [[String: Any]] {
        record.value(at: "dnp3.application.objects") as? [[String: Any]] ?? []
    }

    func points(_ object: [String: Any]) -> [[String: Any]] { object["points"] as? [[String: Any]] ?? [] }

    @Test func tcpSessionMatchesItsGoldenOutput() throws {
        try GoldenCaptureTests().compareWithGolden("dnp3/plant-dnp3.pcap", expected: "plant-dnp3.eve.jsonl")
    }

    @Test func udpSessionMatchesItsGoldenOutput() throws {
        try GoldenCaptureTests().compareWithGolden("dnp3/plant-dnp3-udp.pcap", expected: "plant-dnp3-udp.eve.jsonl")
    }

    /// dnp3py master (address 2) and outstation (address 1) over TCP: every request answered, in order.
    @Test func tcpSessionValuesAreThePeersValues() throws {
        let result = try replay("dnp3/plant-dnp3.pcap")
        let records = dnp3(result)
        let requests = records.filter { $0.string("dnp3.type") == "request" }
        #expect(requests.map { $0.int("dnp3.application.function_code") } == [21, 1, 1, 3, 4, 5, 5, 23, 2, 2, 20, 1])
        #expect(requests.allSatisfy { $0.int("dnp3.src") == 2 && $0.int("dnp3.dst") == 1 })
        let responses = records.filter { $0.string("dnp3.type") == "response" }
        #expect(
            responses.map { $0.int("dnp3.in_response_to.function_code") } == [21, 1, 1, 3, 4, 5, 5, 23, 2, 2, 20, 1]
        )
        #expect(responses.map { $0.int("dnp3.application.control.sequence") } == Array(0...11))

        // The integrity poll's response: one 299-octet fragment in two link frames, reassembled.
        let integrity = responses[1]
        #expect(integrity.int("dnp3.segments") == 2)
        #expect(
            objects(integrity).map { [$0["group"] as? Int, $0["variation"] as? Int, $0["count"] as? Int] } == [
                [1, 2, 16], [10, 2, 8], [30, 1, 40], [40, 2, 2], [20, 1, 8],
            ]
        )
        let binaryInputs = points(objects(integrity)[0]).map { $0["state"] as? Int }
        #expect(binaryInputs == (0..<16).map { [0, 2, 5].contains($0) ? 1 : 0 })
        #expect(points(objects(integrity)[2]).map { $0["value"] as? Int } == (0..<40).map { 1000 + 10 * $0 })
        #expect(points(objects(integrity)[4]).map { $0["count"] as? Int } == (0..<8).map { 1000 * ($0 + 1) })
        #expect(integrity.value(at: "dnp3.iin.indicators") as? [String] == ["device_restart", "need_time"])

        // The range read: analog inputs 10..13.
        #expect(points(objects(responses[2])[0]).map { $0["value"] as? Int } == [1100, 1110, 1120, 1130])

        // Controls: select and operate of a latch on BO 0, a pulse on BO 1, analog output 0 = 1250.
        let select = points(objects(requests[3])[0])
        #expect(select.map { [$0["index"] as? Int, $0["op_type"] as? Int, $0["status_code"] as? Int] } == [[0, 3, 0]])
        let pulse = points(objects(requests[5])[0])
        #expect(
            pulse.map { [$0["index"] as? Int, $0["op_type"] as? Int, $0["ontime"] as? Int, $0["offtime"] as? Int] } == [
                [1, 1, 100, 100]
            ]
        )
        #expect(points(objects(responses[6])[0]).map { [$0["index"] as? Int, $0["value"] as? Int] } == [[0, 1250]])

        // Time: delay measurement 0 ms; the time written is a plausible 2026 time in milliseconds.
        #expect(points(objects(responses[7])[0]).map { $0["delay_ms"] as? Int } == [0])
        let written = try #require(points(objects(requests[8])[0]).first?["timestamp"] as? Int)
        #expect(written > 1_750_000_000_000 && written < 1_900_000_000_000)
        // Clearing the restart bit: the next response carries no IIN.
        #expect(responses[9].value(at: "dnp3.iin") as? [String: Any] != nil)
        #expect(responses[9].value(at: "dnp3.iin.indicators") == nil)

        // Three unsolicited responses, each confirmed.
        let unsolicited = records.filter { $0.string("dnp3.type") == "unsolicited_response" }
        #expect(unsolicited.map { $0.int("dnp3.application.control.sequence") } == [0, 1, 2])
        #expect(
            points(objects(unsolicited[1])[0]).map { [$0["index"] as? Int, $0["value"] as? Int] } == [
                [5, 2500], [6, 2600],
            ]
        )
        #expect(result.statistics.dnp3MatchedConfirms == 3)
        #expect(result.statistics.dnp3UnsolicitedResponses == 3)
        #expect(result.statistics.dnp3PairedResponses == 12)
        #expect(result.statistics.dnp3MultiSegmentFragments == 1)
        #expect(result.anomalyNames.isEmpty)
        let flow = try #require(result.records(ofType: "flow").first)
        #expect(flow.string("app_proto") == "dnp3")
    }

    /// yadnp3 (opendnp3) over UDP: each datagram one frame, roles from DIR with the master on port 20001.
    @Test func udpSessionValuesAreThePeersValues() throws {
        let result = try replay("dnp3/plant-dnp3-udp.pcap")
        let records = dnp3(result)
        #expect(records.allSatisfy { $0.string("proto") == "UDP" })
        let requests = records.filter { $0.string("dnp3.type") == "request" }
        #expect(requests.map { $0.int("dnp3.application.function_code") } == [21, 2, 1, 20, 1, 5, 1])
        let integrity = try #require(records.first { $0.int("dnp3.in_response_to.function_code") == 1 })
        #expect(objects(integrity).map { $0["group"] as? Int } == [1, 30, 20, 10])
        #expect(points(objects(integrity)[1]).map { $0["value"] as? Int } == [1000, 1010, 1020, 1030])
        #expect(points(objects(integrity)[2]).map { $0["count"] as? Int } == [100, 200, 300, 400])
        #expect(result.statistics.dnp3UnsolicitedResponses == 3)
        #expect(result.statistics.dnp3MatchedConfirms == 2)
        #expect(result.anomalyNames.isEmpty)
    }
}

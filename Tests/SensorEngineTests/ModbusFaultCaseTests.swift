// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorEngine
import SensorTestSupport
import Testing

/// Every Modbus fault case of `../shared/cases` (bugs other tools had), replayed as a user would, with the
/// right values asserted. Each test names the whole kind of fault its fix covers.
@Suite(
    .enabled(
        if: SharedData.hasCases,
        "the shared fault cases are absent: set OTSENSOR_CASES or put them at ../shared/cases"
    )
)
struct ModbusFaultCaseTests {
    func replay(_ id: String) throws -> ReplayResult {
        let folder = try #require(SharedData.caseCaptures, "case2pcap.py could not write the case captures")
        return try ReplayHarness.replay(folder.appendingPathComponent("\(id).pcap"))
    }

    func modbus(_ result: ReplayResult) -> [[String: Any]] { result.records(ofType: "modbus") }

    /// The request or response half with transaction identifier `tid` (`side` is "request" or "response").
    func half(_ result: ReplayResult, _ side: String, tid: Int) -> [String: Any]? {
        for record in modbus(result) {
            if let message = record.value(at: "modbus.\(side)") as? [String: Any],
                message["transaction_id"] as? Int == tid
            {
                return message
            }
        }
        return nil
    }

    func registers(_ message: [String: Any]?, _ path: String = "read.registers") -> [Int]? {
        message.flatMap { ($0 as [String: Any]).value(at: path) as? [Int] }
    }

    @Test func nonModbusTrafficOnPort502IsReportedNotDecoded() throws {
        let result = try replay("mb-nonmodbus-on-port-502")
        #expect(modbus(result).isEmpty)
        #expect(result.anomalyNames == ["modbus.protocol_mismatch_on_modbus_port"])
        let flow = try #require(result.records(ofType: "flow").first)
        #expect(flow.string("app_proto") == "failed")
    }

    @Test func invalidCoilValuesAreFlaggedAndDecodingGoesOn() throws {
        let result = try replay("mb-invalid-coil-value-must-not-stop-decoding")
        #expect(result.anomalyNames == Array(repeating: "modbus.invalid_coil_value", count: 6))
        for tid in 1...3 {
            #expect(half(result, "request", tid: tid)?.value(at: "write.data") as? Int == 1)
            #expect(half(result, "request", tid: tid)?["error_flags"] as? String == "DATA_VALUE")
        }
        let read = half(result, "request", tid: 4)
        #expect(read?.value(at: "read.address") as? Int == 0)
        #expect(read?.value(at: "read.quantity") as? Int == 2)
        #expect(registers(half(result, "response", tid: 4)) == [10, 11])
    }

    @Test func exceptionResponsesAreDecodedOnceEach() throws {
        let result = try replay("mb-exception-responses-once")
        #expect(modbus(result).count == 2)  // two transactions, each with its request and its exception response
        let first = half(result, "response", tid: 1)
        #expect(first?["function_raw"] as? Int == 0x89)
        #expect(first?.value(at: "exception.raw") as? Int == 1)
        #expect(first?.value(at: "exception.code") as? String == "IllegalFunction")
        let second = half(result, "response", tid: 2)
        #expect(second?["function_code"] as? String == "RdCoils")
        #expect(second?.value(at: "exception.code") as? String == "IllegalDataAddr")
        #expect(half(result, "request", tid: 2)?.value(at: "read.quantity") as? Int == 8)
        #expect(result.anomalyNames == ["modbus.reserved_function_code"])
    }

    @Test func anMBAPLengthPastTheDataIsFlaggedWithoutWaitingForIt() throws {
        let result = try replay("mb-mbap-length-exceeds-data")
        #expect(modbus(result).isEmpty)
        #expect(result.anomalyNames == ["modbus.invalid_length", "modbus.truncated_adu_at_eof"])
    }

    @Test func zeroAndHugeLengthsAreFlaggedAndTheNextADUDecodes() throws {
        let result = try replay("mb-mbap-length-zero")
        #expect(result.anomalyNames.filter { $0 == "modbus.invalid_length" }.count == 2)
        let details = result.records(ofType: "anomaly").compactMap { $0.string("anomaly.detail") }
        #expect(details.contains { $0.hasPrefix("MBAP length is 0,") })
        #expect(details.contains { $0.hasPrefix("MBAP length is 4096,") })
        let request = half(result, "request", tid: 2)
        #expect(request?["unit_id"] as? Int == 255)
        #expect(request?.value(at: "read.address") as? Int == 0x130)
        #expect(request?.value(at: "read.quantity") as? Int == 6)
    }

    @Test func aCorruptedLengthLosesOnlyItsOwnADU() throws {
        let result = try replay("mb-corrupt-length-desync")
        #expect(result.anomalyNames.contains("modbus.invalid_length"))
        #expect(half(result, "response", tid: 2)?.value(at: "read.coils") as? [Int] == [0, 1, 0, 1, 0, 1, 0, 1])
        #expect(half(result, "response", tid: 3)?.value(at: "read.coils") as? [Int] == [1, 1, 1, 1, 0, 0, 0, 0])
        // The harder variant: a length of 71 is in range; the byte count and the segment end overrule it.
        let folder = try #require(SharedData.caseCaptures)
        let variant = try ReplayHarness.replay(
            folder.appendingPathComponent("mb-corrupt-length-desync--length_0x47.pcap")
        )
        #expect(variant.anomalyNames.contains("modbus.invalid_length"))
        #expect(half(variant, "response", tid: 1)?["error_flags"] as? String == "DATA_LENGTH")
        #expect(half(variant, "response", tid: 2)?.value(at: "read.coils") as? [Int] == [0, 1, 0, 1, 0, 1, 0, 1])
        #expect(half(variant, "response", tid: 3)?.value(at: "read.coils") as? [Int] == [1, 1, 1, 1, 0, 0, 0, 0])
    }

    @Test func theMBAPLengthFramesAndExtraBytesAreFlagged() throws {
        let result = try replay("mb-mbap-length-authoritative")
        let write = half(result, "request", tid: 1)
        #expect(write?["unit_id"] as? Int == 17)
        #expect(write?.value(at: "write.address") as? Int == 0)
        #expect(write?.value(at: "write.quantity") as? Int == 3)
        #expect(registers(write, "write.registers") == [2, 0, 6])
        let read = half(result, "request", tid: 2)
        #expect(read?.value(at: "read.quantity") as? Int == 1)
        // Suricata's name for a PDU whose length does not fit (DATA_LENGTH); the detail says how.
        #expect(result.anomalyNames.filter { $0 == "modbus.invalid_length" }.count == 1)
        let trailing = result.records(ofType: "anomaly").first { $0.string("anomaly.event") == "invalid_length" }
        #expect(trailing?.string("anomaly.detail")?.contains("covers 3 bytes more than function 16 uses") == true)
    }

    @Test func anADUSplitBeforeItsLastByteIsReassembled() throws {
        let result = try replay("mb-split-last-byte")
        #expect(result.anomalyNames.isEmpty)
        #expect(modbus(result).count == 1)
        #expect(half(result, "request", tid: 1)?.value(at: "read.address") as? Int == 30775)
        #expect(registers(half(result, "response", tid: 1)) == [0, 881])
    }

    @Test func anADUSplitAfterItsMBAPHeaderIsReassembled() throws {
        let result = try replay("mb-split-after-mbap")
        #expect(result.anomalyNames.isEmpty)
        #expect(registers(half(result, "response", tid: 39)) == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func severalADUsInOneSegmentAreEachCutByTheirLength() throws {
        let result = try replay("mb-coalesced-adus-one-segment")
        let expected: [(tid: Int, unit: Int, fc: Int, address: Int, quantity: Int)] = [
            (1155, 1, 3, 4429, 50), (1156, 1, 3, 12289, 4), (1157, 1, 3, 12549, 17), (1, 16, 2, 1, 2),
            (2, 255, 2, 3, 4),
        ]
        let requests = modbus(result).compactMap { $0.value(at: "modbus.request") as? [String: Any] }
        #expect(requests.count == 5)
        for item in expected {
            let request = requests.first {
                $0["transaction_id"] as? Int == item.tid && $0["unit_id"] as? Int == item.unit
            }
            #expect(request?["function_raw"] as? Int == item.fc)
            #expect(request?.value(at: "read.address") as? Int == item.address)
            #expect(request?.value(at: "read.quantity") as? Int == item.quantity)
        }
    }

    @Test func byteCountsAreBytesAndFIFOHasItsOwnRule() throws {
        let result = try replay("mb-byte-count-is-bytes-not-registers")
        #expect(registers(half(result, "response", tid: 1)) == [4369, 8738, 13107])
        #expect(registers(half(result, "response", tid: 2)) == [17476, 21845, 26214])
        let fifo = half(result, "response", tid: 3)
        #expect(fifo?["fifo_count"] as? Int == 2)
        #expect(fifo?["registers"] as? [Int] == [440, 4740])
        #expect(half(result, "request", tid: 3)?["fifo_pointer"] as? Int == 1246)
        // Suricata's "string from bytes": 0x04 is a control character, 0xDE is not UTF-8 and becomes the text \xde.
        #expect(half(result, "request", tid: 3)?["data"] as? String == "\u{04}\\xde")
        #expect(result.anomalyNames.isEmpty)
    }

    @Test func bytesAfterAGapAreNeverReportedAsAConfirmedCommand() throws {
        let result = try replay("mb-tcp-gap-mid-adu")
        #expect(result.anomalyNames.contains("stream.reassembly_seq_gap"))
        let gap = result.records(ofType: "anomaly").first { $0.string("anomaly.event") == "stream.reassembly_seq_gap" }
        #expect(gap?.string("anomaly.detail")?.hasPrefix("13 bytes of the client to server stream") == true)
        #expect(result.anomalyNames.contains("modbus.unsolicited_response"))  // the tid 2 FC16 response
        #expect(result.anomalyNames.contains("modbus.unverified_adu_discarded"))  // the look-alike "tid 7"
        #expect(half(result, "request", tid: 7) == nil)
        #expect(registers(half(result, "response", tid: 1)) == [100])
        #expect(half(result, "request", tid: 3)?.value(at: "read.address") as? Int == 5)
        #expect(registers(half(result, "response", tid: 3)) == [200])
        let write = half(result, "response", tid: 2)
        #expect(write?["function_raw"] as? Int == 16)
        #expect(write?.value(at: "write.data") as? Int == 6)
    }

    @Test func aFloodOfUnansweredRequestsStaysBounded() throws {
        let result = try replay("mb-unanswered-request-flood")
        #expect(result.statistics.modbusRequests == 20_000)
        #expect(result.anomalyNames.filter { $0 == "modbus.flooded" }.count == 1)
        // The limit keeps the newest 500 pending. The capture ends 2 s after they were sent, inside the 10 s response
        // time: they are logged as request-only transactions, still in flight, not as unanswered anomalies.
        #expect(result.anomalyNames.filter { $0 == "modbus.unanswered_request" }.count == 0)
        #expect(result.records(ofType: "modbus").filter { $0.value(at: "modbus.response") == nil }.count == 20_000)
        #expect(result.statistics.modbusUnanswered == 20_000)
        // tid 0 was given up long before its response came: the response pairs with nothing.
        #expect(result.anomalyNames.filter { $0 == "modbus.unsolicited_response" }.count == 1)
    }
}

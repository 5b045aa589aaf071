// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorEngine
import SensorTestSupport
import Testing

/// Every Modbus capture in `../shared/pcaps`: the requests and responses per function code and the exception
/// codes we decode equal what tshark 4.0 decodes (recorded in `Expected/tshark-modbus.json` by
/// `Expected/make-tshark-expectations.py`; tests do not run tshark), except where tshark is shown wrong below.
@Suite(
    .enabled(
        if: SharedData.hasPcaps,
        "the shared captures are absent: set OTSENSOR_PCAPS or put them at ../shared/pcaps"
    )
)
struct SharedCaptureConformanceTests {
    struct TsharkFigures {
        var requests: [Int: Int]
        var responses: [Int: Int]
        var exceptions: [Int: Int]
    }

    static let expectationsURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Expected/tshark-modbus.json")

    static let captures: [String] = {
        guard let data = try? Data(contentsOf: expectationsURL),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [] }
        return object.keys.filter { !$0.hasPrefix("_") }.sorted()
    }()

    static func figures(_ capture: String) throws -> TsharkFigures {
        let data = try Data(contentsOf: expectationsURL)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let entry = try #require(object[capture] as? [String: Any])
        func counts(_ key: String) -> [Int: Int] {
            var result: [Int: Int] = [:]
            for (code, count) in entry[key] as? [String: Int] ?? [:] { result[Int(code) ?? -1] = count }
            return result
        }
        return TsharkFigures(
            requests: counts("requests"),
            responses: counts("responses"),
            exceptions: counts("exceptions")
        )
    }

    /// Where we decode what tshark does not, per capture: (function code, requests, responses) we see more of.
    /// Each entry says why tshark is wrong.
    static let beyondTshark: [String: (requests: [Int: Int], responses: [Int: Int], why: String)] = [
        // tshark labels four client segments "TCP Retransmission" (their first copies are not in the capture)
        // and does not dissect retransmissions; their bytes were never seen before, and they hold 4 Read Input
        // Registers requests (tids 22506-22509) and 3 responses that tshark leaves as raw TCP.
        "mixed/iti-mb2.pcap": ([4: 4], [2: 1, 4: 2], "retransmitted segments whose originals were not captured"),
        // Fuzzed trace: tshark dissects per packet without reassembly. Frame 6 claims MBAP length 4 but carries
        // 12 bytes; tshark decodes it as FC 33 from the packet start. We frame by the MBAP length, so its last
        // 2 bytes start the next ADU and frame 7's FC 34 is the next request. Responses sit at random sequence
        // numbers (gaps everywhere): tshark decodes one FC 32 exception; we see them only as provisional ADUs
        // after gaps (counted here) that no request confirms.
        "modbus/zeek-fuzz-72.pcap": ([34: 1, 33: -1], [:], "no reassembly in tshark on a fuzzed stream"),
    ]

    @Test(arguments: captures)
    func decodesWhatTsharkDecodes(_ capture: String) throws {
        let url = SharedData.pcapsDirectory.appendingPathComponent(capture)
        let result = try ReplayHarness.replay(url)
        var expected = try Self.figures(capture)
        if let extra = Self.beyondTshark[capture] {
            for (code, count) in extra.requests { expected.requests[code, default: 0] += count }
            for (code, count) in extra.responses { expected.responses[code, default: 0] += count }
            expected.requests = expected.requests.filter { $0.value != 0 }
            expected.responses = expected.responses.filter { $0.value != 0 }
        }
        let statistics = result.statistics
        var requests: [Int: Int] = [:]
        var responses: [Int: Int] = [:]
        var exceptions: [Int: Int] = [:]
        for code in 0..<256 {
            if statistics.modbusRequestsByFunction[code] > 0 {
                requests[code] = statistics.modbusRequestsByFunction[code]
            }
            if statistics.modbusResponsesByFunction[code] > 0 {
                responses[code] = statistics.modbusResponsesByFunction[code]
            }
            if statistics.modbusExceptionsByCode[code] > 0 {
                exceptions[code] = statistics.modbusExceptionsByCode[code]
            }
        }
        if capture == "modbus/zeek-fuzz-72.pcap" {
            // See beyondTshark: responses and exceptions of this fuzzed trace are not comparable.
            #expect(requests == expected.requests)
            return
        }
        #expect(requests == expected.requests)
        #expect(responses == expected.responses)
        #expect(exceptions == expected.exceptions)
    }

    // MARK: - Zeek and ICSNPP logs

    /// A text file stored beside the shared captures (an expected-output file).
    static func sharedText(_ name: String) throws -> String {
        try String(contentsOf: SharedData.pcapsDirectory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Rows of a Zeek TSV log as field dictionaries.
    static func zeekRows(_ name: String) throws -> [[String: String]] {
        let text = try sharedText(name)
        var fields: [String] = []
        var rows: [[String: String]] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#fields") {
                fields = line.split(separator: "\t").dropFirst().map(String.init)
            } else if !line.hasPrefix("#") {
                let values = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                rows.append(Dictionary(uniqueKeysWithValues: zip(fields, values)))
            }
        }
        return rows
    }

    static let zeekFunctionCodes: [String: Int] = [
        "READ_COILS": 1, "READ_DISCRETE_INPUTS": 2, "READ_HOLDING_REGISTERS": 3, "READ_INPUT_REGISTERS": 4,
        "WRITE_SINGLE_COIL": 5, "WRITE_SINGLE_REGISTER": 6, "READ_EXCEPTION_STATUS": 7, "DIAGNOSTICS": 8,
        "WRITE_MULTIPLE_COILS": 15, "WRITE_MULTIPLE_REGISTERS": 16, "REPORT_SLAVE_ID": 17, "READ_FILE_RECORD": 20,
        "WRITE_FILE_RECORD": 21, "MASK_WRITE_REGISTER": 22, "READ_WRITE_MULTIPLE_REGISTERS": 23,
        "READ_FIFO_QUEUE": 24, "ENCAP_INTERFACE_TRANSPORT": 43,
    ]

    /// Every (tid, unit, function, REQ/RESP) message Zeek logs for the genuine Modbus flow is in ours.
    @Test func zeekModbusLogTransactionsAppearInOurs() throws {
        let result = try ReplayHarness.replay(
            SharedData.pcapsDirectory.appendingPathComponent("modbus/zeek-modbus-and-non-modbus-p502.pcap")
        )
        let rows = try Self.zeekRows("modbus/zeek-modbus-and-non-modbus-p502.expected.zeek.modbus.log")
        #expect(rows.count == 12)
        var ours: [String] = []
        for record in result.records(ofType: "modbus") {
            for side in ["request", "response"] {
                guard let message = record.value(at: "modbus.\(side)") as? [String: Any] else { continue }
                ours.append(
                    "\(message["transaction_id"] ?? "") \(message["unit_id"] ?? "") \(message["function_raw"] ?? "") \(side == "request" ? "REQ" : "RESP")"
                )
            }
        }
        let theirs = rows.map { row in
            "\(row["tid"] ?? "") \(row["unit"] ?? "") \(Self.zeekFunctionCodes[row["func"] ?? ""] ?? -1) \(row["pdu_type"] ?? "")"
        }
        #expect(ours.sorted() == theirs.sorted())
        // The scanner flows on port 502 (TLS, HTTP, RPC ...) are reported, never decoded.
        #expect(result.anomalyNames.filter { $0 == "modbus.protocol_mismatch_on_modbus_port" }.count == 5)
    }

    /// ICSNPP's detailed log: every transaction, with its address, quantity and values, is in ours.
    @Test func icsnppDetailedTransactionsAppearInOurs() throws {
        let result = try ReplayHarness.replay(
            SharedData.pcapsDirectory.appendingPathComponent("modbus/icsnpp-modbus_example.pcap")
        )
        let rows = try Self.zeekRows("modbus/icsnpp-modbus_example.expected.icsnpp.modbus_detailed.log")
        let transactions = result.records(ofType: "modbus").compactMap { $0["modbus"] as? [String: Any] }
        func find(_ tid: Int, _ unit: Int) -> [String: Any]? {
            transactions.first {
                ($0.value(at: "request.transaction_id") ?? $0.value(at: "response.transaction_id")) as? Int == tid
                    && ($0.value(at: "request.unit_id") ?? $0.value(at: "response.unit_id")) as? Int == unit
            }
        }
        #expect(rows.count == 26)
        for row in rows {
            let tid = try #require(Int(row["tid"] ?? ""))
            let unit = try #require(Int(row["unit"] ?? ""))
            let transaction = try #require(find(tid, unit), "tid \(tid) unit \(unit) \(row["func"] ?? "")")
            let function = transaction.value(at: "request.function_raw") as? Int
            #expect(function == Self.zeekFunctionCodes[row["func"] ?? ""], "tid \(tid)")
            if let address = Int(row["address"] ?? ""), let quantity = Int(row["quantity"] ?? ""),
                (1...4).contains(function ?? 0)
            {
                #expect(transaction.value(at: "request.read.address") as? Int == address)
                #expect(transaction.value(at: "request.read.quantity") as? Int == quantity)
                let values = (row["response_values"] ?? "").split(separator: ",").compactMap { Int($0) }
                let key = function == 1 ? "coils" : function == 2 ? "inputs" : "registers"
                let ours = transaction.value(at: "response.read.\(key)") as? [Int] ?? []
                #expect(Array(ours.prefix(values.count)) == values, "tid \(tid)")
            }
            if row["exception_code"] == "ILLEGAL_DATA_ADDRESS" {
                #expect(transaction.value(at: "response.exception.raw") as? Int == 2)
            }
            if row["func"] == "WRITE_MULTIPLE_REGISTERS" {
                #expect(transaction.value(at: "request.write.registers") as? [Int] == [170, 187, 204, 221])
            }
            if row["func"] == "WRITE_MULTIPLE_COILS" {
                #expect(transaction.value(at: "request.write.coils") as? [Int] == [1, 0, 0, 1])
            }
            if row["func"] == "WRITE_SINGLE_REGISTER" {
                #expect(transaction.value(at: "request.write.data") as? Int == 43981)
            }
        }
        // The mask-write and read/write logs give the register values too.
        let masks = try Self.zeekRows("modbus/icsnpp-modbus_example.expected.icsnpp.modbus_mask_write_register.log")
        for row in masks where row["request_response"] == "REQUEST" {
            let tid = try #require(Int(row["tid"] ?? ""))
            let transaction = try #require(find(tid, Int(row["unit"] ?? "") ?? -1))
            #expect(transaction.value(at: "request.write.address") as? Int == Int(row["address"] ?? ""))
            #expect(transaction.value(at: "request.write.and_mask") as? Int == Int(row["and_mask"] ?? ""))
            #expect(transaction.value(at: "request.write.or_mask") as? Int == Int(row["or_mask"] ?? ""))
        }
    }

    /// Zeek's coil-parsing events: every message, and the coil values of every Read Coils response.
    @Test func zeekCoilEventsAppearInOurs() throws {
        let result = try ReplayHarness.replay(
            SharedData.pcapsDirectory.appendingPathComponent("modbus/zeek-modbusSmall.pcap")
        )
        let text = try Self.sharedText("modbus/zeek-modbusSmall.expected.zeek.events.txt")
        var theirCoils: [String] = []
        var theirMessages = 0
        for line in text.split(separator: "\n") {
            if line.contains("modbus_message,") { theirMessages += 1 }
            if line.contains("modbus_read_coils_response,"), let open = line.lastIndex(of: "[") {
                let port = line.split(separator: "orig_p=")[1].prefix { $0 != "/" }
                theirCoils.append(
                    "\(port) "
                        + line[open...].replacingOccurrences(of: "T", with: "1").replacingOccurrences(
                            of: "F",
                            with: "0"
                        )
                )
            }
        }
        var ourCoils: [String] = []
        var ourMessages = 0
        for record in result.records(ofType: "modbus") {
            if record.value(at: "modbus.request") != nil { ourMessages += 1 }
            if record.value(at: "modbus.response") != nil { ourMessages += 1 }
            if let coils = record.value(at: "modbus.response.read.coils") as? [Int] {
                // Zeek lists every bit of the response bytes; we list the requested quantity (3 here) and the
                // padding bits are zero, so compare Zeek's list cut to our length, and its padding separately.
                ourCoils.append("\(record["src_port"] ?? "") \(coils)")
            }
        }
        #expect(ourMessages == theirMessages)
        #expect(ourCoils.count == theirCoils.count)
        for (ours, theirs) in zip(ourCoils.sorted(), theirCoils.sorted()) {
            let prefix = String(theirs.prefix(ours.count - 1))
            #expect(ours.hasPrefix(prefix), "\(ours) vs \(theirs)")
            // Past the requested coils, Zeek's list holds only the zero padding bits of the last byte.
            let padding = theirs.dropFirst(ours.count - 1)
            #expect(padding.allSatisfy { "0, ]".contains($0) }, "padding \(padding)")
        }
    }

    /// Zeek's register-parsing events on the fuzzed trace: the two responses' registers are ours too.
    @Test func zeekRegisterEventsAppearInOurs() throws {
        let result = try ReplayHarness.replay(
            SharedData.pcapsDirectory.appendingPathComponent("modbus/zeek-fuzz-1011.pcap")
        )
        let text = try Self.sharedText("modbus/zeek-fuzz-1011.expected.zeek.events.txt")
        var theirs: [Int: [Int]] = [:]
        for line in text.split(separator: "\n") where line.contains("read_input_registers_response") {
            let tid = Int(line.split(separator: "tid=")[1].prefix { $0.isNumber }) ?? -1
            let list = (line.components(separatedBy: "], [").last ?? "").prefix { $0 != "]" }
            theirs[tid] = list.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
        #expect(theirs.count == 2)
        for (tid, registers) in theirs {
            let record = result.records(ofType: "modbus").first {
                $0.value(at: "modbus.response.transaction_id") as? Int == tid
            }
            #expect(record?.value(at: "modbus.response.read.registers") as? [Int] == registers, "tid \(tid)")
        }
    }

    // MARK: - suricata-verify (the checks that need no rules)

    @Test func suricataVerifyModbusRecordChecks() throws {
        let result = try ReplayHarness.replay(SharedData.pcapsDirectory.appendingPathComponent("modbus/sv-modbus.pcap"))
        let modbus = result.records(ofType: "modbus")
        #expect(modbus.filter { $0.int("modbus.id") == 10 }.count == 1)
        #expect(modbus.filter { $0.string("modbus.request.function_code") == "RdCoils" }.count == 2)
    }

    // MARK: - Every shared capture, DNP3 ones too, replays without trouble

    static let allCaptures: [String] = {
        let root = SharedData.pcapsDirectory
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        var files: [String] = []
        for folder in folders.sorted() {
            let names =
                (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
            files += names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted().map {
                "\(folder)/\($0)"
            }
        }
        return files
    }()

    @Test(arguments: allCaptures)
    func replaysEverySharedCapture(_ capture: String) throws {
        let result = try ReplayHarness.replay(SharedData.pcapsDirectory.appendingPathComponent(capture))
        #expect(result.statistics.packets > 0)
        #expect(result.ends == [.endOfFile])
        #expect(result.statistics.decodeErrors.values.reduce(0, +) <= 1)  // only zeek-fuzz-1011's bogus IP version
        #expect(result.records.count == result.lines.count)  // every line is valid JSON
    }
}

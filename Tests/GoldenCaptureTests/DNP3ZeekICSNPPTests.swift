// SPDX-License-Identifier: Apache-2.0
import DNP3
import Foundation
import SensorEngine
import SensorTestSupport
import Testing

/// The values Zeek's and ICSNPP's DNP3 baselines assert for the shared captures (distilled into
/// `Expected/zeek-icsnpp-dnp3.json` by `Expected/make-tshark-dnp3.py`) equal ours: every fragment's function
/// code, control octet and IIN; every fragment's object headers; analog, counter and CROB values per point; the
/// ICSNPP control log's CROBs; the responses of Zeek's dnp3.log. Compared as multisets: Zeek prints fragments in
/// the order it parses them, we write records at the acknowledgment.
@Suite(
    .enabled(
        if: SharedData.hasPcaps,
        "the shared captures are absent: set OTSENSOR_PCAPS or put them at ../shared/pcaps"
    )
)
struct DNP3ZeekICSNPPTests {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Expected/zeek-icsnpp-dnp3.json")

    static func expectations() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static let captures: [String] = {
        guard let object = try? expectations() else { return [] }
        return object.keys.filter { !$0.hasPrefix("_") }.sorted()
    }()

    static let functionNames: [UInt8: String] = {
        var names: [UInt8: String] = [:]
        for code in 0...255 {
            if let name = DNP3.Application.FunctionCode(UInt8(code)).name { names[UInt8(code)] = name }
        }
        return names
    }()

    static func counted(_ items: [String]) -> [String: Int] {
        var result: [String: Int] = [:]
        for item in items { result[item, default: 0] += 1 }
        return result
    }

    func record(_ capture: String) throws -> (entry: [String: Any], messages: [DNP3Recorder.Message]) {
        let entry = try #require(try Self.expectations()[capture] as? [String: Any])
        let path = try #require(entry["path"] as? String)
        let recorder = DNP3Recorder()
        _ = try ReplayHarness.run([SharedData.pcapsDirectory.appendingPathComponent(path).path], sink: recorder)
        return (entry, recorder.messages)
    }

    @Test(arguments: captures)
    func fragmentsHeadersAndValuesEqualZeeks(_ capture: String) throws {
        let (entry, messages) = try record(capture)
        guard let events = entry["zeekEvents"] as? [[String: Any]] else { return }
        var theirFragments: [String] = []
        var theirHeaders: [String] = []
        var theirValues: [String] = []
        for event in events {
            let application = event["application"] as? [String: Any] ?? [:]
            let fc = application["fc"] as? Int ?? -1
            let iin = application["iin"] as? Int
            theirFragments.append("fc \(fc) control \(application["control"] as? Int ?? -1) iin \(iin ?? 0)")
            let headers = event["objectHeaders"] as? [[String: Any]] ?? []
            theirHeaders.append("fc \(fc): " + headers.map { $0["key"] as? String ?? "" }.joined(separator: " "))
            for header in headers {
                guard let objects = header["objects"] as? [String: Any], let indexes = objects["index"] as? [Int]
                else { continue }
                let key = header["key"] as? String ?? ""
                let kind = objects["event"] as? String ?? ""
                for (n, index) in indexes.enumerated() {
                    func column(_ name: String) -> Int? {
                        (objects[name] as? [Int]).flatMap { n < $0.count ? $0[n] : nil }
                    }
                    if kind == "dnp3_crob" {
                        theirValues.append(
                            "\(key) \(index) crob \(column("control_code") ?? -1) \(column("count8") ?? -1) "
                                + "\(column("on_time") ?? -1) \(column("off_time") ?? -1) \(column("status_code") ?? -1)"
                        )
                    } else if kind.hasSuffix("SPwFlag"), let bits = column("value") {
                        theirValues.append(
                            "\(key) \(index) value \(Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))))"
                        )
                    } else if let value = column("value") {
                        theirValues.append("\(key) \(index) value \(value)")
                    } else if let value = column("count_value") {
                        theirValues.append("\(key) \(index) value \(value)")
                    }
                }
            }
        }
        var ourFragments: [String] = []
        var ourHeaders: [String] = []
        var ourValues: [String] = []
        let valued = Set(theirValues.map { String($0.split(separator: " ")[0]) })
        for message in messages {
            let isResponse = message.functionCode >= 0x81 && message.functionCode <= 0x83
            ourFragments.append(
                "fc \(message.functionCode) control \(message.control) iin \(isResponse ? Int(message.iin) : 0)"
            )
            ourHeaders.append("fc \(message.functionCode): " + message.headers.map(\.key).joined(separator: " "))
            for header in message.headers where valued.contains(header.key) {
                for point in header.points {
                    let index = point["index"] ?? ""
                    if let op = point["op_type"].flatMap(Int.init) {
                        let code =
                            op | (Int(point["qu"] ?? "0") ?? 0) << 4 | (Int(point["cr"] ?? "0") ?? 0) << 5
                            | (Int(point["tcc"] ?? "0") ?? 0) << 6
                        ourValues.append(
                            "\(header.key) \(index) crob \(code) \(point["count"] ?? "") \(point["ontime"] ?? "") "
                                + "\(point["offtime"] ?? "") \(point["status_code"] ?? "")"
                        )
                    } else if let value = point["value"] ?? point["count"] {
                        ourValues.append("\(header.key) \(index) value \(value)")
                    }
                }
            }
        }
        #expect(Self.counted(ourFragments) == Self.counted(theirFragments), "\(capture): fragments")
        #expect(Self.counted(ourHeaders) == Self.counted(theirHeaders), "\(capture): object headers per fragment")
        #expect(Self.counted(ourValues) == Self.counted(theirValues), "\(capture): point values")
    }

    /// Zeek's and ICSNPP's dnp3.log: every response's function and IIN (Zeek pairs each with the last request
    /// it saw, a CONFIRM included; we pair by application sequence, so only the responses are compared).
    @Test(arguments: captures)
    func responsesEqualZeeksLog(_ capture: String) throws {
        let (entry, messages) = try record(capture)
        // Some baselines keep only the events (no dnp3.log).
        guard let log = (entry["zeekDnp3Log"] ?? entry["icsnppDnp3Log"]) as? [[String: Any]] else { return }
        let theirs = log.compactMap { line -> String? in
            guard let reply = line["fc_reply"] as? String else { return nil }
            return "\(reply) \(line["iin"] as? Int ?? -1)"
        }
        let ours = messages.compactMap { message -> String? in
            guard message.functionCode >= 0x81 && message.functionCode <= 0x83 else { return nil }
            return "\(Self.functionNames[message.functionCode] ?? "") \(message.iin)"
        }
        #expect(Self.counted(ours) == Self.counted(theirs), "\(capture)")
    }

    /// ICSNPP's dnp3_control.log: every CROB of every SELECT, OPERATE and RESPONSE, with its index, trip-close
    /// code, operation, count, on and off times and status.
    @Test func crobsEqualICSNPPsControlLog() throws {
        let (entry, messages) = try record("icsnpp-dnp3_example.pcap")
        let table = try #require(entry["icsnppControl"] as? [String: Any])
        let fields = try #require(table["fields"] as? [String])
        let rows = try #require(table["rows"] as? [[Any]])
        func column(_ row: [Any], _ name: String) -> String {
            guard let index = fields.firstIndex(of: name), index < row.count else { return "?" }
            return "\(row[index])"
        }
        let theirs = rows.map { row in
            [
                "function_code", "index_number", "trip_control_code", "operation_type", "execute_count", "on_time",
                "off_time", "status_code",
            ].map { column(row, $0) }.joined(separator: " ")
        }
        let tcc = ["Nul", "Close", "Trip", "Reserved"]
        let operations = [0: "Nul", 1: "Pulse On", 2: "Pulse Off", 3: "Latch On", 4: "Latch Off"]
        var ours: [String] = []
        for message in messages {
            for header in message.headers where header.key.hasPrefix("g12v1") {
                for point in header.points {
                    let isResponse = message.functionCode == 0x81
                    let status =
                        isResponse ? (point["status_code"] == "0" ? "Success" : point["status_code"] ?? "?") : "<null>"
                    ours.append(
                        [
                            Self.functionNames[message.functionCode] ?? "?", point["index"] ?? "?",
                            tcc[Int(point["tcc"] ?? "0") ?? 0], operations[Int(point["op_type"] ?? "") ?? -1] ?? "?",
                            point["count"] ?? "?", point["ontime"] ?? "?", point["offtime"] ?? "?", status,
                        ].joined(separator: " ")
                    )
                }
            }
        }
        #expect(ours.count == rows.count)
        #expect(
            Self.counted(ours)
                == Self.counted(theirs.map { $0.replacingOccurrences(of: "Optional(nil)", with: "<null>") })
        )
    }
}

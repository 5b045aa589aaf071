// SPDX-License-Identifier: Apache-2.0
import Baseline
import Foundation
import NetworkLayers
import Testing

@Suite struct JSONValueTests {
    // MARK: - valid

    @Test func keepsMemberOrderAndRoundTrips() throws {
        let text = #"{"zeta": 1, "alpha": [1, 2.5, "x\n\u00e9"], "mid": {"b": true, "a": null}}"#
        let value = try JSONValue(parsing: text)
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.0) == ["zeta", "alpha", "mid"])
        #expect(value["alpha"] == .array([.integer(1), .number(2.5), .string("x\né")]))
        #expect(try JSONValue(parsing: value.formatted()) == value)
        #expect(value.compact() == #"{"zeta": 1, "alpha": [1, 2.5, "x\né"], "mid": {"b": true, "a": null}}"#)
    }

    @Test func keepsFlatItemsOnOneLine() throws {
        let value = JSONValue.object([
            ("blocks", .array([.object([("start", .integer(0)), ("end", .integer(9))])]))
        ])
        #expect(value.formatted() == "{\n  \"blocks\": [\n    {\"start\": 0, \"end\": 9}\n  ]\n}\n")
    }

    @Test func readsSurrogatePairs() throws {
        #expect(try JSONValue(parsing: #""\ud83d\ude00""#) == .string("😀"))
    }

    // MARK: - malformed

    @Test(arguments: [
        (#"{"a": 1,}"#, 1, 9, "a member name in double quotes was expected"),
        ("{\"a\": 1, \"a\": 2}", 1, 10, "the member \"a\" appears twice in one object"),
        ("[1,\n 2,\n 03]", 3, 2, "a number may not start with 0"),
        (#""\q""#, 1, 3, "an unknown escape in a string"),
        ("[1] 2", 1, 5, "text after the JSON value"),
        ("", 1, 1, "the text ends where a value was expected"),
        (#""\ud800""#, 1, 8, "a lone high surrogate in \\u escape"),
        ("1e999", 1, 1, "the number 1e999 is out of range"),
    ])
    func reportsLineAndColumn(text: String, line: Int, column: Int, message: String) {
        #expect(throws: JSONParseError(line: line, column: column, message: message)) { try JSONValue(parsing: text) }
    }

    // MARK: - limits

    @Test func refusesNestingPastTheLimit() {
        let deep =
            String(repeating: "[", count: JSONValue.maxNesting + 1)
            + String(repeating: "]", count: JSONValue.maxNesting + 1)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        let allowed =
            String(repeating: "[", count: JSONValue.maxNesting) + String(repeating: "]", count: JSONValue.maxNesting)
        #expect((try? JSONValue(parsing: allowed)) != nil)
    }
}

@Suite struct ModelFileTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00.000000Z", Int64(0)),
        // Years below 1000 keep four digits (found by fuzz-baseline-model: "932-11-30..." did not read back).
        ("0932-11-30T14:49:43.242047Z", Int64(-32_727_229_816_757_953)),
        ("0000-01-01T00:00:00.000000Z", Int64(-62_167_219_200_000_000)),
        ("2026-11-30T14:40:39.123456Z", Int64(1_796_049_639_123_456)),
        ("2000-02-29T23:59:59.999999Z", Int64(951_868_799_999_999)),
        ("1969-12-31T23:59:59.500000Z", Int64(-500_000)),
    ])
    func writesAndReadsTimes(text: String, microseconds: Int64) {
        #expect(Baseline.Model.timeText(microseconds) == text)
        #expect(Baseline.Model.parseTime(text) == microseconds)
    }

    @Test(arguments: ["2026-11-30T14:40:39Z", "2026-11-30T14:40:39.1Z"])
    func readsShortFractions(text: String) {
        #expect(Baseline.Model.parseTime(text) != nil)
    }

    @Test(arguments: [
        "2026-13-01T00:00:00Z", "2026-11-30 14:40:39Z", "2026-11-30T14:40:39.1234567Z", "2026-11-30T14:40:39+01:00", "",
    ])
    func refusesOtherTimes(text: String) {
        #expect(Baseline.Model.parseTime(text) == nil)
    }

    static let minimal = """
        {
          "otsensor_baseline": 1,
          "learned": {"duration_s": 60, "sources": [{"file": "a.pcap", "from": "2026-11-30T00:00:00Z", "to": "2026-11-30T00:01:00Z"}], "packets": 10, "records": 4, "read_values": false},
          "devices": [],
          "pairs": [
            {
              "protocol": "modbus", "client": "10.0.0.5", "server": "10.0.0.9",
              "first_seen": "2026-11-30T00:00:00Z", "last_seen": "2026-11-30T00:01:00Z", "count": 4,
              "rate": {"window_s": 10, "max_requests": 2, "requests": 4},
              "units": [
                {"unit": 3, "first_seen": "2026-11-30T00:00:00Z", "last_seen": "2026-11-30T00:01:00Z", "count": 4,
                 "functions": [
                   {"function": 3, "first_seen": "2026-11-30T00:00:00Z", "last_seen": "2026-11-30T00:01:00Z", "count": 4,
                    "blocks": [
                      {"table": "holding_registers", "access": "read", "start": 10, "end": 19, "first_seen": "2026-11-30T00:00:00Z", "count": 2},
                      {"table": "holding_registers", "access": "read", "start": 0, "end": 12, "first_seen": "2026-11-30T00:00:30Z", "count": 2}
                    ],
                    "polls": []}
                 ]}
              ]
            }
          ]
        }
        """

    @Test func readsAModelAndMergesOverlappingBlocks() throws {
        let model = try Baseline.Model.read(text: Self.minimal)
        let key = Baseline.PairKey(
            kind: .modbus,
            client: try #require(IPAddress(parsing: "10.0.0.5")),
            server: try #require(IPAddress(parsing: "10.0.0.9"))
        )
        let pair = try #require(model.pair(key))
        let function = try #require(pair.stations.first?.functions.first)
        #expect(function.blocks.map { [$0.start, $0.end] } == [[0, 19]])
        #expect(function.blocks.first?.seen.count == 4)
        #expect(function.blocks.first?.seen.first == Baseline.Model.parseTime("2026-11-30T00:00:00Z"))
        // Written again, read again: the same text.
        let text = model.fileText()
        #expect(try Baseline.Model.read(text: text).fileText() == text)
        #expect(model.differences(to: try Baseline.Model.read(text: text)).isEmpty)
    }

    @Test(arguments: [
        (
            "\"start\": 10, \"end\": 19", "\"start\": 10, \"end\": 9",
            "pairs[0].units[0].functions[0].blocks[0].end: 9 is below start 10"
        ),
        (
            "\"access\": \"read\", \"start\": 10", "\"access\": \"reed\", \"start\": 10",
            "pairs[0].units[0].functions[0].blocks[0].access: 'reed' is not read or write"
        ),
        (
            "\"otsensor_baseline\": 1", "\"otsensor_baseline\": 2",
            "this is a version 2 model; this otsensor reads version 1 (learn it again, or use the otsensor that wrote it)"
        ),
        ("\"unit\": 3", "\"unit\": 300", "pairs[0].units[0].unit: 300 is out of range (0 to 255)"),
        (
            "\"start\": 10, \"end\": 19", "\"start\": 10, \"end\": 70000",
            "pairs[0].units[0].functions[0].blocks[0].end: 70000 is past the last Modbus address, 65535"
        ),
        (
            "\"polls\": []", "\"polls\": [], \"objects\": []",
            "pairs[0].units[0].functions[0].objects: DNP3 objects in a Modbus function"
        ),
        (
            "\"devices\": []", "\"devices\": [], \"not_learned\": {\"pairs\": 9223372036854775807}",
            "not_learned.pairs: must be a count from 0 to 2^40"
        ),
        (
            "\"client\": \"10.0.0.5\"", "\"client\": \"10.0.0.500\"",
            "pairs[0].client: '10.0.0.500' is not an IPv4 or IPv6 address"
        ),
        (
            "\"polls\": []", "\"polls\": [], \"pols\": []",
            "pairs[0].units[0].functions[0]: unknown member 'pols' (expected blocks, count, first_seen, function, incomplete, last_seen, name, objects, polls, values)"
        ),
        (
            "\"table\": \"holding_registers\", \"access\": \"read\", \"start\": 10",
            "\"table\": \"g12\", \"access\": \"read\", \"start\": 10",
            "pairs[0].units[0].functions[0].blocks[0].table: 'g12' is not coils, discrete_inputs, holding_registers or input_registers"
        ),
    ])
    func namesWhereAModelIsWrong(original: String, replacement: String, message: String) throws {
        let text = Self.minimal.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.minimal)
        #expect {
            _ = try Baseline.Model.read(text: text)
        } throws: { error in
            (error as? Baseline.ModelError)?.description == message
        }
    }

    @Test func refusesAPairListedTwice() throws {
        let document = try JSONValue(parsing: Self.minimal)
        guard case .object(var members) = document, case .array(let pairs)? = document["pairs"] else {
            Issue.record("unexpected shape")
            return
        }
        members[members.firstIndex { $0.0 == "pairs" }!].1 = .array(pairs + pairs)
        #expect {
            _ = try Baseline.Model.read(document: .object(members))
        } throws: { error in
            (error as? Baseline.ModelError)?.description
                == "pairs[1]: the pair 10.0.0.5 -> 10.0.0.9 (modbus) is listed twice"
        }
    }

    @Test func reportsJSONSyntaxErrorsByLine() {
        #expect {
            _ = try Baseline.Model.read(text: "{\n  \"otsensor_baseline\": 1,\n}")
        } throws: { error in
            (error as? Baseline.ModelError)?.description
                == "line 3, column 1: a member name in double quotes was expected"
        }
    }

    @Test func settingsProblemsNameTheSetting() {
        var settings = Baseline.Settings()
        #expect(settings.problems.isEmpty)
        settings.periodTolerance = 0.5
        settings.scanUnits = 1
        #expect(settings.problems == ["period-tolerance must be 1 to 100", "scan-units must be 2 to 256"])
    }
}

// SPDX-License-Identifier: Apache-2.0
import Detection
import Foundation
import NetworkLayers
import Testing

/// The rule language's front end: Suricata's syntax parsed into typed rules, every error at its
/// `file:line:column`.
@Suite struct RuleParserTests {
    func rule(_ text: String) throws -> Detection.Rule {
        let result = Detection.parseRules(text, file: "t.rules")
        #expect(result.errors.isEmpty, "\(result.errors)")
        return try #require(result.rules.first)
    }

    func error(_ text: String) -> String? {
        Detection.parseRules(text, file: "t.rules").errors.first?.description
    }

    // MARK: - Valid rules

    @Test func headerAddressesPortsAndDirection() throws {
        let parsed = try rule(
            "alert modbus [$MODBUS_CLIENTS, 10.0.0.0/8, !192.168.1.1] any <> $MODBUS_SERVERS [502, 1000:1010] (msg:\"m\"; sid:7;)"
        )
        #expect(parsed.action == .alert)
        #expect(parsed.proto == .modbus)
        #expect(parsed.bidirectional)
        #expect(
            parsed.source
                == .list([
                    .variable("MODBUS_CLIENTS"),
                    .network(Detection.Network(address: IPAddress(ipv4: 0x0A00_0000), prefixLength: 8)),
                    .negated(.network(Detection.Network(address: IPAddress(ipv4: 0xC0A8_0101), prefixLength: 32))),
                ])
        )
        #expect(parsed.sourcePorts == .any)
        #expect(parsed.destination == .variable("MODBUS_SERVERS"))
        #expect(parsed.destinationPorts == .list([.port(502), .range(1000, 1010)]))
        #expect(parsed.sid == 7)
        #expect(parsed.location == Detection.SourceLocation(file: "t.rules", line: 1, column: 1))
    }

    @Test func ipv6Networks() throws {
        let parsed = try rule("alert ip fe80::/10 any -> ::1 any (sid:1;)")
        #expect(
            parsed.source
                == .network(Detection.Network(address: IPAddress(ipv6High: 0xFE80 << 48, low: 0), prefixLength: 10))
        )
        #expect(
            parsed.destination
                == .network(Detection.Network(address: IPAddress(ipv6High: 0, low: 1), prefixLength: 128))
        )
    }

    @Test func generalOptions() throws {
        let parsed = try rule(
            #"drop tcp any any -> any 502 (msg:"a \"quoted\"\; msg"; sid:9; rev:3; gid:2; classtype:attempted-admin; priority:1; reference:url,example.org; metadata: mitre_technique_id T0836, created_at 2026; flow:established,to_server;)"#
        )
        #expect(parsed.message == #"a "quoted"; msg"#)
        #expect(parsed.sid == 9)
        #expect(parsed.rev == 3)
        #expect(parsed.gid == 2)
        #expect(parsed.classtype == "attempted-admin")
        #expect(parsed.priority == 1)
        #expect(parsed.references == ["url,example.org"])
        #expect(parsed.metadata == ["mitre_technique_id T0836", "created_at 2026"])
        #expect(parsed.flow?.established == true && parsed.flow?.toServer == true)
        let warnings = Detection.parseRules(
            #"drop modbus any any -> any 502 (msg:"x"; sid:10;)"#,
            file: "t.rules"
        ).warnings
        #expect(warnings.map(\.description) == ["t.rules:1:1: 'drop' acts as 'alert' on a passive sensor (sid 10)"])
        // Windows line endings: two rules, the second's error on its own line.
        let crlf = Detection.parseRules(
            "alert dnp3 any any -> any any (msg:\"a\"; sid:1;)\r\nalert dnp3 any any -> any any (msg:\"b\"; sid:2; nope;)\r\n",
            file: "w.rules"
        )
        #expect(crlf.rules.map(\.sid) == [1])
        #expect(crlf.errors.map(\.description) == ["w.rules:2:48: unknown keyword 'nope'"])
        // Suricata takes a sub-function on any function number but compares only diagnostic ones.
        let never = Detection.parseRules(
            #"alert modbus any any -> any any (msg:"x"; modbus: function 43, subfunction 14; sid:11;)"#,
            file: "t.rules"
        )
        #expect(never.rules.map(\.sid) == [11])
        #expect(
            never.warnings.map(\.description) == [
                "t.rules:1:1: subfunction only matches function 8 (diagnostics); this rule never matches (sid 11)"
            ]
        )
    }

    /// Functions by name: Suricata's EVE spelling or the specification's name in snake case, either case.
    @Test func modbusFunctionsByName() throws {
        for (word, code) in [
            ("RdHoldRegs", 3), ("rdholdregs", 3), ("read_holding_registers", 3), ("MEI", 43),
            ("read_write_multiple_registers", 23), ("WrMultCoils", 15), ("diagnostics", 8),
        ] as [(String, UInt8)] {
            let parsed = try rule(#"alert modbus any any -> any any (msg:"x"; modbus: function \#(word); sid:1;)"#)
            #expect(parsed.modbus?.function == code, "\(word)")
        }
        let negated = try rule(#"alert modbus any any -> any any (msg:"x"; modbus: function !WrSingleCoil; sid:1;)"#)
        #expect(negated.modbus?.function == 5 && negated.modbus?.functionNegated == true)
    }

    @Test func modbusKeyword() throws {
        let full = try rule(
            #"alert modbus any any -> any any (msg:"x"; modbus: unit >9, access read coils, address 0<>2; sid:5;)"#
        )
        var expected = Detection.ModbusMatch()
        expected.unit = .greater(9)
        expected.accessWrite = false
        expected.table = .coils
        expected.address = .between(0, 2)
        #expect(full.modbus == expected)
        let write = try rule(
            "alert modbus any any -> any any (modbus: access write holding, address 500, value >200; sid:1;)"
        )
        #expect(write.modbus?.value == .greater(200))
        #expect(write.modbus?.address == .equal(500))
        let diagnostic = try rule("alert modbus any any -> any any (modbus: function 8, subfunction 4; sid:1;)")
        #expect(diagnostic.modbus?.function == 8 && diagnostic.modbus?.subfunction == 4)
        let category = try rule("alert modbus any any -> any any (modbus: function !assigned; sid:1;)")
        #expect(category.modbus?.category == .assigned && category.modbus?.functionNegated == true)
    }

    @Test func dnp3Keywords() throws {
        let parsed = try rule(
            #"alert dnp3 any any -> any any (dnp3_func:direct_operate,5; dnp3.ind:device_restart,!need_time; dnp3_ind:0x8000; dnp3_obj:12,1; dnp3_data; content:"|02 01| A"; offset:2; depth:8; nocase; content:!"Z"; within:4; distance:1; sid:1;)"#
        )
        #expect(parsed.dnp3Functions == [5, 5])
        #expect(
            parsed.dnp3Indicators == [
                [.init(mask: 0x8000, negated: false), .init(mask: 0x1000, negated: true)],
                [.init(mask: 0x8000, negated: false)],
            ]
        )
        #expect(parsed.dnp3Objects == [[12, 1]])
        #expect(parsed.dnp3Data.map(\.bytes) == [[0x02, 0x01, 0x20, 0x41], [0x5A]])
        #expect(parsed.dnp3Data[0].offset == 2 && parsed.dnp3Data[0].depth == 8 && parsed.dnp3Data[0].nocase)
        #expect(parsed.dnp3Data[1].negated && parsed.dnp3Data[1].within == 4 && parsed.dnp3Data[1].distance == 1)
    }

    @Test func eventsThresholdsAndContinuations() throws {
        let parsed = try rule(
            """
            alert dnp3 any any -> any any (msg:"SURICATA DNP3 Request flood detected"; \\
                  app-layer-event:dnp3.flooded; classtype:protocol-command-decode; sid:2270000; rev:2; \\
                  threshold: type limit, track by_src, count 1, seconds 60; detection_filter: track by_dst, count 5, seconds 10;)
            """
        )
        #expect(parsed.appLayerEvent == "dnp3.flooded")
        #expect(parsed.threshold == Detection.Threshold(kind: .limit, track: .bySource, count: 1, seconds: 60))
        #expect(
            parsed.detectionFilter
                == Detection.Threshold(kind: .detectionFilter, track: .byDestination, count: 5, seconds: 10)
        )
    }

    /// Every rule file stored beside the shared captures (suricata-verify's test rules and event rules) parses.
    @Test func suricataVerifyRuleFilesParse() throws {
        let root = URL(
            fileURLWithPath: ProcessInfo.processInfo.environment["OTSENSOR_PCAPS"] ?? "../shared/pcaps",
            relativeTo: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
        )
        let files = (FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? []).filter {
            $0.hasSuffix(".rules")
        }
        try #require(!files.isEmpty, "no shared rule files at \(root.path)")
        var count = 0
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            let result = Detection.parseRules(text, file: file)
            #expect(result.errors.isEmpty, "\(result.errors)")
            count += result.rules.count
        }
        #expect(count >= 30)
    }

    // MARK: - Errors, each at its place

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let rule: String
        let error: String
        var testDescription: String { error }
    }

    static let errors = [
        ErrorCase(
            rule: "alrt modbus any any -> any any (sid:1;)",
            error: "t.rules:1:1: unknown action 'alrt' (alert, pass, drop or reject)"
        ),
        ErrorCase(
            rule: "alert smtp any any -> any any (sid:1;)",
            error: "t.rules:1:7: unknown protocol 'smtp' (modbus, dnp3, tcp, udp or ip)"
        ),
        ErrorCase(
            rule: "alert modbus any any => any any (sid:1;)",
            error: "t.rules:1:22: the direction must be '->' or '<>', not '=>'"
        ),
        ErrorCase(
            rule: "alert modbus 10.0.0.300 any -> any any (sid:1;)",
            error:
                "t.rules:1:14: '10.0.0.300' is not an address, a network (address/prefix), a $VARIABLE, a list or any"
        ),
        ErrorCase(
            rule: "alert modbus any 70000 -> any any (sid:1;)",
            error: "t.rules:1:18: '70000' is not a port (0-65535), a range, a list or any"
        ),
        ErrorCase(
            rule: "alert modbus any any -> any any (msg:\"x\"; foo:1; sid:1;)",
            error: "t.rules:1:43: unknown keyword 'foo'"
        ),
        ErrorCase(
            rule: "alert modbus any any -> any any (msg:\"x\"; sid:1)",
            error: "t.rules:1:49: option 'sid' must end with ';'"
        ),
        ErrorCase(rule: "alert modbus any any -> any any (msg:\"x\";)", error: "t.rules:1:1: the rule has no sid"),
        ErrorCase(
            rule: "alert modbus any any -> any any (msg:\"x; sid:1;)",
            error: "t.rules:1:38: a quoted value is not closed"
        ),
        ErrorCase(
            rule: "alert modbus any any -> any any (modbus: access write input; sid:1;)",
            error: "t.rules:1:42: input are read-only: they cannot be written"
        ),
        ErrorCase(
            rule: "alert modbus any any -> any any (modbus: access read holding, value 3; sid:1;)",
            error: "t.rules:1:42: value applies only to write access with an address"
        ),
        ErrorCase(
            rule: "alert modbus any any -> any any (modbus: unit 1, address 3; sid:1;)",
            error: "t.rules:1:42: address follows an access"
        ),
        ErrorCase(
            rule: "alert modbus any any -> any any (modbus: function assigned, subfunction 1; sid:1;)",
            error: "t.rules:1:42: subfunction follows a function number ('function 8, subfunction 4')"
        ),
        ErrorCase(
            rule: "alert modbus any any -> any any (modbus: function 200; sid:1;)",
            error:
                "t.rules:1:42: '200' is not a function code (0-127), a function name (RdHoldRegs, read_holding_registers) or a category (assigned, unassigned, public, user, reserved, all)"
        ),
        ErrorCase(
            rule: "alert modbus any any -> any any (modbus: access read coils, address 5<>2; sid:1;)",
            error: "t.rules:1:42: '5<>2' leaves no value strictly between its ends"
        ),
        ErrorCase(
            rule: "alert modbus any any -> any any (dnp3_func:read; sid:1;)",
            error: "t.rules:1:34: 'dnp3_func' applies to dnp3 rules"
        ),
        ErrorCase(
            rule: "alert dnp3 any any -> any any (dnp3_func:fly; sid:1;)",
            error: "t.rules:1:42: unknown DNP3 function 'fly'"
        ),
        ErrorCase(
            rule: "alert dnp3 any any -> any any (dnp3_ind:sleepy; sid:1;)",
            error: "t.rules:1:41: unknown internal indication 'sleepy'"
        ),
        ErrorCase(
            rule: "alert dnp3 any any -> any any (content:\"a\"; sid:1;)",
            error: "t.rules:1:32: 'content' must follow a buffer keyword (dnp3_data)"
        ),
        ErrorCase(
            rule: "alert dnp3 any any -> any any (dnp3_data; content:\"|0g|\"; sid:1;)",
            error: "t.rules:1:51: 'g' is not a hex digit in content"
        ),
        ErrorCase(
            rule: "alert dnp3 any any -> any any (dnp3_data; depth:3; sid:1;)",
            error: "t.rules:1:43: 'depth' must follow a content"
        ),
        ErrorCase(
            rule: "alert dnp3 any any -> any any (app-layer-event:smtp.x; sid:1;)",
            error: "t.rules:1:48: app-layer-event is 'modbus.<event>' or 'dnp3.<event>', not 'smtp.x'"
        ),
        ErrorCase(
            rule: "alert dnp3 any any -> any any (threshold: type limit, count 1; sid:1;)",
            error: "t.rules:1:43: threshold needs type, track, count and seconds (count and seconds above 0)"
        ),
        ErrorCase(
            rule: "alert dnp3 any any -> any any (flow:to_server,to_client; sid:1;)",
            error: "t.rules:1:37: flow cannot be both to_server and to_client"
        ),
        ErrorCase(
            rule: "\n\n  alert dnp3 any any -> any any (sid:1; \\\n   bogus;)",
            error: "t.rules:4:4: unknown keyword 'bogus'"
        ),
        // Options a rule takes once (a second one would silently replace the first).
        ErrorCase(
            rule: #"alert dnp3 any any -> any any (msg:"a"; sid:1; sid:2;)"#,
            error: "t.rules:1:48: 'sid' is given twice"
        ),
        ErrorCase(
            rule: #"alert modbus any any -> any any (modbus: function 16; modbus: unit 1; sid:1;)"#,
            error: "t.rules:1:55: 'modbus' is given twice"
        ),
        ErrorCase(
            rule: #"alert modbus any any -> any any (modbus: unit 1, unit 2; sid:1;)"#,
            error: "t.rules:1:42: 'unit' is given twice"
        ),
        // Numbers in digits and in range; ranges that leave a value.
        ErrorCase(
            rule: #"alert dnp3 any any -> any any (sid:+7;)"#,
            error: "t.rules:1:36: 'sid' needs a number in range, not '+7'"
        ),
        ErrorCase(
            rule: #"alert modbus any any -> any any (modbus: unit 300; sid:1;)"#,
            error: "t.rules:1:42: '300': 300 is above 255"
        ),
        ErrorCase(
            rule: #"alert modbus any any -> any any (modbus: access read, address 70000; sid:1;)"#,
            error: "t.rules:1:42: '70000': 70000 is above 65536"
        ),
        ErrorCase(
            rule: #"alert modbus any any -> any any (modbus: unit 5<>6; sid:1;)"#,
            error: "t.rules:1:42: '5<>6' leaves no value strictly between its ends"
        ),
        ErrorCase(
            rule:
                #"alert dnp3 any any -> any any (threshold: type limit, track by_src, count 1, seconds 9223372036855; sid:1;)"#,
            error: "t.rules:1:43: 'seconds' needs a number in range, not '9223372036855'"
        ),
        // Content modifiers: bounded, once each, absolute and relative kept apart.
        ErrorCase(
            rule: #"alert dnp3 any any -> any any (dnp3_data; content:"ab"; depth:1; sid:1;)"#,
            error: "t.rules:1:63: 'depth' must be from 2 to 65535, not 1"
        ),
        ErrorCase(
            rule: #"alert dnp3 any any -> any any (dnp3_data; content:"ab"; offset:9223372036854775000; sid:1;)"#,
            error: "t.rules:1:64: 'offset' must be from 0 to 65535, not 9223372036854775000"
        ),
        ErrorCase(
            rule: #"alert dnp3 any any -> any any (dnp3_data; content:"ab"; offset:1; offset:2; sid:1;)"#,
            error: "t.rules:1:67: 'offset' is given twice for one content"
        ),
        ErrorCase(
            rule: #"alert dnp3 any any -> any any (dnp3_data; content:"ab"; offset:1; distance:2; sid:1;)"#,
            error: "t.rules:1:67: offset and depth (absolute) do not mix with distance and within (relative)"
        ),
        // Lists without empty items; options that cannot hold together.
        ErrorCase(
            rule: #"alert dnp3 any any -> any any (dnp3_func:read,; sid:1;)"#,
            error: "t.rules:1:42: an empty function in dnp3_func"
        ),
        ErrorCase(
            rule: #"alert dnp3 any any -> any any (flow:established,not_established; sid:1;)"#,
            error: "t.rules:1:37: flow cannot be both established and not_established"
        ),
        ErrorCase(rule: #"alert dnp3 !any any -> any any (sid:1;)"#, error: "t.rules:1:12: '!any' matches no address"),
        ErrorCase(
            rule: #"alert modbus any any -> any any (app-layer-event:dnp3.flooded; sid:1;)"#,
            error: "t.rules:1:50: a modbus rule cannot match the dnp3 event 'dnp3.flooded'"
        ),
    ]

    @Test(arguments: errors) func errorsNameTheirPlace(_ fixture: ErrorCase) {
        #expect(error(fixture.rule) == fixture.error)
    }

    /// Rules accepted with a caveat say so: a packet-level rule never matches here, an unknown event neither.
    @Test func warningsForRulesThatNeverMatch() {
        let result = Detection.parseRules(
            """
            alert tcp any any -> any 502 (msg:"packet"; sid:1;)
            alert tcp any any -> any 502 (msg:"app"; modbus: function 8; sid:2;)
            alert dnp3 any any -> any any (msg:"typo"; app-layer-event:dnp3.flodded; sid:3;)
            alert modbus any any -> any any (msg:"suricata's"; app-layer-event:modbus.invalid_unit_identifier; sid:4;)
            alert modbus any any -> any any (msg:"answers"; flow:to_client; modbus: function 3; sid:5;)
            """,
            file: "t.rules"
        )
        #expect(result.rules.map(\.sid) == [1, 2, 3, 4, 5])
        #expect(
            result.warnings.map(\.description) == [
                "t.rules:1:1: a tcp rule without a modbus, dnp3 or app-layer-event keyword never matches: this sensor inspects Modbus and DNP3 messages (sid 1)",
                "t.rules:3:1: unknown event 'dnp3.flodded'; this rule never matches (sid 3)",
                "t.rules:5:1: modbus: inspects requests, which run to_server; with flow:to_client this rule never matches (sid 5)",
            ]
        )
    }

    /// The file's text: a byte-order mark, a comment ending in a backslash, and a backslash followed by spaces.
    @Test func fileLayoutAsSuricataReadsIt() {
        let result = Detection.parseRules(
            "\u{FEFF}# a comment \\\n"
                + #"alert dnp3 any any -> any any (msg:"one"; \  "# + "\n" + #"  dnp3_func:read; sid:1;)"#,
            file: "t.rules"
        )
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.rules.map(\.sid) == [1])
        #expect(result.rules.first?.dnp3Functions == [1])
    }

    /// One bad rule costs only itself; comments and blank lines are skipped.
    @Test func aBadRuleLosesOnlyItself() {
        let result = Detection.parseRules(
            """
            # a comment
            alert modbus any any -> any any (modbus: function 3; sid:1;)

            alert modbus any any -> any any (modbus: function 300; sid:2;)
            alert modbus any any -> any any (modbus: function 5; sid:3;)
            """,
            file: "t.rules"
        )
        #expect(result.rules.map(\.sid) == [1, 3])
        #expect(result.errors.map(\.location.line) == [4])
    }
}

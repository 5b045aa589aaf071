// SPDX-License-Identifier: Apache-2.0
import DNP3
import Detection
import ModbusTCP
import NetworkLayers
import Testing

/// The rule set groups rules (DNP3 by function code and first object header, Modbus by function code and unit
/// identifier) so a message is checked only against rules that can match it. Grouping must never change what
/// matches: each message fires exactly the rules that fire when each rule is the whole set.
@Suite struct GroupingTests {
    /// Every combination of the keywords the groups are keyed on, with and without the conditions checked after.
    static let dnp3Rules: String = {
        let functions = [
            "", "dnp3_func:read;", "dnp3_func:response;", "dnp3_func:unsolicited_response;",
            "dnp3_func:write;", "dnp3_func:read; dnp3_func:write;",
        ]
        let objects = [
            "", "dnp3_obj:60,2;", "dnp3_obj:2,1;", "dnp3_obj:60,3; dnp3_obj:60,4;", "dnp3_obj:80,1;",
            "dnp3_obj:60,4; dnp3_obj:2,1;",
        ]
        let extras = ["", "dnp3_ind:device_restart;", "flow:to_server;"]
        var lines: [String] = []
        for function in functions {
            for object in objects {
                for extra in extras {
                    lines.append(
                        "alert dnp3 any any -> any any (msg:\"r\"; \(function) \(object) \(extra) sid:\(lines.count + 1);)"
                    )
                }
            }
        }
        return lines.joined(separator: "\n")
    }()

    /// A READ of classes 1-3; the same with a repeated header; an unsolicited response with IIN1.7 carrying g2v1;
    /// a WRITE of g80v1; a response with g60v4 then g2v1; a response with no objects.
    static let fragments: [[UInt8]] = [
        [0xC1, 0x01, 0x3C, 0x02, 0x06, 0x3C, 0x03, 0x06, 0x3C, 0x04, 0x06],
        [0xC1, 0x01, 0x3C, 0x03, 0x06, 0x3C, 0x03, 0x06, 0x3C, 0x04, 0x06, 0x3C, 0x03, 0x06],
        [0xF0, 0x82, 0x80, 0x00, 0x02, 0x01, 0x28, 0x01, 0x00, 0x03, 0x00, 0x81],
        [0xC2, 0x02, 0x50, 0x01, 0x00, 0x07, 0x07, 0x00],
        [0xC3, 0x81, 0x00, 0x00, 0x3C, 0x04, 0x06, 0x02, 0x01, 0x28, 0x01, 0x00, 0x03, 0x00, 0x81],
        [0xC4, 0x81, 0x80, 0x00],
    ]

    static func context(toServer: Bool) -> Detection.PacketContext {
        Detection.PacketContext(
            source: IPAddress(ipv4: toServer ? 0x0A00_0001 : 0x0A00_0002),
            destination: IPAddress(ipv4: toServer ? 0x0A00_0002 : 0x0A00_0001),
            sourcePort: toServer ? 40000 : 20000,
            destinationPort: toServer ? 20000 : 40000,
            toServer: toServer,
            established: true
        )
    }

    static func dnp3Fired(_ set: Detection.RuleSet, _ fragment: [UInt8]) throws -> [UInt32] {
        try RuleSetTests().fired(set, fragment, toServer: fragment.count > 1 && fragment[1] < 0x81)
    }

    @Test func dnp3GroupsFireWhatEachRuleAloneFires() throws {
        let parsed = Detection.parseRules(Self.dnp3Rules, file: "t.rules")
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        let whole = try Detection.RuleSet(rules: parsed.rules)
        let alone = try parsed.rules.map { try Detection.RuleSet(rules: [$0]) }
        var firedSomewhere = 0
        for fragment in Self.fragments {
            let grouped = try Self.dnp3Fired(whole, fragment)
            let oneByOne = try alone.flatMap { try Self.dnp3Fired($0, fragment) }
            #expect(grouped == oneByOne, "fragment \(fragment)")
            firedSomewhere += grouped.count
        }
        // The table is not vacuous: most fragments fire several rules, and rules with objects among them.
        #expect(firedSomewhere >= 60)
    }

    static let modbusRules: String = {
        let units = ["", "unit 1,", "unit 2,", "unit >1,", "unit 0,"]
        let rest = [
            "function 3", "function 16", "function !3", "function public", "access read holding",
            "access write, address 11", "function 8, subfunction 4", "function !assigned", "function reserved",
            "function user",
            "access write coils", "access read",
        ]
        var lines: [String] = []
        for unit in units {
            for item in rest {
                lines.append(
                    "alert modbus any any -> any any (msg:\"r\"; modbus: \(unit) \(item); sid:\(lines.count + 1);)"
                )
            }
            if !unit.isEmpty {
                let alone = String(unit.dropLast())
                lines.append("alert modbus any any -> any any (msg:\"r\"; modbus: \(alone); sid:\(lines.count + 1);)")
            }
        }
        return lines.joined(separator: "\n")
    }()

    /// Requests as PDUs with the unit they go to: read holding registers, write multiple registers at 10, force
    /// listen-only mode, report server ID.
    static let requests: [(unit: UInt8, pdu: [UInt8])] = [
        (1, [0x03, 0x00, 0x0A, 0x00, 0x02]),
        (2, [0x03, 0x00, 0x00, 0x00, 0x01]),
        (1, [0x10, 0x00, 0x0A, 0x00, 0x01, 0x02, 0x00, 0x07]),
        (0, [0x08, 0x00, 0x04, 0x00, 0x00]),
        (3, [0x11]),
        (1, [0x41, 0x00]),
        (1, [0x2B, 0x0E, 0x01, 0x00]),
        (1, [0x08, 0x00, 0x63, 0x00, 0x00]),
        (2, [0x2A, 0x00]),
    ]

    static func modbusFired(_ set: Detection.RuleSet, unit: UInt8, pdu: [UInt8]) throws -> [UInt32] {
        let length = UInt16(pdu.count + 1)
        let adu = [0x00, 0x01, 0x00, 0x00, UInt8(length >> 8), UInt8(length & 0xFF), unit] + pdu
        let message = try Modbus.Message(parsing: adu.span, isRequest: true)
        var matches: [Int] = []
        let none: [UInt8] = []
        set.matchModbus(
            request: message,
            requestADU: adu.span,
            response: nil,
            responseADU: none.span,
            context: context(toServer: true),
            into: &matches
        )
        return matches.map { set.rule($0).sid }
    }

    @Test func modbusGroupsFireWhatEachRuleAloneFires() throws {
        let parsed = Detection.parseRules(Self.modbusRules, file: "t.rules")
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        let whole = try Detection.RuleSet(rules: parsed.rules)
        let alone = try parsed.rules.map { try Detection.RuleSet(rules: [$0]) }
        var firedSomewhere = 0
        for request in Self.requests {
            let grouped = try Self.modbusFired(whole, unit: request.unit, pdu: request.pdu)
            let oneByOne = try alone.flatMap { try Self.modbusFired($0, unit: request.unit, pdu: request.pdu) }
            #expect(grouped == oneByOne, "request \(request)")
            firedSomewhere += grouped.count
        }
        #expect(firedSomewhere > 20)
    }
}

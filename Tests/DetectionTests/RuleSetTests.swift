// SPDX-License-Identifier: Apache-2.0
import DNP3
import Detection
import NetworkLayers
import Testing

/// Rules compiled and matched against DNP3 messages and events: the header with variables, `flow`, and the DNP3
/// keywords with Suricata's semantics.
@Suite struct RuleSetTests {
    static let master = IPAddress(ipv4: 0x0A00_0001)  // 10.0.0.1
    static let outstation = IPAddress(ipv4: 0x0A00_0002)  // 10.0.0.2
    static let outside = IPAddress(ipv4: 0x0808_0808)  // 8.8.8.8

    static func context(toServer: Bool, from source: IPAddress = master) -> Detection.PacketContext {
        toServer
            ? Detection.PacketContext(
                source: source,
                destination: outstation,
                sourcePort: 40000,
                destinationPort: 20000,
                toServer: true,
                established: true
            )
            : Detection.PacketContext(
                source: outstation,
                destination: source,
                sourcePort: 20000,
                destinationPort: 40000,
                toServer: false,
                established: true
            )
    }

    func ruleSet(_ text: String, variables: Detection.Variables = .defaults) throws -> Detection.RuleSet {
        let parsed = Detection.parseRules(text, file: "t.rules")
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        return try Detection.RuleSet(rules: parsed.rules, variables: variables)
    }

    /// The sids of the rules `fragment` fires.
    func fired(
        _ set: Detection.RuleSet,
        _ fragment: [UInt8],
        toServer: Bool,
        from source: IPAddress = master
    ) throws
        -> [UInt32]
    {
        let view = DNP3.FragmentView.contiguous(count: fragment.count)
        let header = try DNP3.Application.Header(parsing: fragment.span, view: view)
        var matches: [Int] = []
        var objects: [UInt16] = []
        set.matchDNP3(
            application: header,
            view: view,
            bytes: fragment.span,
            context: Self.context(toServer: toServer, from: source),
            objects: &objects,
            into: &matches
        )
        return matches.map { set.rule($0).sid }
    }

    // A READ of classes 1, 2, 3 (g60v2-v4 q06), and an unsolicited response with IIN1.7 and IIN1.4 carrying a
    // g2v1 event at index 3 (q28).
    static let read: [UInt8] = [0xC1, 0x01, 0x3C, 0x02, 0x06, 0x3C, 0x03, 0x06, 0x3C, 0x04, 0x06]
    static let unsolicited: [UInt8] = [0xF0, 0x82, 0x90, 0x00, 0x02, 0x01, 0x28, 0x01, 0x00, 0x03, 0x00, 0x81]

    @Test func functionIndicatorsObjectsAndData() throws {
        let set = try ruleSet(
            """
            alert dnp3 any any -> any any (msg:"read"; dnp3_func:read; sid:1;)
            alert dnp3 any any -> any any (msg:"unsolicited"; dnp3_func:unsolicited_response; sid:2;)
            alert dnp3 any any -> any any (msg:"restart"; dnp3_ind:device_restart; sid:3;)
            alert dnp3 any any -> any any (msg:"restart, not need time"; dnp3.ind:device_restart,!need_time; sid:4;)
            alert dnp3 any any -> any any (msg:"any IIN"; dnp3.ind:!0; sid:5;)
            alert dnp3 any any -> any any (msg:"class 3 anywhere"; dnp3_obj:60,4; sid:6;)
            alert dnp3 any any -> any any (msg:"event"; dnp3_obj:2,1; sid:7;)
            alert dnp3 any any -> any any (msg:"data"; dnp3_data; content:"|02 01 28 01 00|"; sid:8;)
            alert dnp3 any any -> any any (msg:"data at 0"; dnp3_data; content:"|02 01|"; offset:0; depth:2; sid:9;)
            alert dnp3 any any -> any any (msg:"not there"; dnp3_data; content:"|3c 04 06|"; content:!"|3c 02|"; sid:10;)
            """
        )
        // dnp3_obj matches any header, not only the first (Snort matched the first only): sid 6.
        #expect(try fired(set, Self.read, toServer: true) == [1, 6])
        // 0x90: device restart and need time; "restart, not need time" holds because one of its items does.
        #expect(try fired(set, Self.unsolicited, toServer: false) == [2, 3, 4, 5, 7, 8])
    }

    @Test func headerVariablesAndFlow() throws {
        var variables = Detection.Variables.defaults
        variables.addresses["DNP3_MASTERS"] = .network(Detection.Network(address: Self.master, prefixLength: 32))
        let set = try ruleSet(
            """
            alert dnp3 !$DNP3_MASTERS any -> any 20000 (msg:"control from outside"; dnp3_func:read; sid:1;)
            alert dnp3 $DNP3_MASTERS any -> $HOME_NET $DNP3_PORTS (msg:"master"; dnp3_func:read; flow:to_server; sid:2;)
            alert dnp3 any any -> any any (msg:"to client only"; dnp3_func:read; flow:established,to_client; sid:3;)
            alert dnp3 any 20000 <> any any (msg:"both ways"; dnp3_func:read; sid:4;)
            """,
            variables: variables
        )
        #expect(try fired(set, Self.read, toServer: true) == [2, 4])
        #expect(try fired(set, Self.read, toServer: true, from: Self.outside) == [1, 4])
    }

    /// Lists with negated items read as Suricata reads them: the plain items minus the negated ones, or everything
    /// minus the negated ones when there is no plain item.
    @Test func listsSubtractTheirNegatedItems() throws {
        let set = try ruleSet(
            """
            alert dnp3 [10.0.0.0/8, !10.0.0.1] any -> any any (msg:"net but master"; dnp3_func:read; sid:1;)
            alert dnp3 [!10.0.0.1, !8.8.8.8] any -> any any (msg:"anyone but two"; dnp3_func:read; sid:2;)
            alert dnp3 any any -> any [1:30000, !20000] (msg:"ports but 20000"; dnp3_func:read; sid:3;)
            alert dnp3 any any -> any [!502] (msg:"all ports but 502"; dnp3_func:read; sid:4;)
            alert dnp3 ![$HOME_NET, 8.8.4.4] any -> any any (msg:"outside both"; dnp3_func:read; sid:5;)
            """
        )
        #expect(try fired(set, Self.read, toServer: true) == [4])  // from 10.0.0.1 to port 20000
        #expect(try fired(set, Self.read, toServer: true, from: Self.outside) == [4, 5])  // from 8.8.8.8
        #expect(try fired(set, Self.read, toServer: true, from: IPAddress(ipv4: 0x0A00_0009)) == [1, 2, 4])
        #expect(try fired(set, Self.read, toServer: true, from: IPAddress(ipv4: 0x0101_0101)) == [2, 4, 5])
    }

    /// A variable that refers back to itself is an error naming the chain; variables shared many times over are
    /// resolved once each (40 levels of `[$Vn+1, $Vn+1]` would be 2^40 expansions otherwise).
    @Test func variableCyclesAndSharing() throws {
        var variables = Detection.Variables.defaults
        variables.addresses["A"] = .list([.variable("B"), .network(.init(address: Self.master, prefixLength: 32))])
        variables.addresses["B"] = .negated(.variable("A"))
        let cyclic = Detection.parseRules(#"alert dnp3 $A any -> any any (msg:"c"; sid:1;)"#, file: "t.rules")
        #expect(throws: Detection.RuleError.self) {
            _ = try Detection.RuleSet(rules: cyclic.rules, variables: variables)
        }
        do {
            _ = try Detection.RuleSet(rules: cyclic.rules, variables: variables)
        } catch {
            #expect(error.description == "t.rules:1:1: address variable $A refers to itself ($A -> $B -> $A)")
        }
        for level in 0..<40 {
            variables.addresses["V\(level)"] = .list([.variable("V\(level + 1)"), .variable("V\(level + 1)")])
        }
        variables.addresses["V40"] = .network(.init(address: Self.master, prefixLength: 32))
        let shared = try ruleSet(
            #"alert dnp3 $V0 any -> any any (msg:"s"; dnp3_func:read; sid:2;)"#,
            variables: variables
        )
        #expect(try fired(shared, Self.read, toServer: true) == [2])
        #expect(try fired(shared, Self.read, toServer: true, from: Self.outside).isEmpty)
        // Nesting inside one field is bounded in the parser.
        let deep = Detection.parseRules(
            "alert dnp3 " + String(repeating: "[", count: 20) + "10.0.0.1" + String(repeating: "]", count: 20)
                + #" any -> any any (msg:"d"; sid:3;)"#,
            file: "t.rules"
        )
        #expect(deep.errors.map(\.description) == ["t.rules:1:29: lists and negations nest deeper than 16"])
    }

    @Test func eventsMatchByName() throws {
        let set = try ruleSet(
            """
            alert dnp3 any any -> any any (msg:"flood"; app-layer-event:dnp3.flooded; sid:2270000;)
            alert dnp3 any any -> any any (msg:"crc"; app-layer-event:dnp3.bad_link_crc; sid:2270002;)
            """
        )
        var matches: [Int] = []
        set.matchEvent("dnp3.flooded", context: Self.context(toServer: true), into: &matches)
        #expect(matches.map { set.rule($0).sid } == [2270000])
        matches.removeAll()
        set.matchEvent("dnp3.unknown_object", context: Self.context(toServer: true), into: &matches)
        #expect(matches.isEmpty)
    }

    @Test func undefinedVariablesAreErrorsAtTheRule() {
        let parsed = Detection.parseRules("\nalert dnp3 $NOPE any -> any any (sid:1;)", file: "t.rules")
        #expect(
            throws: Detection.RuleError(
                "address variable $NOPE is not defined",
                at: .init(file: "t.rules", line: 2, column: 1)
            )
        ) {
            _ = try Detection.RuleSet(rules: parsed.rules)
        }
    }

    @Test func networksContainTheirAddresses() {
        let net = Detection.Network(address: IPAddress(ipv4: 0x0A00_0000), prefixLength: 8)
        #expect(net.contains(IPAddress(ipv4: 0x0AFF_FFFF)))
        #expect(!net.contains(IPAddress(ipv4: 0x0B00_0000)))
        #expect(!net.contains(IPAddress(ipv6High: 0, low: 0x0A00_0001)))
        let v6 = Detection.Network(address: IPAddress(ipv6High: 0xFE80 << 48, low: 0), prefixLength: 10)
        #expect(v6.contains(IPAddress(ipv6High: 0xFEBF << 48, low: 42)))
        #expect(!v6.contains(IPAddress(ipv6High: 0xFEC0 << 48, low: 0)))
        let host = Detection.Network(address: IPAddress(ipv6High: 1, low: 2), prefixLength: 128)
        #expect(host.contains(IPAddress(ipv6High: 1, low: 2)) && !host.contains(IPAddress(ipv6High: 1, low: 3)))
    }
}

// SPDX-License-Identifier: Apache-2.0
import Detection
import Foundation
import NetworkLayers
import SensorEngine
import SensorTestSupport
import Testing

/// The shipped rule set, `Signatures/*.rules` (STYLE.md §8, §9.7): every rule parses without a warning, compiles,
/// has a unique sid, a classtype, a priority, ATT&CK for ICS techniques in its metadata and a comment above it; and
/// every sid fires on a capture built for it and stays quiet on a near miss, through the whole engine.
@Suite struct SignatureTests {
    // MARK: - The rule files

    static let folder = SharedData.packageRoot.appendingPathComponent("Signatures")

    struct RuleFile {
        var name: String
        var lines: [Substring]
        var result: Detection.RuleParseResult
    }

    static let files: [RuleFile] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".rules") }.sorted().map { name in
            let text = (try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)) ?? ""
            return RuleFile(
                name: name,
                lines: text.split(separator: "\n", omittingEmptySubsequences: false),
                result: Detection.parseRules(text, file: name)
            )
        }
    }()

    static var rules: [Detection.Rule] { files.flatMap(\.result.rules) }

    /// The site the fixtures describe: one Modbus client and server, one DNP3 master and outstation, and hosts in
    /// HOME_NET that are none of them (`rogue`, `rogueOutstation`).
    static let site: Detection.Variables = {
        func host(_ address: UInt32) -> Detection.AddressSpec {
            .network(Detection.Network(address: IPAddress(ipv4: address), prefixLength: 32))
        }
        var variables = Detection.Variables.defaults
        variables.addresses["HOME_NET"] = .network(
            Detection.Network(address: IPAddress(ipv4: 0x0A00_0000), prefixLength: 8)
        )
        variables.addresses["MODBUS_CLIENTS"] = host(0x0A00_0001)
        variables.addresses["MODBUS_SERVERS"] = host(0x0A00_0002)
        variables.addresses["DNP3_MASTERS"] = host(0x0A00_0001)
        variables.addresses["DNP3_OUTSTATIONS"] = host(0x0A00_0002)
        return variables
    }()

    /// ATT&CK for ICS v18.1: every technique ID of the matrix, so a typo in a rule's metadata is caught.
    static let attackTechniques: Set<String> = [
        "T0800", "T0801", "T0802", "T0803", "T0804", "T0805", "T0806", "T0807", "T0809", "T0811", "T0812", "T0813",
        "T0814", "T0815", "T0816", "T0817", "T0819", "T0820", "T0821", "T0822", "T0823", "T0826", "T0827", "T0828",
        "T0829", "T0830", "T0831", "T0832", "T0834", "T0835", "T0836", "T0837", "T0838", "T0839", "T0840", "T0842",
        "T0843", "T0845", "T0846", "T0847", "T0848", "T0849", "T0851", "T0852", "T0853", "T0855", "T0856", "T0857",
        "T0858", "T0859", "T0860", "T0861", "T0862", "T0863", "T0864", "T0865", "T0866", "T0867", "T0868", "T0869",
        "T0871", "T0872", "T0873", "T0874", "T0877", "T0878", "T0879", "T0880", "T0881", "T0882", "T0883", "T0884",
        "T0885", "T0886", "T0887", "T0888", "T0889", "T0890", "T0891", "T0892", "T0893", "T0894", "T0895",
    ]

    /// The events of Suricata's modbus-events.rules and dnp3-events.rules, by sid.
    static let eventSids: [UInt32: String] = [
        2_250_001: "modbus.invalid_protocol_id", 2_250_002: "modbus.unsolicited_response",
        2_250_003: "modbus.invalid_length", 2_250_004: "modbus.invalid_unit_identifier",
        2_250_005: "modbus.invalid_function_code", 2_250_006: "modbus.invalid_value",
        2_250_007: "modbus.invalid_exception_code", 2_250_008: "modbus.value_mismatch",
        2_250_009: "modbus.flooded", 2_270_000: "dnp3.flooded", 2_270_001: "dnp3.len_too_small",
        2_270_002: "dnp3.bad_link_crc", 2_270_003: "dnp3.bad_transport_crc", 2_270_004: "dnp3.unknown_object",
        2_270_005: "dnp3.too_many_points", 2_270_006: "dnp3.too_many_objects", 2_270_007: "dnp3.too_long_reassembly",
    ]

    /// Sids no capture can fire, with the reason.
    static let unfireable: [UInt32: String] = [
        2_250_004: "modbus.invalid_unit_identifier is never raised (Suricata's parser does not raise it either)"
    ]

    @Test func everyFileParsesWithoutErrorsOrWarnings() {
        #expect(
            Set(Self.files.map(\.name)) == ["dnp3-events.rules", "dnp3.rules", "modbus-events.rules", "modbus.rules"]
        )
        for file in Self.files {
            #expect(file.result.errors.isEmpty, "\(file.result.errors)")
            #expect(file.result.warnings.isEmpty, "\(file.result.warnings)")
            #expect(!file.result.rules.isEmpty, "\(file.name) has no rules")
        }
    }

    @Test func theSetCompilesWithDefaultAndSiteVariables() throws {
        #expect(try Detection.RuleSet(rules: Self.rules).count == Self.rules.count)
        #expect(try Detection.RuleSet(rules: Self.rules, variables: Self.site).count == Self.rules.count)
    }

    @Test func sidsAreUniqueAndInTheirFilesRanges() {
        let sids = Self.rules.map(\.sid)
        #expect(
            Set(sids).count == sids.count,
            "duplicate sids: \(Dictionary(grouping: sids) { $0 }.filter { $1.count > 1 }.keys)"
        )
        let ranges: [String: ClosedRange<UInt32>] = [
            "modbus-events.rules": 2_250_001...2_250_009, "dnp3-events.rules": 2_270_000...2_270_007,
            "modbus.rules": 4_100_001...4_199_999, "dnp3.rules": 4_200_001...4_299_999,
        ]
        for file in Self.files {
            let range = ranges[file.name]
            #expect(range != nil, "\(file.name): give its sid range here and in Signatures/README.md")
            for rule in file.result.rules where range?.contains(rule.sid) == false {
                Issue.record("\(file.name): sid \(rule.sid) is outside \(range!)")
            }
        }
        let own = Self.files.filter { !$0.name.contains("events") }.flatMap(\.result.rules)
        #expect(own.count >= 40)
    }

    @Test func eventRulesKeepSuricatasSidsAndEvents() {
        // The events files: Suricata's decoder events under Suricata's sids (our own events have rules of ours).
        let events = Self.files.filter { $0.name.contains("events") }.flatMap(\.result.rules)
        #expect(events.allSatisfy { $0.appLayerEvent != nil })
        #expect(Dictionary(uniqueKeysWithValues: events.map { ($0.sid, $0.appLayerEvent ?? "") }) == Self.eventSids)
        for rule in events {
            #expect(rule.classtype == "protocol-command-decode", "sid \(rule.sid)")
            #expect(rule.gid == 1, "sid \(rule.sid)")
        }
    }

    /// Every rule: an `OTSENSOR` message of its own, a standard classtype, a priority, a rev, ATT&CK for ICS
    /// techniques of the matrix in its metadata, and a comment line right above it that is not a section heading.
    @Test func everyRuleFollowsTheConventions() {
        var messages: Set<String> = []
        for file in Self.files {
            for rule in file.result.rules {
                let sid = rule.sid
                #expect(rule.message.hasPrefix("OTSENSOR "), "sid \(sid)")
                #expect(messages.insert(rule.message).inserted, "sid \(sid): message used twice")
                #expect(rule.classtype.map { Detection.Classification.standard[$0] != nil } == true, "sid \(sid)")
                #expect(rule.priority.map { (1...3).contains($0) } == true, "sid \(sid): priority 1-3")
                #expect(rule.rev >= 1, "sid \(sid)")
                let techniques = rule.metadata.compactMap { item -> String? in
                    let parts = item.split(separator: " ")
                    guard parts.count == 2, parts[0] == "mitre_attack_ics" else { return nil }
                    return String(parts[1])
                }
                #expect(!techniques.isEmpty, "sid \(sid): no mitre_attack_ics in \(rule.metadata)")
                for technique in techniques {
                    #expect(Self.attackTechniques.contains(technique), "sid \(sid): \(technique)")
                }
                let above = rule.location.line >= 2 ? file.lines[rule.location.line - 2] : ""
                #expect(above.hasPrefix("# ") && !above.hasPrefix("# ---"), "sid \(sid): no comment right above it")
            }
        }
    }

    // MARK: - Fixtures fire or stay quiet

    @Test(arguments: Fixtures.all) func ruleFiresOnItsCaptureAndNotOnTheNearMiss(_ fixture: Fixture) throws {
        #expect(Self.rules.contains { $0.sid == fixture.sid }, "no shipped rule has sid \(fixture.sid)")
        let result = try Self.replay(fixture.frames, maxFragment: fixture.maxFragment)
        let sids = Self.alertSids(result)
        if fixture.fires {
            #expect(sids.contains(fixture.sid), "alerts: \(sids); anomalies: \(result.anomalyNames)")
        } else {
            #expect(!sids.contains(fixture.sid), "alerts: \(sids)")
        }
        // Modbus request rules are also checked on the requests alone (transactions never answered), which the
        // engine matches in the request's direction.
        if fixture.modbusRequestRule {
            let requestsOnly = try Self.alertSids(Self.replay(fixture.requestFrames))
            #expect(requestsOnly.contains(fixture.sid) == fixture.fires, "requests only: \(requestsOnly)")
        }
        // Rule fixtures are clean traffic: no decoder anomaly but the ones the scenario is about.
        if Self.rules.first(where: { $0.sid == fixture.sid })?.appLayerEvent == nil {
            let unexpected = result.anomalyNames.filter { !fixture.allowedAnomalies.contains($0) }
            #expect(unexpected.isEmpty, "\(unexpected)")
        }
    }

    /// Each sid has at least one capture that fires it and one near miss that does not; the exceptions say why.
    @Test func everySidHasAPositiveAndANegativeFixture() {
        let positive = Set(Fixtures.all.filter(\.fires).map(\.sid))
        let negative = Set(Fixtures.all.filter { !$0.fires }.map(\.sid))
        for rule in Self.rules {
            if let reason = Self.unfireable[rule.sid] {
                #expect(!positive.contains(rule.sid), "sid \(rule.sid) is listed as unfireable (\(reason))")
            } else {
                #expect(positive.contains(rule.sid), "sid \(rule.sid) has no capture that fires it")
            }
            #expect(negative.contains(rule.sid), "sid \(rule.sid) has no near miss")
        }
        let shipped = Set(Self.rules.map(\.sid))
        #expect(positive.union(negative).subtracting(shipped).isEmpty)
    }

    // MARK: - Thresholds

    /// The rules with `threshold:` alert as often as their comments say.
    ///
    /// Once per source and window for `limit`, and for the sweep only once five requests were seen. Requests
    /// alone, so the count does not depend on how answered transactions are matched.
    @Test func thresholdsKeepChattyRulesToOneAlertAWindow() throws {
        func count(_ sid: UInt32, _ pdus: [String], from client: [UInt8] = Wire.client) throws -> Int {
            let session = pdus.enumerated().map { index, pdu in (true, MB.adu(UInt16(index + 1), pdu)) }
            let result = try Self.replay(Wire.tcp(session, client: client, serverPort: 502))
            return Self.alertSids(result).filter { $0 == sid }.count
        }
        #expect(try count(4_100_006, ["29 00", "2A 00", "7D 00"]) == 1)
        #expect(try count(4_100_007, ["32 00", "33 00"]) == 1)
        #expect(try count(4_100_008, ["32 00", "33 00", "29 00", "41 00"]) == 0)
        #expect(try count(4_100_008, ["32 00", "33 00", "29 00", "41 00", "2A 00"]) == 1)
        #expect(try count(4_100_008, Array(repeating: "32 00", count: 20)) == 1)
        #expect(try count(4_100_009, ["41 00", "64 00"]) == 1)
        #expect(try count(4_100_014, Array(repeating: "03 0000 0001", count: 5), from: Wire.rogue) == 1)
        #expect(try count(4_100_017, ["5A 00 02", "5A 00 02"]) == 1)
    }

    // MARK: - The project's captures

    /// Normal traffic raises no alert: the project's Modbus and DNP3 captures (an HMI polling and operating a PLC;
    /// masters polling, operating and time-syncing outstations over TCP and UDP) with the default variables, and
    /// with variables that describe the plant (everything on 127.0.0.1, the clients and masters included).
    @Test(arguments: ["modbus/plant-session.pcap", "dnp3/plant-dnp3.pcap", "dnp3/plant-dnp3-udp.pcap"])
    func normalTrafficRaisesNoAlert(_ capture: String) throws {
        let loopback = Detection.AddressSpec.network(
            Detection.Network(address: IPAddress(ipv4: 0x7F00_0000), prefixLength: 8)
        )
        var plant = Detection.Variables.defaults
        for name in ["HOME_NET", "MODBUS_CLIENTS", "MODBUS_SERVERS", "DNP3_MASTERS", "DNP3_OUTSTATIONS"] {
            plant.addresses[name] = loopback
        }
        for variables in [Detection.Variables.defaults, plant] {
            var configuration = EngineConfiguration()
            configuration.rules = try Detection.RuleSet(rules: Self.rules, variables: variables)
            let result = try ReplayHarness.replay(SharedData.projectCapture(capture), configuration: configuration)
            #expect(result.records(ofType: "alert").isEmpty, "\(Self.alertSids(result))")
            #expect(!result.records(ofType: capture.hasPrefix("modbus") ? "modbus" : "dnp3").isEmpty)
        }
    }

    /// Captures other projects recorded of these very operations (the shared public captures) fire the rules
    /// written for them, with the default variables.
    @Test(
        .enabled(if: SharedData.hasPcaps, "the shared captures are absent"),
        arguments: [
            ("dnp3/iti-cold_restart_and_response.pcap", [4_200_001]),
            ("dnp3/iti-warm_restart_and_response.pcap", [4_200_002]),
            ("dnp3/iti-direct_operate_no_ack_crob.pcap", [4_200_015]),
            ("dnp3/zeek-dnp3_file_write.pcap", [4_200_022, 4_200_023, 4_200_024]),
            ("dnp3/zeek-dnp3_file_del.pcap", [4_200_025]),
            ("dnp3/sv-dnp3-flood.pcap", [2_270_000]),
            ("dnp3/sv-dnp3-too-long-reassembly-request.pcap", [2_270_007]),
            ("modbus/sv-modbus.pcap", [4_100_001, 4_100_002, 4_100_003]),
            ("modbus/zeek-fuzz-72.pcap", [2_250_001]),
        ] as [(String, [UInt32])]
    )
    func publicCapturesOfTheseOperationsFireTheirRules(_ capture: String, _ expected: [UInt32]) throws {
        var configuration = EngineConfiguration()
        configuration.rules = try Detection.RuleSet(rules: Self.rules)
        let url = SharedData.pcapsDirectory.appendingPathComponent(capture)
        let fired = Set(Self.alertSids(try ReplayHarness.replay(url, configuration: configuration)))
        #expect(fired.isSuperset(of: expected), "\(fired.sorted())")
    }

    /// An alert of a shipped rule carries what the rule says: message, category and severity from classtype and
    /// priority, and the techniques under `metadata.mitre_attack_ics`.
    @Test func alertsCarryTheRuleMetadata() throws {
        let fixture = try #require(Fixtures.all.first { $0.sid == 4_200_001 && $0.fires })
        let result = try Self.replay(fixture.frames)
        let alert = try #require(result.records(ofType: "alert").first { $0.int("alert.signature_id") == 4_200_001 })
        #expect(alert.string("alert.signature") == "OTSENSOR DNP3 cold restart requested")
        #expect(alert.string("alert.category") == "Attempted Denial of Service")
        #expect(alert.int("alert.severity") == 1)
        #expect(alert.value(at: "alert.metadata.mitre_attack_ics") as? [String] == ["T0816", "T0813"])
        #expect(alert.int("dnp3.request.application.function_code") == 13)
    }

    /// A write from 10.0.0.1 to 10.0.0.2:502 that the server answers fires `10.0.0.1 any -> 10.0.0.2 502` and
    /// `flow:to_server`, as in Suricata, where `modbus:` inspects the request: the header is matched in the
    /// request's direction although the transaction completes on the response's packet.
    @Test func modbusRuleHeadersAreMatchedInTheRequestsDirection() throws {
        #expect(try Self.directionProbe() == [1, 2, 3])
    }

    // MARK: - Helpers

    static func directionProbe() throws -> [UInt32] {
        let parsed = Detection.parseRules(
            """
            alert modbus 10.0.0.1 any -> 10.0.0.2 502 (msg:"addresses"; modbus: access write; sid:1;)
            alert modbus any any -> any any (msg:"to server"; flow:to_server; modbus: access write; sid:2;)
            alert modbus any any -> any any (msg:"any"; modbus: access write; sid:3;)
            """,
            file: "probe.rules"
        )
        var configuration = EngineConfiguration()
        configuration.rules = try Detection.RuleSet(rules: parsed.rules)
        let session = [(true, MB.adu(1, "06 0000 0001")), (false, MB.adu(1, "06 0000 0001"))]
        return alertSids(try replay(Wire.tcp(session, serverPort: 502), configuration: configuration))
    }

    static func replay(
        _ frames: [[UInt8]],
        maxFragment: Int? = nil,
        configuration: EngineConfiguration? = nil
    ) throws -> ReplayResult {
        var settings = configuration ?? EngineConfiguration()
        if configuration == nil { settings.rules = try Detection.RuleSet(rules: rules, variables: site) }
        if let maxFragment { settings.dnp3Transport.maxFragmentSize = maxFragment }
        let url = PcapFileWriter.temporaryURL("signature.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(frames, to: url)
        return try ReplayHarness.replay(url, configuration: settings)
    }

    static func alertSids(_ result: ReplayResult) -> [UInt32] {
        result.records(ofType: "alert").compactMap { $0.int("alert.signature_id").map(UInt32.init) }
    }
}

// MARK: - Building captures

/// Ethernet/IPv4 sessions between the site's hosts: TCP with its handshake and a final acknowledgment from each
/// side (so every record and alert is written), or UDP datagrams.
enum Wire {
    static let client: [UInt8] = [10, 0, 0, 1]  // MODBUS_CLIENTS, DNP3_MASTERS
    static let server: [UInt8] = [10, 0, 0, 2]  // MODBUS_SERVERS, DNP3_OUTSTATIONS
    static let rogue: [UInt8] = [10, 0, 0, 66]  // in HOME_NET, neither client nor master
    static let rogueOutstation: [UInt8] = [10, 0, 0, 77]  // in HOME_NET, not an outstation

    static func frame(
        udp: Bool,
        client: [UInt8],
        server: [UInt8],
        serverPort: UInt16,
        toServer: Bool,
        sequence: UInt32 = 0,
        acknowledgment: UInt32 = 0,
        flags: UInt8 = 0x18,
        payload: [UInt8]
    ) -> [UInt8] {
        let clientPort: UInt16 = udp ? 20001 : 40000
        let source = toServer ? clientPort : serverPort
        let destination = toServer ? serverPort : clientPort
        let segment =
            udp
            ? FrameBuilder.udp(sourcePort: source, destinationPort: destination, payload: payload)
            : FrameBuilder.tcp(
                sourcePort: source,
                destinationPort: destination,
                sequence: sequence,
                acknowledgment: acknowledgment,
                flags: flags,
                payload: payload
            )
        let packet = FrameBuilder.ipv4(
            source: toServer ? client : server,
            destination: toServer ? server : client,
            protocol: udp ? 17 : 6,
            payload: segment
        )
        return FrameBuilder.ethernet(etherType: 0x0800, payload: packet)
    }

    /// A TCP session: each element is (toServer, payload), one segment each.
    static func tcp(
        _ segments: [(Bool, [UInt8])],
        client: [UInt8] = client,
        server: [UInt8] = server,
        serverPort: UInt16
    ) -> [[UInt8]] {
        func frame(
            _ toServer: Bool,
            _ flags: UInt8,
            _ sequence: UInt32,
            _ acknowledgment: UInt32,
            _ payload: [UInt8]
        )
            -> [UInt8]
        {
            Wire.frame(
                udp: false,
                client: client,
                server: server,
                serverPort: serverPort,
                toServer: toServer,
                sequence: sequence,
                acknowledgment: acknowledgment,
                flags: flags,
                payload: payload
            )
        }
        // The handshake: SYN 999, SYN-ACK 4999; data then starts at 1000 and 5000.
        var clientNext: UInt32 = 1000
        var serverNext: UInt32 = 5000
        var frames = [
            frame(true, 0x02, 999, 0, []), frame(false, 0x12, 4999, 1000, []), frame(true, 0x10, 1000, 5000, []),
        ]
        for (toServer, payload) in segments {
            if toServer {
                frames.append(frame(true, 0x18, clientNext, serverNext, payload))
                clientNext += UInt32(payload.count)
            } else {
                frames.append(frame(false, 0x18, serverNext, clientNext, payload))
                serverNext += UInt32(payload.count)
            }
        }
        frames.append(frame(true, 0x10, clientNext, serverNext, []))
        frames.append(frame(false, 0x10, serverNext, clientNext, []))
        return frames
    }

    /// UDP datagrams, one per element.
    static func udp(
        _ datagrams: [(Bool, [UInt8])],
        client: [UInt8] = client,
        server: [UInt8] = server,
        serverPort: UInt16
    ) -> [[UInt8]] {
        datagrams.map { toServer, payload in
            frame(
                udp: true,
                client: client,
                server: server,
                serverPort: serverPort,
                toServer: toServer,
                payload: payload
            )
        }
    }
}

/// Modbus/TCP ADUs from PDUs written in hex.
enum MB {
    /// An ADU: transaction `tid`, protocol 0 unless given, the MBAP length of the PDU unless given, `unit`.
    static func adu(
        _ tid: UInt16,
        unit: UInt8 = 1,
        _ pdu: String,
        protocolID: UInt16 = 0,
        length: UInt16? = nil
    ) -> [UInt8] {
        let bytes = FrameBuilder.hex(pdu)
        return FrameBuilder.be16(tid) + FrameBuilder.be16(protocolID)
            + FrameBuilder.be16(length ?? UInt16(bytes.count + 1)) + [unit] + bytes
    }

    /// Request/response pairs (the response nil when the server stays silent), transaction ids from 1.
    static func session(
        _ exchanges: [(request: String, response: String?)],
        unit: UInt8 = 1,
        from client: [UInt8] = Wire.client
    ) -> [(Bool, [UInt8])] {
        var segments: [(Bool, [UInt8])] = []
        for (index, exchange) in exchanges.enumerated() {
            let tid = UInt16(index + 1)
            segments.append((true, adu(tid, unit: unit, exchange.request)))
            if let response = exchange.response { segments.append((false, adu(tid, unit: unit, response))) }
        }
        return segments
    }
}

/// DNP3 messages between master address 1 and outstation address 10, as link frames with valid CRCs: fragments
/// longer than 249 octets are split into transport segments, one link frame each.
enum D3 {
    enum Message {
        case master([UInt8])
        case outstation([UInt8])
        /// Bytes written as they are (damaged frames), from the master or the outstation.
        case raw(fromMaster: Bool, [UInt8])
    }

    /// The link frames of `fragment`, transport sequence numbers from `sequence`.
    static func frames(_ fragment: [UInt8], fromMaster: Bool, sequence: inout UInt8) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var start = 0
        repeat {
            let end = min(start + 249, fragment.count)
            var transport = sequence & 0x3F
            if start == 0 { transport |= 0x40 }
            if end == fragment.count { transport |= 0x80 }
            frames.append(
                FrameBuilder.dnp3Frame(
                    control: fromMaster ? 0xC4 : 0x44,
                    destination: fromMaster ? 10 : 1,
                    source: fromMaster ? 1 : 10,
                    userData: [transport] + fragment[start..<end]
                )
            )
            sequence &+= 1
            start = end
        } while start < fragment.count
        return frames
    }

    /// A DNP3 exchange over TCP (master as client, outstation port 20000) or UDP.
    ///
    /// Application sequence numbers are filled in per direction (`C0` in a fixture becomes `C0 | sequence`), so no
    /// two messages look like link retries of each other.
    static func capture(
        _ messages: [Message],
        master: [UInt8] = Wire.client,
        outstation: [UInt8] = Wire.server,
        udp: Bool = false
    ) -> [[UInt8]] {
        var transport: [UInt8] = [0, 0]
        var application: [UInt8] = [0, 0]
        var segments: [(Bool, [UInt8])] = []
        for message in messages {
            switch message {
            case .master(let fragment), .outstation(let fragment):
                var fromMaster = false
                if case .master = message { fromMaster = true }
                let side = fromMaster ? 0 : 1
                var numbered = fragment
                numbered[0] = (numbered[0] & 0xF0) | (application[side] & 0x0F)
                application[side] &+= 1
                for frame in frames(numbered, fromMaster: fromMaster, sequence: &transport[side]) {
                    segments.append((fromMaster, frame))
                }
            case .raw(let fromMaster, let bytes):
                segments.append((fromMaster, bytes))
            }
        }
        return udp
            ? Wire.udp(segments, client: master, server: outstation, serverPort: 20000)
            : Wire.tcp(segments, client: master, server: outstation, serverPort: 20000)
    }

    static func hex(_ text: String) -> [UInt8] { FrameBuilder.hex(text) }
}

/// A capture built for one sid: it must fire it (`fires`) or not (a near miss).
struct Fixture: Sendable, CustomTestStringConvertible {
    var sid: UInt32
    var fires: Bool
    var name: String
    var frames: [[UInt8]]
    /// For rules on Modbus requests: the same capture without the responses.
    var requestFrames: [[UInt8]] = []
    var modbusRequestRule = false
    /// Decoder anomalies the scenario raises on purpose (rule fixtures are otherwise clean).
    var allowedAnomalies: Set<String> = []
    var maxFragment: Int?

    var testDescription: String { "\(sid) \(fires ? "fires" : "near miss"): \(name)" }

    /// A Modbus/TCP session to the server on port 502.
    static func modbus(
        _ sid: UInt32,
        _ fires: Bool,
        _ name: String,
        _ exchanges: [(request: String, response: String?)],
        unit: UInt8 = 1,
        from client: [UInt8] = Wire.client,
        allowing anomalies: Set<String> = []
    ) -> Fixture {
        let session = MB.session(exchanges, unit: unit, from: client)
        return Fixture(
            sid: sid,
            fires: fires,
            name: name,
            frames: Wire.tcp(session, client: client, serverPort: 502),
            requestFrames: Wire.tcp(session.filter(\.0), client: client, serverPort: 502),
            modbusRequestRule: true,
            allowedAnomalies: anomalies.union(["modbus.unanswered_request"])
        )
    }

    /// Modbus/TCP segments written ADU by ADU (for decoder events).
    static func modbusEvent(_ sid: UInt32, _ fires: Bool, _ name: String, _ segments: [(Bool, [UInt8])]) -> Fixture {
        Fixture(sid: sid, fires: fires, name: name, frames: Wire.tcp(segments, serverPort: 502))
    }

    /// DNP3 messages between a master and an outstation.
    static func dnp3(
        _ sid: UInt32,
        _ fires: Bool,
        _ name: String,
        _ messages: [D3.Message],
        master: [UInt8] = Wire.client,
        outstation: [UInt8] = Wire.server,
        udp: Bool = false,
        maxFragment: Int? = nil
    ) -> Fixture {
        Fixture(
            sid: sid,
            fires: fires,
            name: name,
            frames: D3.capture(messages, master: master, outstation: outstation, udp: udp),
            allowedAnomalies: ["dnp3.unanswered_request"],
            maxFragment: maxFragment
        )
    }
}

// MARK: - The fixtures

enum Fixtures {
    static let all: [Fixture] = modbusEvents + modbusRules + dnp3Events + dnp3Rules

    // A read of one holding register and its answer: the clean exchange the event fixtures start with.
    static let read: [(Bool, [UInt8])] = [(true, MB.adu(1, "03 0000 0001")), (false, MB.adu(1, "03 02 0007"))]

    static let modbusEvents: [Fixture] = [
        .modbusEvent(
            2_250_001,
            true,
            "protocol identifier 1",
            read + [(true, MB.adu(2, "03 0000 0001", protocolID: 1)), (false, MB.adu(2, "03 02 0007", protocolID: 1))]
        ),
        .modbusEvent(
            2_250_001,
            false,
            "protocol identifier 0",
            read + [(true, MB.adu(2, "03 0000 0001")), (false, MB.adu(2, "03 02 0007"))]
        ),
        .modbusEvent(
            2_250_002,
            true,
            "a response to transaction 9, never requested",
            read + [(false, MB.adu(9, "03 02 0007"))]
        ),
        .modbusEvent(2_250_002, false, "every response answers its request", read),
        .modbusEvent(
            2_250_003,
            true,
            "read request with a stray byte inside the MBAP length",
            read + [(true, MB.adu(2, "03 0000 0001 00")), (false, MB.adu(2, "03 02 0007"))]
        ),
        .modbusEvent(2_250_003, false, "read request of the right length", read),
        .modbusEvent(
            2_250_004,
            false,
            "requests to units 0, 1 and 255",
            [
                (true, MB.adu(1, unit: 0, "03 0000 0001")), (true, MB.adu(2, unit: 255, "03 0000 0001")),
                (false, MB.adu(2, unit: 255, "03 02 0007")),
            ] + read
        ),
        .modbusEvent(
            2_250_005,
            true,
            "request with function code 0",
            read + [(true, MB.adu(2, "00")), (false, MB.adu(2, "80 01"))]
        ),
        .modbusEvent(
            2_250_005,
            false,
            "request with reserved function code 127",
            read + [(true, MB.adu(2, "7F")), (false, MB.adu(2, "FF 01"))]
        ),
        .modbusEvent(
            2_250_006,
            true,
            "read of quantity 0",
            read + [(true, MB.adu(2, "03 0000 0000")), (false, MB.adu(2, "83 03"))]
        ),
        .modbusEvent(
            2_250_006,
            false,
            "read of quantity 125, the limit",
            read + [(true, MB.adu(2, "03 0000 007D")), (false, MB.adu(2, "83 02"))]
        ),
        .modbusEvent(
            2_250_007,
            true,
            "exception code 12",
            read + [(true, MB.adu(2, "03 0000 0001")), (false, MB.adu(2, "83 0C"))]
        ),
        .modbusEvent(
            2_250_007,
            false,
            "exception code 2, ILLEGAL DATA ADDRESS",
            read + [(true, MB.adu(2, "03 0000 0001")), (false, MB.adu(2, "83 02"))]
        ),
        .modbusEvent(
            2_250_008,
            true,
            "two registers asked, one returned",
            read + [(true, MB.adu(2, "03 0000 0002")), (false, MB.adu(2, "03 02 0007"))]
        ),
        .modbusEvent(
            2_250_008,
            false,
            "two registers asked, two returned",
            read + [(true, MB.adu(2, "03 0000 0002")), (false, MB.adu(2, "03 04 0007 0008"))]
        ),
        .modbusEvent(
            2_250_009,
            true,
            "501 requests unanswered",
            (1...501).map { (true, MB.adu(UInt16($0), "03 0000 0001")) }
        ),
        .modbusEvent(
            2_250_009,
            false,
            "500 requests unanswered",
            (1...500).map { (true, MB.adu(UInt16($0), "03 0000 0001")) }
        ),
    ]

    static let reserved: Set<String> = ["modbus.reserved_function_code"]
    static let unassigned: Set<String> = ["modbus.unassigned_function_code"]

    static let modbusRules: [Fixture] = [
        // 8/4 is not answered: the server has gone silent.
        .modbus(4_100_001, true, "force listen-only mode", [("08 0004 0000", nil)]),
        .modbus(4_100_001, false, "diagnostic echo (8/0)", [("08 0000 A537", "08 0000 A537")]),
        .modbus(4_100_002, true, "restart communications", [("08 0001 0000", "08 0001 0000")]),
        .modbus(4_100_002, false, "return diagnostic register (8/2)", [("08 0002 0000", "08 0002 0000")]),
        .modbus(4_100_003, true, "clear counters", [("08 000A 0000", "08 000A 0000")]),
        .modbus(4_100_003, false, "return bus message count (8/11)", [("08 000B 0000", "08 000B 0010")]),
        .modbus(4_100_004, true, "restart communications to unit 0", [("08 0001 0000", nil)], unit: 0),
        .modbus(4_100_004, false, "restart communications to unit 1", [("08 0001 0000", "08 0001 0000")]),
        .modbus(
            4_100_005,
            true,
            "diagnostic echo from a rogue host",
            [("08 0000 A537", "08 0000 A537")],
            from: Wire.rogue
        ),
        .modbus(4_100_005, false, "diagnostic echo from the client", [("08 0000 A537", "08 0000 A537")]),
        .modbus(4_100_006, true, "reserved function 41", [("29 00", "A9 01")], allowing: reserved),
        .modbus(4_100_006, true, "reserved diagnostic sub-function 8/99", [("08 0063 0000", "88 01")]),
        .modbus(4_100_006, false, "unassigned function 50", [("32 00", "B2 01")], allowing: unassigned),
        .modbus(4_100_007, true, "unassigned function 50", [("32 00", "B2 01")], allowing: unassigned),
        .modbus(4_100_007, false, "reserved function 41", [("29 00", "A9 01")], allowing: reserved),
        .modbus(
            4_100_008,
            true,
            "functions 50, 51, 41, 65 and 42 in a row",
            [("32 00", "B2 01"), ("33 00", "B3 01"), ("29 00", "A9 01"), ("41 00", "C1 01"), ("2A 00", "AA 01")],
            allowing: reserved.union(unassigned)
        ),
        .modbus(
            4_100_008,
            false,
            "four such functions, one short of the count",
            [("32 00", "B2 01"), ("33 00", "B3 01"), ("29 00", "A9 01"), ("41 00", "C1 01")],
            allowing: reserved.union(unassigned)
        ),
        .modbus(4_100_008, false, "six reads", Array(repeating: ("03 0000 0001", "03 02 0007"), count: 6)),
        .modbusEvent(
            4_100_020,
            true,
            "20 reads answered ILLEGAL DATA ADDRESS",
            MB.session(Array(repeating: ("03 2710 0001", "83 02"), count: 20))
        ),
        .modbusEvent(
            4_100_020,
            false,
            "19 reads answered ILLEGAL DATA ADDRESS, one short",
            MB.session(Array(repeating: ("03 2710 0001", "83 02"), count: 19))
        ),
        .modbus(4_100_009, true, "user-defined function 65", [("41 00", "C1 01")]),
        .modbus(4_100_009, false, "unassigned function 73", [("49 00", "C9 01")], allowing: unassigned),
        .modbus(
            4_100_010,
            true,
            "read device identification from a rogue host",
            [("2B 0E 01 00", "2B 0E 01 01 00 00 01 00 03 41 42 43")],
            from: Wire.rogue
        ),
        .modbus(
            4_100_010,
            false,
            "read device identification from the client",
            [("2B 0E 01 00", "2B 0E 01 01 00 00 01 00 03 41 42 43")]
        ),
        .modbus(4_100_011, true, "report server ID from a rogue host", [("11", "11 02 01 FF")], from: Wire.rogue),
        .modbus(4_100_011, false, "report server ID from the client", [("11", "11 02 01 FF")]),
        .modbus(4_100_012, true, "coil write from a rogue host", [("05 0003 FF00", "05 0003 FF00")], from: Wire.rogue),
        .modbus(
            4_100_012,
            true,
            "coils written from a rogue host",
            [("0F 0014 0003 01 05", "0F 0014 0003")],
            from: Wire.rogue
        ),
        .modbus(4_100_012, false, "coil write from the client", [("05 0003 FF00", "05 0003 FF00")]),
        .modbus(
            4_100_012,
            false,
            "holding register write from a rogue host",
            [("06 0000 0640", "06 0000 0640")],
            from: Wire.rogue
        ),
        .modbus(
            4_100_013,
            true,
            "register write from a rogue host",
            [("06 0000 0640", "06 0000 0640")],
            from: Wire.rogue
        ),
        .modbus(
            4_100_013,
            true,
            "mask write from a rogue host",
            [("16 000A 00F2 0025", "16 000A 00F2 0025")],
            from: Wire.rogue
        ),
        .modbus(4_100_013, false, "register write from the client", [("06 0000 0640", "06 0000 0640")]),
        .modbus(4_100_014, true, "register read from a rogue host", [("03 0000 0001", "03 02 0007")], from: Wire.rogue),
        .modbus(4_100_014, false, "register read from the client", [("03 0000 0001", "03 02 0007")]),
        .modbus(4_100_015, true, "register write to unit 0", [("06 0000 0001", nil)], unit: 0),
        .modbus(4_100_015, false, "register write to unit 1", [("06 0000 0001", "06 0000 0001")]),
        .modbus(4_100_015, false, "register read from unit 0", [("03 0000 0001", "03 02 0007")], unit: 0),
        .modbus(
            4_100_016,
            true,
            "UMAS from a rogue host",
            [("5A 00 02", "5A 00 FE 01")],
            from: Wire.rogue,
            allowing: reserved
        ),
        .modbus(4_100_016, false, "UMAS from the client", [("5A 00 02", "5A 00 FE 01")], allowing: reserved),
        .modbus(4_100_017, true, "UMAS from the client", [("5A 00 02", "5A 00 FE 01")], allowing: reserved),
        .modbus(4_100_017, false, "reserved function 91", [("5B 00 02", "DB 01")], allowing: reserved),
        // Write File Record: byte count, then reference type 6, file 4, record 1, length 1, one register.
        .modbus(
            4_100_018,
            true,
            "write file record",
            [("15 09 06 0004 0001 0001 1234", "15 09 06 0004 0001 0001 1234")]
        ),
        .modbus(4_100_018, false, "read file record", [("14 07 06 0004 0001 0001", "14 04 03 06 1234")]),
        .modbus(
            4_100_019,
            true,
            "read file record from a rogue host",
            [("14 07 06 0004 0001 0001", "14 04 03 06 1234")],
            from: Wire.rogue
        ),
        .modbus(
            4_100_019,
            false,
            "read file record from the client",
            [("14 07 06 0004 0001 0001", "14 04 03 06 1234")]
        ),
    ]

    // MARK: DNP3

    static let readClass0: [UInt8] = D3.hex("C0 01 3C01 06")
    static let nullResponse: [UInt8] = D3.hex("C0 81 0000")

    /// READ with `count` class-0 object headers (3 octets each).
    static func read(headers count: Int) -> [UInt8] {
        [0xC0, 0x01] + Array(repeating: [0x3C, 0x01, 0x06] as [UInt8], count: count).flatMap { $0 }
    }

    static let dnp3Events: [Fixture] = [
        .dnp3(2_270_000, true, "33 reads unanswered", Array(repeating: .master(readClass0), count: 33)),
        .dnp3(2_270_000, false, "32 reads unanswered", Array(repeating: .master(readClass0), count: 32)),
        .dnp3(
            2_270_001,
            true,
            "user-data frame with no user data",
            [
                .raw(fromMaster: true, FrameBuilder.dnp3Frame(control: 0xC4, destination: 10, source: 1, userData: [])),
                .master(readClass0), .outstation(nullResponse),
            ]
        ),
        .dnp3(2_270_001, false, "the read alone", [.master(readClass0), .outstation(nullResponse)]),
        .dnp3(
            2_270_002,
            true,
            "link header CRC damaged",
            [
                .raw(fromMaster: true, damaged(at: 8)), .master(readClass0), .outstation(nullResponse),
            ]
        ),
        .dnp3(2_270_002, false, "intact link header", [.master(readClass0), .outstation(nullResponse)]),
        .dnp3(
            2_270_003,
            true,
            "data block damaged",
            [
                .raw(fromMaster: true, damaged(at: 10)), .master(readClass0), .outstation(nullResponse),
            ]
        ),
        .dnp3(2_270_003, false, "intact data block", [.master(readClass0), .outstation(nullResponse)]),
        .dnp3(2_270_004, true, "read of g99v1", [.master(D3.hex("C0 01 6301 06"))]),
        .dnp3(2_270_004, false, "read of g60v1", [.master(readClass0), .outstation(nullResponse)]),
        // READ g30v0, qualifier 01 (16-bit start and stop).
        .dnp3(2_270_005, true, "read of analog inputs 0..16384", [.master(D3.hex("C0 01 1E00 01 0000 0040"))]),
        .dnp3(2_270_005, false, "read of analog inputs 0..16383", [.master(D3.hex("C0 01 1E00 01 0000 FF3F"))]),
        .dnp3(
            2_270_006,
            true,
            "read with 1,025 object headers (fragment limit raised to 8 KB)",
            [.master(read(headers: 1025))],
            maxFragment: 8192
        ),
        .dnp3(
            2_270_006,
            false,
            "read with 1,024 object headers (fragment limit raised to 8 KB)",
            [.master(read(headers: 1024))],
            maxFragment: 8192
        ),
        .dnp3(2_270_007, true, "read of 3,077 octets", [.master(read(headers: 1025))]),
        .dnp3(2_270_007, false, "read of 1,802 octets in 8 segments", [.master(read(headers: 600))]),
    ]

    /// The read above as one frame from the master with octet `index` flipped.
    static func damaged(at index: Int) -> [UInt8] {
        var sequence: UInt8 = 40
        var frame = D3.frames(readClass0, fromMaster: true, sequence: &sequence)[0]
        frame[index] ^= 0xFF
        return frame
    }

    // Objects used below.
    static let crob = "0C01 17 01 00  41 01 64000000 64000000 00"  // g12v1, index 0: latch on, 100 ms
    static let analogOutput = "2902 17 01 00  E204 00"  // g41v2, index 0: 1250
    static let allCounters = "1400 06"  // g20v0, all
    static let allApplications = "5A01 06"  // g90v1, all
    static let unsolicitedClasses = "3C02 06 3C03 06 3C04 06"  // g60v2-v4
    static let time = "3201 07 01 102030405060"  // g50v1, one: a DNP3 time
    static let lastRecordedTime = "3203 07 01 102030405060"  // g50v3
    static let clearRestart = "5001 00 07 07 00"  // g80v1, index 7 (IIN1.7) = 0

    /// A g70v3 file command (qualifier 5B, one object of 31 octets): name "a.cfg", operational mode `mode`.
    static func fileCommand(mode: UInt8) -> String {
        let fixed = "1A00 0500 000000000000 FF01 00000000 00000000 \(String(format: "%02X", mode))00 0004 0100"
        return "4603 5B 01 1F00 \(fixed) 612E636667"
    }

    static func master(_ text: String) -> D3.Message { .master(D3.hex(text)) }
    static func outstation(_ text: String) -> D3.Message { .outstation(D3.hex(text)) }

    /// A request and a null response from the outstation.
    static func exchange(_ request: String) -> [D3.Message] { [master(request), outstation("C0 81 0000")] }

    static let dnp3Rules: [Fixture] = [
        .dnp3(4_200_001, true, "cold restart", exchange("C0 0D")),
        .dnp3(4_200_001, true, "cold restart over UDP", exchange("C0 0D"), udp: true),
        .dnp3(4_200_001, false, "warm restart", exchange("C0 0E")),
        .dnp3(4_200_002, true, "warm restart", exchange("C0 0E")),
        .dnp3(4_200_002, false, "cold restart", exchange("C0 0D")),
        .dnp3(4_200_003, true, "initialize data", exchange("C0 0F")),
        .dnp3(4_200_003, false, "delay measurement", exchange("C0 17")),
        .dnp3(4_200_004, true, "initialize application", exchange("C0 10 \(allApplications)")),
        .dnp3(4_200_004, false, "start application", exchange("C0 11 \(allApplications)")),
        .dnp3(4_200_005, true, "start application", exchange("C0 11 \(allApplications)")),
        .dnp3(4_200_005, false, "initialize application", exchange("C0 10 \(allApplications)")),
        .dnp3(4_200_006, true, "stop application", exchange("C0 12 \(allApplications)")),
        .dnp3(4_200_006, false, "start application", exchange("C0 11 \(allApplications)")),
        .dnp3(4_200_007, true, "save configuration", exchange("C0 13")),
        .dnp3(4_200_007, false, "enable unsolicited", exchange("C0 14 \(unsolicitedClasses)")),
        // A g70v8 file specification string (qualifier 5B): "a.cfg".
        .dnp3(4_200_008, true, "activate configuration", exchange("C0 1F 4608 5B 01 0500 612E636667")),
        .dnp3(4_200_008, false, "integrity poll", exchange("C0 01 3C02 06 3C03 06 3C04 06 3C01 06")),
        .dnp3(
            4_200_009,
            true,
            "disable unsolicited from a rogue host",
            exchange("C0 15 \(unsolicitedClasses)"),
            master: Wire.rogue
        ),
        .dnp3(
            4_200_009,
            true,
            "disable unsolicited from a rogue host over UDP",
            exchange("C0 15 \(unsolicitedClasses)"),
            master: Wire.rogue,
            udp: true
        ),
        .dnp3(4_200_009, false, "disable unsolicited from the master", exchange("C0 15 \(unsolicitedClasses)")),
        .dnp3(4_200_010, true, "assign class from a rogue host", exchange("C0 16 3C02 06 0100 06"), master: Wire.rogue),
        .dnp3(4_200_010, false, "assign class from the master", exchange("C0 16 3C02 06 0100 06")),
        .dnp3(4_200_011, true, "select from a rogue host", exchange("C0 03 \(crob)"), master: Wire.rogue),
        .dnp3(4_200_011, false, "select from the master", exchange("C0 03 \(crob)")),
        .dnp3(4_200_012, true, "operate from a rogue host", exchange("C0 04 \(crob)"), master: Wire.rogue),
        .dnp3(4_200_012, false, "operate from the master", exchange("C0 04 \(crob)")),
        .dnp3(
            4_200_013,
            true,
            "direct operate of an analog output from a rogue host",
            exchange("C0 05 \(analogOutput)"),
            master: Wire.rogue
        ),
        .dnp3(
            4_200_013,
            true,
            "direct operate of a CROB from a rogue host",
            exchange("C0 05 \(crob)"),
            master: Wire.rogue
        ),
        .dnp3(4_200_013, false, "direct operate from the master", exchange("C0 05 \(analogOutput)")),
        .dnp3(
            4_200_014,
            true,
            "direct operate, no response, from a rogue host",
            [master("C0 06 \(crob)")],
            master: Wire.rogue
        ),
        .dnp3(4_200_014, false, "direct operate, no response, from the master", [master("C0 06 \(crob)")]),
        .dnp3(4_200_015, true, "direct operate, no response, from the master", [master("C0 06 \(crob)")]),
        .dnp3(4_200_015, false, "direct operate from the master", exchange("C0 05 \(crob)")),
        .dnp3(
            4_200_016,
            true,
            "immediate freeze from a rogue host",
            exchange("C0 07 \(allCounters)"),
            master: Wire.rogue
        ),
        .dnp3(4_200_016, false, "immediate freeze from the master", exchange("C0 07 \(allCounters)")),
        .dnp3(
            4_200_017,
            true,
            "immediate freeze, no response, from a rogue host",
            [master("C0 08 \(allCounters)")],
            master: Wire.rogue
        ),
        .dnp3(4_200_017, false, "immediate freeze, no response, from the master", [master("C0 08 \(allCounters)")]),
        .dnp3(
            4_200_018,
            true,
            "freeze and clear from a rogue host",
            exchange("C0 09 \(allCounters)"),
            master: Wire.rogue
        ),
        .dnp3(4_200_018, false, "freeze and clear from the master", exchange("C0 09 \(allCounters)")),
        .dnp3(
            4_200_019,
            true,
            "freeze and clear, no response, from a rogue host",
            [master("C0 0A \(allCounters)")],
            master: Wire.rogue
        ),
        .dnp3(4_200_019, false, "freeze and clear, no response, from the master", [master("C0 0A \(allCounters)")]),
        // g50v2: a time and an interval (10 octets), then the counters.
        .dnp3(
            4_200_020,
            true,
            "freeze at time from a rogue host",
            exchange("C0 0B 3202 07 01 102030405060 10270000 \(allCounters)"),
            master: Wire.rogue
        ),
        .dnp3(
            4_200_020,
            false,
            "freeze at time from the master",
            exchange("C0 0B 3202 07 01 102030405060 10270000 \(allCounters)")
        ),
        .dnp3(
            4_200_021,
            true,
            "freeze at time, no response, from a rogue host",
            [master("C0 0C 3202 07 01 102030405060 10270000 \(allCounters)")],
            master: Wire.rogue
        ),
        .dnp3(
            4_200_021,
            false,
            "freeze at time, no response, from the master",
            [master("C0 0C 3202 07 01 102030405060 10270000 \(allCounters)")]
        ),
        .dnp3(4_200_022, true, "file open for reading", exchange("C0 19 \(fileCommand(mode: 1))")),
        // Close: a g70v4 file command status (13 octets): handle 1.
        .dnp3(4_200_022, false, "file close", exchange("C0 1A 4604 5B 01 0D00 01000000 00000000 0000 0100 00")),
        .dnp3(4_200_023, true, "file open for writing", exchange("C0 19 \(fileCommand(mode: 2))")),
        .dnp3(4_200_023, false, "file open for reading", exchange("C0 19 \(fileCommand(mode: 1))")),
        .dnp3(4_200_023, false, "file delete (mode 0)", exchange("C0 1B \(fileCommand(mode: 0))")),
        // g70v5: handle 1, block 0x80000000 (the last), 4 octets of data.
        .dnp3(4_200_024, true, "file block written", exchange("C0 02 4605 5B 01 0C00 01000000 00000080 DEADBEEF")),
        .dnp3(4_200_024, false, "restart bit cleared by the master", exchange("C0 02 \(clearRestart)")),
        .dnp3(4_200_025, true, "file delete", exchange("C0 1B \(fileCommand(mode: 0))")),
        .dnp3(4_200_025, false, "file open for reading", exchange("C0 19 \(fileCommand(mode: 1))")),
        // g70v2: user name "op" and password "pw" located after the 12 fixed octets.
        .dnp3(
            4_200_026,
            true,
            "file authentication",
            exchange("C0 1D 4602 5B 01 1000 0C00 0200 0E00 0200 00000000 6F70 7077")
        ),
        .dnp3(4_200_026, false, "file open for reading", exchange("C0 19 \(fileCommand(mode: 1))")),
        // g120v7: sequence 1, user 1, association 1, error 1 (authentication failed), a time.
        .dnp3(
            4_200_027,
            true,
            "authentication error from the master",
            exchange("C0 21 7807 5B 01 0F00 01000000 0100 0100 01 102030405060")
        ),
        // g120v4: session key status request for user 1.
        .dnp3(4_200_027, false, "session key status request", exchange("C0 20 7804 07 01 0100")),
        .dnp3(
            4_200_028,
            true,
            "authentication response carrying an error object",
            [
                master("C0 05 \(crob)"),
                outstation("C0 83 0000 7807 5B 01 0F00 01000000 0100 0100 01 102030405060"),
            ]
        ),
        // g120v1: a challenge (sequence 1, user 1, HMAC-SHA-256, reason 1, 4 octets of challenge data).
        .dnp3(
            4_200_028,
            false,
            "authentication challenge",
            [
                master("C0 05 \(crob)"),
                outstation("C0 83 0000 7801 5B 01 0C00 01000000 0100 04 01 01020304"),
            ]
        ),
        .dnp3(
            4_200_029,
            true,
            "restart bit cleared by a rogue host",
            exchange("C0 02 \(clearRestart)"),
            master: Wire.rogue
        ),
        .dnp3(4_200_029, false, "restart bit cleared by the master", exchange("C0 02 \(clearRestart)")),
        .dnp3(4_200_030, true, "time written by a rogue host", exchange("C0 02 \(time)"), master: Wire.rogue),
        .dnp3(4_200_030, false, "time written by the master", exchange("C0 02 \(time)")),
        .dnp3(
            4_200_031,
            true,
            "last recorded time written by a rogue host",
            exchange("C0 02 \(lastRecordedTime)"),
            master: Wire.rogue
        ),
        .dnp3(4_200_031, false, "last recorded time written by the master", exchange("C0 02 \(lastRecordedTime)")),
        .dnp3(
            4_200_032,
            true,
            "response with IIN1.0 (all stations)",
            [master("C0 01 3C01 06"), outstation("C0 81 0100")]
        ),
        .dnp3(
            4_200_032,
            false,
            "response with IIN1.4 (need time)",
            [master("C0 01 3C01 06"), outstation("C0 81 1000")]
        ),
        .dnp3(
            4_200_033,
            true,
            "response with IIN2.5 (configuration corrupt)",
            [master("C0 01 3C01 06"), outstation("C0 81 0020")]
        ),
        .dnp3(
            4_200_033,
            false,
            "response with IIN2.2 (parameter error)",
            [master("C0 01 3C01 06"), outstation("C0 81 0004")]
        ),
        // Unsolicited: FIR, FIN, CON, UNS; a g2v1 event for binary input 3.
        .dnp3(
            4_200_034,
            true,
            "unsolicited response from a host that is not an outstation",
            [
                outstation("F0 82 0000 0201 28 0100 0300 81")
            ],
            outstation: Wire.rogueOutstation
        ),
        .dnp3(
            4_200_034,
            false,
            "unsolicited response from the outstation",
            [outstation("F0 82 0000 0201 28 0100 0300 81")]
        ),
        .dnp3(
            4_200_035,
            true,
            "response from a host that is not an outstation",
            [
                master("C0 01 3C01 06"), outstation("C0 81 0000"),
            ],
            outstation: Wire.rogueOutstation
        ),
        .dnp3(4_200_035, false, "response from the outstation", [master("C0 01 3C01 06"), outstation("C0 81 0000")]),
    ]
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorTestSupport
import Testing

/// Attacks recorded with real peers on loopback, replayed through the built `otsensor` executable with the shipped
/// rules (`Signatures/`, loaded by default) and each capture's site configuration: the exact alerts, whom they
/// blame, and the packets they cite.
///
/// The captures, their recording scripts and their tshark listings are in `Tests/SensorTestSupport/Captures`:
/// `modbus/attack-session.pcap` (`record-attack-session.sh`, pymodbus 3.16.1) and `dnp3/attack-dnp3.pcap`
/// (`record-attack-dnp3.sh`, py1815 0.3.0 masters, dnp3py 0.6.0 outstation). Every packet number below was
/// checked against `attack-session.tshark.txt` and `attack-dnp3.tshark.txt`: the request each alert names is in
/// that frame.
@Suite(.enabled(if: OTSensorExecutable.exists, "the otsensor executable is not built"))
struct AttackCaptureTests {
    static let attacker = "127.0.0.2"
    static let legitimate = "127.0.0.1"

    struct Replay {
        var status: Int32
        var records: [[String: Any]]
        var error: String

        var alerts: [[String: Any]] { records.filter { $0.string("event_type") == "alert" } }
        var signatureIDs: [Int] { alerts.compactMap { $0.int("alert.signature_id") }.sorted() }

        func alerts(sid: Int) -> [[String: Any]] { alerts.filter { $0.int("alert.signature_id") == sid } }

        /// The flow ids of the records of `eventType` whose source (the client, in their flow orientation) is
        /// `address`.
        func flows(of eventType: String, from address: String) -> Set<Int> {
            Set(
                records.filter { $0.string("event_type") == eventType && $0.string("src_ip") == address }
                    .compactMap { $0.int("flow_id") }
            )
        }
    }

    /// `otsensor replay --format eve [ARGUMENTS] CAPTURE`, its EVE records parsed.
    func replay(_ capture: String, _ arguments: [String] = []) throws -> Replay {
        let process = Process()
        process.executableURL = OTSensorExecutable.url
        process.arguments = ["replay", "--format", "eve"] + arguments + [SharedData.projectCapture(capture).path]
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let records = try String(decoding: outputData, as: UTF8.self).split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        return Replay(
            status: process.terminationStatus,
            records: records,
            error: String(decoding: errorData, as: UTF8.self)
        )
    }

    func site(_ protocolFolder: String) -> [String] {
        ["--config", SharedData.projectCapture("\(protocolFolder)/attack-site.yaml").path]
    }

    // MARK: - Modbus

    static let modbusCapture = "modbus/attack-session.pcap"

    /// With the site's roles: every request of the attack raises what the rule set promises, and nothing else does.
    /// Frames (attack-session.tshark.txt): 16 43/14, 20 FC17, 22/24/26/28/30 the scan of 25, 40, 65, 100, 120,
    /// 32 FC90, 34 FC6 unit 1, 36 FC5, 38 FC6 unit 0 (never answered), 40 8/10, 43 8/1, 45 8/4, all from
    /// 127.0.0.2; the HMI's six reads from 127.0.0.1 are frames 4-10 and 49-54.
    @Test func modbusAttackWithTheSiteRoles() throws {
        let run = try replay(Self.modbusCapture, site("modbus"))
        #expect(run.status == 0)
        #expect(
            run.signatureIDs == [
                4_100_001,  // force listen-only mode (8/4)
                4_100_002,  // restart communications (8/1)
                4_100_003,  // clear counters (8/10)
                4_100_005, 4_100_005, 4_100_005,  // diagnostics from a non-client: 8/10, 8/1, 8/4
                4_100_006,  // reserved function (90; the first reserved code of the source)
                4_100_007,  // unassigned function (25; 40 and 120 held back by the threshold)
                4_100_008,  // the sweep, at its fifth code (120)
                4_100_009,  // user-defined function (65; 100 held back)
                4_100_010,  // 43/14 from a non-client
                4_100_011,  // 17 from a non-client
                4_100_012,  // coil write from a non-client
                4_100_013, 4_100_013,  // holding register writes from a non-client: unit 1 and unit 0
                4_100_015,  // write to unit 0
                4_100_016,  // function 90 from a non-client
                4_100_017,  // function 90 session
            ]
        )
        #expect(run.error.contains("alerts: 18 (more matches held back: 8 "))  // the summary on standard error

        // Every alert is about the attacker's connection; the HMI's polling raises nothing, not even an anomaly.
        let attackerFlows = run.flows(of: "modbus", from: Self.attacker)
        let hmiFlows = run.flows(of: "modbus", from: Self.legitimate)
        #expect(attackerFlows.count == 1)
        #expect(hmiFlows.count == 1)
        #expect(run.alerts.allSatisfy { attackerFlows.contains($0.int("flow_id") ?? -1) })
        #expect(
            !run.records.contains {
                hmiFlows.contains($0.int("flow_id") ?? -1)
                    && ["alert", "anomaly"].contains($0.string("event_type") ?? "")
            }
        )

        // The packets each alert cites: request and response, or the request alone when none came.
        func evidence(_ sid: Int) -> [[Int]] {
            run.alerts(sid: sid).compactMap { $0.value(at: "evidence.pcap_cnt") as? [Int] }
        }
        #expect(evidence(4_100_010) == [[16, 18]])
        #expect(evidence(4_100_008) == [[30, 31]])
        #expect(evidence(4_100_016) == [[32, 33]])
        #expect(evidence(4_100_013) == [[34, 35], [38]])
        #expect(evidence(4_100_015) == [[38]])
        #expect(evidence(4_100_001) == [[45, 46]])
        #expect(evidence(4_100_005) == [[40, 42], [43, 44], [45, 46]])

        // The alerts carry the request that fired them.
        let broadcast = try #require(run.alerts(sid: 4_100_015).first)
        #expect(broadcast.int("modbus.request.unit_id") == 0)
        #expect(broadcast.int("modbus.request.function_raw") == 6)
        #expect(broadcast.int("modbus.request.write.address") == 4)
        #expect(broadcast.value(at: "modbus.response") == nil)
        // Suricata's `flow` object: the attacker's connection so far (tshark: frames 13, 15, 16 to the server, 74 +
        // 66 + 77 octets; 14, 17, 18 back, 74 + 66 + 115), from its SYN at frame 13.
        let identification = try #require(run.alerts(sid: 4_100_010).first)
        #expect(identification.int("flow.pkts_toserver") == 3 && identification.int("flow.pkts_toclient") == 3)
        #expect(identification.int("flow.bytes_toserver") == 217 && identification.int("flow.bytes_toclient") == 255)
        #expect(identification.string("flow.start")?.hasSuffix(":48.747924+0000") == true)
        #expect(identification.string("flow.src_ip") == Self.attacker && identification.int("flow.dest_port") == 502)
        let listenOnly = try #require(run.alerts(sid: 4_100_001).first)
        #expect(listenOnly.int("modbus.request.diagnostic.raw") == 4)
        #expect(listenOnly.value(at: "alert.metadata.mitre_attack_ics") as? [String] == ["T0813", "T0804", "T0814"])
        #expect(listenOnly.int("alert.severity") == 1)
        let umas = try #require(run.alerts(sid: 4_100_016).first)
        #expect(umas.int("modbus.request.function_raw") == 90)
        #expect(umas.int("modbus.response.exception.raw") == 1)

        // Who is blamed: every alert names the attacker as its source and runs to_server, answered or not (the
        // rules inspect the request; Suricata logs the alerts of to_server rules in that direction).
        #expect(run.alerts.filter { $0.value(at: "modbus.response") == nil }.count == 2)
        #expect(run.alerts.allSatisfy { $0.string("src_ip") == Self.attacker })
        #expect(run.alerts.allSatisfy { $0.string("direction") == "to_server" && $0.int("dest_port") == 502 })
    }

    /// With the default variables the roles mean $HOME_NET (the private ranges), which holds neither 127.0.0.1 nor
    /// 127.0.0.2: the role rules stay quiet, the rules any host may trigger still fire.
    @Test func modbusAttackWithDefaultVariables() throws {
        let run = try replay(Self.modbusCapture)
        #expect(run.status == 0)
        #expect(
            run.signatureIDs == [
                4_100_001, 4_100_002, 4_100_003, 4_100_006, 4_100_007, 4_100_008, 4_100_009, 4_100_015, 4_100_017,
            ]
        )
        let evidence = run.alerts(sid: 4_100_015).first?.value(at: "evidence.pcap_cnt") as? [Int]
        #expect(evidence == [38])
    }

    @Test func modbusAttackWithoutTheDefaultRules() throws {
        let run = try replay(Self.modbusCapture, site("modbus") + ["--no-default-rules"])
        #expect(run.status == 0)
        #expect(run.alerts.isEmpty)
        #expect(run.records.contains { $0.string("event_type") == "modbus" })
    }

    // MARK: - DNP3

    static let dnp3Capture = "dnp3/attack-dnp3.pcap"

    /// With the site's roles. Frames (attack-dnp3.tshark.txt): the SCADA master at 127.0.0.1 sends DISABLE
    /// UNSOLICITED (4), WRITE g50v1 (10) and WRITE g80v1 (12) at start-up and integrity polls (8, 15, 18, 51),
    /// none of which may alert; the rogue master at 127.0.0.2 sends DISABLE UNSOLICITED (27), DIRECT OPERATE (31),
    /// DIRECT OPERATE NO ACK (33), STOP APPLICATION (35), WARM RESTART (38), COLD RESTART (40) and WRITE g80v1 (42).
    @Test func dnp3AttackWithTheSiteRoles() throws {
        let run = try replay(Self.dnp3Capture, site("dnp3"))
        #expect(run.status == 0)
        #expect(
            run.signatureIDs == [
                4_200_001,  // cold restart
                4_200_002,  // warm restart
                4_200_006,  // stop application
                4_200_009,  // disable unsolicited from a non-master
                4_200_013,  // direct operate from a non-master
                4_200_014,  // direct operate no ack from a non-master
                4_200_015,  // direct operate no ack
                4_200_029,  // IIN write (restart cleared) from a non-master
            ]
        )
        #expect(run.error.contains("alerts: 8\n"))

        // All of them blame the rogue master, in the request's direction, on its connection only.
        let rogueFlows = run.flows(of: "dnp3", from: Self.attacker)
        let scadaFlows = run.flows(of: "dnp3", from: Self.legitimate)
        #expect(rogueFlows.count == 1)
        #expect(scadaFlows.count == 2)
        for alert in run.alerts {
            #expect(alert.string("src_ip") == Self.attacker)
            #expect(alert.string("dest_ip") == Self.legitimate)
            #expect(alert.string("direction") == "to_server")
            #expect(rogueFlows.contains(alert.int("flow_id") ?? -1))
        }
        // The SCADA master's routine start-up requests were decoded and left alone.
        let scadaRequests = run.records.filter {
            scadaFlows.contains($0.int("flow_id") ?? -1) && $0.string("dnp3.type") == "request"
        }
        #expect(scadaRequests.compactMap { $0.int("dnp3.application.function_code") } == [21, 1, 2, 2, 1, 1, 1])
        #expect(
            !run.records.contains { scadaFlows.contains($0.int("flow_id") ?? -1) && $0.string("event_type") == "alert" }
        )

        // The request each alert cites, and where the alert is written: at the next packet toward the outstation
        // (Suricata's detection timing).
        func evidence(_ sid: Int) -> [Int]? { run.alerts(sid: sid).first?.value(at: "evidence.pcap_cnt") as? [Int] }
        #expect(evidence(4_200_009) == [27])
        #expect(evidence(4_200_013) == [31])
        #expect(evidence(4_200_014) == [33])
        #expect(evidence(4_200_015) == [33])
        #expect(evidence(4_200_006) == [35])
        #expect(evidence(4_200_002) == [38])
        #expect(evidence(4_200_001) == [40])
        #expect(evidence(4_200_029) == [42])
        let cold = try #require(run.alerts(sid: 4_200_001).first)
        #expect(cold.int("pcap_cnt") == 42)
        #expect(cold.int("dnp3.request.application.function_code") == 13)
        #expect(cold.value(at: "alert.metadata.mitre_attack_ics") as? [String] == ["T0816", "T0813"])
        let stop = try #require(run.alerts(sid: 4_200_006).first)
        #expect(stop.int("dnp3.request.application.function_code") == 18)
        let stopObject = (stop.value(at: "dnp3.request.application.objects") as? [[String: Any]])?.first
        #expect(stopObject?.int("group") == 90)
        #expect(stopObject?.int("variation") == 1)
        let clear = try #require(run.alerts(sid: 4_200_029).first)
        let clearObject = (clear.value(at: "dnp3.request.application.objects") as? [[String: Any]])?.first
        #expect(clearObject?.int("group") == 80)
        #expect(clearObject?.int("variation") == 1)
    }

    @Test func dnp3AttackWithDefaultVariables() throws {
        let run = try replay(Self.dnp3Capture)
        #expect(run.status == 0)
        #expect(run.signatureIDs == [4_200_001, 4_200_002, 4_200_006, 4_200_015])
        #expect(run.alerts.allSatisfy { $0.string("src_ip") == Self.attacker })
    }

    @Test func dnp3AttackWithoutTheDefaultRules() throws {
        let run = try replay(Self.dnp3Capture, site("dnp3") + ["--no-default-rules"])
        #expect(run.status == 0)
        #expect(run.alerts.isEmpty)
        #expect(run.records.contains { $0.string("event_type") == "dnp3" })
    }
}

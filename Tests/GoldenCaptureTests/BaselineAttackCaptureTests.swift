// SPDX-License-Identifier: Apache-2.0
import Baseline
import Foundation
import SensorTestSupport
import Testing

/// The project's baseline captures (`Tests/SensorTestSupport/Captures/baseline`, recorded with real peers on
/// loopback by `record-baseline-modbus.sh` and `record-baseline-dnp3.sh`; README there): a model learned on an
/// hour of normal traffic, and ten attacks replayed against it. Each attack raises its alert, with its
/// explanation and packets, and nothing else. The packet numbers were checked against the `.tshark.txt` listings.
@Suite struct BaselineAttackCaptureTests {
    static func path(_ name: String) -> String { SharedData.projectCapture("baseline/\(name).pcap").path }

    /// The model learned from the normal capture of `protocolName`, written to text and read back (as
    /// `otsensor learn` and `replay --baseline` do).
    static func model(_ protocolName: String) throws -> Baseline.Model {
        let learned = try ReplayHarness.learn([path("\(protocolName)-normal")])
        return try Baseline.Model.read(text: learned.fileText())
    }

    struct Attack: Sendable, CustomTestStringConvertible {
        var capture: String
        var sid: Int
        var packet: Int
        var evidence: [Int]
        var client: String
        var explanation: String
        var testDescription: String { capture }
    }

    static let attacks: [Attack] = [
        Attack(
            capture: "modbus-new-client",
            sid: 9100001,
            packet: 777,
            evidence: [777],
            client: "127.0.0.66",
            explanation:
                "127.0.0.66 was never seen in 1 h of learning; it took part as Modbus client: Modbus 3 (Read Holding Registers) to unit 1 between 127.0.0.66 and 127.0.0.1"
        ),
        Attack(
            capture: "modbus-unusual-write",
            sid: 9100008,
            packet: 774,
            evidence: [774],
            client: "127.0.0.10",
            explanation:
                "Holding register 40 was never written by 127.0.0.10 at 127.0.0.1 unit 1 with function 6 (Write Single Register) in 1 h of learning (learned: 20); seen: Modbus 6 (Write Single Register) to unit 1"
        ),
        Attack(
            capture: "modbus-value-out-of-range",
            sid: 9100009,
            packet: 774,
            evidence: [774],
            client: "127.0.0.10",
            explanation:
                "Value 9999 written to holding register 20 is outside the range 500-600 learned from 127.0.0.10 at 127.0.0.1 unit 1 (60 writes in 1 h of learning); seen: Modbus 6 (Write Single Register) to unit 1"
        ),
        Attack(
            capture: "modbus-register-scan",
            sid: 9100016,
            packet: 793,
            evidence: [774] + Array(stride(from: 777, through: 953, by: 2)),
            client: "127.0.0.10",
            explanation:
                "127.0.0.10 tried 90 address blocks at 127.0.0.1 it never used in 1 h of learning, within 218 ms: holding_registers 100-109, holding_registers 110-119, holding_registers 120-129, holding_registers 130-139, holding_registers 140-149, holding_registers 150-159, holding_registers 160-169, holding_registers 170-179, holding_registers 180-189, holding_registers 190-199, holding_registers 200-209, holding_registers 210-219, and 78 more"
        ),
        Attack(
            capture: "modbus-unit-scan",
            sid: 9100014,
            packet: 787,
            evidence: [777] + Array(stride(from: 781, through: 853, by: 2)),
            client: "127.0.0.10",
            explanation:
                "127.0.0.10 tried 38 unit identifiers at 127.0.0.1 it never used in 1 h of learning, within 246 ms: 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, and 26 more"
        ),
        Attack(
            capture: "modbus-stopped-poller",
            sid: 9100012,
            packet: 957,
            evidence: [720],
            client: "127.0.0.11",
            explanation:
                "127.0.0.11 stopped polling 127.0.0.1 unit 1 with 3 (Read Holding Registers) holding_registers 0-49: silent for 1 min 35 s since packet 720; learned period 30 s, at most 31.7 s between polls in 1 h of learning"
        ),
        Attack(
            capture: "modbus-poll-storm",
            sid: 9100013,
            packet: 833,
            evidence: [777, 833],
            client: "127.0.0.10",
            explanation:
                "127.0.0.10 sent 78 requests to 127.0.0.1 in the 10 s window from 15:07:30 UTC; learning saw at most 11 in any 10 s window (2952 requests in 1 h of learning)"
        ),
        Attack(
            capture: "dnp3-new-control",
            sid: 9100008,
            packet: 217,
            evidence: [217],
            client: "127.0.0.20",
            explanation:
                "Point 5 of g12 was never written or controlled by 127.0.0.20 at 127.0.0.1 (DNP3 master 1, outstation 10) with function 5 (DIRECT_OPERATE) in 1 h of learning (learned: 0); seen: DNP3 DIRECT_OPERATE (5) from master 1 to outstation 10"
        ),
        Attack(
            capture: "dnp3-cold-restart",
            sid: 9100005,
            packet: 217,
            evidence: [217],
            client: "127.0.0.20",
            explanation:
                "Function 13 (COLD_RESTART) was never seen from 127.0.0.20 to 127.0.0.1 (DNP3 master 1, outstation 10) in 1 h of learning (learned: 1, 2, 5, 21, 129); seen: DNP3 COLD_RESTART (13) from master 1 to outstation 10"
        ),
        Attack(
            capture: "dnp3-stopped-integrity-poll",
            sid: 9100012,
            packet: 334,
            evidence: [214],
            client: "127.0.0.20",
            explanation:
                "127.0.0.20 stopped polling 127.0.0.1 (DNP3 master 1, outstation 10) with 1 (READ) g60v2 g60v3 g60v4 g60v1: silent for 3 min 13 s since packet 214; learned period 59.9 s, at most 1 min 3 s between polls in 1 h of learning"
        ),
    ]

    @Test(arguments: attacks)
    func eachAttackRaisesItsAlertAndNoOther(_ attack: Attack) throws {
        let model = try Self.model(attack.capture.hasPrefix("dnp3") ? "dnp3" : "modbus")
        let result = try ReplayHarness.replay(
            [Self.path(attack.capture)],
            baseline: Baseline.Monitor(detectingAgainst: model)
        )
        let alerts = result.records(ofType: "alert")
        #expect(alerts.count == 1, "\(alerts.compactMap { $0.string("baseline.explanation") })")
        let alert = try #require(alerts.first)
        #expect(alert.int("alert.gid") == 9100)
        #expect(alert.int("alert.signature_id") == attack.sid)
        #expect(alert.int("pcap_cnt") == attack.packet)
        #expect(alert.value(at: "evidence.pcap_cnt") as? [Int] == attack.evidence)
        #expect(alert.string("src_ip") == attack.client)
        #expect(alert.string("baseline.explanation") == attack.explanation)
        let deviation = try #require(Baseline.Deviation.allCases.first { Int($0.sid) == attack.sid })
        #expect(alert.string("baseline.anomaly") == deviation.name)
        #expect((alert.value(at: "alert.metadata.mitre_attack_ics") as? [String]) == [deviation.technique])
        #expect(alert.string("alert.signature") == deviation.signature)
    }

    @Test(arguments: ["modbus", "dnp3"])
    func normalTrafficIsNormal(_ protocolName: String) throws {
        let result = try ReplayHarness.replay(
            [Self.path("\(protocolName)-normal")],
            baseline: Baseline.Monitor(detectingAgainst: try Self.model(protocolName))
        )
        #expect(result.records(ofType: "alert").isEmpty)
        #expect(result.records.count > 1_000)
    }

    /// What the hour of Modbus traffic taught: the HMI's and the historian's polls with their periods, the
    /// setpoint's range, the busiest window.
    @Test func theModbusModelHoldsTheSite() throws {
        let model = try Self.model("modbus")
        #expect(model.devices.map(\.address.description) == ["127.0.0.1", "127.0.0.10", "127.0.0.11"])
        #expect(model.learnedMicroseconds / 1_000_000 == 3_600)
        let hmi = try #require(model.pairs.first { $0.key.client.description == "127.0.0.10" })
        #expect(hmi.stations.map(\.identifier) == [1, 2])
        #expect(hmi.maximumRequestsPerWindow == 11)
        #expect(hmi.requests == 2_952)
        let unit1 = try #require(hmi.station(1))
        #expect(unit1.functions.map(\.code) == [1, 3, 5, 6])
        let setpoint = try #require(unit1.function(6)?.values.first)
        #expect(
            setpoint.address == 20 && setpoint.minimum >= 500 && setpoint.maximum <= 600 && setpoint.seen.count == 60
        )
        let poll = try #require(unit1.function(3)?.polls.first)
        #expect(poll.key.description == "holding_registers 0-9")
        #expect(poll.intervals == 1_799)
        #expect(abs(poll.period - 2_000_000) < 5_000)
        #expect(poll.minimumInterval >= 1_880_000 && poll.maximumInterval <= 2_120_000)
        let historian = try #require(model.pairs.first { $0.key.client.description == "127.0.0.11" })
        let historianPoll = try #require(historian.station(1)?.function(3)?.polls.first)
        #expect(historianPoll.key.description == "holding_registers 0-49")
        #expect(abs(historianPoll.period - 30_000_000) < 200_000)
    }

    @Test func theDNP3ModelHoldsTheSite() throws {
        let model = try Self.model("dnp3")
        let pair = try #require(model.pairs.first)
        #expect(model.pairs.count == 1 && pair.key.kind == .dnp3)
        let station = try #require(pair.station(1 << 16 | 10))
        #expect(station.functions.map(\.code) == [1, 2, 5, 21, 129])
        let control = try #require(station.function(5))
        #expect(control.blocks.map { "\($0.table.name) \($0.start)-\($0.end)" } == ["g12 0-0"])
        let polls = try #require(station.function(1)?.polls)
        #expect(polls.map(\.key.description).sorted() == ["g60v2 g60v3 g60v4", "g60v2 g60v3 g60v4 g60v1"])
        let integrity = try #require(polls.first { $0.key.objects.count == 4 })
        #expect(abs(integrity.period - 60_000_000) < 500_000)
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorEngine
import SensorTestSupport
import Testing

/// Golden captures the project made: replayed through the library pipeline and compared with committed EVE output.
/// Set `OTSENSOR_REGENERATE_GOLDEN=1` to rewrite the expected files; review the diff like code.
@Suite struct GoldenCaptureTests {
    static let expectedFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Expected"
    )

    func compareWithGolden(_ capture: String, expected name: String) throws {
        let result = try ReplayHarness.replay(SharedData.projectCapture(capture))
        let text = result.lines.joined(separator: "\n") + "\n"
        let url = Self.expectedFolder.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["OTSENSOR_REGENERATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        let expectedLines = expected.split(separator: "\n").map(String.init)
        #expect(result.lines.count == expectedLines.count)
        for (index, (ours, theirs)) in zip(result.lines, expectedLines).enumerated() where ours != theirs {
            Issue.record("line \(index + 1) differs:\n  got      \(ours)\n  expected \(theirs)")
        }
    }

    /// A pymodbus client and server on loopback (Tests/SensorTestSupport/Captures/modbus/record-plant-session.sh).
    @Test func plantSessionMatchesItsGoldenOutput() throws {
        try compareWithGolden("modbus/plant-session.pcap", expected: "plant-session.eve.jsonl")
    }

    /// The values in the plant session, checked against what the pymodbus client wrote and read.
    @Test func plantSessionValuesAreThePeersValues() throws {
        let result = try ReplayHarness.replay(SharedData.projectCapture("modbus/plant-session.pcap"))
        let modbus = result.records(ofType: "modbus")
        #expect(modbus.count == 42)
        #expect(result.anomalyNames.isEmpty)
        #expect(modbus.allSatisfy { $0.value(at: "modbus.request") != nil && $0.value(at: "modbus.response") != nil })
        func transaction(_ tid: Int, port: Int? = nil) -> [String: Any]? {
            modbus.first {
                $0.int("modbus.request.transaction_id") == tid && (port == nil || $0.int("src_port") == port)
            }
        }
        // Cycle 0's Read Input Registers of unit 1 (client's model: 1200+7n, 455-2n, 213+n, 780+5n, n, 0, 0, 0, 3, 1).
        #expect(
            transaction(7)?.value(at: "modbus.response.read.registers") as? [Int] == [
                1200, 455, 213, 780, 0, 0, 0, 0, 3, 1,
            ]
        )
        #expect(transaction(8)?.int("modbus.request.unit_id") == 2)
        #expect(transaction(8)?.value(at: "modbus.response.read.registers") as? [Int] == [4000, 4100, 4200, 4300])
        #expect(transaction(10)?.int("modbus.request.write.data") == 1600)
        #expect(transaction(16)?.int("modbus.response.exception.raw") == 3)
        #expect(transaction(17)?.value(at: "modbus.request.write.coils") as? [Int] == [1, 0, 1])
        #expect(transaction(23)?.value(at: "modbus.request.write.registers") as? [Int] == [7, 8, 9])
        #expect(transaction(24)?.int("modbus.request.write.and_mask") == 0xF00F)
        #expect(transaction(24)?.int("modbus.request.write.or_mask") == 0x0A50)
        #expect(transaction(25)?.value(at: "modbus.response.read.registers") as? [Int] == [2640])
        #expect(transaction(31)?.value(at: "modbus.request.write.registers") as? [Int] == [42, 43])
        #expect(
            transaction(31)?.value(at: "modbus.response.read.registers") as? [Int] == [1600, 250, 0, 0, 60, 7, 8, 9]
        )
        #expect(transaction(32)?.string("modbus.response.exception.code") == "IllegalDataAddr")
        #expect(transaction(40)?.string("modbus.response.function_code") == "RdCoils")
        #expect(transaction(40)?.int("modbus.response.function_raw") == 0x81)
        let identity = transaction(1)?.value(at: "modbus.response.mei.objects") as? [[String: Any]]
        #expect(identity?.compactMap { $0["value"] as? String } == ["OTSensor Test Works", "OTS-PLC", "1.0"])
        #expect(result.records(ofType: "flow").count == 2)
        #expect(result.records(ofType: "flow").allSatisfy { $0.string("flow.state") == "closed" })
    }

    @Test func sameCaptureGivesByteIdenticalOutput() throws {
        let url = SharedData.projectCapture("modbus/plant-session.pcap")
        let first = try ReplayHarness.replay(url)
        let second = try ReplayHarness.replay(url)
        #expect(first.lines == second.lines)
    }

    // MARK: - Link types and file formats

    /// One Modbus exchange (request and response, after a handshake) in every link type we read; each must give
    /// the same transaction.
    static func exchange(wrap: ([UInt8], Bool) -> [UInt8]) -> [[UInt8]] {
        let request = FrameBuilder.hex("0001 0000 0006 01 03 0000 0002")
        let response = FrameBuilder.hex("0001 0000 0007 01 03 04 000a 000b")
        func segment(_ toServer: Bool, _ seq: UInt32, _ ack: UInt32, _ flags: UInt8, _ payload: [UInt8]) -> [UInt8] {
            FrameBuilder.tcp(
                sourcePort: toServer ? 40000 : 502,
                destinationPort: toServer ? 502 : 40000,
                sequence: seq,
                acknowledgment: ack,
                flags: flags,
                payload: payload
            )
        }
        return [
            wrap(segment(true, 100, 0, 0x02, []), true),
            wrap(segment(false, 500, 101, 0x12, []), false),
            wrap(segment(true, 101, 501, 0x18, request), true),
            wrap(segment(false, 501, 113, 0x18, response), false),
        ]
    }

    static func ipv4(_ segment: [UInt8], _ toServer: Bool) -> [UInt8] {
        FrameBuilder.ipv4(
            source: toServer ? [10, 0, 0, 1] : [10, 0, 0, 2],
            destination: toServer ? [10, 0, 0, 2] : [10, 0, 0, 1],
            protocol: 6,
            payload: segment
        )
    }

    static func ipv6(_ segment: [UInt8], _ toServer: Bool) -> [UInt8] {
        let a: [UInt8] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        let b: [UInt8] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]
        // A hop-by-hop options header (8 bytes of padding options) before TCP.
        let hopByHop: [UInt8] = [6, 0, 1, 4, 0, 0, 0, 0]
        return FrameBuilder.ipv6(
            source: toServer ? a : b,
            destination: toServer ? b : a,
            nextHeader: 0,
            extensionHeaders: hopByHop,
            payload: segment
        )
    }

    static let linkTypes: [(name: String, linkType: UInt32, frames: [[UInt8]], client: String)] = [
        ("Ethernet", 1, exchange { FrameBuilder.ethernet(etherType: 0x0800, payload: ipv4($0, $1)) }, "10.0.0.1"),
        (
            "802.1Q", 1, exchange { FrameBuilder.ethernet(vlans: [7], etherType: 0x0800, payload: ipv4($0, $1)) },
            "10.0.0.1"
        ),
        (
            "QinQ", 1, exchange { FrameBuilder.ethernet(vlans: [100, 7], etherType: 0x0800, payload: ipv4($0, $1)) },
            "10.0.0.1"
        ),
        ("Ethernet IPv6", 1, exchange { FrameBuilder.ethernet(etherType: 0x86DD, payload: ipv6($0, $1)) }, "fd00::1"),
        // Linux cooked v1: packet type, ARPHRD_ETHER, address length 6, address (8), protocol.
        (
            "Linux cooked v1", 113, exchange { [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 8, 0] + ipv4($0, $1) },
            "10.0.0.1"
        ),
        // Linux cooked v2: protocol, reserved, interface index, ARPHRD_ETHER, packet type, address length, address.
        (
            "Linux cooked v2", 276,
            exchange { [8, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0] + ipv4($0, $1) }, "10.0.0.1"
        ),
        ("raw IPv4 (LINKTYPE_RAW)", 101, exchange { ipv4($0, $1) }, "10.0.0.1"),
        ("raw IPv6", 229, exchange { ipv6($0, $1) }, "fd00::1"),
        ("BSD loopback, little-endian", 0, exchange { [2, 0, 0, 0] + ipv4($0, $1) }, "10.0.0.1"),
        ("BSD loopback, big-endian", 0, exchange { [0, 0, 0, 2] + ipv4($0, $1) }, "10.0.0.1"),
    ]

    @Test(arguments: 0..<linkTypes.count)
    func decodesEveryLinkType(_ index: Int) throws {
        let item = Self.linkTypes[index]
        let url = PcapFileWriter.temporaryURL("link.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(item.frames, linkType: item.linkType, to: url)
        let result = try ReplayHarness.replay(url)
        let modbus = result.records(ofType: "modbus")
        #expect(modbus.count == 1, "\(item.name)")
        #expect(modbus.first?.string("src_ip") == item.client, "\(item.name)")
        #expect(modbus.first?.value(at: "modbus.response.read.registers") as? [Int] == [10, 11], "\(item.name)")
        #expect(result.anomalyNames.isEmpty, "\(item.name)")
        if item.name == "QinQ" { #expect(modbus.first?["vlan"] as? [Int] == [100, 7]) }
    }

    @Test func pcapngReadsLikePcap() throws {
        let frames = Self.linkTypes[0].frames
        let pcap = PcapFileWriter.temporaryURL("a.pcap")
        let pcapng = PcapFileWriter.temporaryURL("a.pcapng")
        defer {
            try? FileManager.default.removeItem(at: pcap)
            try? FileManager.default.removeItem(at: pcapng)
        }
        try PcapFileWriter.write(frames, to: pcap)
        try PcapngFileWriter.write(frames, to: pcapng)
        #expect(try ReplayHarness.replay(pcapng).lines == (try ReplayHarness.replay(pcap)).lines)
    }

    /// pcapng timestamps are 64-bit: a file can claim year 292,277 or a time before 1970. Such times are clamped
    /// to 1970...9999 and counted, and nothing overflows (found by the bad-input review: it trapped before).
    @Test func absurdTimestampsAreClampedNotFatal() throws {
        let frames = Self.linkTypes[0].frames
        let url = PcapFileWriter.temporaryURL("time.pcapng")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapngFileWriter.write(
            frames,
            timestamps: [UInt64.max, 1, UInt64(Int64.max), 1_704_067_200_000_000],
            to: url
        )
        let result = try ReplayHarness.replay(url)
        #expect(result.readStatistics.timestampsOutOfRange == 2)
        let modbus = try #require(result.records(ofType: "modbus").first)
        #expect(modbus.value(at: "modbus.response.read.registers") as? [Int] == [10, 11])
        #expect(result.records.allSatisfy { ($0["timestamp"] as? String)?.count == 31 })
    }

    @Test func framesCutAtTheSnapshotLengthAreCountedAndLeaveAGap() throws {
        var frames = Self.linkTypes[0].frames
        let full = frames[2].count
        frames[2] = Array(frames[2].prefix(full - 4))  // the request's last 4 bytes were not captured
        let url = PcapFileWriter.temporaryURL("snap.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(
            frames,
            originalLengths: frames.indices.map { $0 == 2 ? full : frames[$0].count },
            to: url
        )
        let result = try ReplayHarness.replay(url)
        #expect(result.readStatistics.truncatedBySnapshotLength == 1)
        #expect(result.anomalyNames.contains("stream.reassembly_seq_gap"))
        // The request is lost with its tail; its response is then one no request matches.
        #expect(result.records(ofType: "modbus").first?.value(at: "modbus.request") == nil)
    }
}

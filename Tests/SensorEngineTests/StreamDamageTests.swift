// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorEngine
import SensorTestSupport
import Testing

/// A polling session with one damaged or hostile packet in the middle: the packet loses at most itself, never the
/// rest of the flow (cases found by the bad-input review).
@Suite struct StreamDamageTests {
    /// Handshake, then `count` Read Holding Registers exchanges; `inject` adds frames after exchange `at`.
    static func session(
        count: Int = 6,
        at: Int = 2,
        inject: (_ clientSequence: UInt32, _ serverSequence: UInt32) -> [[UInt8]]
    ) -> [[UInt8]] {
        var frames: [[UInt8]] = [
            FrameBuilder.tcpFrame(clientToServer: true, sequence: 1000, flags: 0x02, payload: []),
            FrameBuilder.tcpFrame(
                clientToServer: false,
                sequence: 5000,
                acknowledgment: 1001,
                flags: 0x12,
                payload: []
            ),
        ]
        var client: UInt32 = 1001
        var server: UInt32 = 5001
        for tid in 0..<count {
            let request = FrameBuilder.be16(UInt16(tid)) + FrameBuilder.hex("0000 0006 01 03 0000 0002")
            let response = FrameBuilder.be16(UInt16(tid)) + FrameBuilder.hex("0000 0007 01 03 04 000a 000b")
            frames.append(
                FrameBuilder.tcpFrame(clientToServer: true, sequence: client, acknowledgment: server, payload: request)
            )
            client &+= UInt32(request.count)
            frames.append(
                FrameBuilder.tcpFrame(
                    clientToServer: false,
                    sequence: server,
                    acknowledgment: client,
                    payload: response
                )
            )
            server &+= UInt32(response.count)
            if tid == at { frames += inject(client, server) }
        }
        return frames
    }

    func replay(_ frames: [[UInt8]], originalLengths: [Int]? = nil) throws -> ReplayResult {
        let url = PcapFileWriter.temporaryURL("damage.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(frames, originalLengths: originalLengths, to: url)
        return try ReplayHarness.replay(url)
    }

    func pairedTransactions(_ result: ReplayResult) -> Int {
        result.records(ofType: "modbus").filter {
            $0.value(at: "modbus.request") != nil && $0.value(at: "modbus.response") != nil
        }.count
    }

    @Test func anIntactSessionPairsEveryTransaction() throws {
        #expect(pairedTransactions(try replay(Self.session { _, _ in [] })) == 6)
    }

    @Test func aResetOutsideTheWindowIsIgnored() throws {
        let result = try replay(
            Self.session { client, _ in
                [FrameBuilder.tcpFrame(clientToServer: true, sequence: client &+ 0x4000_0000, flags: 0x04, payload: [])]
            }
        )
        #expect(pairedTransactions(result) == 6)
        #expect(result.statistics.streamIgnoredControl == 1)
    }

    @Test func aStaleFINIsIgnored() throws {
        let result = try replay(
            Self.session { client, server in
                [
                    FrameBuilder.tcpFrame(
                        clientToServer: true,
                        sequence: client &- 24,
                        acknowledgment: server,
                        flags: 0x11,
                        payload: []
                    )
                ]
            }
        )
        #expect(pairedTransactions(result) == 6)
    }

    @Test func aResetInsideTheWindowEndsTheConnection() throws {
        let result = try replay(
            Self.session { client, _ in
                [FrameBuilder.tcpFrame(clientToServer: true, sequence: client, flags: 0x04, payload: [])]
            }
        )
        #expect(pairedTransactions(result) == 3)
        #expect(result.records(ofType: "flow").first?.string("flow.state") == "closed")
    }

    /// An IPv4 total length larger than the frame, in a frame the capture did not cut: the length lies, and only
    /// that packet is affected (a gap of 65,000 bytes would have swallowed the rest of the stream).
    @Test func aLyingIPLengthLosesOnlyItsPacket() throws {
        var frames = Self.session { _, _ in [] }
        // The third request: set its IPv4 total length (bytes 16-17 of the frame) to 65535.
        frames[6][16] = 0xFF
        frames[6][17] = 0xFF
        let result = try replay(frames)
        #expect(pairedTransactions(result) == 6)
        #expect(!result.anomalyNames.contains("stream.reassembly_seq_gap"))
    }

    /// The same frame cut by the snapshot length (the wire frame really was longer): the missing bytes are a gap.
    @Test func bytesCutByTheSnapshotLengthAreAGap() throws {
        var frames = Self.session { _, _ in [] }
        let full = frames[6].count
        frames[6] = Array(frames[6].prefix(full - 6))
        let result = try replay(frames, originalLengths: frames.indices.map { $0 == 6 ? full : frames[$0].count })
        #expect(result.anomalyNames.contains("stream.reassembly_seq_gap"))
        #expect(pairedTransactions(result) == 5)
    }

    /// A client that reconnects from the same port without FIN or RST: the new SYN starts a new flow.
    @Test func aSYNThatDoesNotContinueTheStreamStartsANewFlow() throws {
        let first = Self.session(count: 2) { _, _ in [] }
        let second = Self.session(count: 2) { _, _ in [] }.map { frame -> [UInt8] in
            // The same 5-tuple, with sequence numbers 1,000,000 further on.
            var moved = frame
            let sequenceOffset = 14 + 20 + 4
            let old =
                UInt32(moved[sequenceOffset]) << 24 | UInt32(moved[sequenceOffset + 1]) << 16
                | UInt32(moved[sequenceOffset + 2]) << 8 | UInt32(moved[sequenceOffset + 3])
            let new = FrameBuilder.be32(old &+ 1_000_000)
            for i in 0..<4 { moved[sequenceOffset + i] = new[i] }
            return moved
        }
        let result = try replay(first + second)
        let flows = result.records(ofType: "flow")
        #expect(flows.count == 2)
        #expect(flows.first?.string("flow.reason") == "tcp_reuse")
        #expect(pairedTransactions(result) == 4)
        #expect(!result.anomalyNames.contains("stream.reassembly_seq_gap"))
    }

    /// All flows together may hold at most `maxPendingRequestsTotal` unanswered requests.
    @Test func pendingRequestsAreBoundedAcrossFlows() throws {
        var frames: [[UInt8]] = []
        for port in 0..<UInt16(20) {
            for tid in 0..<UInt16(10) {
                let request = FrameBuilder.be16(tid) + FrameBuilder.hex("0000 0006 01 03 0000 0002")
                let segment = FrameBuilder.tcp(
                    sourcePort: 41000 + port,
                    destinationPort: 502,
                    sequence: 1 + UInt32(tid) * 12,
                    payload: request
                )
                frames.append(
                    FrameBuilder.ethernet(etherType: 0x0800, payload: FrameBuilder.ipv4(protocol: 6, payload: segment))
                )
            }
        }
        let url = PcapFileWriter.temporaryURL("pending.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(frames, to: url)
        var configuration = EngineConfiguration()
        configuration.maxPendingRequestsTotal = 50
        let result = try ReplayHarness.replay(url, configuration: configuration)
        // Every request is still reported (request-only), and the limit was reported once per flow that hit it.
        #expect(result.records(ofType: "modbus").count == 200)
        #expect(result.anomalyNames.filter { $0 == "modbus.flooded" }.count == 15)
    }
}

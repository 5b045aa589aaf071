// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorEngine
import SensorTestSupport
import Testing

/// DNP3 over a TCP stream through the whole engine: split at every point, cut by gaps, damaged headers, and
/// traffic on port 20000 that is not DNP3.
@Suite struct DNP3StreamTests {
    /// An Ethernet/IPv4/TCP frame between 10.0.0.1:40000 (master) and 10.0.0.2:20000 (outstation).
    static func frame(toServer: Bool, sequence: UInt32, acknowledgment: UInt32, payload: [UInt8]) -> [UInt8] {
        let segment = FrameBuilder.tcp(
            sourcePort: toServer ? 40000 : 20000,
            destinationPort: toServer ? 20000 : 40000,
            sequence: sequence,
            acknowledgment: acknowledgment,
            flags: 0x18,
            payload: payload
        )
        let packet = FrameBuilder.ipv4(
            source: toServer ? [10, 0, 0, 1] : [10, 0, 0, 2],
            destination: toServer ? [10, 0, 0, 2] : [10, 0, 0, 1],
            protocol: 6,
            payload: segment
        )
        return FrameBuilder.ethernet(
            destination: [2, 0, 0, 0, 0, toServer ? 2 : 1],
            source: [2, 0, 0, 0, 0, toServer ? 1 : 2],
            etherType: 0x0800,
            payload: packet
        )
    }

    /// A session: each element is (toServer, payload); sequence and acknowledgment numbers follow the bytes, and
    /// `skip` leaves out the segments at those positions (bytes lost on the wire, a capture gap).
    static func session(_ segments: [(Bool, [UInt8])], skip: Set<Int> = []) -> [[UInt8]] {
        var client: UInt32 = 1000
        var server: UInt32 = 5000
        var frames: [[UInt8]] = []
        for (index, (toServer, payload)) in segments.enumerated() {
            if !skip.contains(index) {
                frames.append(
                    frame(
                        toServer: toServer,
                        sequence: toServer ? client : server,
                        acknowledgment: toServer ? server : client,
                        payload: payload
                    )
                )
            }
            if toServer { client += UInt32(payload.count) } else { server += UInt32(payload.count) }
        }
        // A final acknowledgment from each side, so every record is written at an acknowledgment.
        frames.append(frame(toServer: true, sequence: client, acknowledgment: server, payload: []))
        frames.append(frame(toServer: false, sequence: server, acknowledgment: client, payload: []))
        return frames
    }

    func replay(_ frames: [[UInt8]]) throws -> ReplayResult {
        let url = PcapFileWriter.temporaryURL("dnp3-stream.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(frames, to: url)
        return try ReplayHarness.replay(url)
    }

    /// The `dnp3` objects of the records, as JSON text (what does not depend on packet boundaries).
    func messages(_ result: ReplayResult) throws -> [String] {
        try result.records(ofType: "dnp3").map { record in
            var body = try #require(record["dnp3"] as? [String: Any])
            body.removeValue(forKey: "in_response_to")  // its pcap_cnt and latency depend on the packets
            let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }

    // A READ of class 0 and its response in three transport segments (sequence 15, 16, 17): six g30v1 values.
    static let request = FrameBuilder.hex("05640bc40a000100acd1 c0c0011e0106 0483")
    static let response = FrameBuilder.hex(
        """
        0564134401000a009472 4fc08100001e010000050164000073f7
        0564134401000a009472 100001c8000000012c0100000190fb8d
        0564134401000a009472 9101000001f4010000015802000012c3
        """
    )

    /// Every split of the response's octets into two TCP segments gives the same records.
    @Test func everySplitPointGivesTheSameRecords() throws {
        let whole = try messages(try replay(Self.session([(true, Self.request), (false, Self.response)])))
        #expect(whole.count == 2)
        #expect(whole[1].contains("\"value\":600"))
        for split in 1..<Self.response.count {
            let parts = [
                (true, Self.request), (false, Array(Self.response[..<split])), (false, Array(Self.response[split...])),
            ]
            let result = try replay(Self.session(parts))
            #expect(try messages(result) == whole, "split at \(split)")
            #expect(result.anomalyNames.isEmpty, "split at \(split)")
        }
    }

    /// A response fragment split into two transport segments at every point gives the same record: the object
    /// parser sees the same octets whether they were read in place or assembled.
    @Test func everyTransportSplitGivesTheSameRecord() throws {
        let fragment = FrameBuilder.hex(
            """
            C0 81 00 00                                  # response, no IIN
            01 02 00 00 03  81 01 81 01                  # g1v2 0..3
            1E 01 00 00 01  01 64 00 00 00  01 C8 00 00 00   # g30v1 0..1: 100, 200
            """
        )
        func response(_ segments: [[UInt8]]) -> [UInt8] {
            segments.flatMap { FrameBuilder.dnp3Frame(control: 0x44, destination: 1, source: 10, userData: $0) }
        }
        let whole = try messages(
            try replay(Self.session([(true, Self.request), (false, response([[0xC0 | 15] + fragment]))]))
        )
        #expect(whole.count == 2)
        #expect(whole[1].contains("\"value\":200"))
        for split in 1..<fragment.count {
            let parts = [[0x40 | 15] + Array(fragment[..<split]), [0x80 | 16] + Array(fragment[split...])]
            let result = try replay(Self.session([(true, Self.request), (false, response(parts))]))
            let records = try messages(result).map { $0.replacingOccurrences(of: ",\"segments\":2", with: "") }
            #expect(records == whole, "split at \(split)")
            #expect(result.anomalyNames.isEmpty, "split at \(split)")
        }
    }

    /// A segment lost in the middle of a frame costs that frame and its fragment; the parser resynchronises on
    /// the next header, and the next exchange decodes.
    @Test func aGapCostsOnlyWhatItCut() throws {
        let second = FrameBuilder.hex("05640bc40a000100acd1 c1c1011e0106 e515")
        // Its response in two transport segments, the sequence wrapping 63 -> 0.
        let answer = FrameBuilder.hex(
            "0564104401000a00c4e1 7fc18100001e0100000101a05e  0564 0f4401000a00e7dd 80e803000001d00700006423"
        )
        let result = try replay(
            Self.session(
                [
                    (true, Self.request), (false, Array(Self.response[..<30])), (false, Array(Self.response[30..<60])),
                    (false, Array(Self.response[60...])), (true, second), (false, answer),
                ],
                skip: [2]
            )
        )
        let records = result.records(ofType: "dnp3")
        #expect(records.map { $0.int("dnp3.application.function_code") } == [1, 1, 129])
        #expect(records.last?.int("dnp3.application.control.sequence") == 1)
        #expect(records.last?.int("dnp3.segments") == 2)
        #expect(result.anomalyNames.contains("stream.reassembly_seq_gap"))
        #expect(result.anomalyNames.contains("dnp3.no_start_bytes"))
    }

    /// A header whose CRC fails is not trusted for its length: the frame right after it decodes.
    @Test func aBadHeaderCRCCostsOnlyItsFrame() throws {
        var damaged = Self.request
        damaged[8] ^= 0xFF  // the header CRC
        let result = try replay(Self.session([(true, damaged + Self.request), (false, Self.response)]))
        #expect(result.records(ofType: "dnp3").count == 2)
        #expect(result.anomalyNames.first == "dnp3.bad_link_crc")
    }

    /// A capture of one direction never sees the acknowledgments: records are written at once, at the packet that
    /// carried the message.
    @Test func aOneSidedCaptureWritesEachRecordAtItsOwnPacket() throws {
        var frames: [[UInt8]] = []
        var sequence: UInt32 = 1000
        for _ in 0..<40 {
            frames.append(Self.frame(toServer: true, sequence: sequence, acknowledgment: 77, payload: Self.request))
            sequence += UInt32(Self.request.count)
        }
        let result = try replay(frames)
        let records = result.records(ofType: "dnp3")
        #expect(records.count == 40)
        #expect(records.map { $0.int("pcap_cnt") } == (1...40).map { $0 })
    }

    /// When the peer is in the capture but its acknowledgment never covers the messages, at most 32 wait per
    /// direction; the older ones are written at their own packets, in order, and none is lost.
    @Test func recordsWaitingForAnAcknowledgmentAreBounded() throws {
        var frames = [Self.frame(toServer: false, sequence: 5000, acknowledgment: 1000, payload: [])]
        var sequence: UInt32 = 1000
        for _ in 0..<100 {
            frames.append(Self.frame(toServer: true, sequence: sequence, acknowledgment: 5000, payload: Self.request))
            sequence += UInt32(Self.request.count)
        }
        let result = try replay(frames)
        let records = result.records(ofType: "dnp3")
        #expect(records.count == 100)
        #expect(records.prefix(68).map { $0.int("pcap_cnt") } == (2...69).map { $0 })
        #expect(records.suffix(32).allSatisfy { $0.int("pcap_cnt") == nil })  // written when the flow ended
    }

    /// Something else on port 20000: the first run of octets is reported, then the flow is judged not DNP3 and
    /// no longer decoded, instead of one anomaly per packet.
    @Test func trafficThatIsNotDNP3IsReportedOnceAndLeftAlone() throws {
        var noise: [UInt8] = []
        for index in 0..<300 {
            let byte = UInt8((index * 7 + 3) % 251)
            noise.append(byte == 0x05 ? 0x06 : byte)  // never a start octet
        }
        let result = try replay(Self.session((0..<10).map { ($0 % 2 == 0, noise) }))
        #expect(result.records(ofType: "dnp3").isEmpty)
        #expect(result.anomalyNames == ["dnp3.no_start_bytes", "dnp3.protocol_mismatch_on_dnp3_port"])
        #expect(result.records(ofType: "flow").first?.string("app_proto") == "failed")
    }
}

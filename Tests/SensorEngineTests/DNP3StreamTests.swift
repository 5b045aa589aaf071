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

    /// One UDP datagram from a master on port 20001 to the outstation port.
    static func datagram(_ payload: [UInt8], toServer: Bool = true) -> [UInt8] {
        let segment = FrameBuilder.udp(
            sourcePort: toServer ? 20001 : 20000,
            destinationPort: toServer ? 20000 : 20001,
            payload: payload
        )
        let packet = FrameBuilder.ipv4(
            source: toServer ? [10, 0, 0, 1] : [10, 0, 0, 2],
            destination: toServer ? [10, 0, 0, 2] : [10, 0, 0, 1],
            protocol: 17,
            payload: segment
        )
        return FrameBuilder.ethernet(
            destination: [2, 0, 0, 0, 0, toServer ? 2 : 1],
            source: [2, 0, 0, 0, 0, toServer ? 1 : 2],
            etherType: 0x0800,
            payload: packet
        )
    }

    /// A gateway polling 20 outstations on one connection: single-frame fragments take no reassembly, so none is
    /// given up; and a fragment under way survives 20 other pairs' single-frame traffic.
    @Test func singleFrameFragmentsTakeNoReassembly() throws {
        var segments: [(Bool, [UInt8])] = []
        // Outstation 1000 starts a two-segment response...
        let fragment: [UInt8] = [0xC0, 0x81, 0x00, 0x00, 0x3C, 0x01, 0x06]
        segments.append(
            (
                false,
                FrameBuilder.dnp3Frame(
                    control: 0x44,
                    destination: 1,
                    source: 1000,
                    userData: [0x40] + fragment.prefix(4)
                )
            )
        )
        for outstation in UInt16(10)..<30 {
            let read: [UInt8] = [0xC0, 0xC0, 0x01, 0x3C, 0x01, 0x06]
            segments.append(
                (true, FrameBuilder.dnp3Frame(control: 0xC4, destination: outstation, source: 1, userData: read))
            )
            let response: [UInt8] = [0xC0, 0xC0, 0x81, 0x00, 0x00]
            segments.append(
                (false, FrameBuilder.dnp3Frame(control: 0x44, destination: 1, source: outstation, userData: response))
            )
        }
        // ...and finishes it after the 40 single-frame fragments of 20 other pairs.
        segments.append(
            (
                false,
                FrameBuilder.dnp3Frame(
                    control: 0x44,
                    destination: 1,
                    source: 1000,
                    userData: [0x81] + fragment.dropFirst(4)
                )
            )
        )
        let result = try replay(Self.session(segments))
        #expect(result.anomalyNames.isEmpty)
        let records = result.records(ofType: "dnp3")
        #expect(records.count == 41)
        #expect(records.filter { $0.int("dnp3.src") == 1000 }.map { $0.int("dnp3.segments") } == [2])
    }

    /// A stream of garbage gives one record per kind of damage until the next valid frame, and at most 100 of a
    /// kind per flow: the summary keeps the count.
    @Test func damageIsReportedOncePerRunAndBoundedPerFlow() throws {
        let garbage = (0..<500).flatMap { _ in [0x05, 0x64] as [UInt8] }
        let result = try replay(Self.session([(true, Self.request + garbage + Self.request), (false, Self.response)]))
        #expect(result.records(ofType: "dnp3").count == 3)
        // Each 05 64 is a header whose CRC fails; the 64 after it is skipped: 500 and 500 in the counts, one
        // record of each.
        #expect(result.anomalyNames == ["dnp3.bad_link_crc", "dnp3.no_start_bytes"])
        #expect(result.statistics.anomalies["dnp3.bad_link_crc"] == 500)
        #expect(result.statistics.anomalies["dnp3.no_start_bytes"] == 500)
        #expect(result.statistics.dnp3SuppressedDamageReports == 998)

        var flood: [[UInt8]] = []
        for _ in 0..<150 {
            var bad = FrameBuilder.dnp3Frame(control: 0xC4, destination: 10, source: 1, userData: [0xC0, 0xC0, 0x01])
            bad[10] ^= 0xFF  // the data block's first octet: its CRC fails
            flood.append(Self.datagram(bad))
        }
        let bounded = try replay(flood)
        #expect(bounded.anomalyNames == Array(repeating: "dnp3.bad_transport_crc", count: 100))
        #expect(bounded.statistics.anomalies["dnp3.bad_transport_crc"] == 150)
    }

    /// A size prefix decides an object's length whatever its group: no header is read out of an object's inside.
    @Test func aSizePrefixIsObeyedEvenForGroupsWithoutData() throws {
        // READ: g60v1 q5B count 1 size 6, whose 6 octets look like a CROB header, then a real g60v2 header.
        let read: [UInt8] = [
            0xC0, 0xC1, 0x01, 0x3C, 0x01, 0x5B, 0x01, 0x06, 0x00, 0x0C, 0x01, 0x17, 0x01, 0x07, 0x03, 0x3C, 0x02, 0x06,
        ]
        let result = try replay([
            Self.datagram(FrameBuilder.dnp3Frame(control: 0xC4, destination: 10, source: 1, userData: read))
        ])
        let objects = result.records(ofType: "dnp3").first?.value(at: "dnp3.application.objects") as? [[String: Any]]
        #expect(
            objects?.map { [$0["group"] as? Int, $0["variation"] as? Int, $0["qualifier"] as? Int] } == [
                [60, 1, 0x5B], [60, 2, 6],
            ]
        )
    }

    /// A free-format object whose size prefix is shorter than its group's fixed fields is reported and its
    /// fields not listed; its well-formed siblings are.
    @Test func aShortFreeFormatObjectIsMalformedAndItsSiblingsStay() throws {
        // A WRITE of two g70v4 (file command status: handle 4, file size 4, maximum block size 2, request
        // identifier 2, status 1 = 13 fixed octets): sizes 13 and 3.
        let good: [UInt8] = [0x0D, 0x00] + [0x01, 0, 0, 0] + [0x10, 0, 0, 0] + [0x00, 0x04] + [0x00, 0x00] + [0x00]
        let short: [UInt8] = [0x03, 0x00, 0x01, 0x02, 0x03]
        let write: [UInt8] = [0xC0, 0xC2, 0x02, 0x46, 0x04, 0x5B, 0x02] + good + short
        let result = try replay([
            Self.datagram(FrameBuilder.dnp3Frame(control: 0xC4, destination: 10, source: 1, userData: write))
        ])
        let record = try #require(result.records(ofType: "dnp3").first)
        let points =
            (record.value(at: "dnp3.application.objects") as? [[String: Any]])?.first?["points"] as? [[String: Any]]
        #expect(points?.count == 2)
        #expect(points?.first?["file_handle"] as? Int == 1)
        #expect(points?.last?["file_handle"] == nil)
        #expect(record.value(at: "dnp3.application.complete") as? Bool == false)
        #expect(result.anomalyNames == ["dnp3.malformed"])
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

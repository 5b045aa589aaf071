// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorEngine
import SensorTestSupport
import Testing

/// Every DNP3 fault case of `../shared/cases` (bugs other tools had), replayed as a user would, with the right
/// values asserted. Each test names the whole kind of fault its fix covers.
@Suite(
    .enabled(
        if: SharedData.hasCases,
        "the shared fault cases are absent: set OTSENSOR_CASES or put them at ../shared/cases"
    )
)
struct DNP3FaultCaseTests {
    func replay(_ id: String) throws -> ReplayResult {
        let folder = try #require(SharedData.caseCaptures, "case2pcap.py could not write the case captures")
        return try ReplayHarness.replay(folder.appendingPathComponent("\(id).pcap"))
    }

    func dnp3(_ result: ReplayResult) -> [[String: Any]] { result.records(ofType: "dnp3") }

    func objects(_ record: [String: Any]) -> [[String: Any]] {
        record.value(at: "dnp3.application.objects") as? [[String: Any]] ?? []
    }

    func points(_ object: [String: Any]) -> [[String: Any]] { object["points"] as? [[String: Any]] ?? [] }

    /// (function code, application sequence) of each record, in order.
    func messages(_ result: ReplayResult) -> [[Int]] {
        dnp3(result).map {
            [$0.int("dnp3.application.function_code") ?? -1, $0.int("dnp3.application.control.sequence") ?? -1]
        }
    }

    /// Kind: range fields whose count is computed from untrusted start and stop.
    @Test func aStopBelowItsStartIsFlaggedAndNoCountIsTrusted() throws {
        let result = try replay("dnp3-range-stop-before-start")
        #expect(messages(result) == [[1, 0], [1, 1], [129, 0]])
        let reads = dnp3(result).filter { $0.int("dnp3.application.function_code") == 1 }
        for read in reads {
            let object = try #require(objects(read).first)
            #expect(object["group"] as? Int == 1)
            #expect(object["count"] as? Int == 0)
            #expect(points(object).isEmpty)
            #expect(read.value(at: "dnp3.application.complete") as? Bool == false)
        }
        #expect(objects(reads[0]).first?["start"] as? Int == 5)
        #expect(objects(reads[0]).first?["stop"] as? Int == 2)
        #expect(objects(reads[1]).first?["start"] as? Int == 4_294_967_295)
        // Both requests and the response carry one such header each; each is reported once, the rest of its
        // fragment is not parsed.
        #expect(result.anomalyNames == Array(repeating: "dnp3.range_stop_lt_start", count: 3))
        #expect(result.statistics.dnp3Points == 0)
    }

    /// Kind: minimum lengths chosen from one field and processing driven by another (DIR bit vs function code).
    @Test func aResponseWithoutIINIsFlaggedAndNotReadPast() throws {
        let result = try replay("dnp3-response-without-iin-dir-bit-set")
        #expect(messages(result) == [[1, 0]])
        let read = try #require(dnp3(result).first)
        #expect(
            objects(read).map { [$0["group"] as? Int, $0["variation"] as? Int, $0["qualifier"] as? Int] } == [
                [60, 1, 6]
            ]
        )
        #expect(
            result.anomalyNames == ["dnp3.dir_bit_inconsistent_with_flow_side", "dnp3.app_header_too_short"]
        )
    }

    /// Kind: roles taken from TCP (who connected, who spoke first) instead of the DIR bit.
    @Test func rolesComeFromTheDIRBitWhenTheOutstationIsTheTCPClient() throws {
        let result = try replay("dnp3-outstation-is-tcp-client-midstream")
        let records = dnp3(result)
        // The CONFIRM gets no record (as in Suricata); the other three do, typed by function code.
        #expect(records.map { $0.string("dnp3.type") } == ["unsolicited_response", "request", "response"])
        #expect(records.map { $0.int("dnp3.src") } == [1, 10, 1])
        #expect(records[0].value(at: "dnp3.application.control.con") as? Bool == true)
        #expect(records[0].value(at: "dnp3.application.control.uns") as? Bool == true)
        #expect(records[0].value(at: "dnp3.iin.indicators") as? [String] == ["device_restart"])
        #expect(records[2].int("dnp3.in_response_to.function_code") == 1)
        #expect(result.statistics.dnp3MatchedConfirms == 1)
        #expect(result.statistics.dnp3PairedResponses == 1)
        #expect(result.anomalyNames.isEmpty)
    }

    /// Kind: object headers that carry no data (qualifier 0x06) must parse as headers with nothing after them.
    @Test func classPollsWithQualifier06ParseAndTheResponseDecodes() throws {
        let result = try replay("dnp3-class-poll-qualifier-06")
        let records = dnp3(result)
        #expect(records.count == 2)
        #expect(objects(records[0]).map { $0["variation"] as? Int } == [2, 3, 4, 1])
        #expect(objects(records[0]).allSatisfy { $0["qualifier"] as? Int == 6 && $0["count"] as? Int == 0 })
        let analog = try #require(objects(records[1]).first)
        #expect(points(analog).map { $0["value"] as? Int } == [100, 200])
        #expect(points(analog).map { $0["online"] as? Int } == [1, 1])
        #expect(records.allSatisfy { $0.value(at: "dnp3.application.complete") as? Bool == true })
        #expect(result.anomalyNames.isEmpty)
    }

    /// Kind: zero-length objects whose declared count drives work or memory ("DNP3 zip bomb").
    @Test func zeroLengthOctetStringsDeclaringMillionsOfObjectsAreBounded() throws {
        let result = try replay("dnp3-zero-length-octet-string-bomb")
        let records = dnp3(result)
        #expect(records.count == 2)
        let response = try #require(records.last)
        let headers = objects(response)
        #expect(headers.count == 20)
        #expect(headers.allSatisfy { $0["group"] as? Int == 110 && $0["count"] as? Int == 65_536 })
        #expect(headers.allSatisfy { points($0).isEmpty })
        #expect(result.anomalyNames == ["dnp3.too_many_points", "dnp3.variation_zero_in_response"])
        #expect(result.statistics.dnp3Points == 0)
    }

    /// Kind: link parsers that trust overlapping headers; every octet is a frame or reported.
    @Test func overlappingLinkHeadersGiveNoOverlappingFrames() throws {
        let result = try replay("dnp3-overlapping-link-headers")
        // Offset 0 (LENGTH 3) is flagged and skipped whole; offset 4 is a valid empty frame (LENGTH 5, user
        // data function): its frame ends at 14, so the header at 6 and 10 lie inside it and are not frames.
        #expect(result.statistics.dnp3LinkFrames == 1)
        #expect(result.anomalyNames.first == "dnp3.len_too_small")
        #expect(result.anomalyNames.contains("dnp3.len_too_small"))
        #expect(dnp3(result).isEmpty)
    }

    /// Kind: CRCs computed over the wrong range; a bad block costs its frame only.
    @Test func eachDataBlockHasItsOwnCRCAndABadOneDropsOnlyItsFrame() throws {
        let result = try replay("dnp3-data-block-crc-per-block")
        #expect(messages(result) == [[1, 0], [5, 1]])
        let read = try #require(dnp3(result).first)
        #expect(
            objects(read).map { [$0["group"] as? Int, $0["start"] as? Int, $0["stop"] as? Int] } == [
                [1, 0, 9], [30, 0, 3], [60, 0, 0],
            ]
        )
        let operate = try #require(dnp3(result).last)
        let crobs = points(try #require(objects(operate).first))
        #expect(crobs.map { $0["index"] as? Int } == [5, 7, 8])
        #expect(
            crobs.allSatisfy { $0["op_type"] as? Int == 1 && $0["tcc"] as? Int == 1 && $0["ontime"] as? Int == 100 }
        )
        #expect(result.anomalyNames == ["dnp3.bad_transport_crc"])
        let anomaly = try #require(result.records(ofType: "anomaly").first)
        #expect(anomaly.string("anomaly.detail")?.hasPrefix("the CRC of data block 1 of 3 fails") == true)
        #expect(result.statistics.dnp3BadDataCRCFrames == 1)
    }

    /// Kind: transport sequence numbers masked or compared with the wrong width.
    @Test func sixBitTransportSequencesReassembleAcrossTheWrap() throws {
        let result = try replay("dnp3-transport-seq-six-bits")
        let responses = dnp3(result).filter { $0.string("dnp3.type") == "response" }
        #expect(responses.count == 2)
        #expect(
            points(try #require(objects(responses[0]).first)).map { $0["value"] as? Int } == [
                100, 200, 300, 400, 500, 600,
            ]
        )
        #expect(points(try #require(objects(responses[1]).first)).map { $0["value"] as? Int } == [1000, 2000])
        #expect(responses.map { $0.int("dnp3.segments") } == [3, 2])
        #expect(result.anomalyNames.isEmpty)
        #expect(result.statistics.dnp3MultiSegmentFragments == 2)
    }

    /// Kind: reassembly that ignores FIR restarts, orphan segments, sequence numbers or repeats.
    @Test func aNewFIROrphanAndRepeatDeliverExactlyOneFragment() throws {
        let result = try replay("dnp3-transport-new-fir-and-orphan-segment")
        let responses = dnp3(result).filter { $0.string("dnp3.type") == "response" }
        #expect(responses.count == 1)
        #expect(responses.first?.int("dnp3.application.control.sequence") == 1)
        let response = try #require(responses.first)
        let analog = try #require(objects(response).first)
        #expect(points(analog).map { $0["value"] as? Int } == [300])
        #expect(
            result.anomalyNames == [
                "dnp3.transport_incomplete_fragment_discarded", "dnp3.unanswered_request",
                "dnp3.transport_duplicate_segment", "dnp3.transport_unexpected_segment",
            ]
        )
        // READ seq 0 is never answered: the response answers READ seq 1.
        let unanswered = result.records(ofType: "anomaly").first { $0.string("anomaly.event") == "unanswered_request" }
        #expect(unanswered?.string("anomaly.detail")?.hasPrefix("READ seq 0 from master 1 to outstation 10") == true)
        #expect(result.statistics.dnp3UnansweredRequests == 1)
    }

    /// Kind: per-message state cleared after the first object of a message.
    @Test func everyCROBCarriesItsOwnMessage() throws {
        let result = try replay("dnp3-multiple-crobs-per-message")
        #expect(messages(result) == [[3, 0], [129, 0], [4, 1], [129, 1]])
        for record in dnp3(result) {
            let crobs = points(try #require(objects(record).first))
            #expect(crobs.map { $0["index"] as? Int } == [5, 7, 8])
            for crob in crobs {
                #expect(crob["op_type"] as? Int == 1)  // PULSE_ON
                #expect(crob["tcc"] as? Int == 1)  // CLOSE
                #expect(crob["count"] as? Int == 1)
                #expect(crob["ontime"] as? Int == 100)
                #expect(crob["offtime"] as? Int == 100)
                #expect(crob["status_code"] as? Int == 0)
            }
        }
        #expect(dnp3(result).compactMap { $0.int("dnp3.in_response_to.function_code") } == [3, 4])
        #expect(result.anomalyNames.isEmpty)
    }

    /// Kind: UDP datagrams joined like a stream.
    @Test func eachUDPDatagramStandsAlone() throws {
        let result = try replay("dnp3-udp-datagram-framing")
        #expect(dnp3(result).map { $0.int("dnp3.dst") } == [10, 11])
        #expect(dnp3(result).allSatisfy { $0.string("proto") == "UDP" })
        #expect(result.anomalyNames == ["dnp3.truncated_link_frame", "dnp3.no_start_bytes"])
    }
}

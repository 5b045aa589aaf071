// SPDX-License-Identifier: Apache-2.0
import Baseline
import DNP3
import Detection
import NetworkLayers
import TCPReassembly
import WireFormat

/// DNP3 over TCP and UDP: link frames from the byte stream (or datagram), transport reassembly per direction,
/// source and destination, the application layer, roles from the DIR bit, and request/response pairing by
/// application sequence (IEEE 1815-2012 clauses 4, 8 and 9).
extension SensorEngine {
    // MARK: - Input

    /// One UDP datagram: it stands alone (IEEE 1815-2012, the IP networking annex). It may hold several frames; a frame never
    /// continues into the next datagram.
    func processDNP3Datagram(
        flow: Flow,
        direction: Direction,
        datagram: borrowing Span<UInt8>,
        timestamp: CaptureTimestamp
    ) {
        guard !datagram.isEmpty else { return }
        deliverDNP3(flow: flow, direction: direction, chunk: datagram, timestamp: timestamp)
        let truncated = direction == .toServer ? flow.dnp3.parsers.0.finish() : flow.dnp3.parsers.1.finish()
        if truncated {
            reportDNP3(
                flow: flow,
                direction: direction,
                event: "truncated_link_frame",
                detail:
                    "the UDP datagram ended inside a link frame; over UDP a frame never continues in the next datagram (IEEE 1815-2012, IP networking)",
                timestamp: timestamp
            )
        }
    }

    /// In-order octets of one direction: a TCP chunk, or a whole UDP datagram.
    func deliverDNP3(
        flow: Flow,
        direction: Direction,
        chunk: borrowing Span<UInt8>,
        timestamp: CaptureTimestamp
    ) {
        var offset = 0
        while !flow.dnp3.rejected {
            let event =
                direction == .toServer
                ? flow.dnp3.parsers.0.next(in: chunk, offset: &offset)
                : flow.dnp3.parsers.1.next(in: chunk, offset: &offset)
            switch event {
            case .needMoreData:
                return
            case .frame(let start, let header):
                handleDNP3Frame(
                    flow: flow,
                    direction: direction,
                    frame: chunk,
                    start: start,
                    header: header,
                    timestamp: timestamp
                )
            case .bufferedFrame(let header):
                do {
                    let bytes =
                        direction == .toServer ? flow.dnp3.parsers.0.bufferedFrame : flow.dnp3.parsers.1.bufferedFrame
                    handleDNP3Frame(
                        flow: flow,
                        direction: direction,
                        frame: bytes.span,
                        start: 0,
                        header: header,
                        timestamp: timestamp
                    )
                }
                if direction == .toServer {
                    flow.dnp3.parsers.0.releaseBufferedFrame()
                } else {
                    flow.dnp3.parsers.1.releaseBufferedFrame()
                }
            case .badHeaderCRC(let header):
                guard firstInRun(flow: flow, direction: direction, DNP3FlowState.runBadHeader, "bad_link_crc") else {
                    continue
                }
                // The addresses are not reported: they come from the header that failed.
                reportDNP3(
                    flow: flow,
                    direction: direction,
                    event: "bad_link_crc",
                    detail:
                        "link header CRC fails (start octets 05 64, LENGTH \(header.length)); the header is not trusted for its length and the parser probes from the next octet; further bad headers before the next valid frame are counted, not reported",
                    timestamp: timestamp
                )
            case .lengthTooSmall(let header):
                guard firstInRun(flow: flow, direction: direction, DNP3FlowState.runShortHeader, "len_too_small") else {
                    continue
                }
                reportDNP3(
                    flow: flow,
                    direction: direction,
                    event: "len_too_small",
                    detail:
                        "link LENGTH \(header.length) is below 5, the size of control and addresses alone (IEEE 1815-2012 §9.2.4.1.2); header skipped",
                    timestamp: timestamp,
                    source: header.source,
                    destination: header.destination
                )
            case .skipped(let count):
                flow.dnp3.skippedOctets += count
                if flow.dnp3.linkFrames == 0 && flow.dnp3.skippedOctets >= DNP3FlowState.maxOctetsBeforeFirstFrame {
                    flow.dnp3.rejected = true
                    reportDNP3(
                        flow: flow,
                        direction: direction,
                        event: "protocol_mismatch_on_dnp3_port",
                        detail:
                            "\(flow.dnp3.skippedOctets) octets on DNP3 port \(flow.context.key.serverPort) held no valid link frame (start octets 05 64 and a header CRC that holds): not DNP3, so no longer decoded as DNP3",
                        timestamp: timestamp
                    )
                    return
                }
                // Before the first frame, only the first run is reported: the rest is either a capture that
                // starts mid-frame or not DNP3 at all, which the limit above decides.
                guard flow.dnp3.linkFrames > 0 || flow.dnp3.skippedOctets == count else { continue }
                guard firstInRun(flow: flow, direction: direction, DNP3FlowState.runSkipped, "no_start_bytes") else {
                    continue
                }
                reportDNP3(
                    flow: flow,
                    direction: direction,
                    event: "no_start_bytes",
                    detail:
                        "\(count) octet\(count == 1 ? "" : "s") that do not begin a link frame (start octets 05 64 with a valid header CRC) were skipped; further skips before the next valid frame are counted, not reported",
                    timestamp: timestamp
                )
            }
        }
    }

    // MARK: - Link and transport

    /// Whether this kind of link damage is the first of its run in this direction (since the last valid frame):
    /// only the first is reported, so a stream of garbage gives one record per kind, not one per octet pair.
    private func firstInRun(flow: Flow, direction: Direction, _ kind: UInt8, _ event: StaticString) -> Bool {
        let run = direction == .toServer ? flow.dnp3.damageRun.0 : flow.dnp3.damageRun.1
        guard run & kind == 0 else {
            // Counted like a reported one, so the summary has the true figure.
            statistics.dnp3SuppressedDamageReports += 1
            statistics.anomalies["dnp3.\(event)", default: 0] += 1
            return false
        }
        if direction == .toServer { flow.dnp3.damageRun.0 |= kind } else { flow.dnp3.damageRun.1 |= kind }
        return true
    }

    private func handleDNP3Frame(
        flow: Flow,
        direction: Direction,
        frame: borrowing Span<UInt8>,
        start: Int,
        header: DNP3.Link.Header,
        timestamp: CaptureTimestamp
    ) {
        statistics.dnp3LinkFrames += 1
        // A valid frame ends a run of damage: the next bad header or skip is reported again.
        if direction == .toServer { flow.dnp3.damageRun.0 = 0 } else { flow.dnp3.damageRun.1 = 0 }
        flow.dnp3.linkFrames += 1
        let control = header.control
        let userData = DNP3.Link.UserData(frameStart: start, count: header.userDataLength)
        let carriesUserData =
            control.primary
            && (control.functionCode == .confirmedUserData || control.functionCode == .unconfirmedUserData)
        guard carriesUserData else { return }  // link-layer service frames: reset, test, status, ACK
        checkRoles(flow: flow, direction: direction, header: header, timestamp: timestamp)
        guard userData.count > 0 else {
            reportDNP3(
                flow: flow,
                direction: direction,
                event: "len_too_small",
                detail:
                    "a user-data frame (link function \(control.functionCode.rawValue)) with LENGTH 5 carries no transport header",
                timestamp: timestamp,
                source: header.source,
                destination: header.destination
            )
            return
        }
        if let bad = userData.firstBadBlock(in: frame) {
            statistics.dnp3BadDataCRCFrames += 1
            reportDNP3(
                flow: flow,
                direction: direction,
                event: "bad_transport_crc",
                detail:
                    "the CRC of data block \(bad) of \(userData.blockCount) fails (user-data octets \(bad * 16)...\(min(bad * 16 + 15, userData.count - 1))); the frame is dropped and the fragment it belongs to is lost",
                timestamp: timestamp,
                source: header.source,
                destination: header.destination
            )
            return
        }
        let transport = DNP3.Transport.Header(rawValue: userData.byte(0, in: frame))
        let index: Int
        if let found = existingReassembly(flow: flow, direction: direction, header: header) {
            index = found
        } else if transport.fir && !transport.fin {
            index = newReassembly(flow: flow, direction: direction, header: header, timestamp: timestamp)
        } else {
            // No reassembly for this pair, and none needed: a whole fragment in one frame is read in place; a
            // segment continuing nothing is discarded. Neither takes a reassembly slot.
            if transport.fir {
                handleDNP3Fragment(
                    flow: flow,
                    direction: direction,
                    link: header,
                    bytes: frame,
                    view: .inFrame(userData),
                    segments: 1,
                    timestamp: timestamp
                )
            } else {
                reportTransport(
                    flow: flow,
                    direction: direction,
                    anomaly: .unexpectedSegment,
                    transport: transport,
                    header: header,
                    timestamp: timestamp
                )
            }
            return
        }
        segment(
            flow: flow,
            direction: direction,
            index: index,
            userData: userData,
            frame: frame,
            header: header,
            timestamp: timestamp
        )
    }

    /// Hands one transport segment to the pair's reassembly.
    private func segment(
        flow: Flow,
        direction: Direction,
        index: Int,
        userData: DNP3.Link.UserData,
        frame: borrowing Span<UInt8>,
        header: DNP3.Link.Header,
        timestamp: CaptureTimestamp
    ) {
        flow.dnp3.useClock += 1
        flow.dnp3.reassemblies[index].lastUsed = flow.dnp3.useClock
        let transport = DNP3.Transport.Header(rawValue: userData.byte(0, in: frame))
        if transport.fir {
            flow.dnp3.reassemblies[index].firstPacketNumber = currentPacketNumber
            flow.dnp3.reassemblies[index].segments = 0
        }
        let result = flow.dnp3.reassemblies[index].assembler.segment(userData, in: frame)
        flow.dnp3.reassemblies[index].segments += 1
        if let anomaly = result.anomaly {
            reportTransport(
                flow: flow,
                direction: direction,
                anomaly: anomaly,
                transport: transport,
                header: header,
                timestamp: timestamp
            )
        }
        switch result.fragment {
        case nil:
            return
        case .inFrame:
            handleDNP3Fragment(
                flow: flow,
                direction: direction,
                link: header,
                bytes: frame,
                view: .inFrame(userData),
                segments: 1,
                timestamp: timestamp
            )
        case .assembled:
            statistics.dnp3MultiSegmentFragments += 1
            let segments = flow.dnp3.reassemblies[index].segments
            let fragment = flow.dnp3.reassemblies[index].assembler.fragment
            handleDNP3Fragment(
                flow: flow,
                direction: direction,
                link: header,
                bytes: fragment.span,
                view: .contiguous(count: fragment.count),
                segments: segments,
                timestamp: timestamp,
                firstPacketNumber: flow.dnp3.reassemblies[index].firstPacketNumber
            )
        }
    }

    /// Learns which side is the master from the first user-data frame's DIR bit, and reports a later frame whose
    /// DIR bit contradicts the side it came from (once per direction).
    private func checkRoles(flow: Flow, direction: Direction, header: DNP3.Link.Header, timestamp: CaptureTimestamp) {
        let fromMaster = header.control.direction
        let fromClient = direction == .toServer
        guard let masterIsClient = flow.dnp3.masterIsClient else {
            flow.dnp3.masterIsClient = fromMaster == fromClient
            return
        }
        guard fromMaster != (masterIsClient == fromClient) else { return }
        let reported =
            fromClient ? flow.dnp3.directionMismatchReported.0 : flow.dnp3.directionMismatchReported.1
        guard !reported else { return }
        if fromClient {
            flow.dnp3.directionMismatchReported.0 = true
        } else {
            flow.dnp3.directionMismatchReported.1 = true
        }
        let side = masterIsClient == fromClient ? "master" : "outstation"
        reportDNP3(
            flow: flow,
            direction: direction,
            event: "dir_bit_inconsistent_with_flow_side",
            detail:
                "a frame from the \(side)'s side has DIR=\(fromMaster ? 1 : 0), which says it comes from the \(fromMaster ? "master" : "outstation") (IEEE 1815-2012 §9.2.4.1.3.1); reported once per direction",
            timestamp: timestamp,
            source: header.source,
            destination: header.destination
        )
    }

    /// The reassembly for the frame's direction, source and destination, if there is one.
    private func existingReassembly(flow: Flow, direction: Direction, header: DNP3.Link.Header) -> Int? {
        let toServer = direction == .toServer
        return flow.dnp3.reassemblies.firstIndex {
            $0.toServer == toServer && $0.source == header.source && $0.destination == header.destination
        }
    }

    /// A reassembly for a fragment that starts in this frame. Past the limit an idle one (no fragment under way)
    /// makes room silently; only when every one holds a fragment is the least recently used given up, and
    /// reported.
    private func newReassembly(
        flow: Flow,
        direction: Direction,
        header: DNP3.Link.Header,
        timestamp: CaptureTimestamp
    ) -> Int {
        let fresh = DNP3Reassembly(
            toServer: direction == .toServer,
            source: header.source,
            destination: header.destination,
            assembler: DNP3.Transport.Assembler(limits: configuration.dnp3Transport),
            lastUsed: flow.dnp3.useClock
        )
        if flow.dnp3.reassemblies.count < max(configuration.dnp3MaxReassembliesPerFlow, 1) {
            flow.dnp3.reassemblies.append(fresh)
            return flow.dnp3.reassemblies.count - 1
        }
        var victim = -1
        for (index, entry) in flow.dnp3.reassemblies.enumerated() where !entry.assembler.isRunning {
            if victim < 0 || entry.lastUsed < flow.dnp3.reassemblies[victim].lastUsed { victim = index }
        }
        if victim < 0 {
            victim = 0
            for (index, entry) in flow.dnp3.reassemblies.enumerated()
            where entry.lastUsed < flow.dnp3.reassemblies[victim].lastUsed {
                victim = index
            }
            let evicted = flow.dnp3.reassemblies[victim]
            reportDNP3(
                flow: flow,
                direction: direction,
                event: "too_many_reassemblies",
                detail:
                    "more than \(configuration.dnp3MaxReassembliesPerFlow) link address pairs have fragments under way in this flow; the least recently used (\(evicted.source) to \(evicted.destination)) is given up",
                timestamp: timestamp,
                source: header.source,
                destination: header.destination
            )
        }
        flow.dnp3.reassemblies[victim] = fresh
        return victim
    }

    private func reportTransport(
        flow: Flow,
        direction: Direction,
        anomaly: DNP3.Transport.Anomaly,
        transport: DNP3.Transport.Header,
        header: DNP3.Link.Header,
        timestamp: CaptureTimestamp
    ) {
        let segment =
            "transport segment FIR=\(transport.fir ? 1 : 0) FIN=\(transport.fin ? 1 : 0) sequence \(transport.sequence)"
        let detail: String
        switch anomaly {
        case .tooLongReassembly:
            detail =
                "the application fragment grew past \(configuration.dnp3Transport.maxFragmentSize) octets at \(segment); the fragment is dropped"
        case .unexpectedSegment:
            detail = "\(segment) continues no fragment (no FIR seen); discarded (IEEE 1815-2012 §8.2.1.3)"
        case .outOfSequence:
            detail = "\(segment) is not the next in sequence; the fragment under way is discarded"
        case .incompleteFragmentDiscarded:
            detail = "\(segment) starts a new fragment before the one under way finished; that one is discarded"
        case .duplicateSegment:
            detail = "\(segment) repeats the previous segment; ignored"
        case .lengthTooSmall:
            detail = "a user-data frame carries no transport header"
        default:
            detail = segment
        }
        reportDNP3(
            flow: flow,
            direction: direction,
            event: anomaly.rawValue,
            detail: detail,
            timestamp: timestamp,
            source: header.source,
            destination: header.destination
        )
    }

    // MARK: - Application

    private func handleDNP3Fragment(
        flow: Flow,
        direction: Direction,
        link: DNP3.Link.Header,
        bytes: borrowing Span<UInt8>,
        view: DNP3.FragmentView,
        segments: Int,
        timestamp: CaptureTimestamp,
        firstPacketNumber: UInt64? = nil
    ) {
        let application: DNP3.Application.Header
        do {
            application = try DNP3.Application.Header(parsing: bytes, view: view)
        } catch {
            let what: String
            switch error {
            case .applicationHeaderTooShort(let length, let needed):
                what =
                    needed == DNP3.Application.Header.responseSize
                    ? "a response of \(length) octets has no room for its IIN (\(needed) octets needed)"
                    : "a fragment of \(length) octet\(length == 1 ? "" : "s") has no room for control and function code"
            default:
                what = "\(error)"
            }
            reportDNP3(
                flow: flow,
                direction: direction,
                event: "app_header_too_short",
                detail: what + " (IEEE 1815-2012 §4.2.2); nothing is read past the fragment",
                timestamp: timestamp,
                source: link.source,
                destination: link.destination
            )
            return
        }
        let functionCode = application.functionCode
        var parser = DNP3.Application.ObjectParser(header: application, limits: configuration.dnp3Application)
        var objectHeaders = 0
        var points = 0
        var shortObject: (group: UInt8, variation: UInt8, size: Int)? = nil
        // The object headers, for `dnp3_obj`, as the rules read them.
        let collectObjects = rulesInForce != nil
        objectScratch.removeAll(keepingCapacity: true)
        while let block = parser.next(in: bytes, view: view) {
            objectHeaders += 1
            if collectObjects {
                objectScratch.append(UInt16(block.header.group) << 8 | UInt16(block.header.variation))
            }
            points += block.pointCount
            // Free-format objects carry their own size: one shorter than its group's fixed fields is cut short.
            if block.header.qualifier.prefixIsSize, block.pointCount > 0, shortObject == nil,
                DNP3.Objects.hasPointDecoder(group: block.header.group, variation: block.header.variation)
            {
                var cursor = DNP3.Application.PointCursor(block)
                var discard = DiscardFields()
                while let point = cursor.next(in: bytes, view: view) {
                    guard
                        !DNP3.Objects.decodePoint(
                            group: block.header.group,
                            variation: block.header.variation,
                            object: point.object,
                            of: view,
                            in: bytes,
                            into: &discard
                        )
                    else { continue }
                    shortObject = (block.header.group, block.header.variation, point.object.count)
                    break
                }
            }
        }
        if let shortObject {
            reportDNP3(
                flow: flow,
                direction: direction,
                event: "malformed",
                detail:
                    "\(functionCode.name ?? "function \(functionCode.rawValue)") (\(functionCode.rawValue)): a g\(shortObject.group)v\(shortObject.variation) object of \(shortObject.size) octets (its size prefix) is shorter than the object's fixed fields; its fields are not listed",
                timestamp: timestamp,
                source: link.source,
                destination: link.destination,
                functionCode: functionCode.rawValue
            )
        }
        parser.finishReport(
            engine: self,
            flow: flow,
            direction: direction,
            link: link,
            functionCode: functionCode,
            timestamp: timestamp
        )
        statistics.dnp3FragmentsByFunction[Int(functionCode.rawValue)] += 1
        statistics.dnp3ObjectHeaders += objectHeaders
        statistics.dnp3Points += points
        flow.dnp3.messages += 1

        var answers: DNP3RequestReference? = nil
        if functionCode == .confirm {
            answers = matchConfirm(flow: flow, link: link, application: application)
        } else if functionCode.isResponse {
            if functionCode == .unsolicitedResponse {
                statistics.dnp3UnsolicitedResponses += 1
            } else {
                answers = matchResponse(flow: flow, link: link, application: application, timestamp: timestamp)
            }
            if application.control.con {
                if flow.dnp3.awaitingConfirm.count >= DNP3FlowState.maxAwaitingConfirm {
                    flow.dnp3.awaitingConfirm.removeFirst()
                }
                flow.dnp3.awaitingConfirm.append(
                    DNP3AwaitingConfirm(
                        sequence: application.control.sequence,
                        unsolicited: functionCode == .unsolicitedResponse,
                        outstation: link.source,
                        master: link.destination,
                        packetNumber: currentPacketNumber
                    )
                )
            }
        } else {
            addPendingRequest(
                flow: flow,
                direction: direction,
                link: link,
                application: application,
                timestamp: timestamp
            )
        }
        var alerts: [Detection.AlertRule] = []
        if let box = rulesInForce {
            matchScratch.removeAll(keepingCapacity: true)
            let context = packetContext(flow: flow, direction: direction)
            box.matchDNP3(
                application: application,
                view: view,
                bytes: bytes,
                context: context,
                objects: &objectScratch,
                into: &matchScratch
            )
            if !matchScratch.isEmpty {
                alerts = admitAlerts(
                    matchScratch,
                    rules: box.ruleSet,
                    context: context,
                    timestamp: timestamp,
                    flow: flow
                )
            }
        }
        if let baseline {
            baseline.dnp3(
                flow: flow.context,
                macs: flow.macs,
                link: &flow.baselineLink,
                direction: direction,
                fromMaster: link.control.direction,
                header: link,
                application: application,
                view: view,
                fragment: bytes,
                time: timestamp,
                packets: (firstPacketNumber ?? currentPacketNumber, currentPacketNumber)
            )
            if !baseline.alerts.isEmpty { writeBaselineAlerts(baseline, flow: flow) }
        }
        if let summaries {
            summaries.dnp3(
                flow: flow.context,
                direction: direction,
                fromMaster: link.control.direction,
                link: link,
                application: application,
                answers: answers,
                objects: objectScratch,
                alerts: alerts,
                macs: flow.macs,
                cache: &flow.summaryLink,
                time: timestamp
            )
            writeAssetEvents(summaries)
        }
        guard sink.receivesDNP3Messages else { return }
        var event = DNP3MessageEvent(
            flow: flow.context,
            direction: direction,
            fromMaster: link.control.direction,
            link: link,
            application: application,
            view: view,
            complete: parser.isComplete && shortObject == nil,
            objectHeaders: objectHeaders,
            points: points,
            segments: segments,
            timestamp: timestamp,
            packetNumber: currentPacketNumber,
            messageTimestamp: timestamp,
            messagePacketNumber: currentPacketNumber,
            answers: answers
        )
        event.alerts = alerts
        if !alerts.isEmpty { event.flowCounters = flowCounters(flow) }
        event.firstPacketNumber = firstPacketNumber ?? currentPacketNumber
        let stream = direction == .toServer ? flow.streams.0 : flow.streams.1
        // Held for the acknowledgment only when the other side is in the capture at all: a capture of one
        // direction never sees the ACKs.
        let peerSeen = direction == .toServer ? flow.packets.1 > 0 : flow.packets.0 > 0
        guard sink.writesRecordsAtAcknowledgment, flow.isTCP, peerSeen,
            let acknowledgmentNeeded = stream.nextExpectedSequence
        else {
            sink.dnp3Message(event, fragment: bytes)
            return
        }
        deferDNP3Record(
            flow: flow,
            direction: direction,
            event: event,
            bytes: bytes,
            acknowledgmentNeeded: acknowledgmentNeeded
        )
    }

    private func addPendingRequest(
        flow: Flow,
        direction: Direction,
        link: DNP3.Link.Header,
        application: DNP3.Application.Header,
        timestamp: CaptureTimestamp
    ) {
        let functionCode = application.functionCode
        // These expect no response (IEEE 1815-2012 Table 4-1, the _NR functions).
        if functionCode == .directOperateNoResponse || functionCode == .immediateFreezeNoResponse
            || functionCode == .freezeClearNoResponse || functionCode == .freezeAtTimeNoResponse
            || functionCode == .authenticationRequestNoAck
        {
            return
        }
        let limit = max(configuration.dnp3MaxPendingRequests, 1)
        flow.dnp3.requestsSinceResponse += 1
        if flow.dnp3.requestsSinceResponse > limit && !flow.dnp3.floodReported {
            flow.dnp3.floodReported = true
            reportDNP3(
                flow: flow,
                direction: direction,
                event: "flooded",
                detail:
                    "more than \(limit) requests in a row got no response in this flow (a master has one request outstanding at a time, IEEE 1815-2012 §4.2.3.2); reported once per flow",
                timestamp: timestamp,
                source: link.source,
                destination: link.destination,
                functionCode: functionCode.rawValue
            )
        }
        if flow.dnp3.pending.count >= limit {
            let old = flow.dnp3.pending.removeFirst()
            reportUnanswered(flow: flow, request: old, why: "more than \(limit) requests were waiting in this flow")
        }
        flow.dnp3.pending.append(
            DNP3PendingRequest(
                sequence: application.control.sequence,
                functionCode: functionCode,
                source: link.source,
                destination: link.destination,
                timestamp: timestamp,
                packetNumber: currentPacketNumber
            )
        )
    }

    /// Pairs a response with the pending request of the same application sequence between the same two stations
    /// (IEEE 1815-2012 §4.2.2.4.4: the first fragment echoes the request's SEQ, each further fragment takes the
    /// next number).
    private func matchResponse(
        flow: Flow,
        link: DNP3.Link.Header,
        application: DNP3.Application.Header,
        timestamp: CaptureTimestamp
    ) -> DNP3RequestReference? {
        let control = application.control
        flow.dnp3.requestsSinceResponse = 0
        // A further fragment of a response under way.
        if let index = flow.dnp3.continuations.firstIndex(where: {
            $0.outstation == link.source && $0.master == link.destination
        }) {
            let continuation = flow.dnp3.continuations[index]
            if !control.fir && control.sequence == continuation.nextSequence {
                if control.fin {
                    flow.dnp3.continuations.remove(at: index)
                } else {
                    flow.dnp3.continuations[index].nextSequence = (control.sequence &+ 1) & 0x0F
                }
                var request = continuation.request
                request.latencyMicroseconds = timestamp.microseconds(since: request.timestamp)
                return request
            }
            flow.dnp3.continuations.remove(at: index)  // a new response, or one out of sequence
        }
        guard control.fir,
            let index = flow.dnp3.pending.firstIndex(where: {
                $0.sequence == control.sequence && $0.source == link.destination && $0.destination == link.source
            })
        else { return nil }
        let request = flow.dnp3.pending.remove(at: index)
        statistics.dnp3PairedResponses += 1
        // The outstation answered this request: older ones from the same master to it never will be.
        while let older = flow.dnp3.pending.firstIndex(where: {
            $0.source == request.source && $0.destination == request.destination
                && $0.packetNumber < request.packetNumber
        }) {
            let stale = flow.dnp3.pending.remove(at: older)
            reportUnanswered(
                flow: flow,
                request: stale,
                why:
                    "the outstation answered a later request (\(request.functionCode.name ?? "function \(request.functionCode.rawValue)") seq \(request.sequence)) instead"
            )
        }
        let reference = DNP3RequestReference(
            functionCode: request.functionCode,
            sequence: request.sequence,
            timestamp: request.timestamp,
            packetNumber: request.packetNumber,
            latencyMicroseconds: timestamp.microseconds(since: request.timestamp)
        )
        if !control.fin {
            if flow.dnp3.continuations.count >= DNP3FlowState.maxAwaitingConfirm {
                flow.dnp3.continuations.removeFirst()
            }
            flow.dnp3.continuations.append(
                DNP3Continuation(
                    outstation: link.source,
                    master: link.destination,
                    nextSequence: (control.sequence &+ 1) & 0x0F,
                    request: reference
                )
            )
        }
        return reference
    }

    /// Matches a confirm with the fragment it confirms: UNS=1 confirms an unsolicited response, UNS=0 a solicited
    /// one sent with CON (IEEE 1815-2012 §4.2.2.4.3).
    private func matchConfirm(
        flow: Flow,
        link: DNP3.Link.Header,
        application: DNP3.Application.Header
    ) -> DNP3RequestReference? {
        // Found first, removed after: removing while iterating the array would copy it.
        guard
            let index = flow.dnp3.awaitingConfirm.firstIndex(where: {
                $0.sequence == application.control.sequence && $0.unsolicited == application.control.uns
                    && $0.outstation == link.destination && $0.master == link.source
            })
        else { return nil }
        let waiting = flow.dnp3.awaitingConfirm.remove(at: index)
        statistics.dnp3MatchedConfirms += 1
        return DNP3RequestReference(
            functionCode: waiting.unsolicited ? .unsolicitedResponse : .response,
            sequence: waiting.sequence,
            timestamp: CaptureTimestamp.zero,
            packetNumber: waiting.packetNumber,
            latencyMicroseconds: 0
        )
    }

    // MARK: - Records at the acknowledgment

    /// Holds a record until the peer acknowledges the stream up to `acknowledgmentNeeded`, copying the fragment's
    /// octets into the flow's reused arena (no allocation once it has grown to the flow's largest burst).
    private func deferDNP3Record(
        flow: Flow,
        direction: Direction,
        event: DNP3MessageEvent,
        bytes: borrowing Span<UInt8>,
        acknowledgmentNeeded: UInt32
    ) {
        let queued = direction == .toServer ? flow.dnp3.deferred.0.count : flow.dnp3.deferred.1.count
        if queued >= DNP3FlowState.maxDeferredRecords {
            // Never acknowledged (a capture that misses the ACKs): written at the packet that carried it.
            flushDNP3Records(
                flow: flow,
                direction: direction,
                count: 1,
                timestamp: nil,
                packetNumber: nil,
                atMessage: true
            )
        }
        let start = flow.dnp3.deferredOctets.count
        let view = event.view
        for index in 0..<view.count { flow.dnp3.deferredOctets.append(view.byte(index, in: bytes)) }
        var held = event
        held.view = .contiguous(start: start, count: view.count)
        let record = DNP3DeferredRecord(
            event: held,
            octets: start..<flow.dnp3.deferredOctets.count,
            acknowledgmentNeeded: acknowledgmentNeeded
        )
        if direction == .toServer {
            flow.dnp3.deferred.0.append(record)
        } else {
            flow.dnp3.deferred.1.append(record)
        }
    }

    /// Writes the records of `direction` that the acknowledgment `acknowledgment` (sent by the other side) covers,
    /// stamped with that packet.
    func acknowledgeDNP3Records(
        flow: Flow,
        direction: Direction,
        acknowledgment: UInt32,
        timestamp: CaptureTimestamp,
        packetNumber: UInt64
    ) {
        let records = direction == .toServer ? flow.dnp3.deferred.0 : flow.dnp3.deferred.1
        var covered = 0
        for record in records {
            // Modulo 2^32: the acknowledgment is at or past the record's end.
            guard Int32(bitPattern: acknowledgment &- record.acknowledgmentNeeded) >= 0 else { break }
            covered += 1
        }
        guard covered > 0 else { return }
        flushDNP3Records(
            flow: flow,
            direction: direction,
            count: covered,
            timestamp: timestamp,
            packetNumber: packetNumber
        )
    }

    /// Writes the first `count` held records of `direction`; with no packet (the flow ended), stamped as the
    /// flow's end, with no `pcap_cnt`, as Suricata's flow-timeout pseudo packets.
    func flushDNP3Records(
        flow: Flow,
        direction: Direction,
        count: Int,
        timestamp: CaptureTimestamp?,
        packetNumber: UInt64?,
        atMessage: Bool = false
    ) {
        do {
            // Scoped, so that the lists are uniquely referenced again when they are trimmed below.
            let records = direction == .toServer ? flow.dnp3.deferred.0 : flow.dnp3.deferred.1
            let arena = flow.dnp3.deferredOctets
            for record in records.prefix(count) {
                var event = record.event
                if atMessage {
                    event.timestamp = event.messageTimestamp
                    event.packetNumber = event.messagePacketNumber
                } else {
                    event.timestamp = timestamp ?? flow.lastTimestamp
                    event.packetNumber = packetNumber ?? 0
                }
                if packetNumber != nil && !atMessage && !event.alerts.isEmpty {
                    // Suricata's detection sees the transaction at the next packet in its direction: the alerts
                    // wait for it (the deliberate copy of an alerting fragment).
                    var alerting = event
                    alerting.alertsOnly = true
                    var octets: [UInt8] = []
                    for index in record.octets { octets.append(arena[index]) }
                    alerting.view = .contiguous(count: octets.count)
                    flow.dnp3.waitingAlerts.append(
                        DNP3WaitingAlert(toServer: event.direction == .toServer, event: alerting, octets: octets)
                    )
                    event.alerts = []
                }
                sink.dnp3Message(event, fragment: arena.span)
            }
        }
        if direction == .toServer {
            flow.dnp3.deferred.0.removeFirst(min(count, flow.dnp3.deferred.0.count))
        } else {
            flow.dnp3.deferred.1.removeFirst(min(count, flow.dnp3.deferred.1.count))
        }
        if flow.dnp3.deferred.0.isEmpty && flow.dnp3.deferred.1.isEmpty {
            flow.dnp3.deferredOctets.removeAll(keepingCapacity: true)
        } else if flow.dnp3.deferredOctets.count > DNP3FlowState.maxDeferredOctets {
            compactDeferredOctets(flow: flow)
        }
    }

    /// Moves the held records' octets to the front of the arena, so that a flow whose records are never all
    /// acknowledged at once keeps a bounded arena.
    private func compactDeferredOctets(flow: Flow) {
        var compacted: [UInt8] = []
        compacted.reserveCapacity(flow.dnp3.deferredOctets.capacity)
        do {
            let arena = flow.dnp3.deferredOctets
            for direction in 0..<2 {
                let records = direction == 0 ? flow.dnp3.deferred.0 : flow.dnp3.deferred.1
                var moved: [DNP3DeferredRecord] = []
                moved.reserveCapacity(records.count)
                for var record in records {
                    let start = compacted.count
                    for index in record.octets { compacted.append(arena[index]) }
                    record.octets = start..<compacted.count
                    record.event.view = .contiguous(start: start, count: record.octets.count)
                    moved.append(record)
                }
                if direction == 0 { flow.dnp3.deferred.0 = moved } else { flow.dnp3.deferred.1 = moved }
            }
        }
        flow.dnp3.deferredOctets = compacted
    }

    /// Writes the alerts due at a packet in `direction` (or, with no packet, every one: the flow ended).
    func writeWaitingAlerts(flow: Flow, direction: Direction?, timestamp: CaptureTimestamp?, packetNumber: UInt64?) {
        guard !flow.dnp3.waitingAlerts.isEmpty else { return }
        var kept: [DNP3WaitingAlert] = []
        for waiting in flow.dnp3.waitingAlerts {
            if let direction, waiting.toServer != (direction == .toServer) {
                kept.append(waiting)
                continue
            }
            var event = waiting.event
            event.timestamp = timestamp ?? flow.lastTimestamp
            event.packetNumber = packetNumber ?? 0
            sink.dnp3Message(event, fragment: waiting.octets.span)
        }
        flow.dnp3.waitingAlerts = kept
    }

    /// Writes every held record (the streams or the flow ended).
    func flushAllDNP3Records(flow: Flow, timestamp: CaptureTimestamp?, packetNumber: UInt64?) {
        for direction in [Direction.toServer, .toClient] {
            let count = direction == .toServer ? flow.dnp3.deferred.0.count : flow.dnp3.deferred.1.count
            guard count > 0 else { continue }
            flushDNP3Records(
                flow: flow,
                direction: direction,
                count: count,
                timestamp: timestamp,
                packetNumber: packetNumber
            )
        }
    }

    // MARK: - Rules

    /// The packet's addresses and ports as rule headers see them, and whether the flow is established.
    func packetContext(key: FlowKey, direction: Direction, established: Bool) -> Detection.PacketContext {
        let toServer = direction == .toServer
        return Detection.PacketContext(
            source: toServer ? key.clientAddress : key.serverAddress,
            destination: toServer ? key.serverAddress : key.clientAddress,
            sourcePort: toServer ? key.clientPort : key.serverPort,
            destinationPort: toServer ? key.serverPort : key.clientPort,
            toServer: toServer,
            established: established
        )
    }

    /// The context of a DNP3 flow's packet: established once both sides were seen.
    func packetContext(flow: Flow, direction: Direction) -> Detection.PacketContext {
        packetContext(
            key: flow.context.key,
            direction: direction,
            established: flow.packets.0 > 0 && flow.packets.1 > 0
        )
    }

    /// The alerts an application-layer event (`dnp3.flooded`, `modbus.invalid_length`) fires on `flow`, counted.
    func eventAlerts(_ name: String, flow: Flow, direction: Direction) -> [Detection.AlertRule] {
        guard let box = rulesInForce else { return [] }
        var matches: [Int] = []
        let context = packetContext(flow: flow, direction: direction)
        box.ruleSet.matchEvent(name, context: context, into: &matches)
        guard !matches.isEmpty else { return [] }
        return admitAlerts(matches, rules: box.ruleSet, context: context, timestamp: currentTimestamp, flow: flow)
    }

    /// The matches that become alerts, counted for the summary: first the threshold file's `suppress` lines, the
    /// rules' `threshold` and `detection_filter` (capture time), then the per-flow limit (``EngineConfiguration/maxAlertsPerRulePerFlow``);
    /// what either holds back is counted per rule and, for the flow's limit, on the flow's record. The alerts'
    /// descriptions are built only for a sink that writes records.
    func admitAlerts(
        _ matches: [Int],
        rules: Detection.RuleSet,
        context: Detection.PacketContext,
        timestamp: CaptureTimestamp,
        flow: Flow
    ) -> [Detection.AlertRule] {
        // A matching pass rule lets the message through: no alert from any rule (Suricata's action order puts pass
        // first), every match counted as held back.
        if rules.hasPassRules && matches.contains(where: rules.isPass) {
            for index in matches {
                if heldBackCounts.count != rules.count { heldBackCounts = Array(repeating: 0, count: rules.count) }
                heldBackCounts[index] += 1
                statistics.passedAlerts += 1
            }
            return []
        }
        var alerts: [Detection.AlertRule] = []
        let perFlow = configuration.maxAlertsPerRulePerFlow
        for index in matches {
            if rules.isSuppressed(index, context: context) {
                countHeldBack(index, rules: rules, byFlowLimit: false)
                continue
            }
            if rules.isRateLimited(index) {
                guard
                    thresholds.shouldAlert(
                        rule: index,
                        rules.rule(index),
                        source: context.source,
                        destination: context.destination,
                        microseconds: timestamp.totalMicroseconds
                    )
                else {
                    countHeldBack(index, rules: rules, byFlowLimit: false)
                    continue
                }
            }
            if perFlow > 0 {
                if let before = flow.alertTally.increment(index) {
                    guard before < perFlow else {
                        flow.alertsSuppressed += 1
                        countHeldBack(index, rules: rules, byFlowLimit: true)
                        continue
                    }
                } else {
                    statistics.alertTallyFull += 1
                }
            }
            flow.alerted = true
            countAlert(index, rules: rules)
            if sink.receivesAlerts || summaries != nil { alerts.append(rules.alertRule(index)) }
        }
        return alerts
    }

    /// The flow's packets and bytes so far, for the `flow` object of its alerts.
    func flowCounters(_ flow: Flow) -> FlowCounters {
        FlowCounters(
            packetsToServer: flow.packets.0,
            packetsToClient: flow.packets.1,
            bytesToServer: flow.bytes.0,
            bytesToClient: flow.bytes.1,
            start: flow.firstTimestamp
        )
    }

    /// Counts a match held back by a threshold or the per-flow limit, per rule, for the summary.
    func countHeldBack(_ index: Int, rules: Detection.RuleSet, byFlowLimit: Bool) {
        if heldBackCounts.count != rules.count { heldBackCounts = Array(repeating: 0, count: rules.count) }
        heldBackCounts[index] += 1
        if byFlowLimit { statistics.flowSuppressedAlerts += 1 } else { statistics.suppressedAlerts += 1 }
    }

    /// Counts an alert of the rule at `index` for the closing summary (named when the summary is made).
    func countAlert(_ index: Int, rules: Detection.RuleSet) {
        if alertCounts.count != rules.count { alertCounts = Array(repeating: 0, count: rules.count) }
        alertCounts[index] += 1
    }

    // MARK: - Ends

    /// The streams ended (FIN, RST, or the flow left the table): a frame cut off at the end is reported, and
    /// records still waiting for an acknowledgment are written.
    func finishDNP3Streams(flow: Flow, timestamp: CaptureTimestamp) {
        defer {
            flushAllDNP3Records(
                flow: flow,
                timestamp: currentPacketNumber > 0 ? timestamp : nil,
                packetNumber: currentPacketNumber > 0 ? currentPacketNumber : nil
            )
        }
        for direction in [Direction.toServer, .toClient] {
            let truncated = direction == .toServer ? flow.dnp3.parsers.0.finish() : flow.dnp3.parsers.1.finish()
            if truncated {
                reportDNP3(
                    flow: flow,
                    direction: direction,
                    event: "truncated_link_frame",
                    detail: "the stream ended inside a link frame: fewer octets arrived than its LENGTH declared",
                    timestamp: timestamp
                )
            }
        }
    }

    /// The flow left the table: held records are written; requests still waiting past the response time are
    /// unanswered (younger ones were in flight when the capture or flow ended).
    func finishDNP3(flow: Flow) {
        flushAllDNP3Records(flow: flow, timestamp: nil, packetNumber: nil)
        writeWaitingAlerts(flow: flow, direction: nil, timestamp: nil, packetNumber: nil)
        let timeout = configuration.dnp3ResponseTimeoutMicroseconds
        for request in flow.dnp3.pending
        where flow.lastTimestamp.microseconds(since: request.timestamp) > timeout {
            reportUnanswered(
                flow: flow,
                request: request,
                why: "no response within \(timeout / 1_000_000) s before the flow ended"
            )
        }
        flow.dnp3.pending.removeAll()
    }

    /// Reports a request that got no response, at the packet that carried it, and counts it.
    private func reportUnanswered(flow: Flow, request: DNP3PendingRequest, why: String) {
        statistics.dnp3UnansweredRequests += 1
        let saved = currentPacketNumber
        defer { currentPacketNumber = saved }
        currentPacketNumber = request.packetNumber
        let name = request.functionCode.name ?? "function \(request.functionCode.rawValue)"
        reportDNP3(
            flow: flow,
            direction: flow.dnp3.masterIsClient == false ? .toClient : .toServer,
            event: "unanswered_request",
            detail:
                "\(name) seq \(request.sequence) from master \(request.source) to outstation \(request.destination) (packet \(request.packetNumber)) got no response: \(why)",
            timestamp: request.timestamp,
            source: request.source,
            destination: request.destination,
            functionCode: request.functionCode.rawValue
        )
    }

    func reportDNP3(
        flow: Flow,
        direction: Direction,
        event: String,
        detail: String,
        timestamp: CaptureTimestamp,
        source: UInt16? = nil,
        destination: UInt16? = nil,
        functionCode: UInt8? = nil
    ) {
        var anomaly = AnomalyEvent(
            flow: flow.context,
            direction: direction,
            kind: .applayer,
            appProto: "dnp3",
            event: event,
            detail: detail,
            timestamp: timestamp,
            packetNumber: currentPacketNumber
        )
        anomaly.dnp3Source = source
        anomaly.dnp3Destination = destination
        anomaly.dnp3FunctionCode = functionCode
        anomaly.alerts = eventAlerts(anomaly.name, flow: flow, direction: direction)
        if !anomaly.alerts.isEmpty { anomaly.flowCounters = flowCounters(flow) }
        statistics.anomalies[anomaly.name, default: 0] += 1
        // At most so many records per name and flow: a hostile stream cannot turn each frame into a record.
        let reported = flow.dnp3.anomalyReports[event, default: 0]
        guard reported < DNP3FlowState.maxReportsPerAnomaly else { return }
        flow.dnp3.anomalyReports[event] = reported + 1
        if reported + 1 == DNP3FlowState.maxReportsPerAnomaly {
            anomaly.detail +=
                " (the \(DNP3FlowState.maxReportsPerAnomaly)th of its kind in this flow: further ones are counted in the summary, not reported)"
        }
        emitAnomaly(anomaly)
    }
}

extension DNP3.Application.ObjectParser {
    /// Reports what the object parser found, one anomaly per kind per fragment, in plain words.
    fileprivate func finishReport(
        engine: SensorEngine,
        flow: Flow,
        direction: Direction,
        link: DNP3.Link.Header,
        functionCode: DNP3.Application.FunctionCode,
        timestamp: CaptureTimestamp
    ) {
        guard !anomalies.isEmpty else { return }
        let function = "\(functionCode.name ?? "function \(functionCode.rawValue)") (\(functionCode.rawValue))"
        func report(_ event: String, _ detail: String) {
            engine.reportDNP3(
                flow: flow,
                direction: direction,
                event: event,
                detail: detail,
                timestamp: timestamp,
                source: link.source,
                destination: link.destination,
                functionCode: functionCode.rawValue
            )
        }
        if anomalies.contains(.unknownObject) {
            let what = firstUnknown.map { "g\($0.group)v\($0.variation)" } ?? "a group and variation"
            report(
                "unknown_object",
                "\(function) names \(what), which IEEE 1815-2012 Annex A does not define"
                    + (error == nil ? "" : "; its objects' size is unknown, so the rest of the fragment is not parsed")
            )
        }
        if anomalies.contains(.tooManyObjects) {
            report(
                "too_many_objects",
                "\(function) has more than \(limits.maxObjectsPerFragment) object headers; the rest are not parsed"
            )
        }
        if anomalies.contains(.tooManyPoints) {
            report(
                "too_many_points",
                "an object header of \(function) declares more than \(limits.maxPointsPerHeader) objects; its points are not listed"
            )
        }
        if anomalies.contains(.rangeStopBeforeStart) {
            var range = "a stop index below its start index"
            if case .rangeStopBeforeStart(let start, let stop, let at) = error {
                range = "stop \(stop) below start \(start) (header at octet \(at))"
            }
            report(
                "range_stop_lt_start",
                "an object header of \(function) has \(range) (IEEE 1815-2012 §4.4.5.2): its object count is unknown, so the rest of the fragment is not parsed"
            )
        }
        if anomalies.contains(.variationZeroInResponse) {
            report(
                "variation_zero_in_response",
                "\(function) carries objects of variation 0, which only a request may use (IEEE 1815-2012 §4.4.3; the zero-length object 'zip bomb', DNP TB2014-006)"
            )
        }
        if anomalies.contains(.malformed), let error {
            report("malformed", "\(function): \(Self.describe(error))")
        }
    }

    fileprivate static func describe(_ error: DNP3.ParseError) -> String {
        switch error {
        case .applicationHeaderTooShort(let length, let needed):
            "the fragment (\(length) octets) is shorter than its header (\(needed))"
        case .objectHeaderTruncated(let at, let needed, let available):
            "the object header at octet \(at) needs \(needed) octets, \(available) remain"
        case .reservedQualifier(let qualifier, let at):
            "reserved qualifier 0x\(String(qualifier, radix: 16)) at octet \(at)"
        case .rangeStopBeforeStart(let start, let stop, let at):
            "range stop \(stop) below start \(start) at octet \(at)"
        case .objectDataTruncated(let group, let variation, let at, let needed, let available):
            "the objects of g\(group)v\(variation) at octet \(at) need \(needed) octets, \(available) remain"
        case .unknownGroupVariation(let group, let variation, let at):
            "g\(group)v\(variation) at octet \(at) is not in the object library and carries data of unknown size; parsing stops there"
        case .invalidQualifier(let qualifier, let group, let variation, let at):
            "qualifier 0x\(String(qualifier, radix: 16)) cannot carry g\(group)v\(variation) objects (octet \(at))"
        }
    }
}

/// A point-field visitor that keeps nothing: asks only whether an object decodes.
private struct DiscardFields: DNP3.Objects.PointFieldVisitor {
    mutating func field(_ name: StaticString, _ value: UInt64) {}
    mutating func field(_ name: StaticString, signed value: Int64) {}
    mutating func field(_ name: StaticString, float value: Double) {}
    mutating func field(
        _ name: StaticString,
        string range: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>
    ) {}
    mutating func field(
        _ name: StaticString,
        base64 range: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>
    ) {}
}

// SPDX-License-Identifier: Apache-2.0
public import Baseline
import DNP3
public import Detection
import ModbusTCP
public import NetworkLayers
import TCPReassembly
public import WireFormat

/// The packet pipeline: decode headers, find the flow, reassemble TCP, frame and decode Modbus, pair requests
/// with responses, and report transactions, anomalies and flows to a sink.
///
/// One engine serves replay and (later) live capture: the caller feeds frames in capture order with
/// ``process(frame:timestamp:linkType:)`` and calls ``finish()`` at the end. All timing is capture time.
/// Per packet, the in-order path allocates nothing: frames are borrowed, flows live in a preallocated
/// open-addressing table, and ADUs inside a segment are decoded in place.
///
/// The engine's stored properties opt out of dynamic exclusivity checks (`@exclusivity(unchecked)`): the engine is
/// driven from one thread, and its methods never hold one property across a call that touches it again (the
/// compiler's static checks still hold). The dynamic checks cost several hundred instructions per packet.
public final class SensorEngine {
    /// The settings as given (the rules in force are ``rules``).
    public let configuration: EngineConfiguration
    /// The rules in force, in a box: the packet path reads them through a constant of a class, so a read borrows
    /// the rule set instead of copying its tables (a `var` of the engine would cost 17 retains per read).
    /// ``replaceDetection(rules:baseline:)`` swaps the box.
    final class RulesInForce {
        let ruleSet: Detection.RuleSet
        init(_ ruleSet: Detection.RuleSet) { self.ruleSet = ruleSet }

        /// Matches through `self`, which the call guarantees, so the rule set is read in place.
        func matchModbus(
            request: Modbus.Message?,
            requestADU: borrowing Span<UInt8>,
            response: Modbus.Message?,
            responseADU: borrowing Span<UInt8>,
            context: Detection.PacketContext,
            into matches: inout [Int]
        ) {
            ruleSet.matchModbus(
                request: request,
                requestADU: requestADU,
                response: response,
                responseADU: responseADU,
                context: context,
                into: &matches
            )
        }

        /// As ``matchModbus(request:requestADU:response:responseADU:context:into:)``, for a DNP3 message.
        func matchDNP3(
            application: DNP3.Application.Header,
            view: DNP3.FragmentView,
            bytes: borrowing Span<UInt8>,
            context: Detection.PacketContext,
            objects: inout [UInt16],
            into matches: inout [Int]
        ) {
            ruleSet.matchDNP3(
                application: application,
                view: view,
                bytes: bytes,
                context: context,
                objects: &objects,
                objectsRead: true,
                into: &matches
            )
        }
    }
    @safe @exclusivity(unchecked) var rulesInForce: RulesInForce?
    /// The rules matched: the configuration's, until ``replaceDetection(rules:baseline:)`` swaps them.
    public var rules: Detection.RuleSet? { rulesInForce?.ruleSet }
    @safe @exclusivity(unchecked) public internal(set) var statistics = EngineStatistics()
    let sink: any EngineEventSink
    /// Learns the baseline model from the traffic, or judges the traffic against it (nil: neither).
    @safe @exclusivity(unchecked) public private(set) var baseline: Baseline.Monitor?
    /// Windowed pair summaries and the asset inventory (nil when ``EngineConfiguration/summaries`` is nil).
    let summaries: SummaryAggregator?
    @safe @exclusivity(unchecked) private var summaryWindowsClosed = 0
    /// The process's health for `stats` records (live capture sets it; replays leave it nil so that their output
    /// does not depend on the machine). Called on the engine's thread when a window closes.
    public var healthProvider: (() -> SensorHealth)?

    @safe @exclusivity(unchecked) private var flows: [Flow?] = []
    @safe @exclusivity(unchecked) private var freeSlots: [Int] = []
    @safe @exclusivity(unchecked) private var table: FlowTable
    @safe @exclusivity(unchecked) private var activeFlows = 0
    @safe @exclusivity(unchecked) private var flowSequence = 0
    @safe @exclusivity(unchecked) private var packetNumber: UInt64 = 0
    /// The packet whose bytes are being decoded: the current packet, or the earlier segment buffered bytes came in.
    @safe @exclusivity(unchecked) var currentPacketNumber: UInt64 = 0
    @safe @exclusivity(unchecked) private var now = CaptureTimestamp.zero
    /// The capture time of the packet being processed.
    @safe @exclusivity(unchecked) var currentTimestamp = CaptureTimestamp.zero
    /// Reused buffers for rule matching: the matches of one message, the object headers of one fragment.
    @safe @exclusivity(unchecked) var matchScratch: [Int] = []
    @safe @exclusivity(unchecked) var objectScratch: [UInt16] = []
    /// Alerts per rule (by index in the rule set), named in ``EngineStatistics/alerts`` when the run finishes.
    @safe @exclusivity(unchecked) var alertCounts: [Int] = []
    /// Matches held back per rule index (threshold, detection_filter or the per-flow limit).
    @safe @exclusivity(unchecked) var heldBackCounts: [Int] = []
    /// `threshold` and `detection_filter` state of the rules.
    @safe @exclusivity(unchecked) var thresholds = Detection.ThresholdState()
    /// The link type of the packet being processed.
    @safe @exclusivity(unchecked) private var currentLinkType = LinkType.ethernet
    @safe @exclusivity(unchecked) private var nextExpiryCheck: Int64 = .min

    /// Requests waiting for responses, summed over all flows (bounded by
    /// ``EngineConfiguration/maxPendingRequestsTotal``).
    @safe @exclusivity(unchecked) private var pendingRequestsTotal = 0
    /// Flows with Modbus requests waiting for responses, each once (``Flow/awaitingExpirySweep``): the
    /// once-a-second sweep gives up those past their timeout. At most one entry per live flow.
    @safe @exclusivity(unchecked) private var flowsAwaitingResponses: [Flow] = []

    public init(
        configuration: EngineConfiguration = EngineConfiguration(),
        sink: any EngineEventSink,
        baseline: Baseline.Monitor? = nil
    ) {
        let configuration = configuration.bounded
        self.configuration = configuration
        self.sink = sink
        self.baseline = baseline
        self.table = FlowTable(maxSlots: configuration.maxFlows)
        self.summaries = configuration.summaries.map(SummaryAggregator.init(limits:))
        self.rulesInForce = configuration.rules.map(RulesInForce.init)
        statistics.rulesLoaded = configuration.rules?.count ?? 0
    }

    /// The number of flows in the table.
    public var flowCount: Int { activeFlows }

    /// Once per second of capture time: closes a summary window whose time has passed, ends idle flows, gives up
    /// unanswered requests, and lets the baseline judge silences.
    private func tick() {
        if let summaries {
            summaries.begin(at: now)
            if now.seconds >= summaries.windowEnd { closeSummaryWindow(endOfCapture: nil) }
        }
        expireIdleFlows()
        if !flowsAwaitingResponses.isEmpty { sweepUnansweredRequests() }
        if let baseline {
            baseline.tick(now: now, packet: currentPacketNumber)
            writeBaselineAlerts(baseline, flow: nil)
        }
        nextExpiryCheck = now.seconds + 1
    }

    /// Moves capture time forward without a packet: a live sensor on a quiet segment calls it with the wall
    /// clock, so that windows close, flows time out and silences are judged. Earlier times are ignored.
    public func advance(to time: CaptureTimestamp) {
        guard time > now else { return }
        now = time
        if now.seconds >= nextExpiryCheck { tick() }
    }

    // MARK: - Packets

    /// Takes one captured frame.
    ///
    /// - Parameters:
    ///   - frame: the frame bytes, borrowed for the call.
    ///   - timestamp: the capture time.
    ///   - linkType: the capture's link-layer type.
    ///   - originalLength: the frame's length on the wire; more than `frame.count` when the capture cut it at its
    ///     snapshot length. Headers may not declare more payload than the wire frame held.
    public func process(
        frame: borrowing Span<UInt8>,
        timestamp: CaptureTimestamp,
        linkType: LinkType,
        originalLength: Int? = nil
    ) {
        packetNumber += 1
        currentPacketNumber = packetNumber
        currentLinkType = linkType
        currentTimestamp = timestamp
        statistics.packets += 1
        statistics.bytes += frame.count
        if timestamp > now { now = timestamp }
        if now.seconds >= nextExpiryCheck { tick() }

        let packet: DecodedPacket
        do {
            packet = try PacketDecoder.decode(frame, linkType: linkType)
        } catch {
            if case .unsupportedEtherType = error {
                statistics.nonIPFrames += 1
            } else {
                statistics.decodeErrors[Self.decodeErrorName(error), default: 0] += 1
            }
            return
        }
        if packet.ipVersion == 4 { statistics.ipv4Packets += 1 } else { statistics.ipv6Packets += 1 }
        switch packet.transport {
        case .tcp: statistics.tcpPackets += 1
        case .udp: statistics.udpPackets += 1
        case .fragment:
            statistics.ipFragments += 1
            return
        case .other:
            return
        }

        let (slot, direction) = lookupOrCreate(packet, timestamp: timestamp)
        table.touch(slot)
        guard let flow = flows[slot] else { return }
        process(
            flow,
            direction: direction,
            packet: packet,
            frame: frame,
            timestamp: timestamp,
            originalLength: originalLength
        )
    }

    private func process(
        _ flow: Flow,
        direction: Direction,
        packet: DecodedPacket,
        frame: borrowing Span<UInt8>,
        timestamp: CaptureTimestamp,
        originalLength: Int?
    ) {
        // Capture time can step back (merged files, a bad clock): a flow's end never precedes its start.
        if timestamp > flow.lastTimestamp { flow.lastTimestamp = timestamp }
        if direction == .toServer {
            flow.packets.0 += 1
            flow.bytes.0 += frame.count
            if !flow.macsSeen.0 {
                flow.macsSeen.0 = true
                flow.macs.0 = packet.sourceMAC
            }
        } else {
            flow.packets.1 += 1
            flow.bytes.1 += frame.count
            if !flow.macsSeen.1 {
                flow.macsSeen.1 = true
                flow.macs.1 = packet.sourceMAC
            }
        }
        if flow.isDNP3 && !flow.dnp3.waitingAlerts.isEmpty {
            writeWaitingAlerts(flow: flow, direction: direction, timestamp: timestamp, packetNumber: packetNumber)
        }
        guard packet.transport == .tcp else {
            if flow.isDNP3 {
                processDNP3Datagram(
                    flow: flow,
                    direction: direction,
                    datagram: frame.extracting(packet.payload),
                    timestamp: timestamp
                )
            }
            return
        }
        if direction == .toServer {
            flow.tcpFlags.0.formUnion(packet.tcpFlags)
        } else {
            flow.tcpFlags.1.formUnion(packet.tcpFlags)
        }
        if flow.isReassembled && flow.streamsFinished && !packet.payload.isEmpty && !flow.dataAfterCloseReported {
            // Payload after the connection closed is not decoded: say so once per flow.
            flow.dataAfterCloseReported = true
            statistics.streamDataAfterClose += 1
            reportStream(
                context: flow.context,
                direction: direction,
                event: "stream.data_after_close",
                detail: "payload arrived after the connection closed (RST, or FIN from both sides); it is not decoded",
                timestamp: timestamp
            )
        }
        if flow.isReassembled && !flow.streamsFinished {
            // Bytes the IP header declares but the wire frame never held are a lying length, not a capture gap:
            // only bytes the snapshot length cut off count as missing.
            let cutOff = max((originalLength ?? frame.count) - frame.count, 0)
            var packet = packet
            packet.declaredPayloadLength = min(packet.declaredPayloadLength, packet.payload.count + cutOff)
            processTCP(flow: flow, direction: direction, packet: packet, frame: frame, timestamp: timestamp)
        }
        // Closed: a RST, or a FIN from each side (RFC 9293 §3.6); for reassembled flows, only once the streams
        // accepted them (an out-of-window RST or a stale FIN closes nothing). A closed flow lingers for late packets.
        if flow.isReassembled && !flow.modbusRejected {
            flow.isClosed = flow.streamsFinished
        } else if packet.tcpFlags.contains(.rst) || (flow.tcpFlags.0.contains(.fin) && flow.tcpFlags.1.contains(.fin)) {
            flow.isClosed = true
        }
    }

    private static func decodeErrorName(_ error: WireError) -> String {
        switch error {
        case .truncated: "truncated header"
        case .invalidField(let field, _, _): "invalid \(field.rawValue)"
        case .unsupportedLinkType: "unsupported link type"
        case .unsupportedEtherType: "not IP"
        }
    }

    // MARK: - Flows

    private func lookupOrCreate(_ packet: DecodedPacket, timestamp: CaptureTimestamp) -> (Int, Direction) {
        let hash = FlowKey.symmetricHash(
            packet.source,
            packet.destination,
            packet.sourcePort,
            packet.destinationPort,
            packet.ipProtocol
        )
        if let (slot, direction) = table.find(
            source: packet.source,
            destination: packet.destination,
            sourcePort: packet.sourcePort,
            destinationPort: packet.destinationPort,
            ipProtocol: packet.ipProtocol
        ) {
            // A SYN that opens a new connection on the same 5-tuple: on a closed flow, or on an open one whose
            // client stream it does not continue (a reused port without FIN or RST).
            guard packet.tcpFlags.contains(.syn) && !packet.tcpFlags.contains(.ack), let flow = flows[slot],
                direction == .toServer,
                flow.isClosed || flow.streams.0.isNewConnection(synSequence: packet.sequenceNumber)
            else { return (slot, direction) }
            endFlow(slot: slot, reason: .tcpReuse)
        }
        if activeFlows >= configuration.maxFlows, table.oldest >= 0 {
            statistics.flowsEvicted += 1
            endFlow(slot: Int(table.oldest), reason: .forced)
        }
        // Orientation: the side on a Modbus or DNP3 port is the server (as tshark and Suricata's probing decide,
        // and what a mid-stream pickup needs); otherwise the SYN's sender is the client, and the first sender
        // without one. DNP3 roles (master, outstation) come from the link DIR bit, not from this orientation.
        var sourceIsClient = true
        let isTCP = packet.transport == .tcp
        let sourceIsServerPort =
            (isTCP && configuration.isModbusPort(packet.sourcePort)) || configuration.isDNP3Port(packet.sourcePort)
        let destinationIsServerPort =
            (isTCP && configuration.isModbusPort(packet.destinationPort))
            || configuration.isDNP3Port(packet.destinationPort)
        if sourceIsServerPort != destinationIsServerPort {
            sourceIsClient = destinationIsServerPort
        } else if packet.tcpFlags.contains(.syn) {
            sourceIsClient = !packet.tcpFlags.contains(.ack)
        }
        let key =
            sourceIsClient
            ? FlowKey(
                clientAddress: packet.source,
                serverAddress: packet.destination,
                clientPort: packet.sourcePort,
                serverPort: packet.destinationPort,
                ipProtocol: packet.ipProtocol
            )
            : FlowKey(
                clientAddress: packet.destination,
                serverAddress: packet.source,
                clientPort: packet.destinationPort,
                serverPort: packet.sourcePort,
                ipProtocol: packet.ipProtocol
            )
        flowSequence += 1
        var mixed = hash ^ (UInt64(flowSequence) &* 0x9E37_79B9_7F4A_7C15)
        mixed ^= UInt64(bitPattern: timestamp.totalMicroseconds) &* 0xBF58_476D_1CE4_E5B9
        let context = FlowContext(
            flowID: mixed & ((1 << 51) - 1),
            key: key,
            vlanIdentifiers: packet.vlanIdentifiers,
            vlanCount: packet.vlanCount,
            linkType: currentLinkType
        )
        let flow = Flow(
            context: context,
            sequence: flowSequence,
            timestamp: timestamp,
            isTCP: isTCP,
            isModbus: isTCP && configuration.isModbusPort(key.serverPort),
            isDNP3: !(isTCP && configuration.isModbusPort(key.serverPort)) && configuration.isDNP3Port(key.serverPort),
            reassembly: configuration.reassembly,
            modbusLimits: configuration.modbus
        )
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            flows[slot] = flow
        } else {
            slot = flows.count
            flows.append(flow)
        }
        table.insert(slot: slot, key: key)
        activeFlows += 1
        statistics.flowsCreated += 1
        return (slot, sourceIsClient ? .toServer : .toClient)
    }

    /// Ends flows idle past their timeout, oldest first (the activity list is in order, so this stops at the
    /// first flow still active).
    private func expireIdleFlows() {
        while table.oldest >= 0 {
            let slot = Int(table.oldest)
            guard let isClosed = flows[slot]?.isClosed, let last = flows[slot]?.lastTimestamp else { break }
            let limit = isClosed ? configuration.closedFlowTimeoutSeconds : configuration.flowIdleTimeoutSeconds
            guard now.seconds - last.seconds > limit else { break }
            statistics.flowsTimedOut += 1
            endFlow(slot: slot, reason: .timeout)
        }
    }

    /// Ends every flow (the capture ended), in the order the flows began.
    public func finish() {
        var slots: [(Int, Int)] = []
        for slot in flows.indices {
            if let sequence = flows[slot]?.sequence { slots.append((sequence, slot)) }
        }
        slots.sort { $0.0 < $1.0 }
        for (_, slot) in slots { endFlow(slot: slot, reason: .shutdown) }
        if let baseline {
            baseline.captureEnded(at: now)
            writeBaselineAlerts(baseline, flow: nil)
            let model = baseline.model
            switch baseline.mode {
            case .learning:
                statistics.baseline = "learning (\(SummaryReport.plural(model.pairs.count, "pair")) so far)"
            case .detecting:
                statistics.baseline =
                    "judged against \(SummaryReport.plural(model.pairs.count, "pair")) and \(SummaryReport.plural(model.devices.count, "device")), \(Baseline.Model.durationText(model.learnedMicroseconds)) of learning"
            }
            statistics.baselineNotRaised = baseline.alertsNotRaised
        }
        nameAlertCounts()
        if let summaries, summaries.windowStart != nil {
            closeSummaryWindow(endOfCapture: now)
            for event in summaries.inventory.inventoryEvents(at: now) { sink.assetChanged(event) }
        }
    }

    /// Moves the per-rule-index alert counts into ``EngineStatistics/alerts`` by name (and empties them), so
    /// that they survive a change of rule set.
    private func nameAlertCounts() {
        guard let rules = rulesInForce?.ruleSet else { return }
        for (index, count) in alertCounts.enumerated() where count > 0 {
            let rule = rules.alertRule(index)
            statistics.alerts["[\(rule.gid):\(rule.sid):\(rule.rev)] \(rule.signature)", default: 0] += count
        }
        for (index, count) in heldBackCounts.enumerated() where count > 0 {
            let rule = rules.alertRule(index)
            statistics.alertsHeldBack["[\(rule.gid):\(rule.sid):\(rule.rev)] \(rule.signature)", default: 0] += count
        }
        alertCounts = []
        heldBackCounts = []
    }

    /// Alerts per signature so far (`[gid:sid:rev] message`), the running rule set's included: the live
    /// sensor's metrics read it while ``EngineStatistics/alerts`` is only complete after ``finish()``.
    public func alertTotals() -> [String: Int] {
        var totals = statistics.alerts
        guard let rules = rulesInForce?.ruleSet else { return totals }
        for (index, count) in alertCounts.enumerated() where count > 0 {
            let rule = rules.alertRule(index)
            totals["[\(rule.gid):\(rule.sid):\(rule.rev)] \(rule.signature)", default: 0] += count
        }
        return totals
    }

    // MARK: - Reload

    /// Swaps the rule set and the baseline model (SIGHUP) without losing flow state: flows, reassembly, pairing
    /// and summaries go on. What is tied to the old rules starts again: per-flow alert limits, thresholds and
    /// the per-flow memory of the baseline. Alerts the old model raised are written first; deviations it held
    /// back for its scan window are dropped (they will be judged again if they recur).
    ///
    /// - Parameters:
    ///   - rules: the new rule set (nil: none).
    ///   - baseline: the new monitor (nil: no baseline).
    public func replaceDetection(rules: Detection.RuleSet?, baseline: Baseline.Monitor?) {
        nameAlertCounts()
        if let old = self.baseline { writeBaselineAlerts(old, flow: nil) }
        rulesInForce = rules.map(RulesInForce.init)
        statistics.rulesLoaded = rules?.count ?? 0
        thresholds = Detection.ThresholdState()
        self.baseline = baseline
        for flow in flows {
            guard let flow else { continue }
            flow.alertTally = RuleTally()
            flow.baselineLink = Baseline.FlowLink()
        }
    }

    // MARK: - Summaries

    /// Counts the traffic of every open Modbus and DNP3 flow into the window, then hands the window to the sink.
    private func closeSummaryWindow(endOfCapture: CaptureTimestamp?) {
        guard let summaries else { return }
        for flow in flows {
            if let flow, flow.isModbus || flow.isDNP3 { countTraffic(flow, into: summaries) }
        }
        let window = summaries.closeWindow(
            statistics: statistics,
            alertsSoFar: alertTotals().values.reduce(0, +),
            activeFlows: activeFlows,
            health: healthProvider?(),
            endOfCapture: endOfCapture
        )
        sink.summaryWindow(window)
        summaries.advance(to: now)
        summaryWindowsClosed += 1
        // The whole inventory now and then (at the end of the capture it is written anyway).
        let every = summaries.limits.inventoryEveryWindows
        if endOfCapture == nil, every > 0, summaryWindowsClosed % every == 0 {
            for event in summaries.inventory.inventoryEvents(at: window.end) { sink.assetChanged(event) }
        }
    }

    /// Adds a flow's packets and bytes since they were last counted to its pair's summary.
    private func countTraffic(_ flow: Flow, into summaries: SummaryAggregator) {
        let packets = (flow.packets.0 - flow.summarized.packets.0, flow.packets.1 - flow.summarized.packets.1)
        let bytes = (flow.bytes.0 - flow.summarized.bytes.0, flow.bytes.1 - flow.summarized.bytes.1)
        summaries.traffic(
            flow.context,
            isDNP3: flow.isDNP3,
            link: &flow.summaryLink,
            packets: packets,
            bytes: bytes
        )
        flow.summarized = (flow.packets, flow.bytes)
    }

    /// Hands the inventory's changes to the sink.
    func writeAssetEvents(_ summaries: SummaryAggregator) {
        guard !summaries.inventory.pending.isEmpty else { return }
        for event in summaries.inventory.takeEvents() { sink.assetChanged(event) }
    }

    /// Writes an anomaly record and counts it in its pair's summary.
    func emitAnomaly(_ event: AnomalyEvent) {
        sink.anomaly(event)
        if let summaries {
            let isDNP3 = configuration.isDNP3Port(event.flow.key.serverPort)
            if isDNP3 || configuration.isModbusPort(event.flow.key.serverPort) {
                summaries.anomaly(event, isDNP3: isDNP3)
            }
        }
    }

    private func endFlow(slot: Int, reason: FlowEndEvent.Reason) {
        guard let flow = flows[slot] else { return }
        flow.awaitingExpirySweep = false  // the sweep drops it
        if flow.isReassembled && !flow.streamsFinished {
            closeModbus(flow: flow, timestamp: flow.lastTimestamp, packetNumber: nil, cause: .flowEnded(reason))
        }
        let bothSides = flow.packets.0 > 0 && flow.packets.1 > 0
        let appProto: FlowEndEvent.AppProto
        if flow.isDNP3 {
            finishDNP3(flow: flow)
            appProto = flow.dnp3.rejected ? .failed : flow.dnp3.linkFrames > 0 ? .dnp3 : .none
        } else if flow.modbusRejected {
            appProto = .failed
        } else {
            appProto = flow.modbus.framers.0.framedADUs + flow.modbus.framers.1.framedADUs > 0 ? .modbus : .none
        }
        if let summaries, flow.isModbus || flow.isDNP3 { countTraffic(flow, into: summaries) }
        if let baseline {
            // What the baseline holds about this flow is raised before its flow record.
            baseline.flowEnding(flow.context.flowID, client: flow.context.key.clientAddress)
            baseline.flowEnding(flow.context.flowID, client: flow.context.key.serverAddress)
            if !baseline.alerts.isEmpty { writeBaselineAlerts(baseline, flow: flow) }
        }
        sink.flowEnded(
            FlowEndEvent(
                flow: flow.context,
                firstTimestamp: flow.firstTimestamp,
                lastTimestamp: flow.lastTimestamp,
                packetsToServer: flow.packets.0,
                packetsToClient: flow.packets.1,
                bytesToServer: flow.bytes.0,
                bytesToClient: flow.bytes.1,
                tcpFlagsToServer: flow.tcpFlags.0,
                tcpFlagsToClient: flow.tcpFlags.1,
                state: flow.isClosed ? "closed" : (bothSides ? "established" : "new"),
                reason: reason,
                appProto: appProto,
                transactions: flow.isDNP3 ? flow.dnp3.messages : flow.modbus.transactions,
                gaps: flow.gaps,
                alerted: flow.alerted,
                alertsSuppressed: flow.alertsSuppressed
            )
        )
        table.remove(slot: slot)
        flows[slot] = nil
        freeSlots.append(slot)
        activeFlows -= 1
    }

    // MARK: - TCP

    private func processTCP(
        flow: Flow,
        direction: Direction,
        packet: DecodedPacket,
        frame: borrowing Span<UInt8>,
        timestamp: CaptureTimestamp
    ) {
        let flags = packet.tcpFlags
        // The acknowledgment speaks about the other direction's bytes: lost ones become a gap there first.
        if flags.contains(.ack) {
            let action =
                direction == .toServer
                ? flow.streams.1.acknowledgmentReceived(packet.acknowledgmentNumber)
                : flow.streams.0.acknowledgmentReceived(packet.acknowledgmentNumber)
            if action.hasBufferedData {
                drainBuffered(flow: flow, direction: direction.reversed, timestamp: timestamp)
            }
            if flow.isDNP3 {
                acknowledgeDNP3Records(
                    flow: flow,
                    direction: direction.reversed,
                    acknowledgment: packet.acknowledgmentNumber,
                    timestamp: timestamp,
                    packetNumber: packetNumber
                )
            }
        }
        let payload = frame.extracting(packet.payload)
        let action =
            direction == .toServer
            ? flow.streams.0.segmentReceived(
                sequence: packet.sequenceNumber,
                syn: flags.contains(.syn),
                fin: flags.contains(.fin),
                rst: flags.contains(.rst),
                payload: payload,
                declaredLength: packet.declaredPayloadLength,
                timestamp: timestamp,
                packetNumber: packetNumber
            )
            : flow.streams.1.segmentReceived(
                sequence: packet.sequenceNumber,
                syn: flags.contains(.syn),
                fin: flags.contains(.fin),
                rst: flags.contains(.rst),
                payload: payload,
                declaredLength: packet.declaredPayloadLength,
                timestamp: timestamp,
                packetNumber: packetNumber
            )
        if action.anomalies.contains(.midstreamPickup) && flow.isModbus {
            restartFramer(flow: flow, direction: direction)
        }
        if action.anomalies.contains(.retransmission) { statistics.streamRetransmissions += 1 }
        if action.anomalies.contains(.outOfWindowControl) { statistics.streamIgnoredControl += 1 }
        if action.anomalies.contains(.outOfOrder) { statistics.streamOutOfOrderSegments += 1 }
        if action.anomalies.contains(.overlapMismatch) {
            statistics.streamOverlapMismatches += 1
            reportStream(
                context: flow.context,
                direction: direction,
                event: "stream.reassembly_overlap_different_data",
                detail:
                    "a retransmitted or overlapping TCP segment carried bytes that differ from the ones seen first; the first ones were kept",
                timestamp: timestamp
            )
        }
        if action.anomalies.contains(.bufferOverflow) {
            reportStream(
                context: flow.context,
                direction: direction,
                event: "stream.reassembly_buffer_overflow",
                detail:
                    "more than \(configuration.reassembly.maxBufferedBytesPerDirection) bytes or \(configuration.reassembly.maxBufferedSegmentsPerDirection) segments waited for a missing segment; the hole was skipped",
                timestamp: timestamp
            )
        }
        if !action.deliver.isEmpty {
            deliver(
                flow: flow,
                direction: direction,
                chunk: payload.extracting(action.deliver),
                timestamp: timestamp,
                packetNumber: packetNumber
            )
        }
        if action.gapAfter > 0 {
            gap(
                flow: flow,
                direction: direction,
                length: action.gapAfter,
                timestamp: timestamp,
                cause: "the capture cut the frame at its snapshot length"
            )
        }
        if action.hasBufferedData {
            drainBuffered(flow: flow, direction: direction, timestamp: timestamp)
        }
        if (flags.contains(.rst) && action.closed) || (flow.streams.0.isClosed && flow.streams.1.isClosed) {
            closeModbus(flow: flow, timestamp: timestamp, packetNumber: packetNumber, cause: .connectionClosed)
        }
    }

    private func restartFramer(
        flow: Flow,
        direction: Direction
    ) {
        let limits = configuration.modbus
        if direction == .toServer {
            flow.modbus.framers.0 = Modbus.Framer(carriesRequests: true, atStreamStart: false, limits: limits)
        } else {
            flow.modbus.framers.1 = Modbus.Framer(carriesRequests: false, atStreamStart: false, limits: limits)
        }
    }

    private func drainBuffered(
        flow: Flow,
        direction: Direction,
        timestamp: CaptureTimestamp
    ) {
        while true {
            let chunk =
                direction == .toServer ? flow.streams.0.popBuffered() : flow.streams.1.popBuffered()
            guard let chunk else { return }
            switch chunk {
            case .gap(let length):
                guard length > 0 else { continue }
                gap(
                    flow: flow,
                    direction: direction,
                    length: length,
                    timestamp: timestamp,
                    cause: "the segments carrying them were not captured"
                )
            case .bytes(let bytes, let segmentTimestamp, let segmentPacketNumber):
                deliver(
                    flow: flow,
                    direction: direction,
                    chunk: bytes.span,
                    timestamp: segmentTimestamp,
                    packetNumber: segmentPacketNumber
                )
            }
        }
    }

    private func gap(
        flow: Flow,
        direction: Direction,
        length: Int,
        timestamp: CaptureTimestamp,
        cause: String
    ) {
        statistics.streamGaps += 1
        statistics.streamGapBytes += length
        flow.gaps += 1
        let side = direction == .toServer ? "client to server" : "server to client"
        reportStream(
            context: flow.context,
            direction: direction,
            event: "stream.reassembly_seq_gap",
            detail:
                "\(length) byte\(length == 1 ? "" : "s") of the \(side) stream \(length == 1 ? "is" : "are") missing (\(cause)); \(flow.isDNP3 ? "the DNP3 link parser resynchronises on the next valid frame header" : "the Modbus framer resynchronises on the next plausible MBAP header")",
            timestamp: timestamp
        )
        if flow.isDNP3 {
            flow.dnp3.gap(direction: direction)
            return
        }
        guard flow.isModbus else { return }
        if direction == .toServer {
            flow.modbus.framers.0.gap(length: length)
        } else {
            flow.modbus.framers.1.gap(length: length)
        }
    }

    private func reportStream(
        context: FlowContext,
        direction: Direction,
        event: String,
        detail: String,
        timestamp: CaptureTimestamp
    ) {
        let anomaly = AnomalyEvent(
            flow: context,
            direction: direction,
            kind: .stream,
            appProto: nil,
            event: event,
            detail: detail,
            timestamp: timestamp,
            packetNumber: currentPacketNumber
        )
        statistics.anomalies[anomaly.name, default: 0] += 1
        emitAnomaly(anomaly)
    }

    // MARK: - Modbus

    /// Frames and decodes the in-order bytes `chunk` of one direction, which arrived in packet `packetNumber` at
    /// `timestamp` (for buffered bytes, the segment that carried them, not the packet that released them).
    private func deliver(
        flow: Flow,
        direction: Direction,
        chunk: borrowing Span<UInt8>,
        timestamp: CaptureTimestamp,
        packetNumber: UInt64
    ) {
        let savedPacketNumber = currentPacketNumber
        currentPacketNumber = packetNumber
        defer { currentPacketNumber = savedPacketNumber }
        if flow.isDNP3 {
            deliverDNP3(flow: flow, direction: direction, chunk: chunk, timestamp: timestamp)
            return
        }
        var offset = 0
        while true {
            guard !flow.modbusRejected else { return }
            let event =
                direction == .toServer
                ? flow.modbus.framers.0.next(in: chunk, offset: &offset)
                : flow.modbus.framers.1.next(in: chunk, offset: &offset)
            switch event {
            case .needMoreData:
                return
            case .adu(let range, let provisional):
                handleADU(
                    flow: flow,
                    direction: direction,
                    adu: chunk.extracting(range),
                    provisional: provisional,
                    timestamp: timestamp
                )
            case .bufferedADU(let provisional):
                do {
                    let bytes =
                        direction == .toServer
                        ? flow.modbus.framers.0.bufferedADU : flow.modbus.framers.1.bufferedADU
                    handleADU(
                        flow: flow,
                        direction: direction,
                        adu: bytes.span,
                        provisional: provisional,
                        timestamp: timestamp
                    )
                }
                if direction == .toServer {
                    flow.modbus.framers.0.releaseBufferedADU()
                } else {
                    flow.modbus.framers.1.releaseBufferedADU()
                }
            case .invalidHeader(let header, let problems):
                if problems.contains(.protocolIdentifier) {
                    reportModbus(
                        flow: flow,
                        direction: direction,
                        anomaly: .invalidProtocolID,
                        header: header,
                        function: nil,
                        detail:
                            "MBAP protocol identifier is \(header.protocolIdentifier), not 0 (MB-TCP §3.1.3): these bytes are not a Modbus ADU",
                        timestamp: timestamp
                    )
                }
                if problems.contains(.length) {
                    reportModbus(
                        flow: flow,
                        direction: direction,
                        anomaly: .invalidLength,
                        header: header,
                        function: nil,
                        detail:
                            "MBAP length is \(header.length), outside 2..254 (MB-TCP §3.1.3); the framer resynchronises on the next plausible header",
                        timestamp: timestamp
                    )
                }
            case .skipped:
                continue
            case .notModbus:
                flow.modbusRejected = true
                reportModbus(
                    flow: flow,
                    direction: direction,
                    anomaly: .protocolMismatchOnModbusPort,
                    header: nil,
                    function: nil,
                    detail:
                        "traffic on Modbus port \(flow.context.key.serverPort) never formed a Modbus/TCP ADU (MBAP protocol identifier 0, length 2..254, a plausible function code): not Modbus, so not decoded as Modbus",
                    timestamp: timestamp
                )
                return
            }
        }
    }

    private func handleADU(
        flow: Flow,
        direction: Direction,
        adu: borrowing Span<UInt8>,
        provisional: Bool,
        timestamp: CaptureTimestamp
    ) {
        let isRequest = direction == .toServer
        guard let message = try? Modbus.Message(parsing: adu, isRequest: isRequest) else { return }
        let function = Int(message.functionCode.rawValue)
        if isRequest {
            statistics.modbusRequests += 1
            statistics.modbusRequestsByFunction[function] += 1
        } else {
            statistics.modbusResponses += 1
            statistics.modbusResponsesByFunction[function & 0x7F] += 1
            if case .exception(let code) = message.fields {
                statistics.modbusExceptionsByCode[Int(code.rawValue)] += 1
            }
        }
        if !message.errorFlags.isEmpty {
            reportMessageAnomalies(flow: flow, direction: direction, message: message, timestamp: timestamp)
        }
        if isRequest {
            let category = message.functionCode.category
            if category == .reserved || category == .publicUnassigned,
                flow.modbus.markReported(message.functionCode.rawValue)
            {
                let anomaly: Modbus.Anomaly = category == .reserved ? .reservedFunctionCode : .unassignedFunctionCode
                let what =
                    category == .reserved ? "reserved (MB Annex A)" : "not assigned in the public range (MB §5.1)"
                reportModbus(
                    flow: flow,
                    direction: direction,
                    anomaly: anomaly,
                    header: message.header,
                    function: message.functionCode.rawValue,
                    detail: "function code \(message.functionCode.rawValue) is \(what); reported once per flow",
                    timestamp: timestamp
                )
            }
            expireUnanswered(flow: flow, now: timestamp)
            if let baseline, !provisional {
                baselineRequest(
                    baseline,
                    flow: flow,
                    request: message,
                    adu: adu,
                    timestamp: timestamp,
                    packetNumber: currentPacketNumber
                )
            }
            if pendingRequestsTotal >= configuration.maxPendingRequestsTotal {
                // All flows together hold the most requests allowed: this flow gives up its oldest to make room,
                // or, holding none, this request is reported at once without waiting for its response.
                if !flow.globalFloodReported {
                    flow.globalFloodReported = true
                    reportModbus(
                        flow: flow,
                        direction: direction,
                        anomaly: .flooded,
                        header: message.header,
                        function: message.functionCode.rawValue,
                        detail:
                            "\(configuration.maxPendingRequestsTotal) requests are waiting for responses across all flows; this flow's oldest are given up",
                        timestamp: timestamp
                    )
                }
                if let oldest = flow.modbus.tracker.popOldest() {
                    pendingRequestsTotal -= 1
                    finishUnanswered(flow: flow, request: oldest, timestamp: timestamp, reason: nil)
                } else {
                    let number = flow.modbus.tracker.nextTransactionNumber()
                    reportRequestOnly(
                        flow: flow,
                        number: number,
                        message: message,
                        adu: adu,
                        timestamp: timestamp,
                        packetNumber: currentPacketNumber
                    )
                    return
                }
            }
            let result = flow.modbus.tracker.add(
                message,
                adu: adu,
                packetNumber: currentPacketNumber,
                timestamp: timestamp,
                provisional: provisional
            )
            pendingRequestsTotal += result.evicted ? 0 : 1
            if !flow.awaitingExpirySweep {
                flow.awaitingExpirySweep = true
                flowsAwaitingResponses.append(flow)
            }
            if result.flooded {
                reportModbus(
                    flow: flow,
                    direction: direction,
                    anomaly: .flooded,
                    header: message.header,
                    function: message.functionCode.rawValue,
                    detail:
                        "more than \(configuration.modbus.maxPendingTransactionsPerFlow) requests are waiting for responses in this flow; the oldest are given up",
                    timestamp: timestamp
                )
            }
            if result.evicted, let evicted = flow.modbus.tracker.popEvicted() {
                // One `flooded` anomaly stands for every request given up while the flow is over its limit.
                finishUnanswered(flow: flow, request: evicted, timestamp: timestamp, reason: nil)
            }
            return
        }
        // A response.
        if let index = flow.modbus.tracker.match(message) {
            let request = flow.modbus.tracker.remove(at: index)
            pendingRequestsTotal -= 1
            if request.provisional || provisional {
                flow.modbus.framers.0.confirm()
                flow.modbus.framers.1.confirm()
            }
            let fits = Modbus.responseMatchesRequest(
                request: request.message,
                requestADU: request.adu.span,
                response: message,
                responseADU: adu
            )
            if !fits {
                reportModbus(
                    flow: flow,
                    direction: direction,
                    anomaly: .valueMismatch,
                    header: message.header,
                    function: message.functionCode.rawValue,
                    detail:
                        "the response does not fit its request (quantity, byte count, echoed address or value differ)",
                    timestamp: timestamp
                )
            }
            flow.modbus.transactions += 1
            statistics.modbusTransactions += 1
            emitModbusTransaction(
                ModbusTransactionEvent(
                    flow: flow.context,
                    transactionNumber: request.transactionNumber,
                    request: request.message,
                    response: message,
                    timestamp: timestamp,
                    packetNumber: currentPacketNumber,
                    requestTimestamp: request.timestamp,
                    responseTimestamp: timestamp,
                    requestPacketNumber: request.packetNumber
                ),
                flow: flow,
                requestADU: request.adu.span,
                responseADU: adu,
                requestWasProvisional: request.provisional
            )
            flow.modbus.tracker.recycle(request)
            return
        }
        if provisional {
            statistics.modbusUnverifiedDiscarded += 1
            reportModbus(
                flow: flow,
                direction: direction,
                anomaly: .unverifiedADUDiscarded,
                header: message.header,
                function: message.functionCode.rawValue,
                detail:
                    "after a capture gap, bytes that look like a response (transaction \(message.header.transactionIdentifier), function \(message.functionCode.rawValue)) match no request; not reported as a transaction",
                timestamp: timestamp
            )
            return
        }
        reportModbus(
            flow: flow,
            direction: direction,
            anomaly: .unsolicitedResponse,
            header: message.header,
            function: message.functionCode.rawValue,
            detail:
                "response with transaction identifier \(message.header.transactionIdentifier), unit \(message.header.unitIdentifier), function \(message.functionCode.function.rawValue) matches no pending request",
            timestamp: timestamp
        )
        let number = flow.modbus.tracker.nextTransactionNumber()
        flow.modbus.transactions += 1
        emitModbusTransaction(
            ModbusTransactionEvent(
                flow: flow.context,
                transactionNumber: number,
                request: nil,
                response: message,
                timestamp: timestamp,
                packetNumber: packetNumber,
                requestTimestamp: nil,
                responseTimestamp: timestamp
            ),
            flow: flow,
            requestADU: Span(),
            responseADU: adu
        )
    }

    /// Gives up the flow's requests older than the response timeout (capture time), each reported unanswered.
    private func expireUnanswered(flow: Flow, now timestamp: CaptureTimestamp) {
        while let expired = flow.modbus.tracker.popExpired(now: timestamp) {
            pendingRequestsTotal -= 1
            finishUnanswered(
                flow: flow,
                request: expired,
                timestamp: timestamp,
                reason:
                    "no response within \(configuration.modbus.responseTimeoutMicroseconds / 1_000_000) s of capture time"
            )
        }
    }

    /// Once a capture second: requests past their response timeout on flows that sent nothing since (a device
    /// put in listen-only mode never answers, and its master may fall silent) are reported now, not when the flow
    /// ends. Only flows with requests waiting are visited.
    private func sweepUnansweredRequests() {
        var waiting: [Flow] = []
        for flow in flowsAwaitingResponses where flow.awaitingExpirySweep {
            expireUnanswered(flow: flow, now: now)
            if flow.modbus.tracker.pending.isEmpty {
                flow.awaitingExpirySweep = false
            } else {
                waiting.append(flow)
            }
        }
        flowsAwaitingResponses = waiting
    }

    /// Reports a request that got no response: as a request-only transaction with an `unanswered_request`
    /// anomaly (none when `reason` is nil: a flood's evictions are reported once, as `flooded`), or, for an ADU
    /// found after a gap and never confirmed, only as `unverified_adu_discarded`.
    private func finishUnanswered(
        flow: Flow,
        request: Modbus.PendingRequest,
        timestamp: CaptureTimestamp,
        reason: String?
    ) {
        let header = request.message.header
        let function = request.message.functionCode.rawValue
        let what =
            "transaction \(header.transactionIdentifier), unit \(header.unitIdentifier), function \(function), packet \(request.packetNumber)"
        if request.provisional {
            statistics.modbusUnverifiedDiscarded += 1
            reportModbus(
                flow: flow,
                direction: .toServer,
                anomaly: .unverifiedADUDiscarded,
                header: header,
                function: function,
                detail:
                    "after a capture gap, bytes that look like a request (\(what)) were never answered; they may be the middle of a lost ADU, so they are not reported as a transaction",
                timestamp: timestamp
            )
        } else {
            reportRequestOnly(
                flow: flow,
                number: request.transactionNumber,
                message: request.message,
                adu: request.adu.span,
                timestamp: request.timestamp,
                packetNumber: request.packetNumber
            )
            if let reason {
                reportModbus(
                    flow: flow,
                    direction: .toServer,
                    anomaly: .unansweredRequest,
                    header: header,
                    function: function,
                    detail: "request (\(what)) got no response: \(reason)",
                    timestamp: timestamp
                )
            }
        }
        flow.modbus.tracker.recycle(request)
    }

    /// Writes a transaction that has only its request (never answered, or given up at a limit), and counts it.
    private func reportRequestOnly(
        flow: Flow,
        number: Int,
        message: Modbus.Message,
        adu: borrowing Span<UInt8>,
        timestamp: CaptureTimestamp,
        packetNumber: UInt64
    ) {
        statistics.modbusUnanswered += 1
        flow.modbus.transactions += 1
        emitModbusTransaction(
            ModbusTransactionEvent(
                flow: flow.context,
                transactionNumber: number,
                request: message,
                response: nil,
                timestamp: timestamp,
                packetNumber: packetNumber,
                requestTimestamp: timestamp,
                responseTimestamp: nil,
                requestPacketNumber: packetNumber
            ),
            flow: flow,
            requestADU: adu,
            responseADU: Span()
        )
    }

    /// Why the Modbus side of a flow ends.
    private enum ModbusEnding {
        /// FIN from both sides, or RST, in the packet being processed.
        case connectionClosed
        /// The flow left the table: idle timeout, eviction, port reuse, or the end of the capture.
        case flowEnded(FlowEndEvent.Reason)
    }

    /// The Modbus side of a flow's end: flush reassembly, report a stream that ended inside an ADU, and report
    /// the requests never answered.
    ///
    /// - Parameter packetNumber: the packet that ended it, or nil when no packet did (timeouts, the end of the
    ///   capture): records then carry no `pcap_cnt`, as Suricata's flow-timeout records do not.
    private func closeModbus(flow: Flow, timestamp: CaptureTimestamp, packetNumber: UInt64?, cause: ModbusEnding) {
        guard flow.isReassembled, !flow.streamsFinished else { return }
        let savedPacketNumber = currentPacketNumber
        currentPacketNumber = packetNumber ?? 0
        defer { currentPacketNumber = savedPacketNumber }
        for direction in [Direction.toServer, .toClient] {
            let action = direction == .toServer ? flow.streams.0.finish() : flow.streams.1.finish()
            if action.hasBufferedData {
                drainBuffered(flow: flow, direction: direction, timestamp: timestamp)
            }
        }
        flow.streamsFinished = true
        if flow.isDNP3 {
            finishDNP3Streams(flow: flow, timestamp: timestamp)
            return
        }
        for direction in [Direction.toServer, .toClient] where !flow.modbusRejected {
            let truncated =
                direction == .toServer ? flow.modbus.framers.0.finish() : flow.modbus.framers.1.finish()
            if truncated {
                reportModbus(
                    flow: flow,
                    direction: direction,
                    anomaly: .truncatedADUAtEOF,
                    header: nil,
                    function: nil,
                    detail: "the stream ended inside an ADU: fewer bytes arrived than its MBAP length declared",
                    timestamp: timestamp
                )
            }
        }
        let timeout = configuration.modbus.responseTimeoutMicroseconds
        while let request = flow.modbus.tracker.popOldest() {
            pendingRequestsTotal -= 1
            let reason: String?
            switch cause {
            case .connectionClosed:
                reason = "the connection closed first"
            case .flowEnded(.shutdown):
                // Still within its response time when the capture ended: in flight, not unanswered.
                reason =
                    timestamp.microseconds(since: request.timestamp) > timeout
                    ? "no response within \(timeout / 1_000_000) s before the capture ended" : nil
            case .flowEnded(.timeout):
                reason = "the flow went idle (no packets for \(configuration.flowIdleTimeoutSeconds) s)"
            case .flowEnded(.forced):
                reason = "the flow was evicted from the full flow table"
            case .flowEnded(.tcpReuse):
                reason = "a new connection reused the flow's addresses and ports"
            }
            finishUnanswered(flow: flow, request: request, timestamp: timestamp, reason: reason)
        }
    }

    private func reportMessageAnomalies(
        flow: Flow,
        direction: Direction,
        message: Modbus.Message,
        timestamp: CaptureTimestamp
    ) {
        let fc = message.functionCode.rawValue
        for anomaly in message.anomalies {
            let detail: String
            switch anomaly {
            case .invalidProtocolID: detail = "MBAP protocol identifier is \(message.header.protocolIdentifier), not 0"
            case .invalidLength:
                let trailing = message.trailingBytes
                detail =
                    trailing > 0
                    ? "the MBAP length (\(message.header.length)) covers \(trailing) byte\(trailing == 1 ? "" : "s") more than function \(fc) uses; framed by the MBAP length (MB-TCP §3.1.3)"
                    : "the PDU's length does not fit function \(fc) (MBAP length \(message.header.length))"
            case .invalidCoilValue:
                detail =
                    "Write Single Coil value 0x\(String(message.invalidCoilValue ?? 0, radix: 16)) is neither 0x0000 nor 0xFF00 (MB §6.5)"
            case .invalidValue:
                detail =
                    "a field of function \(fc) is out of range (quantity 0 or over the limit, or a byte count that does not agree, MB §6)"
            case .invalidFunctionCode:
                detail = "request with function code \(fc): 0 and 128..255 are not valid request codes"
            case .invalidExceptionCode: detail = "exception response with an undefined exception code (MB §7)"
            default: detail = anomaly.rawValue
            }
            reportModbus(
                flow: flow,
                direction: direction,
                anomaly: anomaly,
                header: message.header,
                function: fc,
                detail: detail,
                timestamp: timestamp
            )
        }
    }

    /// Hands a transaction to the sink with the alerts the Modbus rules raise on it (the request is inspected, as
    /// in Suricata; the alert goes in the direction of the packet that completed the transaction).
    private func emitModbusTransaction(
        _ event: ModbusTransactionEvent,
        flow: Flow,
        requestADU: borrowing Span<UInt8>,
        responseADU: borrowing Span<UInt8>,
        requestWasProvisional: Bool = false
    ) {
        var event = event
        // Through the box, so that the rule set is borrowed, not copied (see ``RulesInForce``).
        if let box = rulesInForce {
            matchScratch.removeAll(keepingCapacity: true)
            // `modbus:` inspects the request (Suricata registers it to_server only), so the rule's header and
            // `flow:` are matched in the request's direction, client to server, even when the transaction
            // completes on the response's packet.
            let context = packetContext(key: event.flow.key, direction: .toServer, established: true)
            box.matchModbus(
                request: event.request,
                requestADU: requestADU,
                response: event.response,
                responseADU: responseADU,
                context: context,
                into: &matchScratch
            )
            if !matchScratch.isEmpty {
                event.alerts = admitAlerts(
                    matchScratch,
                    rules: box.ruleSet,
                    context: context,
                    timestamp: event.timestamp,
                    flow: flow
                )
                if !event.alerts.isEmpty { event.flowCounters = flowCounters(flow) }
            }
        }
        sink.modbusTransaction(event, requestADU: requestADU, responseADU: responseADU)
        if let summaries {
            summaries.modbus(event, macs: flow.macs, link: &flow.summaryLink, responseADU: responseADU)
            writeAssetEvents(summaries)
        }
        if let baseline, requestWasProvisional || baseline.model.readValuesLearned, let request = event.request {
            // A request decoded after a capture gap is judged once its response confirms it; others were judged
            // when they arrived.
            if requestWasProvisional {
                baselineRequest(
                    baseline,
                    flow: flow,
                    request: request,
                    adu: requestADU,
                    timestamp: event.requestTimestamp ?? event.timestamp,
                    packetNumber: event.requestPacketNumber ?? event.packetNumber
                )
            }
            if let response = event.response, baseline.model.readValuesLearned {
                baseline.modbusResponse(
                    flow: event.flow,
                    link: flow.baselineLink,
                    request: request,
                    response: response,
                    adu: responseADU,
                    time: event.timestamp,
                    packets: (event.requestPacketNumber ?? event.packetNumber, event.packetNumber)
                )
            }
            if !baseline.alerts.isEmpty { writeBaselineAlerts(baseline, flow: flow) }
        }
        if let response = event.response, response.functionCode.isException {
            countException(flow: flow, response: response, timestamp: event.timestamp)
        }
    }

    /// Counts an exception response in the flow's window and reports `exception_flood` when the window holds
    /// ``EngineConfiguration/modbusExceptionFloodCount`` of them.
    private func countException(flow: Flow, response: Modbus.Message, timestamp: CaptureTimestamp) {
        let now = timestamp.totalMicroseconds
        let span = configuration.modbusExceptionFloodSeconds * 1_000_000
        if flow.modbus.exceptionsInWindow == 0 || now - flow.modbus.exceptionWindowStart > span {
            flow.modbus.exceptionWindowStart = now
            flow.modbus.exceptionsInWindow = 0
        }
        flow.modbus.exceptionsInWindow += 1
        guard flow.modbus.exceptionsInWindow >= configuration.modbusExceptionFloodCount else { return }
        flow.modbus.exceptionsInWindow = 0
        let function = response.functionCode.function.rawValue
        var code = ""
        if case .exception(let exception) = response.fields { code = " \(exception.rawValue)" }
        reportModbus(
            flow: flow,
            direction: .toClient,
            anomaly: .exceptionFlood,
            header: response.header,
            function: response.functionCode.rawValue,
            detail:
                "\(configuration.modbusExceptionFloodCount) exception responses within \(configuration.modbusExceptionFloodSeconds) s on this connection (the last: function \(function), exception\(code)): a function-code or address scan, or a master asking for what the device lacks",
            timestamp: timestamp
        )
    }

    private func reportModbus(
        flow: Flow,
        direction: Direction,
        anomaly: Modbus.Anomaly,
        header: Modbus.MBAPHeader?,
        function: UInt8?,
        detail: String,
        timestamp: CaptureTimestamp,
        packetNumber: UInt64? = nil
    ) {
        let event = AnomalyEvent(
            flow: flow.context,
            direction: direction,
            kind: .applayer,
            appProto: "modbus",
            event: anomaly.rawValue,
            detail: detail,
            timestamp: timestamp,
            packetNumber: packetNumber ?? currentPacketNumber,
            modbusTransactionIdentifier: header?.transactionIdentifier,
            modbusUnitIdentifier: header?.unitIdentifier,
            modbusFunctionCode: function
        )
        var withAlerts = event
        withAlerts.alerts = eventAlerts(event.name, flow: flow, direction: direction)
        if !withAlerts.alerts.isEmpty { withAlerts.flowCounters = flowCounters(flow) }
        statistics.anomalies[event.name, default: 0] += 1
        emitAnomaly(withAlerts)
    }
}

// MARK: - Baseline

extension SensorEngine {

    /// Hands a Modbus request to the baseline as it arrives, and writes what it raised.
    func baselineRequest(
        _ baseline: Baseline.Monitor,
        flow: Flow,
        request: Modbus.Message,
        adu: borrowing Span<UInt8>,
        timestamp: CaptureTimestamp,
        packetNumber: UInt64
    ) {
        baseline.modbusRequest(
            flow: flow.context,
            macs: flow.macs,
            link: &flow.baselineLink,
            request: request,
            adu: adu,
            time: timestamp,
            packet: packetNumber
        )
        if !baseline.alerts.isEmpty { writeBaselineAlerts(baseline, flow: flow) }
    }

    /// Writes the alerts the baseline raised, counted per signature like the rules' (with the flow's counters
    /// when `flow` is the one they are about).
    func writeBaselineAlerts(_ baseline: Baseline.Monitor, flow: Flow?) {
        for alert in baseline.takeAlerts() {
            let rule = alert.rule
            statistics.alerts["[\(rule.gid):\(rule.sid):\(rule.rev)] \(rule.signature)", default: 0] += 1
            var counters: FlowCounters? = nil
            // The alert's flow, when it is still open (a held alert comes after the packet that raised it).
            var target = flow
            if target?.context.flowID != alert.flow.flowID {
                let key = alert.flow.key
                target =
                    table.find(
                        source: key.clientAddress,
                        destination: key.serverAddress,
                        sourcePort: key.clientPort,
                        destinationPort: key.serverPort,
                        ipProtocol: key.ipProtocol
                    ).flatMap { flows[$0.slot] }
            }
            if let target, target.context.flowID == alert.flow.flowID {
                target.alerted = true
                counters = flowCounters(target)
            }
            sink.baselineAlert(alert, counters: counters)
            if let summaries {
                summaries.alert(rule, flow: alert.flow, isDNP3: alert.protocolKind == .dnp3)
            }
        }
    }
}

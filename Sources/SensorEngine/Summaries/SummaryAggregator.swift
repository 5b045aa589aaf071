// SPDX-License-Identifier: Apache-2.0
import DNP3
import Detection
import ModbusTCP
import NetworkLayers
import WireFormat

/// Builds the windowed pair summaries from the engine's records, on capture time.
///
/// The engine calls it where it writes records (transactions, DNP3 messages, anomalies, alerts) and, once a
/// window's capture time has passed, asks it to close the window. Pair state lives across windows while the pair
/// is active (so a poll's interval can span two windows) and is forgotten after a window without traffic.
final class SummaryAggregator {
    let limits: SummaryLimits
    let inventory: AssetInventory
    /// The window being filled: its start and end (capture seconds); nil before the first packet.
    @safe @exclusivity(unchecked) private(set) var windowStart: Int64?
    @safe @exclusivity(unchecked) private(set) var windowEnd: Int64 = .max
    @safe @exclusivity(unchecked) private var pairIndex: [PairKey: Int] = [:]
    @safe @exclusivity(unchecked) private var pairs: [PairState] = []
    @safe @exclusivity(unchecked) private var pairsNotSummarized = 0
    /// Pairs past the limit seen in this window (each counted once; a set of at most 65,536, then counted per
    /// record).
    @safe @exclusivity(unchecked) private var pairsRefused: Set<PairKey> = []
    /// Items all pair summaries hold (``SummaryLimits/maxSummaryItems``).
    let budget: SummaryItemBudget
    /// Bumped when a window closes and the pairs are renumbered: a ``FlowLink`` of an older epoch is stale.
    @safe @exclusivity(unchecked) private var epoch = 0

    /// What a flow remembers of its summary state, so that a transaction costs array accesses, not hash lookups:
    /// its pair in the current window, and its two devices in the inventory (stable: devices are never removed).
    struct FlowLink {
        var epoch = -1
        var pair = -1
        var clientAsset: Int32 = -1
        var serverAsset: Int32 = -1
        /// The capture second and station (Modbus unit, DNP3 source address and direction) the inventory last
        /// saw on this flow: within the same second and station it has nothing to learn, and last-seen times are
        /// kept to the second.
        var inventorySecond: Int64 = .min
        var inventoryStation: UInt32 = .max
    }

    struct PairKey: Hashable {
        var client: IPAddress
        var server: IPAddress
        var isDNP3: Bool
    }

    init(limits: SummaryLimits) {
        self.limits = limits
        self.inventory = AssetInventory(limits: limits)
        self.budget = SummaryItemBudget(limit: limits.maxSummaryItems)
    }

    /// Starts the first window at the first packet's time, aligned to the window length (windows of 60 s start on
    /// the minute, so sensors' windows line up).
    func begin(at time: CaptureTimestamp) {
        guard windowStart == nil else { return }
        let length = max(limits.windowSeconds, 1)
        let start = time.seconds - ((time.seconds % length) + length) % length
        windowStart = start
        windowEnd = start + length
    }

    // MARK: - Pairs

    /// The pair state of a flow, through its link when it has one.
    private func pair(_ flow: FlowContext, isDNP3: Bool, link: inout FlowLink) -> PairState? {
        if link.epoch == epoch, link.pair >= 0 { return pairs[link.pair] }
        guard let index = pairIndex(flow, isDNP3: isDNP3) else { return nil }
        link.epoch = epoch
        link.pair = index
        return pairs[index]
    }

    /// The pair state of a flow without a link (anomalies and alerts, which are rare).
    private func pair(_ flow: FlowContext, isDNP3: Bool) -> PairState? {
        pairIndex(flow, isDNP3: isDNP3).map { pairs[$0] }
    }

    /// The index of a flow's pair, created on first use in a window; nil past
    /// ``SummaryLimits/maxPairsPerWindow``.
    private func pairIndex(_ flow: FlowContext, isDNP3: Bool) -> Int? {
        let key = PairKey(client: flow.key.clientAddress, server: flow.key.serverAddress, isDNP3: isDNP3)
        let index: Int
        if let found = pairIndex[key] {
            index = found
        } else {
            guard pairs.count < limits.maxPairsPerWindow else {
                if pairsRefused.count < 65_536 {
                    if pairsRefused.insert(key).inserted { pairsNotSummarized += 1 }
                } else {
                    pairsNotSummarized += 1
                }
                return nil
            }
            index = pairs.count
            pairIndex[key] = index
            pairs.append(
                PairState(
                    summary: PairSummary(
                        appProto: isDNP3 ? "dnp3" : "modbus",
                        client: key.client,
                        server: key.server,
                        serverPort: flow.key.serverPort,
                        ipProtocol: flow.key.ipProtocol
                    ),
                    budget: budget
                )
            )
        }
        let state = pairs[index]
        if flow.key.serverPort < state.summary.serverPort { state.summary.serverPort = flow.key.serverPort }
        return index
    }

    /// A flow's packets and bytes since it was last counted.
    func traffic(
        _ flow: FlowContext,
        isDNP3: Bool,
        link: inout FlowLink,
        packets: (Int, Int),
        bytes: (Int, Int)
    ) {
        guard packets.0 + packets.1 > 0, let pair = pair(flow, isDNP3: isDNP3, link: &link) else { return }
        pair.summary.flows += 1
        pair.summary.packetsToServer += packets.0
        pair.summary.packetsToClient += packets.1
        pair.summary.bytesToServer += bytes.0
        pair.summary.bytesToClient += bytes.1
        pair.active = true
    }

    // MARK: - Modbus

    /// One Modbus transaction (or half of one).
    func modbus(
        _ event: ModbusTransactionEvent,
        macs: (UInt64?, UInt64?),
        link: inout FlowLink,
        responseADU: borrowing Span<UInt8>
    ) {
        let time = event.requestTimestamp ?? event.timestamp
        let unit = (event.request ?? event.response)?.header.unitIdentifier ?? 0
        if link.inventorySecond != event.timestamp.seconds || link.inventoryStation != UInt32(unit) {
            link.inventorySecond = event.timestamp.seconds
            link.inventoryStation = UInt32(unit)
            inventory.modbus(
                client: event.flow.key.clientAddress,
                server: event.flow.key.serverAddress,
                unit: unit,
                macs: macs,
                link: &link,
                time: event.timestamp
            )
        }
        if let response = event.response,
            case .readDeviceIdentificationResponse(_, _, _, _, let count, let objects) = response.fields
        {
            inventory.identification(
                of: event.flow.key.serverAddress,
                objects: objects,
                count: Int(count),
                adu: responseADU,
                time: event.timestamp
            )
        }
        guard let pair = pair(event.flow, isDNP3: false, link: &link) else { return }
        pair.active = true
        guard let function = (event.request ?? event.response)?.functionCode.function.rawValue else { return }
        var isException = false
        if let response = event.response, case .exception(let code) = response.fields {
            isException = true
            pair.exceptions[Int(code.rawValue), default: 0] += 1
        }
        pair.countFunction(
            key: UInt64(unit) << 8 | UInt64(function),
            unit: unit,
            master: nil,
            outstation: nil,
            function: function,
            exception: isException,
            limit: limits.maxFunctionsPerPair
        )
        if let latency = event.latencyMicroseconds { pair.latency.add(latency) }
        if let request = event.request {
            pair.modbusRequest(request, unit: unit, time: time, limits: limits)
        }
        for alert in event.alerts { pair.countAlert(alert, limit: limits.maxAlertKindsPerPair) }
    }

    // MARK: - DNP3

    /// One DNP3 application message; `objects` holds its object headers as `group << 8 | variation`.
    func dnp3(
        flow: FlowContext,
        direction: Direction,
        fromMaster: Bool,
        link: DNP3.Link.Header,
        application: DNP3.Application.Header,
        answers: DNP3RequestReference?,
        objects: [UInt16],
        alerts: [Detection.AlertRule],
        macs: (UInt64?, UInt64?),
        cache: inout FlowLink,
        time: CaptureTimestamp
    ) {
        let sender = direction == .toServer ? flow.key.clientAddress : flow.key.serverAddress
        let senderMAC = direction == .toServer ? macs.0 : macs.1
        let station = UInt32(link.source) << 1 | (direction == .toServer ? 1 : 0)
        // Not again within the same second and station.
        if cache.inventorySecond != time.seconds || cache.inventoryStation != station {
            var slot = direction == .toServer ? cache.clientAsset : cache.serverAsset
            inventory.dnp3(
                sender: sender,
                fromMaster: fromMaster,
                address: link.source,
                mac: senderMAC,
                slot: &slot,
                time: time
            )
            if direction == .toServer { cache.clientAsset = slot } else { cache.serverAsset = slot }
        }
        cache.inventorySecond = time.seconds
        cache.inventoryStation = station
        guard let pair = pair(flow, isDNP3: true, link: &cache) else { return }
        pair.active = true
        let master = fromMaster ? link.source : link.destination
        let outstation = fromMaster ? link.destination : link.source
        let function = application.functionCode.rawValue
        pair.countFunction(
            key: UInt64(master) << 24 | UInt64(outstation) << 8 | UInt64(function),
            unit: nil,
            master: master,
            outstation: outstation,
            function: function,
            exception: false,
            limit: limits.maxFunctionsPerPair
        )
        if let answers, application.functionCode.isResponse {
            pair.latency.add(answers.latencyMicroseconds)
        }
        for object in objects { pair.countObject(object, limit: limits.maxObjectKindsPerPair) }
        if fromMaster, application.functionCode == .read {
            var hash: UInt64 = 0x9E37_79B9_7F4A_7C15
            for object in objects { hash = FlowKey.mixBits(hash ^ UInt64(object)) }
            pair.poll(
                key: UInt64(master) << 48 | UInt64(outstation) << 32 | (hash & 0xFFFF_FFFF),
                time: time,
                limit: limits.maxTrackedPollsPerPair,
                objects: objects,
                describing: limits.maxObjectsPerPollDescription
            )
        }
        for alert in alerts { pair.countAlert(alert, limit: limits.maxAlertKindsPerPair) }
    }

    // MARK: - Anomalies and alerts

    /// An anomaly event on a Modbus or DNP3 flow.
    func anomaly(_ event: AnomalyEvent, isDNP3: Bool) {
        guard let pair = pair(event.flow, isDNP3: isDNP3) else { return }
        pair.active = true
        if pair.anomalies[event.name] == nil,
            pair.anomalies.count >= limits.maxAlertKindsPerPair || !pair.budget.take()
        {
            pair.truncate("anomalies")
        } else {
            pair.anomalies[event.name, default: 0] += 1
        }
        for alert in event.alerts { pair.countAlert(alert, limit: limits.maxAlertKindsPerPair) }
    }

    /// An alert not carried by a transaction or anomaly record (the baseline's).
    func alert(_ rule: Detection.AlertRule, flow: FlowContext, isDNP3: Bool) {
        guard let pair = pair(flow, isDNP3: isDNP3) else { return }
        pair.countAlert(rule, limit: limits.maxAlertKindsPerPair)
    }

    // MARK: - Closing

    /// Ends the window: the summaries of the pairs active in it, in a stable order. Pairs without traffic in it
    /// are forgotten; the others start the next window with empty counts (keeping their polls' last times).
    func closeWindow(
        statistics: EngineStatistics,
        alertsSoFar: Int,
        activeFlows: Int,
        health: SensorHealth?,
        endOfCapture: CaptureTimestamp?
    ) -> SummaryWindow {
        let start = windowStart ?? 0
        var summaries: [PairSummary] = []
        for pair in pairs where pair.active {
            summaries.append(pair.finish(limits: limits))
        }
        summaries.sort { lhs, rhs in
            if lhs.appProto != rhs.appProto { return lhs.appProto > rhs.appProto }  // modbus, then dnp3
            if lhs.client != rhs.client { return lhs.client < rhs.client }
            return lhs.server < rhs.server
        }
        let end =
            endOfCapture.map { min($0, CaptureTimestamp(seconds: windowEnd, microseconds: 0)) }
            ?? CaptureTimestamp(seconds: windowEnd, microseconds: 0)
        let window = SummaryWindow(
            start: CaptureTimestamp(seconds: start, microseconds: 0),
            end: end,
            pairs: summaries,
            pairsNotSummarized: pairsNotSummarized,
            statistics: statistics,
            alertsSoFar: alertsSoFar,
            activeFlows: activeFlows,
            assets: inventory.count,
            assetsNotTracked: inventory.devicesNotTracked,
            health: health
        )
        // Keep the pairs that were active (for their polls), renumbered.
        let kept = pairs.filter(\.active)
        pairs = kept
        pairIndex.removeAll(keepingCapacity: true)
        for (index, pair) in kept.enumerated() {
            pair.reset()
            pairIndex[PairKey(client: pair.summary.client, server: pair.summary.server, isDNP3: pair.isDNP3)] = index
        }
        epoch += 1
        pairsNotSummarized = 0
        pairsRefused.removeAll()
        // What stays: the kept pairs' polls.
        budget.used = kept.reduce(0) { $0 + $1.polls.count }
        return window
    }

    /// Moves to the window holding `time` (windows with no traffic at all are skipped).
    func advance(to time: CaptureTimestamp) {
        let length = max(limits.windowSeconds, 1)
        guard let start = windowStart, time.seconds >= windowEnd else { return }
        let skipped = (time.seconds - start) / length
        windowStart = start + skipped * length
        windowEnd = windowStart! + length
    }
}

// MARK: - Pair state

/// The items all pair summaries of a window may hold together (functions, blocks, polls, objects, alert and anomaly
/// kinds): per-pair limits alone would let 10,000 hostile pairs fill every list. Polls stay across windows, so
/// they stay counted.
final class SummaryItemBudget {
    let limit: Int
    @safe @exclusivity(unchecked) var used = 0

    init(limit: Int) { self.limit = limit }

    /// Takes one item; false when none is left.
    func take() -> Bool {
        guard used < limit else { return false }
        used += 1
        return true
    }
}

/// A pair's counts in the current window, and what it remembers across windows (poll times).
///
/// Per transaction it is reached through the flow's link and counts in place: functions and objects are short
/// lists searched from the last hit (a pair uses a handful), polls are one hash lookup into an array. Its stored
/// properties opt out of dynamic exclusivity checks, as the engine's do: one thread, no overlapping access.
private final class PairState {
    @safe @exclusivity(unchecked) var summary: PairSummary
    let isDNP3: Bool
    let budget: SummaryItemBudget
    /// The pair had traffic or records in this window.
    @safe @exclusivity(unchecked) var active = false
    /// Functions in first-seen order, their keys beside them, and the last one hit.
    @safe @exclusivity(unchecked) var functionKeys: [UInt64] = []
    @safe @exclusivity(unchecked) var functions: [FunctionCount] = []
    @safe @exclusivity(unchecked) var lastFunction = 0
    @safe @exclusivity(unchecked) var exceptions: [Int: Int] = [:]
    @safe @exclusivity(unchecked) var latency = LatencyHistogram()
    /// Polls: their states and keys, the index of each key, and the last one seen (a poller repeats its
    /// requests in the same order, so the next is usually the one after the last).
    @safe @exclusivity(unchecked) var pollIndex: [UInt64: Int] = [:]
    @safe @exclusivity(unchecked) var pollKeys: [UInt64] = []
    @safe @exclusivity(unchecked) var polls: [PollState] = []
    @safe @exclusivity(unchecked) var lastPoll = 0
    /// Merged runs per unit, table and direction: a short list searched in order (a pair uses a few).
    @safe @exclusivity(unchecked) var blocks: [(key: BlockKey, runs: [ClosedRange<Int>])] = []
    @safe @exclusivity(unchecked) var blockCount = (read: 0, written: 0)
    /// DNP3 object headers: `group << 8 | variation` and count, in first-seen order.
    @safe @exclusivity(unchecked) var objects: [(code: UInt16, count: Int)] = []
    @safe @exclusivity(unchecked) var alerts: [UInt64: AlertCount] = [:]
    @safe @exclusivity(unchecked) var anomalies: [String: Int] = [:]
    @safe @exclusivity(unchecked) var truncated: [String: Int] = [:]

    struct BlockKey: Hashable {
        var unit: UInt8
        /// 0 coils, 1 discrete inputs, 2 holding registers, 3 input registers.
        var table: UInt8
        var written: Bool
    }

    struct PollState {
        /// The request's description: built from the key at the window's end (Modbus), or the object headers
        /// (DNP3 READ), kept only for DNP3 (a string per poll would cost more than the poll's counts).
        var objects: [UInt16]?
        /// The READ's object headers in all (more than are kept to describe it).
        var objectCount = 0
        var last: CaptureTimestamp?
        var count = 0
        var intervals = 0
        var sum: Double = 0
        var sumOfSquares: Double = 0
    }

    init(summary: PairSummary, budget: SummaryItemBudget) {
        self.summary = summary
        self.isDNP3 = summary.appProto == "dnp3"
        self.budget = budget
    }

    func truncate(_ list: String) {
        truncated[list, default: 0] += 1
    }

    func countFunction(
        key: UInt64,
        unit: UInt8?,
        master: UInt16?,
        outstation: UInt16?,
        function: UInt8,
        exception: Bool,
        limit: Int
    ) {
        var index = -1
        if lastFunction < functionKeys.count, functionKeys[lastFunction] == key {
            index = lastFunction
        } else {
            for candidate in functionKeys.indices where functionKeys[candidate] == key {
                index = candidate
                break
            }
        }
        if index >= 0 {
            lastFunction = index
            functions[index].count += 1
            if exception { functions[index].exceptions += 1 }
            return
        }
        guard functions.count < limit, budget.take() else {
            truncate("functions")
            return
        }
        lastFunction = functions.count
        functionKeys.append(key)
        functions.append(
            FunctionCount(
                unitIdentifier: unit,
                dnp3Master: master,
                dnp3Outstation: outstation,
                functionCode: function,
                count: 1,
                exceptions: exception ? 1 : 0
            )
        )
    }

    /// One DNP3 object header (`group << 8 | variation`).
    func countObject(_ code: UInt16, limit: Int) {
        for index in objects.indices where objects[index].code == code {
            objects[index].count += 1
            return
        }
        guard objects.count < limit, budget.take() else {
            truncate("objects")
            return
        }
        objects.append((code, 1))
    }

    func countAlert(_ rule: Detection.AlertRule, limit: Int) {
        let key = UInt64(UInt32(truncatingIfNeeded: rule.gid)) << 32 | UInt64(UInt32(truncatingIfNeeded: rule.sid))
        if alerts[key] != nil {
            alerts[key]!.count += 1
            return
        }
        guard alerts.count < limit, budget.take() else {
            truncate("alerts")
            return
        }
        alerts[key] = AlertCount(
            gid: Int(rule.gid),
            sid: Int(rule.sid),
            rev: Int(rule.rev),
            signature: rule.signature,
            count: 1
        )
    }

    /// A Modbus request: its address blocks and, for reads, its poll.
    func modbusRequest(_ request: Modbus.Message, unit: UInt8, time: CaptureTimestamp, limits: SummaryLimits) {
        let function = request.functionCode.function.rawValue
        switch request.fields {
        case .readRequest(let start, let quantity):
            // Tables: MB §4.3 (coils 1, discrete inputs 2, holding registers 3, input registers 4).
            addBlock(unit: unit, table: function - 1, written: false, start: start, quantity: quantity, limits)
            poll(
                key: UInt64(unit) << 40 | UInt64(function) << 32 | UInt64(start) << 16 | UInt64(quantity),
                time: time,
                limit: limits.maxTrackedPollsPerPair,
                objects: nil,
                describing: 0
            )
        case .writeSingle(let address, _):
            addBlock(unit: unit, table: function == 5 ? 0 : 2, written: true, start: address, quantity: 1, limits)
        case .writeMultipleRequest(let start, let quantity, _, _):
            addBlock(unit: unit, table: function == 15 ? 0 : 2, written: true, start: start, quantity: quantity, limits)
        case .maskWrite(let address, _, _):
            addBlock(unit: unit, table: 2, written: true, start: address, quantity: 1, limits)
        case .readWriteRequest(let readStart, let readQuantity, let writeStart, let writeQuantity, _, _):
            addBlock(unit: unit, table: 2, written: false, start: readStart, quantity: readQuantity, limits)
            addBlock(unit: unit, table: 2, written: true, start: writeStart, quantity: writeQuantity, limits)
        default:
            break
        }
    }

    /// Adds `start..<start+quantity` to the blocks of its unit, table and direction, merging runs that touch.
    private func addBlock(
        unit: UInt8,
        table: UInt8,
        written: Bool,
        start: UInt16,
        quantity: UInt16,
        _ limits: SummaryLimits
    ) {
        guard quantity > 0 else { return }
        let key = BlockKey(unit: unit, table: table, written: written)
        var low = Int(start)
        var high = Int(start) + Int(quantity) - 1
        var slot = -1
        for index in blocks.indices where blocks[index].key == key {
            slot = index
            // Fast path: a poll reads the same block again.
            for run in blocks[index].runs where run.contains(low) && run.contains(high) { return }
            break
        }
        var runs = slot >= 0 ? blocks[slot].runs : []
        var merged: [ClosedRange<Int>] = []
        for run in runs {
            if run.upperBound + 1 < low || high + 1 < run.lowerBound {
                merged.append(run)
            } else {
                low = min(low, run.lowerBound)
                high = max(high, run.upperBound)
            }
        }
        let total = written ? blockCount.written : blockCount.read
        let added = merged.count + 1 - runs.count
        if added > 0, total + added > limits.maxBlocksPerPair || !budget.take() {
            truncate("blocks")
            return
        }
        merged.append(low...high)
        merged.sort { $0.lowerBound < $1.lowerBound }
        runs = merged
        if written { blockCount.written += added } else { blockCount.read += added }
        if slot >= 0 { blocks[slot].runs = runs } else { blocks.append((key, runs)) }
    }

    /// A repeated request: counts it, and measures the interval from its previous occurrence.
    ///
    /// - Parameters:
    ///   - key: Modbus: unit, function, start and quantity packed (`unit << 40 | function << 32 | start << 16 |
    ///     quantity`); DNP3: master, outstation and a hash of the object headers.
    ///   - objects: the DNP3 READ's object headers (kept for its description), nil for Modbus.
    func poll(key: UInt64, time: CaptureTimestamp, limit: Int, objects: [UInt16]?, describing: Int) {
        let index: Int
        let next = lastPoll + 1 < pollKeys.count ? lastPoll + 1 : 0
        if next < pollKeys.count, pollKeys[next] == key {
            index = next
        } else if lastPoll < pollKeys.count, pollKeys[lastPoll] == key {
            index = lastPoll
        } else if let found = pollIndex[key] {
            index = found
        } else {
            guard polls.count < limit, budget.take() else {
                truncate("polls")
                return
            }
            index = polls.count
            pollIndex[key] = index
            pollKeys.append(key)
            polls.append(
                PollState(objects: objects.map { Array($0.prefix(describing)) }, objectCount: objects?.count ?? 0)
            )
        }
        lastPoll = index
        polls[index].count += 1
        if let last = polls[index].last {
            let interval = Double(time.microseconds(since: last))
            if interval >= 0 {
                polls[index].intervals += 1
                polls[index].sum += interval
                polls[index].sumOfSquares += interval * interval
            }
        }
        polls[index].last = time
    }

    /// The window's summary.
    func finish(limits: SummaryLimits) -> PairSummary {
        var summary = self.summary
        summary.functions = functions.sorted {
            ($0.unitIdentifier ?? 0, $0.dnp3Master ?? 0, $0.dnp3Outstation ?? 0, $0.functionCode)
                < ($1.unitIdentifier ?? 0, $1.dnp3Master ?? 0, $1.dnp3Outstation ?? 0, $1.functionCode)
        }
        summary.exceptions = exceptions.map { CodeCount(code: $0.key, count: $0.value) }.sorted { $0.code < $1.code }
        summary.latency = latency.figures
        var pollList: [PollFigures] = []
        for (index, poll) in polls.enumerated() where poll.count > 0 {
            let key = pollKeys[index]
            let text: String
            if let objects = poll.objects {
                text =
                    "\(key >> 48)->\((key >> 32) & 0xFFFF) READ"
                    + objects.map { " g\($0 >> 8)v\($0 & 0xFF)" }.joined()
                    + (poll.objectCount > objects.count ? " (+\(poll.objectCount - objects.count) more)" : "")
            } else {
                text = "unit \(key >> 40) fc \((key >> 32) & 0xFF) \((key >> 16) & 0xFFFF)+\(key & 0xFFFF)"
            }
            var figures = PollFigures(key: text, count: poll.count, intervals: poll.intervals)
            if poll.intervals > 0 {
                let mean = poll.sum / Double(poll.intervals)
                let variance = max(poll.sumOfSquares / Double(poll.intervals) - mean * mean, 0)
                figures.periodMean = Int64(mean.rounded())
                figures.jitter = Int64(variance.squareRoot().rounded())
            }
            pollList.append(figures)
        }
        pollList.sort { ($1.count, $0.key) < ($0.count, $1.key) }
        if pollList.count > limits.maxPollsPerPair {
            truncated["polls", default: 0] += pollList.count - limits.maxPollsPerPair
            pollList.removeLast(pollList.count - limits.maxPollsPerPair)
        }
        summary.polls = pollList
        let tableNames = ["coils", "discrete_inputs", "holding_registers", "input_registers"]
        for (key, runs) in blocks.sorted(by: { ($0.key.unit, $0.key.table) < ($1.key.unit, $1.key.table) }) {
            for run in runs {
                let block = AddressBlock(
                    unitIdentifier: key.unit,
                    table: tableNames[Int(key.table) & 3],
                    start: run.lowerBound,
                    end: run.upperBound
                )
                if key.written { summary.blocksWritten.append(block) } else { summary.blocksRead.append(block) }
            }
        }
        summary.objects = objects.map { CodeCount(code: Int($0.code), count: $0.count) }.sorted { $0.code < $1.code }
        summary.alerts = alerts.values.sorted { ($0.gid, $0.sid) < ($1.gid, $1.sid) }
        summary.anomalies = anomalies.map { NameCount(name: $0.key, count: $0.value) }.sorted { $0.name < $1.name }
        summary.truncated = truncated.map { NameCount(name: $0.key, count: $0.value) }.sorted { $0.name < $1.name }
        return summary
    }

    /// Empties the window's counts, keeping the polls' last times.
    func reset() {
        active = false
        let key = summary
        summary = PairSummary(
            appProto: key.appProto,
            client: key.client,
            server: key.server,
            serverPort: key.serverPort,
            ipProtocol: key.ipProtocol
        )
        functionKeys.removeAll(keepingCapacity: true)
        functions.removeAll(keepingCapacity: true)
        lastFunction = 0
        exceptions.removeAll(keepingCapacity: true)
        latency = LatencyHistogram()
        for index in polls.indices {
            polls[index].count = 0
            polls[index].intervals = 0
            polls[index].sum = 0
            polls[index].sumOfSquares = 0
        }
        blocks.removeAll(keepingCapacity: true)
        blockCount = (0, 0)
        objects.removeAll(keepingCapacity: true)
        alerts.removeAll(keepingCapacity: true)
        anomalies.removeAll(keepingCapacity: true)
        truncated.removeAll(keepingCapacity: true)
    }
}

// MARK: - Latency

/// Response times in a log-linear histogram: exact below 16 µs, then 16 buckets per power of two, so a
/// percentile is within 1/16 of its power of two (HdrHistogram's idea, with one significant hex digit).
///
/// Only the buckets between the smallest and largest value seen are stored (a pair answering in 2 to 20 ms needs
/// 4 powers of two, 64 buckets, 256 bytes), so 10,000 pairs cost a few MB, not 25.
struct LatencyHistogram {
    /// Counts of the buckets `firstBucket ..< firstBucket + buckets.count`.
    private var buckets: [UInt32] = []
    private var firstBucket = 0
    private(set) var count = 0
    private var minimum = Int64.max
    private var maximum = Int64.min
    private var sum: Int64 = 0
    /// Powers of two covered: 2^44 µs is about 203 days; longer values share the last bucket.
    private static let octaves = 41

    private static func bucket(_ value: Int64) -> Int {
        guard value >= 16 else { return Int(max(value, 0)) }
        let exponent = 63 - value.leadingZeroBitCount  // >= 4
        guard exponent - 4 < octaves else { return 16 + octaves * 16 - 1 }
        let octave = exponent - 4
        let sub = Int((value >> Int64(octave)) & 15)
        return 16 + octave * 16 + sub
    }

    /// The largest value of a bucket.
    private static func upperBound(_ bucket: Int) -> Int64 {
        guard bucket >= 16 else { return Int64(bucket) }
        let octave = (bucket - 16) / 16
        let sub = Int64((bucket - 16) % 16)
        return ((16 + sub) << Int64(octave)) + (Int64(1) << Int64(octave)) - 1
    }

    mutating func add(_ value: Int64) {
        let value = max(value, 0)
        let bucket = Self.bucket(value)
        if buckets.isEmpty {
            firstBucket = bucket
            buckets = [0]
        } else if bucket < firstBucket {
            buckets.insert(contentsOf: repeatElement(0, count: firstBucket - bucket), at: 0)
            firstBucket = bucket
        } else if bucket >= firstBucket + buckets.count {
            buckets.append(contentsOf: repeatElement(0, count: bucket - firstBucket - buckets.count + 1))
        }
        buckets[bucket - firstBucket] &+= 1
        count += 1
        minimum = min(minimum, value)
        maximum = max(maximum, value)
        sum = sum.addingReportingOverflow(value).partialValue
    }

    var figures: LatencyFigures? {
        guard count > 0 else { return nil }
        // Nearest-rank 95th percentile.
        let rank = (count * 95 + 99) / 100
        var seen = 0
        var p95 = maximum
        for (index, bucketCount) in buckets.enumerated() where bucketCount > 0 {
            seen += Int(bucketCount)
            if seen >= rank {
                p95 = Self.upperBound(firstBucket + index)
                break
            }
        }
        return LatencyFigures(
            count: count,
            minimum: minimum,
            mean: sum / Int64(count),
            maximum: maximum,
            p95: min(max(p95, minimum), maximum)
        )
    }
}

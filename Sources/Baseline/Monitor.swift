// SPDX-License-Identifier: Apache-2.0
public import DNP3
public import ModbusTCP
public import NetworkLayers
public import WireFormat

extension Baseline {
    /// A flow's link to the model, resolved at its first record: the engine keeps one per flow, so the model's
    /// dictionaries are searched once per flow, not once per transaction.
    public struct FlowLink {
        var resolved = false
        var pair: Pair?
        var client: Device?
        var server: Device?
        /// The function of the flow's last record, and its station and code: polls repeat the same ones.
        var function: Function?
        var functionKey: (UInt32, UInt8) = (0, 0)
        /// Detection: the last four different requests on the flow that broke nothing (their keys, and their
        /// polls): the same request again breaks nothing either, so only its rate and timing are judged. Four
        /// covers a master cycling through its poll list; the oldest is replaced.
        var memoKeys: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var memoPolls: (Poll?, Poll?, Poll?, Poll?) = (nil, nil, nil, nil)
        var memoNext = 0
        /// Detection: the station and function of the last DNP3 response (or confirm) that broke nothing.
        var responseKey: (UInt32, UInt8) = (0, 0)
        var responseKnown = false

        /// Whether `key` is remembered, and its poll.
        func recall(_ key: UInt64) -> (Bool, Poll?) {
            if memoKeys.0 == key { return (true, memoPolls.0) }
            if memoKeys.1 == key { return (true, memoPolls.1) }
            if memoKeys.2 == key { return (true, memoPolls.2) }
            if memoKeys.3 == key { return (true, memoPolls.3) }
            return (false, nil)
        }

        mutating func remember(_ key: UInt64, _ poll: Poll?) {
            switch memoNext {
            case 0: (memoKeys.0, memoPolls.0) = (key, poll)
            case 1: (memoKeys.1, memoPolls.1) = (key, poll)
            case 2: (memoKeys.2, memoPolls.2) = (key, poll)
            default: (memoKeys.3, memoPolls.3) = (key, poll)
            }
            memoNext = (memoNext + 1) & 3
        }

        mutating func forget() {
            memoKeys = (0, 0, 0, 0)
            memoPolls = (nil, nil, nil, nil)
        }
        public init() {}
    }

    /// Learns a model from traffic, or judges traffic against one.
    ///
    /// The engine calls ``modbus(flow:macs:link:request:requestADU:response:responseADU:requestTime:requestPacket:responsePacket:)``
    /// once per Modbus transaction (a request, answered or not), ``dnp3(flow:macs:link:direction:fromMaster:header:application:view:fragment:time:packets:)`` once per DNP3
    /// fragment, ``tick(now:)`` once per capture second, and ``captureEnded(at:)`` at the end of each capture.
    /// Alerts collect in ``alerts``; the engine takes them with ``takeAlerts()``.
    ///
    /// Deviations that many of one kind can turn into a scan (a new unit, function or block; a value; a poll too
    /// soon) are held for the scan window and raised singly when it closes, unless a scan or a rate spike
    /// absorbs them; new devices and pairs, stopped polls, rate spikes and scans are raised at once. Each
    /// deviation is raised once per run.
    public final class Monitor {
        public enum Mode: Sendable { case learning, detecting }

        public let mode: Mode
        public let model: Model
        public let settings: Settings
        /// Alerts raised and not yet taken.
        @safe @exclusivity(unchecked) public private(set) var alerts: [Alert] = []
        /// Deviations not alerted because a detection limit was full (``Limits/maxReportedItems``,
        /// ``Limits/maxScanClients``), by limit.
        @safe @exclusivity(unchecked) public private(set) var alertsNotRaised: [String: Int] = [:]

        @safe @exclusivity(unchecked) private var reported: Set<UInt64> = []
        /// `reported` in the order the deviations were first raised.
        @safe @exclusivity(unchecked) private var reportedOrder: [UInt64] = []
        /// Deviations held in scan windows, all clients.
        @safe @exclusivity(unchecked) private var heldTotal = 0
        @safe @exclusivity(unchecked) private var windows: [IPAddress: ScanWindow] = [:]
        /// Polls seen in this run: detection watches them for silence; learning closes their silences at the end.
        @safe @exclusivity(unchecked) private var activePolls: [Poll] = []
        @safe @exclusivity(unchecked) private var pollOwners: [ObjectIdentifier: PollOwner] = [:]
        /// Learning: the name of the capture being learned, recorded in the model's sources when it ends.
        public var sourceName = ""
        /// Pairs whose rate window is open (learning closes them at the end of each capture).
        @safe @exclusivity(unchecked) private var activePairs: [Pair] = []
        @safe @exclusivity(unchecked) private var captureStart: Int64?
        @safe @exclusivity(unchecked) private var captureLast: Int64?
        @safe @exclusivity(unchecked) private var scratch: [(UInt16, UInt32, UInt32)] = []
        /// A DNP3 fragment's object headers, `group << 8 | variation` (reused: no allocation per fragment).
        @safe @exclusivity(unchecked) private var objectScratch: [UInt16] = []
        /// The pair whose rate spike the current request caused, noted once the request is judged.
        @safe @exclusivity(unchecked) private var pendingSpike: Pair?
        /// The capture time of the last tick.
        @safe @exclusivity(unchecked) private var lastTick: Int64?
        /// A stretch of capture time with no packet at all, longer than this, is a gap in the capture (between
        /// files, a sensor restart), not silence: ten minutes, the flow idle timeout.
        static let captureGap: Int64 = 600_000_000
        /// Detection: what each server (per protocol) was asked in learning by any client: its stations and
        /// (station, function) pairs, so that a new client asking for the usual is not counted as scanning.
        @safe @exclusivity(unchecked) private var serverProfiles: [ServerKey: ServerProfile] = [:]
        /// Pairs with a rate spike being counted: raised when their rate window ends.
        @safe @exclusivity(unchecked) private var spikingPairs: [Pair] = []

        /// A monitor that learns into `model` (a new one by default).
        public init(learningInto model: Model = Model(), settings: Settings = Settings()) {
            self.mode = .learning
            self.model = model
            self.settings = settings
            model.readValuesLearned = model.readValuesLearned || settings.learnReadValues
        }

        /// A monitor that judges traffic against `model`.
        public init(detectingAgainst model: Model, settings: Settings = Settings()) {
            self.mode = .detecting
            self.model = model
            self.settings = settings
            for pair in model.pairs {
                var profile = serverProfiles[ServerKey(kind: pair.key.kind, server: pair.key.server)] ?? ServerProfile()
                for station in pair.stations {
                    profile.stations.insert(station.identifier)
                    for function in station.functions {
                        profile.functions.insert(UInt64(station.identifier) << 8 | UInt64(function.code))
                    }
                }
                serverProfiles[ServerKey(kind: pair.key.kind, server: pair.key.server)] = profile
                let learned = pair.maximumRequestsPerWindow
                pair.rateLimit = max(Int(Double(learned) * settings.rateFactor), learned + settings.rateMinimumExcess)
                for station in pair.stations {
                    for function in station.functions {
                        for poll in function.polls {
                            poll.judged = isJudged(poll)
                            pollOwners[ObjectIdentifier(poll)] = PollOwner(
                                pair: pair.key,
                                station: station.identifier,
                                function: function.code
                            )
                        }
                    }
                }
            }
        }

        /// Hands over the alerts raised so far.
        public func takeAlerts() -> [Alert] {
            defer { alerts.removeAll(keepingCapacity: true) }
            return alerts
        }

        // MARK: - Time

        /// The capture clock moved on (called once per capture second): closes scan windows that are over and
        /// raises polls that went silent.
        ///
        /// - Parameter packet: the packet that moved the clock (a stopped poll's alert is raised at it).
        public func tick(now: CaptureTimestamp, packet: UInt64 = 0) {
            let time = now.totalMicroseconds
            noteTime(time)
            guard mode == .detecting else { return }
            if !spikingPairs.isEmpty {
                for pair in spikingPairs where time >= pair.rateWindowEnd { finishSpike(pair) }
                spikingPairs.removeAll { $0.spike == nil }
            }
            // A capture gap (no packet for longer than a flow's idle timeout): nobody was listening, so silence
            // is measured again from the first poll after it.
            if let previous = lastTick, time - previous > Self.captureGap {
                for poll in activePolls { poll.lastInRun = nil }
                activePolls = []
            }
            lastTick = time
            if !windows.isEmpty {
                let span = settings.scanWindowSeconds * 1_000_000
                // In the order the windows opened (client address on a tie): the output never depends on a
                // dictionary's order.
                let due = windows.values.filter { time - $0.opened > span }.sorted(by: Self.windowOrder)
                for window in due {
                    release(window)
                    windows[window.client] = nil
                }
            }
            for poll in activePolls where !poll.silenceReported {
                guard let last = poll.lastInRun, poll.judged else { continue }
                let silence = time - last
                let limit = max(Double(poll.maximumInterval) * settings.missedPolls, Double(poll.maximumSilence))
                guard Double(silence) > limit, let owner = pollOwners[ObjectIdentifier(poll)],
                    let flow = poll.lastFlow
                else { continue }
                poll.silenceReported = true  // once per run
                raise(
                    Alert(
                        deviation: .pollStopped,
                        flow: flow,
                        protocolKind: owner.pair.kind,
                        timestamp: now,
                        packetNumber: packet == 0 ? poll.lastPacket : packet,
                        evidence: [poll.lastPacket],
                        explanation:
                            "\(owner.pair.client) stopped polling \(describe(owner)) \(poll.key.description): silent for \(Self.duration(silence)) since packet \(poll.lastPacket); learned period \(Self.duration(Int64(poll.period))), at most \(Self.duration(poll.maximumInterval)) between polls in \(learnedSpan)",
                        learned: "\(path(owner)) poll \(poll.key.description)"
                    )
                )
            }
        }

        /// A capture ended. Learning closes the silences and rate windows of the capture; detection raises what the
        /// scan windows still hold.
        public func captureEnded(at end: CaptureTimestamp) {
            let time = end.totalMicroseconds
            noteTime(time)
            switch mode {
            case .learning:
                for poll in activePolls {
                    if let last = poll.lastInRun { poll.maximumSilence = max(poll.maximumSilence, time - last) }
                    poll.lastInRun = nil
                }
                for pair in activePairs {
                    pair.maximumRequestsPerWindow = max(pair.maximumRequestsPerWindow, pair.requestsInWindow)
                    pair.requestsInWindow = 0
                    pair.rateWindowStart = .max
                    pair.rateWindowEnd = .min
                }
                if let start = captureStart, let last = captureLast {
                    model.sources.append(Source(file: sourceName, from: start, to: last))
                    model.learnedMicroseconds = Model.union(model.sources)
                    model.learnedFrom = min(model.learnedFrom ?? start, start)
                    model.learnedTo = max(model.learnedTo ?? last, last)
                }
            case .detecting:
                for pair in spikingPairs { finishSpike(pair) }
                spikingPairs = []
                for window in windows.values.sorted(by: Self.windowOrder) { release(window) }
                windows = [:]
            }
            activePolls = []
            activePairs = []
            captureStart = nil
            captureLast = nil
        }

        /// A flow is about to end: what is held about it (single deviations, a scan or a rate spike it made) is
        /// raised now, so that its alerts come before its flow record.
        public func flowEnding(_ flowID: UInt64, client: IPAddress) {
            guard mode == .detecting else { return }
            for pair in spikingPairs where pair.spike?.flow.flowID == flowID { finishSpike(pair) }
            spikingPairs.removeAll { $0.spike == nil }
            guard let window = windows[client] else { return }
            let heldBefore = window.held.count
            window.held.removeAll { item in
                guard item.alert.flow.flowID == flowID else { return false }
                raise(item.alert)
                return true
            }
            heldTotal -= heldBefore - window.held.count
            for kind in [ScanKind.station, .function, .address]
            where window.scans[kind.rawValue].alert?.flow.flowID == flowID {
                finishScan(window, kind)
            }
        }

        private func noteTime(_ time: Int64) {
            guard mode == .learning else { return }  // only learning measures its captures
            if captureStart == nil { captureStart = time }
            if time > captureLast ?? .min { captureLast = time }
        }

        // MARK: - Modbus

        /// One Modbus request, as it arrives (so that a poll's timing is its requests', whenever the responses
        /// come).
        ///
        /// - Parameters:
        ///   - macs: the client's and the server's MAC address, where the link layer has them.
        ///   - time: the capture time of the request.
        public func modbusRequest(
            flow: FlowContext,
            macs: (UInt64?, UInt64?),
            link: inout FlowLink,
            request: Modbus.Message,
            adu: borrowing Span<UInt8>,
            time: CaptureTimestamp,
            packet: UInt64
        ) {
            noteTime(time.totalMicroseconds)
            let (reads, writes) = Self.modbusAccess(request)
            // A read the flow sent before without breaking anything: only its rate and timing are new (judged
            // here without building the record's context unless something is to be raised).
            var memo: UInt64 = 0
            if mode == .detecting, writes == nil, let (table, start, quantity) = reads {
                memo =
                    1 << 63 | UInt64(request.header.unitIdentifier) << 56 | UInt64(request.functionCode.rawValue) << 48
                    | UInt64(table.rawValue & 0xFF) << 40 | UInt64(start) << 20 | UInt64(quantity & 0xFFFFF)
                if link.resolved, let pair = link.pair {
                    let (known, poll) = link.recall(memo)
                    if known {
                        let microseconds = time.totalMicroseconds
                        countRequest(pair, time: microseconds)
                        let tooSoon = poll.flatMap { clock($0, at: microseconds, flow: flow, packet: packet) }
                        guard pendingSpike != nil || tooSoon != nil else { return }
                        let context = modbusContext(flow: flow, request: request, time: time, packet: packet)
                        flushSpike(context)
                        if let poll, let tooSoon { raiseTooSoon(poll, context, interval: tooSoon) }
                        return
                    }
                }
            }
            let context = modbusContext(flow: flow, request: request, time: time, packet: packet)
            // (A remembered read on a resolved flow was judged above; `common` need not recall it again.)
            guard let function = common(context, macs: macs, link: &link, isRequest: true) else { return }
            if let (table, start, quantity) = reads, quantity > 0 {
                guard
                    block(context, function, table: table, access: .read, start: start, end: Self.end(start, quantity))
                else {
                    return
                }
            }
            if let (table, start, quantity) = writes, quantity > 0 {
                guard
                    block(context, function, table: table, access: .write, start: start, end: Self.end(start, quantity))
                else {
                    return
                }
                writtenValues(context, function, request: request, adu: adu, table: table)
            }
            if let (table, start, quantity) = reads, writes == nil {
                let found = poll(context, function, table: table, start: start, quantity: quantity, objects: [])
                if memo != 0 { link.remember(memo, found) }
            }
        }

        /// The response of a Modbus read: its values are learned or judged when the model keeps read values
        /// (``Model/readValuesLearned``); otherwise nothing is done.
        public func modbusResponse(
            flow: FlowContext,
            link: FlowLink,
            request: Modbus.Message,
            response: Modbus.Message,
            adu: borrowing Span<UInt8>,
            time: CaptureTimestamp,
            packets: (UInt64, UInt64)
        ) {
            guard model.readValuesLearned, case .readResponse(_, let values) = response.fields,
                let (table, start, quantity) = Self.modbusAccess(request).reads,
                Self.modbusAccess(request).writes == nil,
                let pair = link.pair, let station = pair.station(UInt32(request.header.unitIdentifier)),
                let function = station.function(request.functionCode.rawValue)
            else { return }
            var context = modbusContext(flow: flow, request: request, time: time, packet: packets.1)
            context.firstPacket = packets.0
            readValues(context, function, table: table, start: start, quantity: quantity, values: values, adu: adu)
        }

        private func modbusContext(
            flow: FlowContext,
            request: Modbus.Message,
            time: CaptureTimestamp,
            packet: UInt64
        ) -> Context {
            let code = request.functionCode.rawValue
            let unit = UInt32(request.header.unitIdentifier)
            return Context(
                flow: flow,
                client: flow.key.clientAddress,
                server: flow.key.serverAddress,
                time: time,
                station: unit,
                function: code,
                kind: .modbus,
                packet: packet,
                firstPacket: packet
            )
        }

        /// What a request reads and writes: (table, start, quantity) each.
        static func modbusAccess(
            _ request: Modbus.Message
        ) -> (reads: (Table, UInt32, UInt32)?, writes: (Table, UInt32, UInt32)?) {
            let code = request.functionCode.rawValue
            switch request.fields {
            case .readRequest(let start, let quantity):
                let table: Table? =
                    switch code {
                    case 1: .coils
                    case 2: .discreteInputs
                    case 3: .holdingRegisters
                    case 4: .inputRegisters
                    default: nil
                    }
                return (table.map { ($0, UInt32(start), UInt32(quantity)) }, nil)
            case .writeSingle(let address, _):
                return (nil, (code == 5 ? .coils : .holdingRegisters, UInt32(address), 1))
            case .writeMultipleRequest(let start, let quantity, _, _):
                return (nil, (code == 15 ? .coils : .holdingRegisters, UInt32(start), UInt32(quantity)))
            case .maskWrite(let address, _, _):
                return (nil, (.holdingRegisters, UInt32(address), 1))
            case .readWriteRequest(let readStart, let readQuantity, let writeStart, let writeQuantity, _, _):
                return (
                    (.holdingRegisters, UInt32(readStart), UInt32(readQuantity)),
                    (.holdingRegisters, UInt32(writeStart), UInt32(writeQuantity))
                )
            default:
                return (nil, nil)
            }
        }

        private func writtenValues(
            _ context: Context,
            _ function: Function,
            request: Modbus.Message,
            adu: borrowing Span<UInt8>,
            table: Table
        ) {
            switch request.fields {
            case .writeSingle(let address, let value):
                let stored = table == .coils ? (value == 0xFF00 ? 1 : 0) : Int64(value)
                self.value(context, function, table: table, address: UInt32(address), value: stored, read: false)
            case .writeMultipleRequest(let start, let quantity, _, let values):
                let available = table == .coils ? values.count * 8 : values.count / 2
                let count = min(Int(quantity), available)
                for index in 0..<count {
                    let stored: Int64 =
                        table == .coils
                        ? (Modbus.CoilValues(bytes: values).value(at: index, in: adu) ? 1 : 0)
                        : Int64(Modbus.RegisterValues(bytes: values).value(at: index, in: adu))
                    let address = UInt32(start) + UInt32(index)
                    guard value(context, function, table: table, address: address, value: stored, read: false) else {
                        return
                    }
                }
            case .readWriteRequest(_, _, let start, let quantity, _, let values):
                let count = min(Int(quantity), values.count / 2)
                for index in 0..<count {
                    let stored = Int64(Modbus.RegisterValues(bytes: values).value(at: index, in: adu))
                    guard
                        value(
                            context,
                            function,
                            table: table,
                            address: UInt32(start) + UInt32(index),
                            value: stored,
                            read: false
                        )
                    else { return }
                }
            default:
                break
            }
        }

        private func readValues(
            _ context: Context,
            _ function: Function,
            table: Table,
            start: UInt32,
            quantity: UInt32,
            values: Range<Int>,
            adu: borrowing Span<UInt8>
        ) {
            let isBits = table == .coils || table == .discreteInputs
            let available = isBits ? values.count * 8 : values.count / 2
            let count = min(Int(quantity), available)
            for index in 0..<count {
                let stored: Int64 =
                    isBits
                    ? (Modbus.CoilValues(bytes: values).value(at: index, in: adu) ? 1 : 0)
                    : Int64(Modbus.RegisterValues(bytes: values).value(at: index, in: adu))
                guard value(context, function, table: table, address: start + UInt32(index), value: stored, read: true)
                else { return }
            }
        }

        // MARK: - DNP3

        /// One DNP3 fragment (request, response, unsolicited response or confirm) of either side.
        ///
        /// - Parameters:
        ///   - direction: the direction the fragment travelled in the flow.
        ///   - fromMaster: the link DIR bit of its frame: whether the master sent it.
        ///   - packets: the first and last packet the fragment came in.
        public func dnp3(
            flow: FlowContext,
            macs: (UInt64?, UInt64?),
            link: inout FlowLink,
            direction: Direction,
            fromMaster: Bool,
            header: DNP3.Link.Header,
            application: DNP3.Application.Header,
            view: DNP3.FragmentView,
            fragment: borrowing Span<UInt8>,
            time: CaptureTimestamp,
            packets: (UInt64, UInt64)
        ) {
            noteTime(time.totalMicroseconds)
            let senderIsClient = direction == .toServer
            let sender = senderIsClient ? flow.key.clientAddress : flow.key.serverAddress
            let receiver = senderIsClient ? flow.key.serverAddress : flow.key.clientAddress
            let master = fromMaster ? sender : receiver
            let outstation = fromMaster ? receiver : sender
            let masterAddress = fromMaster ? header.source : header.destination
            let outstationAddress = fromMaster ? header.destination : header.source
            let station = UInt32(masterAddress) << 16 | UInt32(outstationAddress)
            let code = application.functionCode.rawValue
            let isRequest = fromMaster && application.functionCode != .confirm && !application.functionCode.isResponse
            // Detection: a response (or confirm) on a resolved flow whose function was judged before has nothing
            // more to judge.
            if mode == .detecting, !isRequest, link.responseKnown, link.responseKey == (station, code),
                link.pair?.key.client == master
            {
                return
            }
            var macs = macs
            if master != flow.key.clientAddress { macs = (macs.1, macs.0) }
            let context = Context(
                flow: flow,
                client: master,
                server: outstation,
                time: time,
                station: station,
                function: code,
                kind: .dnp3,
                packet: packets.1,
                firstPacket: packets.0,
                toServer: senderIsClient,
                isRequest: isRequest,
                fromMaster: fromMaster
            )
            // A request the flow sent before without breaking anything (the same octets after the application
            // header): only its rate and timing are new.
            var memo: UInt64 = 0
            if mode == .detecting, isRequest, view.count <= 64 {
                var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(station) << 8 ^ UInt64(code)
                var index = 2  // after the application control and function code (IEEE 1815-2012 §4.2.2)
                while index < view.count {
                    h = (h ^ UInt64(view.byte(index, in: fragment))) &* 0x0000_0100_0000_01B3
                    index += 1
                }
                memo = h | 1
            }
            guard let function = common(context, macs: macs, link: &link, isRequest: isRequest, memo: memo) else {
                return
            }
            // Responses' objects are learned, not judged (what an outstation reports comes and goes with its
            // events): detection need not read them.
            if mode == .detecting && !isRequest {
                link.responseKnown = true
                link.responseKey = (station, code)
                return
            }
            // Objects, and the point indexes a request names (a control, a write, a ranged read).
            var parser = DNP3.Application.ObjectParser(header: application)
            objectScratch.removeAll(keepingCapacity: true)
            scratch.removeAll(keepingCapacity: true)
            while let block = parser.next(in: fragment, view: view) {
                let group = block.header.group
                let variation = block.header.variation
                if objectScratch.count < 64 { objectScratch.append(UInt16(group) << 8 | UInt16(variation)) }
                guard object(context, function, group: group, variation: variation) else { return }
                guard isRequest else { continue }
                let qualifier = block.header.qualifier
                if qualifier.prefixCode == 0, qualifier.rangeCode <= 2, block.header.stop >= block.header.start {
                    // Start-stop ranges (qualifier codes 0x00-0x02, IEEE 1815-2012 §4.2.2.7.3) name indexes.
                    scratch.append((UInt16(group), block.header.start, block.header.stop))
                } else if qualifier.prefixIsIndex {
                    // Index prefixes (0x17, 0x28, 0x39): each object names its index (a READ names indexes only);
                    // the first 256 are taken.
                    func add(_ index: UInt32) {
                        if let last = scratch.last, last.0 == UInt16(group), last.2 < UInt32.max, last.2 + 1 == index {
                            scratch[scratch.count - 1].2 = index
                        } else {
                            scratch.append((UInt16(group), index, index))
                        }
                    }
                    if block.carriesData {
                        var cursor = DNP3.Application.PointCursor(block)
                        var taken = 0
                        while taken < 256, let point = cursor.next(in: fragment, view: view) {
                            add(UInt32(truncatingIfNeeded: point.index))
                            taken += 1
                        }
                    } else if let width = qualifier.prefixSize, width > 0 {
                        var position = block.data.lowerBound
                        var taken = 0
                        while taken < min(block.header.count, 256), position + width <= block.data.upperBound {
                            add(
                                UInt32(
                                    truncatingIfNeeded: view.unsignedLittleEndian(
                                        at: position,
                                        width: width,
                                        in: fragment
                                    )
                                )
                            )
                            position += width
                            taken += 1
                        }
                    }
                }
            }
            guard isRequest else { return }
            let access: Access = application.functionCode == .read ? .read : .write
            for (group, start, stop) in scratch {
                guard
                    block(
                        context,
                        function,
                        table: .dnp3Group(UInt8(truncatingIfNeeded: group)),
                        access: access,
                        start: start,
                        end: stop
                    )
                else { return }
            }
            var found: Poll? = nil
            if application.functionCode == .read, !objectScratch.isEmpty {
                found = poll(context, function, table: .dnp3Group(0), start: 0, quantity: 0, objects: objectScratch)
            }
            if memo != 0 { link.remember(memo, found) }
        }
    }
}

// MARK: - Shared steps

extension Baseline.Monitor {
    /// What every step needs to learn an item or to say how it broke the model.
    struct Context {
        // Wide fields first: the struct is built per record, and packing small ones between them costs
        // misaligned copies.
        var flow: FlowContext
        var client: IPAddress
        var server: IPAddress
        var time: CaptureTimestamp
        var station: UInt32
        var function: UInt8
        var kind: Baseline.ProtocolKind
        /// The packet the record is about (the request; a fragment's last), and the first one it came in.
        var packet: UInt64
        var firstPacket: UInt64
        var toServer = true
        /// A Modbus request, or a DNP3 fragment from the master other than a confirm.
        var isRequest = true
        /// A DNP3 fragment's sender is the master.
        var fromMaster = true

        /// The packets involved, ascending (built only for an alert).
        var evidence: [UInt64] { firstPacket == packet || firstPacket == 0 ? [packet] : [firstPacket, packet] }

        /// "Modbus 3 (Read Holding Registers) to unit 1", "DNP3 READ (1) from master 1 to outstation 10" (built
        /// only for an alert).
        var what: String {
            switch kind {
            case .modbus:
                return "Modbus \(Baseline.Monitor.modbusFunction(function)) to unit \(station)"
            case .dnp3:
                let code = DNP3.Application.FunctionCode(rawValue: function)
                let master = station >> 16
                let outstation = station & 0xFFFF
                let route =
                    fromMaster
                    ? "from master \(master) to outstation \(outstation)"
                    : "from outstation \(outstation) to master \(master)"
                return "DNP3 \(code.name ?? "function \(function)") (\(function)) \(route)"
            }
        }
    }

    struct PollOwner {
        var pair: Baseline.PairKey
        var station: UInt32
        var function: UInt8
    }

    struct ServerKey: Hashable {
        var kind: Baseline.ProtocolKind
        var server: IPAddress
    }

    struct ServerProfile {
        var stations: Set<UInt32> = []
        var functions: Set<UInt64> = []
    }

    static func windowOrder(_ a: ScanWindow, _ b: ScanWindow) -> Bool {
        (a.opened, a.client) < (b.opened, b.client)
    }

    /// Which scan a deviation counts toward.
    enum ScanKind: Int { case station = 0, function = 1, address = 2 }

    /// One kind of scan within a client's window: the distinct items tried, their packets, and the scan alert
    /// once the threshold was reached (raised, with the whole count, when the window closes).
    struct Scan {
        var keys: [UInt64] = []
        var labels: [String] = []
        /// The server each label is about.
        var servers: [IPAddress] = []
        /// Items past ``Baseline/Limits/maxScanItems``, counted only.
        var more = 0
        var evidence: [UInt64] = []
        var last: Int64 = 0
        var alert: Baseline.Alert?
        var scanned = false
    }

    /// One client's deviations within the scan window.
    final class ScanWindow {
        let client: IPAddress
        let opened: Int64
        @safe @exclusivity(unchecked) var held: [(alert: Baseline.Alert, server: IPAddress, scan: ScanKind?)] = []
        @safe @exclusivity(unchecked) var scans = [Scan(), Scan(), Scan()]
        init(client: IPAddress, opened: Int64) {
            self.client = client
            self.opened = opened
        }
        /// The servers the window's raised scans were about (a few; capped).
        @safe @exclusivity(unchecked) var scannedServers: [IPAddress] = []
    }

    /// Devices, pair, station and function: learns them, or judges them and returns the function to judge
    /// further (nil when something above it already broke the model).
    fileprivate func common(
        _ context: Context,
        macs: (UInt64?, UInt64?),
        link: inout Baseline.FlowLink,
        isRequest: Bool,
        memo: UInt64 = 0
    ) -> Baseline.Function? {
        let time = context.time.totalMicroseconds
        // A Modbus flow's client and server never change; a DNP3 flow's master may be on either side.
        let sameRoles = link.resolved && (context.kind == .modbus || link.pair?.key.client == context.client)
        switch mode {
        case .learning:
            model.records += 1
            if !sameRoles {
                let pairKey = Baseline.PairKey(kind: context.kind, client: context.client, server: context.server)
                link.resolved = true
                link.client = learnDevice(context.client, time: time)
                link.server = learnDevice(context.server, time: time)
                link.pair = learnPair(pairKey, time: time)
            } else {
                link.client?.seen.record(time)
                link.server?.seen.record(time)
                link.pair?.seen.record(time)
            }
            let roles: (Baseline.Roles, Baseline.Roles) =
                context.kind == .modbus ? (.modbusClient, .modbusServer) : (.dnp3Master, .dnp3Outstation)
            if let client = link.client {
                client.roles.insert(roles.0)
                learnMAC(client, macs.0, time: time)
            }
            if let server = link.server {
                server.roles.insert(roles.1)
                learnMAC(server, macs.1, time: time)
            }
            guard let pair = link.pair else { return nil }
            if isRequest { countRequest(pair, time: time) }
            guard let station = pair.station(context.station) ?? learnStation(pair, context.station, time: time) else {
                return nil
            }
            station.seen.record(time)
            guard let function = station.function(context.function) ?? learnFunction(station, context, time: time)
            else { return nil }
            function.seen.record(time)
            return function
        case .detecting:
            if !sameRoles {
                let pairKey = Baseline.PairKey(kind: context.kind, client: context.client, server: context.server)
                link.resolved = true
                link.function = nil
                link.responseKnown = false
                link.forget()
                link.client = model.device(context.client)
                link.server = model.device(context.server)
                link.pair = model.pair(pairKey)
                resolve(context, pairKey: pairKey, link: link, macs: macs)
            }
            guard let pair = link.pair else {
                // An unknown pair: its new device or pair was raised. What it asks of the server that no client
                // asked in learning still counts toward scans; what the server is used to serving does not.
                let profile = serverProfiles[ServerKey(kind: context.kind, server: context.server)]
                if !model.pairsComplete || !model.devicesComplete {
                    // The pair may be one learning had no room for: nothing it does is judged.
                } else if !(profile?.stations.contains(context.station) ?? false) {
                    note(
                        context,
                        scan: .station,
                        key: Self.key(0, context.server, context.station),
                        label: stationLabel(context),
                        alert: nil
                    )
                } else if !(profile?.functions.contains(UInt64(context.station) << 8 | UInt64(context.function))
                    ?? false)
                {
                    note(
                        context,
                        scan: .function,
                        key: Self.key(12, context.server, 0, nil, UInt64(context.function)),
                        label: "\(context.function)",
                        alert: nil
                    )
                }
                return nil
            }
            if isRequest {
                countRequest(pair, time: time)
                flushSpike(context)
            }
            if memo != 0 {
                let (known, poll) = link.recall(memo)
                if known {
                    if let poll { judge(poll, context) }
                    return nil
                }
            }
            if let cached = link.function, link.functionKey == (context.station, context.function) { return cached }
            guard let station = pair.station(context.station) else {
                if pair.stationsComplete {
                    let known = pair.stations.map { Baseline.Model.stationText(context.kind, $0.identifier) }
                    hold(
                        context,
                        .newStation,
                        dedupe: Self.key(1, context.server, context.station, context.client),
                        scan: .station,
                        scanKey: Self.key(0, context.server, context.station),
                        label: stationLabel(context),
                        explanation:
                            "\(stationSubject(context.kind, context.station)) was never addressed by \(context.client) at \(context.server) in \(learnedSpan) (learned: \(Self.list(known))); seen: \(context.what)",
                        learned: "\(pairPath(pair.key)) stations"
                    )
                }
                return nil
            }
            guard let function = station.function(context.function) else {
                if station.functionsComplete {
                    let known = station.functions.map { "\($0.code)" }
                    hold(
                        context,
                        .newFunction,
                        dedupe: Self.key(2, context.server, context.station, context.client, UInt64(context.function)),
                        scan: .function,
                        scanKey: Self.key(12, context.server, 0, nil, UInt64(context.function)),
                        label: "\(context.function)",
                        explanation:
                            "Function \(functionName(context.kind, context.function)) was never seen from \(context.client) to \(context.server) \(stationName(context.kind, context.station)) in \(learnedSpan) (learned: \(Self.list(known))); seen: \(context.what)",
                        learned: "\(pairPath(pair.key)) \(stationName(context.kind, context.station)) functions"
                    )
                }
                return nil
            }
            link.function = function
            link.functionKey = (context.station, context.function)
            return function
        }
    }

    /// Raises new devices, new MACs and new pairs, once per flow's first record.
    private func resolve(
        _ context: Context,
        pairKey: Baseline.PairKey,
        link: Baseline.FlowLink,
        macs: (UInt64?, UInt64?)
    ) {
        var newDevice = false
        for (device, address, mac, role) in [
            (link.client, context.client, macs.0, context.kind == .modbus ? "client" : "master"),
            (link.server, context.server, macs.1, context.kind == .modbus ? "server" : "outstation"),
        ] {
            guard let device else {
                newDevice = true
                guard model.devicesComplete else { continue }
                raiseOnce(
                    context,
                    .newDevice,
                    dedupe: Self.key(3, address),
                    explanation:
                        "\(address) was never seen in \(learnedSpan); it took part as \(context.kind == .modbus ? "Modbus" : "DNP3") \(role): \(context.what) between \(context.client) and \(context.server)",
                    learned: "devices"
                )
                continue
            }
            if let mac, device.macsComplete, !device.macs.isEmpty, !device.macs.contains(where: { $0.address == mac }) {
                raiseOnce(
                    context,
                    .newMAC,
                    dedupe: Self.key(4, address, 0, nil, mac),
                    explanation:
                        "\(address) was learned with MAC \(Self.list(device.macs.map { Self.macText($0.address) })) and now sends from \(Self.macText(mac)) (\(context.kind == .modbus ? "Modbus" : "DNP3") \(role))",
                    learned: "devices \(address) macs"
                )
            }
        }
        if link.pair == nil, !newDevice, model.pairsComplete {
            raiseOnce(
                context,
                .newPair,
                dedupe: Self.key(5, context.client, 0, context.server),
                explanation:
                    "\(context.client) and \(context.server) never communicated over \(context.kind == .modbus ? "Modbus" : "DNP3") in \(learnedSpan) (both devices are known); seen: \(context.what)",
                learned: "pairs"
            )
        }
    }

    /// Learns or judges the block a request reads or writes. Returns false when it broke the model.
    fileprivate func block(
        _ context: Context,
        _ function: Baseline.Function,
        table: Baseline.Table,
        access: Baseline.Access,
        start: UInt32,
        end: UInt32
    ) -> Bool {
        let time = context.time.totalMicroseconds
        switch mode {
        case .learning:
            guard function.blocksComplete else { return true }
            guard function.blocks.count < settings.limits.maxBlocksPerFunction, takeItem("blocks") else {
                // Full: the function's blocks stop being learned, and are not judged.
                function.blocksComplete = false
                model.itemsNotLearned["blocks per function", default: 0] += 1
                return true
            }
            if Self.learnBlock(
                function,
                table: table,
                access: access,
                start: start,
                end: end,
                seen: Baseline.Seen(time),
                maxBlocks: settings.limits.maxBlocksPerTable
            ) {
                model.itemsNotLearned["blocks per table (nearest merged)", default: 0] += 1
            }
            return true
        case .detecting:
            guard function.blocksComplete else { return true }
            // Blocks are sorted by table, access, start; merged blocks never touch, so one holds the whole run.
            for block in function.blocks where block.table == table && block.access == access {
                if block.start <= start && end <= block.end { return true }
            }
            let known = function.blocks.filter { $0.table == table && $0.access == access }
                .map { $0.start == $0.end ? "\($0.start)" : "\($0.start)-\($0.end)" }
            let range = start == end ? "\(start)" : "\(start)-\(end)"
            let deviation: Baseline.Deviation = access == .read ? .readOutsideBlocks : .writeOutsideBlocks
            let verb = access == .read ? "read" : (context.kind == .dnp3 ? "written or controlled" : "written")
            let plural = start == end ? "" : "s"
            // "Holding registers 100-109", "Point 5 of g12".
            let subject =
                table.dnp3Group.map { "Point\(plural) \(range) of g\($0)" }
                ?? "\(table.itemName.capitalizedFirst)\(plural) \(range)"
            hold(
                context,
                deviation,
                dedupe: Self.key(
                    6,
                    context.server,
                    context.station,
                    context.client,
                    UInt64(context.function) << 32 | UInt64(table.rawValue) << 16 | (access == .read ? 0 : 1),
                    UInt64(start) << 32 | UInt64(end)
                ),
                scan: .address,
                scanKey: Self.key(
                    Self.key(0, context.server, context.station),
                    UInt64(context.function) << 48 | UInt64(table.rawValue) << 32 | UInt64(start)
                ),
                label: "\(table.name) \(range)",
                explanation:
                    "\(subject) \(start == end ? "was" : "were") never \(verb) by \(context.client) at \(context.server) \(stationName(context.kind, context.station)) with function \(functionName(context.kind, context.function)) in \(learnedSpan) (learned: \(known.isEmpty ? "none" : Self.list(known))); seen: \(context.what)",
                learned:
                    "\(pairPath(Baseline.PairKey(kind: context.kind, client: context.client, server: context.server))) \(stationName(context.kind, context.station)) function \(context.function) blocks"
            )
            return false
        }
    }

    /// Learns or judges one value at one address. Returns false to stop judging the rest of the message.
    @discardableResult
    fileprivate func value(
        _ context: Context,
        _ function: Baseline.Function,
        table: Baseline.Table,
        address: UInt32,
        value: Int64,
        read: Bool
    ) -> Bool {
        let time = context.time.totalMicroseconds
        // Values are kept sorted by table and address.
        var low = 0
        var high = function.values.count
        while low < high {
            let middle = (low + high) / 2
            let item = function.values[middle]
            if (item.table, item.address) < (table, address) { low = middle + 1 } else { high = middle }
        }
        let found =
            low < function.values.count && function.values[low].table == table
            && function.values[low].address == address
        switch mode {
        case .learning:
            if found {
                function.values[low].minimum = min(function.values[low].minimum, value)
                function.values[low].maximum = max(function.values[low].maximum, value)
                function.values[low].seen.record(time)
            } else if function.values.count >= settings.limits.maxValuesPerFunction || !takeItem("values") {
                function.valuesComplete = false
                model.itemsNotLearned["values per function", default: 0] += 1
            } else {
                function.values.insert(
                    Baseline.ValueRange(
                        table: table,
                        address: address,
                        minimum: value,
                        maximum: value,
                        seen: Baseline.Seen(time)
                    ),
                    at: low
                )
            }
            return true
        case .detecting:
            guard found, function.valuesComplete else { return true }
            let item = function.values[low]
            guard value < item.minimum || value > item.maximum else { return true }
            let deviation: Baseline.Deviation = read ? .readValueOutOfRange : .writtenValueOutOfRange
            hold(
                context,
                deviation,
                dedupe: Self.key(
                    7,
                    context.server,
                    context.station,
                    context.client,
                    UInt64(table.rawValue) << 32
                        | UInt64(address) | (read ? 1 << 63 : 0)
                ),
                scan: nil,
                scanKey: 0,
                label: "",
                explanation:
                    "Value \(value) \(read ? "read from" : "written to") \(table.itemName) \(address) is outside \(item.minimum == item.maximum ? "the only value, \(item.minimum)," : "the range \(item.minimum)-\(item.maximum)") learned from \(context.client) at \(context.server) \(stationName(context.kind, context.station)) (\(Self.count(item.seen.count, read ? "read" : "write")) in \(learnedSpan)); seen: \(context.what)",
                learned:
                    "\(pairPath(Baseline.PairKey(kind: context.kind, client: context.client, server: context.server))) \(stationName(context.kind, context.station)) function \(context.function) values \(table.name) \(address)"
            )
            return false
        }
    }

    /// Learns or judges a DNP3 object. Returns false when it broke the model.
    fileprivate func object(_ context: Context, _ function: Baseline.Function, group: UInt8, variation: UInt8) -> Bool {
        let time = context.time.totalMicroseconds
        if let index = function.objects.firstIndex(where: { $0.group == group && $0.variation == variation }) {
            if mode == .learning { function.objects[index].seen.record(time) }
            return true
        }
        switch mode {
        case .learning:
            if function.objects.count >= settings.limits.maxObjectsPerFunction || !takeItem("objects") {
                function.objectsComplete = false
                model.itemsNotLearned["objects per function", default: 0] += 1
            } else {
                function.objects.append(
                    Baseline.ObjectItem(group: group, variation: variation, seen: Baseline.Seen(time))
                )
            }
            return true
        case .detecting:
            // Responses carry what the outstation has to report (events come and go); only requests are judged.
            guard context.isRequest, function.objectsComplete else { return true }
            let known = function.objects.map { "g\($0.group)v\($0.variation)" }
            hold(
                context,
                .newObject,
                dedupe: Self.key(
                    8,
                    context.server,
                    context.station,
                    context.client,
                    UInt64(context.function) << 16
                        | UInt64(group) << 8 | UInt64(variation)
                ),
                scan: nil,
                scanKey: 0,
                label: "",
                explanation:
                    "Object g\(group)v\(variation) was never used by \(context.client) with \(functionName(context.kind, context.function)) at \(context.server) \(stationName(context.kind, context.station)) in \(learnedSpan) (learned: \(Self.list(known))); seen: \(context.what)",
                learned:
                    "\(pairPath(Baseline.PairKey(kind: context.kind, client: context.client, server: context.server))) \(stationName(context.kind, context.station)) function \(context.function) objects"
            )
            return false
        }
    }

    /// Learns a poll's timing, or judges it. The poll is found by its key's hash; the key itself (with its own
    /// copy of `objects`) is made only for a poll learned for the first time.
    fileprivate func poll(
        _ context: Context,
        _ function: Baseline.Function,
        table: Baseline.Table,
        start: UInt32,
        quantity: UInt32,
        objects: [UInt16]
    ) -> Baseline.Poll? {
        let time = context.time.totalMicroseconds
        let hash = Baseline.PollKey.hash(table: table, start: start, quantity: quantity, objects: objects)
        let found = function.pollHashes.firstIndex(of: hash).map { function.polls[$0] }
        func key() -> Baseline.PollKey {
            Baseline.PollKey(table: table, start: start, quantity: quantity, objects: objects)
        }
        switch mode {
        case .learning:
            guard let poll = found ?? newPoll(function, key: key(), time: time) else { return nil }
            if found != nil { poll.seen.record(time) }
            if let last = poll.lastInRun {
                // Capture time that steps back (merged files, a bad clock) gives no interval.
                if time >= last { poll.addInterval(time - last) }
            } else {
                activePolls.append(poll)
            }
            poll.lastInRun = max(poll.lastInRun ?? time, time)
            return poll
        case .detecting:
            guard let poll = found else { return nil }
            judge(poll, context)
            return poll
        }
    }

    /// Judges a poll's timing and notes it for the silence check.
    fileprivate func judge(_ poll: Baseline.Poll, _ context: Context) {
        guard let interval = clock(poll, at: context.time.totalMicroseconds, flow: context.flow, packet: context.packet)
        else { return }
        raiseTooSoon(poll, context, interval: interval)
    }

    /// Holds the alert of a poll that came `interval` after the previous one, sooner than its period allows.
    fileprivate func raiseTooSoon(_ poll: Baseline.Poll, _ context: Context, interval: Int64) {
        let owner = Baseline.Monitor.PollOwner(
            pair: Baseline.PairKey(kind: context.kind, client: context.client, server: context.server),
            station: context.station,
            function: context.function
        )
        hold(
            context,
            .pollTooSoon,
            dedupe: 0,
            scan: nil,
            scanKey: 0,
            label: "",
            explanation:
                "\(context.client) polled \(describe(owner)) \(poll.key.description) \(Self.duration(interval)) after the previous poll; learned period \(Self.duration(Int64(poll.period))), never sooner than \(Self.duration(poll.minimumInterval)) in \(learnedSpan)",
            learned: "\(path(owner)) poll \(poll.key.description)"
        )
    }

    /// Notes a poll at `time` for the silence check; returns the interval when it came too soon (to be raised,
    /// once per poll and run).
    fileprivate func clock(_ poll: Baseline.Poll, at time: Int64, flow: FlowContext, packet: UInt64) -> Int64? {
        var tooSoon: Int64? = nil
        // The first poll on a new connection is not judged: masters poll at once when they (re)connect.
        if let last = poll.lastInRun, time >= last, poll.judged, poll.lastFlowID == flow.flowID, poll.departureArmed {
            let interval = time - last
            if Double(interval) < Double(poll.minimumInterval) / settings.periodTolerance {
                poll.departureArmed = false  // once per run
                tooSoon = interval
            }
        }
        if poll.lastInRun == nil { activePolls.append(poll) }
        poll.lastInRun = max(poll.lastInRun ?? time, time)
        if poll.lastFlowID != flow.flowID {
            poll.lastFlow = flow
            poll.lastFlowID = flow.flowID
        }
        poll.lastPacket = packet
        return tooSoon
    }

    private func isJudged(_ poll: Baseline.Poll) -> Bool {
        poll.intervals >= settings.minimumPollIntervals && poll.period > 0
            && poll.jitter <= settings.maximumPollJitter * poll.period && poll.minimumInterval > 0
    }

    /// Counts a request in its pair's rate window: learning keeps the busiest window, detection raises a spike.
    private func countRequest(_ pair: Baseline.Pair, time: Int64) {
        pair.requests += mode == .learning ? 1 : 0
        if time < pair.rateWindowStart || time >= pair.rateWindowEnd {
            if pair.spike != nil { finishSpike(pair) }
            // A pair's first window in this capture: learning closes it when the capture ends.
            if pair.rateWindowStart == .max && mode == .learning { activePairs.append(pair) }
            let span = pair.rateWindowSeconds * 1_000_000
            pair.rateWindowStart = Self.floorDivide(time, span) &* span
            pair.rateWindowEnd = pair.rateWindowStart &+ span
            if mode == .learning {
                pair.maximumRequestsPerWindow = max(pair.maximumRequestsPerWindow, pair.requestsInWindow)
            } else if pair.requestsInWindow <= rateThreshold(pair) {
                pair.rateReported = false
            }
            pair.requestsInWindow = 0
        }
        pair.requestsInWindow += 1
        guard mode == .detecting, !pair.rateReported, pair.requestsInWindow > rateThreshold(pair) else { return }
        pair.rateReported = true
        pendingSpike = pair
    }

    private func rateThreshold(_ pair: Baseline.Pair) -> Int { pair.rateLimit }
}

// MARK: - Learning the tree

extension Baseline.Monitor {
    private func learnDevice(_ address: IPAddress, time: Int64) -> Baseline.Device? {
        if let device = model.device(address) {
            device.seen.record(time)
            return device
        }
        guard model.devices.count < settings.limits.maxDevices else {
            model.devicesComplete = false
            model.itemsNotLearned["devices", default: 0] += 1
            return nil
        }
        let device = Baseline.Device(address: address, seen: Baseline.Seen(time))
        model.deviceIndex[address] = model.devices.count
        model.devices.append(device)
        return device
    }

    /// Whether the model has room for one more item (``Baseline/Limits/maxModelItems``); counts it when it has.
    private func takeItem(_ what: String) -> Bool {
        guard model.itemCount < settings.limits.maxModelItems else {
            model.itemsNotLearned["\(what) (the model's item limit)", default: 0] += 1
            return false
        }
        model.itemCount += 1
        return true
    }

    private func learnMAC(_ device: Baseline.Device, _ mac: UInt64?, time: Int64) {
        guard let mac else { return }
        if let index = device.macs.firstIndex(where: { $0.address == mac }) {
            device.macs[index].seen.record(time)
        } else if device.macs.count < settings.limits.maxMACsPerDevice {
            device.macs.append(Baseline.MACItem(address: mac, seen: Baseline.Seen(time)))
        } else {
            device.macsComplete = false
            model.itemsNotLearned["MAC addresses per device", default: 0] += 1
        }
    }

    private func learnPair(_ key: Baseline.PairKey, time: Int64) -> Baseline.Pair? {
        if let pair = model.pair(key) {
            pair.seen.record(time)
            return pair
        }
        guard model.pairs.count < settings.limits.maxPairs else {
            model.pairsComplete = false
            model.itemsNotLearned["pairs", default: 0] += 1
            return nil
        }
        let pair = Baseline.Pair(key: key, seen: Baseline.Seen(time), rateWindowSeconds: settings.rateWindowSeconds)
        model.pairIndex[key] = model.pairs.count
        model.pairs.append(pair)
        return pair
    }

    private func learnStation(_ pair: Baseline.Pair, _ identifier: UInt32, time: Int64) -> Baseline.Station? {
        guard pair.stations.count < settings.limits.maxStationsPerPair, takeItem("stations") else {
            pair.stationsComplete = false
            model.itemsNotLearned["stations per pair", default: 0] += 1
            return nil
        }
        let station = Baseline.Station(identifier: identifier, seen: Baseline.Seen(time))
        station.seen.count = 0  // counted by the caller
        pair.stations.append(station)
        return station
    }

    private func learnFunction(_ station: Baseline.Station, _ context: Context, time: Int64) -> Baseline.Function? {
        guard station.functions.count < settings.limits.maxFunctionsPerStation, takeItem("functions") else {
            station.functionsComplete = false
            model.itemsNotLearned["functions per station", default: 0] += 1
            return nil
        }
        let function = Baseline.Function(code: context.function, seen: Baseline.Seen(time))
        function.seen.count = 0  // counted by the caller
        station.functions.append(function)
        return function
    }

    private func newPoll(_ function: Baseline.Function, key: Baseline.PollKey, time: Int64) -> Baseline.Poll? {
        guard function.polls.count < settings.limits.maxPollsPerFunction, takeItem("polls") else {
            model.itemsNotLearned["polls per function", default: 0] += 1
            return nil
        }
        let poll = Baseline.Poll(key: key, seen: Baseline.Seen(time))
        function.polls.append(poll)
        return poll
    }

    /// Adds `start...end` to the function's blocks, merging every block it overlaps or touches; past
    /// `maxBlocks` of the table and access, the two nearest are merged too. Returns whether that happened.
    @discardableResult
    static func learnBlock(
        _ function: Baseline.Function,
        table: Baseline.Table,
        access: Baseline.Access,
        start: UInt32,
        end: UInt32,
        seen: Baseline.Seen,
        maxBlocks: Int
    ) -> Bool {
        var merged = Baseline.Block(table: table, access: access, start: start, end: end, seen: seen)
        // First block of the same table and access that ends at or after start - 1.
        var index = 0
        while index < function.blocks.count {
            let block = function.blocks[index]
            if (block.table, block.access) < (table, access)
                || ((block.table, block.access) == (table, access) && UInt64(block.end) + 1 < UInt64(start))
            {
                index += 1
            } else {
                break
            }
        }
        while index < function.blocks.count {
            let block = function.blocks[index]
            guard block.table == table, block.access == access, UInt64(block.start) <= UInt64(merged.end) + 1 else {
                break
            }
            merged.start = min(merged.start, block.start)
            merged.end = max(merged.end, block.end)
            merged.seen.merge(block.seen)
            function.blocks.remove(at: index)
        }
        function.blocks.insert(merged, at: index)
        // Too many blocks of one table: merge the two nearest (the model grows coarser, never forgets).
        let sameTable = function.blocks.indices.filter {
            function.blocks[$0].table == table && function.blocks[$0].access == access
        }
        guard sameTable.count > maxBlocks else { return false }
        var best = sameTable[0]
        var bestGap = UInt64.max
        for position in sameTable.dropLast() {
            let gap = UInt64(function.blocks[position + 1].start) - UInt64(function.blocks[position].end)
            if gap < bestGap {
                bestGap = gap
                best = position
            }
        }
        let next = function.blocks.remove(at: best + 1)
        function.blocks[best].end = next.end
        function.blocks[best].seen.merge(next.seen)
        return true
    }
}

// MARK: - Raising and holding

extension Baseline.Monitor {
    /// Raises an alert now, once per `dedupe` key.
    private func raiseOnce(
        _ context: Context,
        _ deviation: Baseline.Deviation,
        dedupe: UInt64,
        explanation: String,
        learned: String
    ) {
        guard firstReport(dedupe) else { return }
        raise(alert(context, deviation, explanation: explanation, learned: learned))
    }

    private func raise(_ alert: Baseline.Alert) {
        alerts.append(alert)
    }

    private func alert(
        _ context: Context,
        _ deviation: Baseline.Deviation,
        explanation: String,
        learned: String
    ) -> Baseline.Alert {
        Baseline.Alert(
            deviation: deviation,
            flow: context.flow,
            protocolKind: context.kind,
            timestamp: context.time,
            packetNumber: context.packet,
            evidence: context.evidence,
            explanation: explanation,
            learned: learned,
            toServer: context.toServer
        )
    }

    /// Whether `key` is reported for the first time in this run (0: always).
    private func firstReport(_ key: UInt64) -> Bool {
        guard key != 0 else { return true }
        guard !reported.contains(key) else { return false }
        if reported.count >= settings.limits.maxReportedItems {
            // Full: the older half is forgotten (an old deviation may be raised again; new ones still are).
            let forget = reportedOrder.count / 2
            for old in reportedOrder[..<forget] { reported.remove(old) }
            reportedOrder.removeFirst(forget)
            alertsNotRaised["reported deviations forgotten (the per-run memory was full)", default: 0] += forget
        }
        reported.insert(key)
        reportedOrder.append(key)
        return true
    }

    /// Holds a deviation in its client's scan window (see ``Baseline/Monitor``).
    private func hold(
        _ context: Context,
        _ deviation: Baseline.Deviation,
        dedupe: UInt64,
        scan: ScanKind?,
        scanKey: UInt64,
        label: String,
        explanation: String,
        learned: String
    ) {
        let isNew = firstReport(dedupe)
        let alert = isNew ? self.alert(context, deviation, explanation: explanation, learned: learned) : nil
        note(context, scan: scan, key: scanKey, label: label, alert: alert)
    }

    /// Counts a deviation toward its client's scans, raises a scan that reached its threshold, and holds the
    /// alert (when there is one) unless a scan took it.
    fileprivate func note(_ context: Context, scan: ScanKind?, key: UInt64, label: String, alert: Baseline.Alert?) {
        guard scan != nil || alert != nil else { return }
        let time = context.time.totalMicroseconds
        var window = windows[context.client]
        if let open = window, time - open.opened > settings.scanWindowSeconds * 1_000_000 {
            release(open)
            windows[context.client] = nil
            window = nil
        }
        if window == nil {
            guard windows.count < settings.limits.maxScanClients else {
                alertsNotRaised["deviations raised at once (the scan windows' room was full)", default: 0] += 1
                if let alert { raise(alert) }
                return
            }
            let opened = ScanWindow(client: context.client, opened: time)
            windows[context.client] = opened
            window = opened
        }
        guard let window else { return }
        var alert = alert
        if let scan {
            let threshold = [settings.scanUnits, settings.scanFunctions, settings.scanAddresses][scan.rawValue]
            var state = window.scans[scan.rawValue]
            if !state.keys.contains(key) {
                if state.keys.count < Baseline.Limits.maxScanItems {
                    state.keys.append(key)
                    state.labels.append(label)
                    state.servers.append(context.server)
                } else {
                    state.more += 1
                }
            }
            if state.evidence.count < Baseline.Limits.maxScanItems {
                state.evidence.append(contentsOf: alert?.evidence ?? context.evidence)
            }
            state.last = time
            if state.scanned {
                alert = nil  // the scan covers it
                if window.scannedServers.count < 64, !window.scannedServers.contains(context.server) {
                    window.scannedServers.append(context.server)
                }
            } else if state.keys.count >= threshold {
                state.scanned = true
                if window.scannedServers.count < 64, !window.scannedServers.contains(context.server) {
                    window.scannedServers.append(context.server)
                }
                // The held deviations of this kind become the scan's; its alert is raised, with the whole count,
                // when the window closes (or the scanning flow ends).
                var kept: [(alert: Baseline.Alert, server: IPAddress, scan: ScanKind?)] = []
                for item in window.held {
                    if item.scan == scan { state.evidence += item.alert.evidence } else { kept.append(item) }
                }
                heldTotal -= window.held.count - kept.count
                window.held = kept
                state.alert = self.alert(context, scanDeviation(scan), explanation: "", learned: "")
                alert = nil
            }
            window.scans[scan.rawValue] = state
        }
        guard let alert else { return }
        if window.held.count >= Baseline.Limits.maxScanItems || heldTotal >= settings.limits.maxHeldAlerts {
            alertsNotRaised["deviations raised at once (the scan windows' room was full)", default: 0] += 1
            raise(alert)
        } else {
            window.held.append((alert, context.server, scan))
            heldTotal += 1
        }
    }

    private func scanDeviation(_ scan: ScanKind) -> Baseline.Deviation {
        switch scan {
        case .station: .stationScan
        case .function: .functionScan
        case .address: .addressScan
        }
    }

    /// Raises a window's scan of `kind` with everything it counted.
    private func finishScan(_ window: ScanWindow, _ kind: ScanKind) {
        let state = window.scans[kind.rawValue]
        guard var alert = state.alert else { return }
        window.scans[kind.rawValue].alert = nil  // raised once; the window keeps absorbing
        let noun: String
        switch kind {
        case .station: noun = alert.protocolKind == .modbus ? "unit identifiers" : "DNP3 address pairs"
        case .function: noun = "function codes"
        case .address: noun = "address blocks"
        }
        let total = state.keys.count + state.more
        // One server: its items; several (a sweep of hosts): each item with its server.
        let oneServer = Set(state.servers).count <= 1
        let labels = oneServer ? state.labels : zip(state.labels, state.servers).map { "\($0) at \($1)" }
        let shown = labels.prefix(12).joined(separator: ", ") + (total > 12 ? ", and \(total - 12) more" : "")
        let at = oneServer ? state.servers.first.map { " at \($0)" } ?? "" : " at \(Set(state.servers).count) servers"
        let client = window.client
        alert.explanation =
            "\(client) tried \(total) \(noun)\(at) it never used in \(learnedSpan), within \(Self.duration(state.last - window.opened)): \(shown)"
        alert.learned = "\(client) as \(alert.protocolKind == .modbus ? "Modbus client" : "DNP3 master")"
        alert.evidence = Array(Set(state.evidence)).sorted()
        raise(alert)
    }

    /// Emits a window's held alerts, in the order they were seen.
    private func release(_ window: ScanWindow) {
        let before = alerts.count
        for kind in [ScanKind.station, .function, .address] { finishScan(window, kind) }
        for item in window.held { raise(item.alert) }
        heldTotal -= window.held.count
        window.held = []
        // In capture order.
        alerts[before...].sort { $0.timestamp < $1.timestamp }
    }

    /// Notes the rate spike a request just caused (raised, with the window's whole count, when the window ends),
    /// absorbing the too-soon polls the client's scan window holds for the pair.
    private func flushSpike(_ context: Context) {
        guard let pair = pendingSpike else { return }
        pendingSpike = nil
        var alert = self.alert(context, .rateSpike, explanation: "", learned: "\(pairPath(pair.key)) rate")
        if let window = windows[pair.key.client] {
            let heldBefore = window.held.count
            window.held.removeAll { item in
                guard item.alert.deviation == .pollTooSoon, item.server == pair.key.server else { return false }
                alert.evidence += item.alert.evidence
                return true
            }
            heldTotal -= heldBefore - window.held.count
        }
        pair.spike = alert
        spikingPairs.append(pair)
    }

    /// Raises a pair's rate spike with its window's count (unless the client's scan explains the burst).
    private func finishSpike(_ pair: Baseline.Pair) {
        guard var alert = pair.spike else { return }
        pair.spike = nil
        // A burst from a client whose scan of this server was raised is that scan's traffic: one alert, not two.
        if let window = windows[pair.key.client], window.scannedServers.contains(pair.key.server) { return }
        let windowStart = Baseline.Model.timeText(pair.rateWindowStart).dropFirst(11).prefix(8)
        alert.explanation =
            "\(pair.key.client) sent \(Self.count(pair.requestsInWindow, "request")) to \(pair.key.server) in the \(pair.rateWindowSeconds) s window from \(windowStart) UTC; learning saw at most \(pair.maximumRequestsPerWindow) in any \(pair.rateWindowSeconds) s window (\(Self.count(pair.requests, "request")) in \(learnedSpan))"
        alert.evidence = Array(Set(alert.evidence)).sorted()
        raise(alert)
    }
}

// MARK: - Words

extension Baseline.Monitor {
    /// "1 h 2 min of learning".
    var learnedSpan: String { "\(Self.duration(model.learnedMicroseconds)) of learning" }

    static func duration(_ microseconds: Int64) -> String {
        let value = max(microseconds, 0)
        if value < 1_000_000 {
            let milliseconds = Double(value) / 1_000
            return milliseconds < 10 ? "\(Double(Int(milliseconds * 10)) / 10) ms" : "\(Int(milliseconds)) ms"
        }
        let seconds = value / 1_000_000
        if seconds < 60 {
            let tenths = value / 100_000 % 10
            return tenths == 0 ? "\(seconds) s" : "\(seconds).\(tenths) s"
        }
        if seconds < 3_600 {
            return seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds / 60) min \(seconds % 60) s"
        }
        if seconds < 86_400 * 2 {
            let minutes = seconds / 60 % 60
            return minutes == 0 ? "\(seconds / 3_600) h" : "\(seconds / 3_600) h \(minutes) min"
        }
        return "\(seconds / 86_400) days"
    }

    /// "1 request", "34 requests".
    static func count(_ value: Int, _ noun: String) -> String { "\(value) \(noun)\(value == 1 ? "" : "s")" }

    static func list(_ items: [String]) -> String {
        guard !items.isEmpty else { return "none" }
        return items.count <= 16 ? items.joined(separator: ", ") : items.prefix(16).joined(separator: ", ") + ", ..."
    }

    static func macText(_ mac: UInt64) -> String {
        (0..<6).map { index -> String in
            let octet = UInt8(truncatingIfNeeded: mac >> UInt64(40 - 8 * index))
            let hex = String(octet, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    static func modbusFunction(_ code: UInt8) -> String {
        Modbus.FunctionCode(rawValue: code).description
    }

    func functionName(_ kind: Baseline.ProtocolKind, _ code: UInt8) -> String {
        switch kind {
        case .modbus: return Self.modbusFunction(code)
        case .dnp3: return "\(code) (\(DNP3.Application.FunctionCode(rawValue: code).name ?? "reserved"))"
        }
    }

    func stationName(_ kind: Baseline.ProtocolKind, _ identifier: UInt32) -> String {
        switch kind {
        case .modbus: return "unit \(identifier)"
        case .dnp3: return "(DNP3 master \(identifier >> 16), outstation \(identifier & 0xFFFF))"
        }
    }

    /// The station as the subject of a sentence: "Unit 7", "DNP3 master 1 to outstation 10".
    func stationSubject(_ kind: Baseline.ProtocolKind, _ identifier: UInt32) -> String {
        switch kind {
        case .modbus: return "Unit \(identifier)"
        case .dnp3: return "DNP3 master address \(identifier >> 16) to outstation address \(identifier & 0xFFFF)"
        }
    }

    private func stationLabel(_ context: Context) -> String {
        context.kind == .modbus
            ? "\(context.station)" : "\(context.station >> 16)->\(context.station & 0xFFFF)"
    }

    /// "127.0.0.1 unit 1 read holding registers".
    func describe(_ owner: PollOwner) -> String {
        "\(owner.pair.server) \(stationName(owner.pair.kind, owner.station)) with \(functionName(owner.pair.kind, owner.function))"
    }

    func pairPath(_ key: Baseline.PairKey) -> String {
        "pairs \(key.kind.rawValue) \(key.client) -> \(key.server)"
    }

    func path(_ owner: PollOwner) -> String {
        "\(pairPath(owner.pair)) \(stationName(owner.pair.kind, owner.station)) function \(owner.function)"
    }

    /// The last address of `quantity` from `start` (a quantity of at least 1), kept within 32 bits.
    static func end(_ start: UInt32, _ quantity: UInt32) -> UInt32 {
        UInt32(min(UInt64(start) + UInt64(max(quantity, 1)) - 1, UInt64(UInt32.max)))
    }

    /// A 64-bit key for "reported once" and scan sets (FNV-1a over the parts).
    static func key(
        _ kind: UInt64,
        _ address: IPAddress,
        _ a: UInt32 = 0,
        _ other: IPAddress? = nil,
        _ b: UInt64 = 0,
        _ c: UInt64 = 0
    ) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for part in [kind, address.high, address.low, UInt64(a), other?.high ?? 0, other?.low ?? 0, b, c] {
            h = (h ^ part) &* 0x0000_0100_0000_01B3
            h ^= h >> 29
        }
        return h == 0 ? 1 : h
    }

    static func key(_ base: UInt64, _ part: UInt64) -> UInt64 {
        var h = (base ^ part) &* 0x0000_0100_0000_01B3
        h ^= h >> 31
        return h == 0 ? 1 : h
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}

extension String {
    var capitalizedFirst: String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }
}

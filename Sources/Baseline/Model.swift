// SPDX-License-Identifier: Apache-2.0
public import NetworkLayers

/// Learning what normal traffic looks like on an OT segment, and judging later traffic against it.
///
/// The model (``Baseline/Model``) is a tree a person can read in its JSON file: devices; communicating pairs per
/// protocol; under each pair its stations (Modbus unit identifiers, DNP3 link address pairs); under each station
/// its function codes; under each function the DNP3 objects, the address blocks read and written, the values
/// written, and the polls with their periods. ``Baseline/Monitor`` builds the tree from traffic (learning) or
/// holds traffic against it (detection). All times are capture times, so a replay is deterministic.
public enum Baseline {}

extension Baseline {
    /// When an item was first and last seen (capture time, microseconds since the Unix epoch) and how often.
    public struct Seen: Equatable, Sendable {
        public var first: Int64
        public var last: Int64
        public var count: Int

        public init(first: Int64, last: Int64, count: Int) {
            self.first = first
            self.last = last
            self.count = count
        }

        init(_ time: Int64) { self.init(first: time, last: time, count: 1) }

        mutating func record(_ time: Int64) {
            if time < first { first = time }
            if time > last { last = time }
            count += 1
        }

        mutating func merge(_ other: Seen) {
            first = min(first, other.first)
            last = max(last, other.last)
            count += other.count
        }
    }

    /// The industrial protocol of a pair.
    public enum ProtocolKind: String, Sendable, CaseIterable {
        case modbus, dnp3
    }

    /// What a device was seen doing: Modbus client or server, DNP3 master or outstation.
    public struct Roles: OptionSet, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let modbusClient = Roles(rawValue: 1 << 0)
        public static let modbusServer = Roles(rawValue: 1 << 1)
        public static let dnp3Master = Roles(rawValue: 1 << 2)
        public static let dnp3Outstation = Roles(rawValue: 1 << 3)

        static let names: [(Roles, String)] = [
            (.modbusClient, "modbus_client"), (.modbusServer, "modbus_server"), (.dnp3Master, "dnp3_master"),
            (.dnp3Outstation, "dnp3_outstation"),
        ]
    }

    /// A data table of a function's address block: the four Modbus tables (MB §4.3), or a DNP3 object group
    /// (IEEE 1815-2012 Annex A) whose point indexes a request names.
    public struct Table: Hashable, Comparable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let coils = Table(rawValue: 1)
        public static let discreteInputs = Table(rawValue: 2)
        public static let holdingRegisters = Table(rawValue: 3)
        public static let inputRegisters = Table(rawValue: 4)
        /// DNP3 object group `group` (point indexes).
        public static func dnp3Group(_ group: UInt8) -> Table { Table(rawValue: 0x100 | UInt16(group)) }

        public var dnp3Group: UInt8? { rawValue & 0x100 != 0 ? UInt8(truncatingIfNeeded: rawValue) : nil }

        /// The name used in the model file and in explanations: `holding_registers`, `g12`.
        public var name: String {
            if let group = dnp3Group { return "g\(group)" }
            switch self {
            case .coils: return "coils"
            case .discreteInputs: return "discrete_inputs"
            case .holdingRegisters: return "holding_registers"
            case .inputRegisters: return "input_registers"
            default: return "table_\(rawValue)"
            }
        }

        /// One item of the table in words: "holding register", "g12 index".
        var itemName: String {
            if let group = dnp3Group { return "g\(group) index" }
            switch self {
            case .coils: return "coil"
            case .discreteInputs: return "discrete input"
            case .holdingRegisters: return "holding register"
            case .inputRegisters: return "input register"
            default: return "address"
            }
        }

        init?(name: String) {
            switch name {
            case "coils": self = .coils
            case "discrete_inputs": self = .discreteInputs
            case "holding_registers": self = .holdingRegisters
            case "input_registers": self = .inputRegisters
            default:
                guard name.hasPrefix("g"), let group = UInt8(name.dropFirst()) else { return nil }
                self = .dnp3Group(group)
            }
        }

        public static func < (lhs: Table, rhs: Table) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Whether a block was read or written (DNP3 controls, writes and freezes count as written).
    public enum Access: String, Sendable, Hashable, Comparable {
        case read, write
        public static func < (lhs: Access, rhs: Access) -> Bool { lhs == .read && rhs == .write }
    }

    /// A run of addresses (or DNP3 point indexes) read or written, `start...end`, as in the PDU (0-based).
    public struct Block: Equatable, Sendable {
        public var table: Table
        public var access: Access
        public var start: UInt32
        public var end: UInt32
        public var seen: Seen
    }

    /// The range of values written to (or, when learned, read from) one address.
    public struct ValueRange: Equatable, Sendable {
        public var table: Table
        public var address: UInt32
        public var minimum: Int64
        public var maximum: Int64
        public var seen: Seen
    }

    /// A DNP3 object group and variation seen with a function.
    public struct ObjectItem: Equatable, Sendable {
        public var group: UInt8
        public var variation: UInt8
        public var seen: Seen
    }

    /// The key of a poll: a Modbus read (table, start, quantity) or a DNP3 read's object headers (group and
    /// variation, in order).
    public struct PollKey: Hashable, Sendable {
        public let table: Table
        public let start: UInt32
        public let quantity: UInt32
        /// DNP3: `(group << 8 | variation)` of each object header; empty for Modbus.
        public let objects: [UInt16]
        /// FNV-1a over the fields: polls are found by it.
        public let hash64: UInt64

        public init(table: Table, start: UInt32, quantity: UInt32, objects: [UInt16]) {
            self.table = table
            self.start = start
            self.quantity = quantity
            self.objects = objects
            self.hash64 = Self.hash(table: table, start: start, quantity: quantity, objects: objects)
        }

        static func hash(table: Table, start: UInt32, quantity: UInt32, objects: [UInt16]) -> UInt64 {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            h = (h ^ UInt64(table.rawValue)) &* 0x0000_0100_0000_01B3
            h = (h ^ UInt64(start)) &* 0x0000_0100_0000_01B3
            h = (h ^ UInt64(quantity)) &* 0x0000_0100_0000_01B3
            for object in objects { h = (h ^ UInt64(object)) &* 0x0000_0100_0000_01B3 }
            return h
        }

        /// "holding_registers 0-9", "g60v2 g60v3 g60v4 g60v1".
        public var description: String {
            if table.dnp3Group == nil && objects.isEmpty {
                guard quantity > 0 else { return "\(table.name) \(start) quantity 0" }
                return "\(table.name) \(start)-\(UInt64(start) + UInt64(quantity) - 1)"
            }
            return objects.map { "g\($0 >> 8)v\($0 & 0xFF)" }.joined(separator: " ")
        }
    }

    /// A request repeated on a schedule: how often it came and how regularly (capture time, microseconds).
    public final class Poll {
        @safe @exclusivity(unchecked) public var key: PollKey
        @safe @exclusivity(unchecked) public var seen: Seen
        /// Intervals between consecutive requests: count, shortest, longest, sum and sum of squares (for the mean
        /// period and its jitter).
        @safe @exclusivity(unchecked) public var intervals = 0
        @safe @exclusivity(unchecked) public var minimumInterval: Int64 = .max
        @safe @exclusivity(unchecked) public var maximumInterval: Int64 = 0
        @safe @exclusivity(unchecked) var intervalSum: Double = 0
        @safe @exclusivity(unchecked) var intervalSquares: Double = 0
        /// The longest silence learned, the gap to the end of each learning capture included: a poll that stopped
        /// before learning ended was learned as one that may stop.
        @safe @exclusivity(unchecked) public var maximumSilence: Int64 = 0
        /// Learned period and jitter as read from a model file (learning computes them from the sums).
        @safe @exclusivity(unchecked) var storedPeriod: Double?
        @safe @exclusivity(unchecked) var storedJitter: Double?

        // Detection state for this run.
        @safe @exclusivity(unchecked) var lastInRun: Int64?
        @safe @exclusivity(unchecked) var lastFlow: FlowContext?
        /// `lastFlow`'s identifier (0: none), compared per poll without copying the context out.
        @safe @exclusivity(unchecked) var lastFlowID: UInt64 = 0
        @safe @exclusivity(unchecked) var lastPacket: UInt64 = 0
        @safe @exclusivity(unchecked) var departureArmed = true
        /// Detection: whether the poll is regular enough to be timed (fixed for the run's settings).
        @safe @exclusivity(unchecked) var judged = false
        @safe @exclusivity(unchecked) var silenceReported = false

        init(key: PollKey, seen: Seen) {
            self.key = key
            self.seen = seen
        }

        /// The mean interval, microseconds.
        public var period: Double {
            if let storedPeriod { return storedPeriod }
            return intervals > 0 ? intervalSum / Double(intervals) : 0
        }

        /// The standard deviation of the intervals, microseconds.
        public var jitter: Double {
            if let storedJitter { return storedJitter }
            guard intervals > 1 else { return 0 }
            let mean = intervalSum / Double(intervals)
            return max(intervalSquares / Double(intervals) - mean * mean, 0).squareRoot()
        }

        func addInterval(_ interval: Int64) {
            if let storedPeriod {
                // A poll read from a model file (learning with --update): its sums again, from its mean and jitter.
                let jitter = storedJitter ?? 0
                intervalSum = storedPeriod * Double(intervals)
                intervalSquares = (jitter * jitter + storedPeriod * storedPeriod) * Double(intervals)
            }
            intervals += 1
            minimumInterval = min(minimumInterval, interval)
            maximumInterval = max(maximumInterval, interval)
            maximumSilence = max(maximumSilence, interval)
            intervalSum += Double(interval)
            intervalSquares += Double(interval) * Double(interval)
            storedPeriod = nil
            storedJitter = nil
        }
    }

    /// A function code used within a station, with what it touched.
    public final class Function {
        @safe @exclusivity(unchecked) public var code: UInt8
        @safe @exclusivity(unchecked) public var seen: Seen
        /// DNP3 objects named by the function's fragments.
        @safe @exclusivity(unchecked) public var objects: [ObjectItem] = []
        /// Address blocks, sorted by table, access and start; merged where they touch.
        @safe @exclusivity(unchecked) public var blocks: [Block] = []
        /// Written values (and read values, when learned) per address, sorted by table and address.
        @safe @exclusivity(unchecked) public var values: [ValueRange] = []
        @safe @exclusivity(unchecked) public var polls: [Poll] = [] {
            didSet { pollHashes = polls.map(\.key.hash64) }
        }
        /// The polls' key hashes, in the same order: searched without touching the polls themselves.
        @safe @exclusivity(unchecked) private(set) var pollHashes: [UInt64] = []
        /// Lists that hit their limit while learning: items past it were not learned, so they are not judged.
        @safe @exclusivity(unchecked) public var objectsComplete = true
        @safe @exclusivity(unchecked) public var valuesComplete = true
        @safe @exclusivity(unchecked) public var blocksComplete = true

        init(code: UInt8, seen: Seen) {
            self.code = code
            self.seen = seen
        }
    }

    /// A Modbus unit identifier, or a DNP3 pair of link addresses (master, outstation), within a pair.
    public final class Station {
        /// Modbus: the unit identifier; DNP3: `master << 16 | outstation`.
        @safe @exclusivity(unchecked) public var identifier: UInt32
        @safe @exclusivity(unchecked) public var seen: Seen
        @safe @exclusivity(unchecked) public var functions: [Function] = [] {
            didSet { functionCodes = functions.map(\.code) }
        }
        /// The functions' codes, in the same order.
        @safe @exclusivity(unchecked) private var functionCodes: [UInt8] = []
        @safe @exclusivity(unchecked) public var functionsComplete = true

        init(identifier: UInt32, seen: Seen) {
            self.identifier = identifier
            self.seen = seen
        }

        public func function(_ code: UInt8) -> Function? {
            guard let index = functionCodes.firstIndex(of: code) else { return nil }
            return functions[index]
        }
    }

    /// Who talks to whom: a Modbus client and server, or a DNP3 master and outstation, by IP address.
    public struct PairKey: Hashable, Sendable {
        public var kind: ProtocolKind
        /// The Modbus client or DNP3 master.
        public var client: IPAddress
        /// The Modbus server or DNP3 outstation.
        public var server: IPAddress
        public init(kind: ProtocolKind, client: IPAddress, server: IPAddress) {
            self.kind = kind
            self.client = client
            self.server = server
        }
    }

    /// A communicating pair and everything learned under it.
    public final class Pair {
        @safe @exclusivity(unchecked) public var key: PairKey
        @safe @exclusivity(unchecked) public var seen: Seen
        @safe @exclusivity(unchecked) public var stations: [Station] = [] {
            didSet { stationIdentifiers = stations.map(\.identifier) }
        }
        /// The stations' identifiers, in the same order.
        @safe @exclusivity(unchecked) private var stationIdentifiers: [UInt32] = []
        /// Detection: the most requests a rate window may hold before it is a spike.
        @safe @exclusivity(unchecked) var rateLimit = Int.max
        @safe @exclusivity(unchecked) public var stationsComplete = true
        /// Requests per rate window: the most learned in one window (windows aligned on capture time).
        @safe @exclusivity(unchecked) public var rateWindowSeconds: Int64
        @safe @exclusivity(unchecked) public var maximumRequestsPerWindow = 0
        /// Requests sent by the client (Modbus requests, DNP3 master fragments).
        @safe @exclusivity(unchecked) public var requests = 0

        // Learning and detection state for this run.
        /// The open rate window's first and past-last capture microsecond.
        @safe @exclusivity(unchecked) var rateWindowStart: Int64 = .max
        @safe @exclusivity(unchecked) var rateWindowEnd: Int64 = .min
        @safe @exclusivity(unchecked) var requestsInWindow = 0
        @safe @exclusivity(unchecked) var rateReported = false
        /// Detection: the spike being counted in the open window, raised when it ends.
        @safe @exclusivity(unchecked) var spike: Alert?

        init(key: PairKey, seen: Seen, rateWindowSeconds: Int64) {
            self.key = key
            self.seen = seen
            self.rateWindowSeconds = rateWindowSeconds
        }

        public func station(_ identifier: UInt32) -> Station? {
            guard let index = stationIdentifiers.firstIndex(of: identifier) else { return nil }
            return stations[index]
        }
    }

    /// A MAC address seen with a device's IP address.
    public struct MACItem: Equatable, Sendable {
        public var address: UInt64
        public var seen: Seen
    }

    /// A device: an IP address that took part in Modbus or DNP3, its MAC addresses and roles.
    public final class Device {
        @safe @exclusivity(unchecked) public var address: IPAddress
        @safe @exclusivity(unchecked) public var seen: Seen
        @safe @exclusivity(unchecked) public var macs: [MACItem] = []
        @safe @exclusivity(unchecked) public var roles: Roles = []
        /// The MAC list hit its limit while learning: a MAC not in it is not judged.
        @safe @exclusivity(unchecked) public var macsComplete = true

        init(address: IPAddress, seen: Seen) {
            self.address = address
            self.seen = seen
        }
    }

    /// A capture learned from: its file name and the capture time it spans (microseconds).
    public struct Source: Equatable, Sendable {
        public var file: String
        public var from: Int64
        public var to: Int64
        public init(file: String, from: Int64, to: Int64) {
            self.file = file
            self.from = from
            self.to = to
        }
    }

    /// The learned model of normal traffic.
    public final class Model {
        /// The model file's format version; a reader refuses versions it does not know.
        public static let formatVersion = 1
        /// Capture time learned: the first and last packet of the learning, and the time the learning captures
        /// spanned together (overlapping captures count once; gaps between them do not count).
        @safe @exclusivity(unchecked) public var learnedFrom: Int64?
        @safe @exclusivity(unchecked) public var learnedTo: Int64?
        @safe @exclusivity(unchecked) public var learnedMicroseconds: Int64 = 0
        /// The captures learned from, in order, each with the capture time it spans.
        @safe @exclusivity(unchecked) public var sources: [Source] = []
        @safe @exclusivity(unchecked) public var packets = 0
        /// Modbus transactions and DNP3 fragments learned.
        @safe @exclusivity(unchecked) public var records = 0
        /// Whether read values were learned too (``Baseline/Settings/learnReadValues``).
        @safe @exclusivity(unchecked) public var readValuesLearned = false
        @safe @exclusivity(unchecked) public var devices: [Device] = []
        @safe @exclusivity(unchecked) public var pairs: [Pair] = []
        @safe @exclusivity(unchecked) public var devicesComplete = true
        @safe @exclusivity(unchecked) public var pairsComplete = true
        /// Items not learned because a list was full, by limit name (reported by `otsensor learn`).
        @safe @exclusivity(unchecked) public var itemsNotLearned: [String: Int] = [:]
        /// Stations, functions, objects, blocks, values and polls in the model, against
        /// ``Limits/maxModelItems``.
        @safe @exclusivity(unchecked) var itemCount = 0

        @safe @exclusivity(unchecked) var deviceIndex: [IPAddress: Int] = [:]
        @safe @exclusivity(unchecked) var pairIndex: [PairKey: Int] = [:]

        public init() {}

        /// How many of each kind of item the model holds.
        public var counts: (stations: Int, functions: Int, objects: Int, blocks: Int, values: Int, polls: Int) {
            var counts = (stations: 0, functions: 0, objects: 0, blocks: 0, values: 0, polls: 0)
            for pair in pairs {
                counts.stations += pair.stations.count
                for station in pair.stations {
                    counts.functions += station.functions.count
                    for function in station.functions {
                        counts.objects += function.objects.count
                        counts.blocks += function.blocks.count
                        counts.values += function.values.count
                        counts.polls += function.polls.count
                    }
                }
            }
            return counts
        }

        /// The union of the sources' spans, microseconds.
        static func union(_ sources: [Source]) -> Int64 {
            var total: Int64 = 0
            var end = Int64.min
            for source in sources.sorted(by: { $0.from < $1.from }) {
                let start = max(source.from, end)
                if source.to > start { total += source.to - start }
                end = max(end, source.to)
            }
            return total
        }

        public func device(_ address: IPAddress) -> Device? {
            deviceIndex[address].map { devices[$0] }
        }

        public func pair(_ key: PairKey) -> Pair? {
            pairIndex[key].map { pairs[$0] }
        }

        /// Puts devices and pairs in a stable order (by address) and rebuilds the indexes.
        func sort() {
            devices.sort { $0.address < $1.address }
            pairs.sort {
                ($0.key.kind.rawValue, $0.key.client, $0.key.server) < (
                    $1.key.kind.rawValue, $1.key.client, $1.key.server
                )
            }
            reindex()
            for pair in pairs {
                pair.stations.sort { $0.identifier < $1.identifier }
                for station in pair.stations {
                    station.functions.sort { $0.code < $1.code }
                    for function in station.functions {
                        function.objects.sort { ($0.group, $0.variation) < ($1.group, $1.variation) }
                        function.values.sort { ($0.table, $0.address) < ($1.table, $1.address) }
                        function.polls.sort {
                            ($0.key.table, $0.key.start, $0.key.quantity, $0.key.description)
                                < ($1.key.table, $1.key.start, $1.key.quantity, $1.key.description)
                        }
                    }
                }
            }
        }

        func reindex() {
            deviceIndex = [:]
            pairIndex = [:]
            for (index, device) in devices.enumerated() { deviceIndex[device.address] = index }
            for (index, pair) in pairs.enumerated() { pairIndex[pair.key] = index }
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
public import NetworkLayers
public import WireFormat

/// What windowed summaries and the asset inventory may hold: every list has a limit, and a limit that fires is
/// counted in the record it cut (``PairSummary/truncated``) or in the window (``SummaryWindow/pairsNotSummarized``).
public struct SummaryLimits: Sendable, Equatable {
    /// Window length in capture-time seconds (the center's upload interval, 60 s, as Nozomi's sync cycle).
    public var windowSeconds: Int64 = 60
    /// Pairs (client, server, protocol) summarised per window. A plant segment has tens to hundreds; 10,000 leaves
    /// room for a scan's many pairs while bounding one window to a few MB. Past it, the pair's traffic is counted
    /// in ``SummaryWindow/pairsNotSummarized`` only.
    public var maxPairsPerWindow = 10_000
    /// (unit or DNP3 address, function) keys per pair and window: a poller uses a handful; a function-code scan
    /// uses many, and is itself an alert.
    public var maxFunctionsPerPair = 64
    /// Merged address blocks per pair, direction (read or written) and window.
    public var maxBlocksPerPair = 64
    /// Poll keys (same request repeated) per pair reported per window, the busiest first.
    public var maxPollsPerPair = 32
    /// Poll keys a pair remembers (with their last time, across windows while the pair stays active): a poller
    /// cycles through tens of requests; past it new keys are counted under `polls` in ``PairSummary/truncated``.
    public var maxTrackedPollsPerPair = 64
    /// Object headers kept to describe a DNP3 READ poll (`g60v2 g60v3 ... (+N more)`).
    public var maxObjectsPerPollDescription = 16
    /// Items all pair summaries of a window hold together (functions, blocks, polls, objects, alert and anomaly
    /// kinds), about 100 bytes each: 100,000 bound a window's summaries to some 10 MB whatever 10,000 pairs send.
    /// Past it new items are counted under `truncated` in their pair's summary.
    public var maxSummaryItems = 100_000
    /// Signatures and anomaly names counted per pair and window.
    public var maxAlertKindsPerPair = 64
    /// DNP3 object group/variation keys per pair and window (IEEE 1815-2012 defines about 300).
    public var maxObjectKindsPerPair = 128
    /// Devices in the inventory. Past it new devices are counted (``AssetInventory``'s `devicesNotTracked`), not
    /// tracked.
    public var maxAssets = 10_000
    /// Modbus unit identifiers and DNP3 addresses kept per device.
    public var maxAddressesPerAsset = 64
    /// The whole inventory is written every this many windows (60: hourly with 60 s windows), so that a reader
    /// who missed a device's `new` record (a rotated EVE file) finds it again; 0 for only at the end.
    public var inventoryEveryWindows = 60
    /// MAC addresses kept per device (a gateway or a routed segment shows the router's MAC for many devices).
    public var maxMACsPerAsset = 8

    public init() {}
}

/// One pair's traffic in one window: packets and bytes per direction, transactions per function, exceptions,
/// response latency, polls, address blocks, DNP3 object groups, alerts and anomalies.
///
/// The pair is the TCP or UDP client and server of the flows (for DNP3 over TCP, the connecting side is usually
/// the master) and the application protocol. Counts are of this window only.
public struct PairSummary: Sendable, Equatable {
    /// `modbus` or `dnp3`.
    public var appProto: String
    public var client: IPAddress
    public var server: IPAddress
    /// The server's port (the lowest seen in the window when several).
    public var serverPort: UInt16
    /// 6 (TCP) or 17 (UDP).
    public var ipProtocol: UInt8
    /// Flows (connections) of the pair with packets in the window.
    public var flows = 0
    public var packetsToServer = 0
    public var packetsToClient = 0
    /// Captured frame bytes.
    public var bytesToServer = 0
    public var bytesToClient = 0
    public var functions: [FunctionCount] = []
    /// Modbus exception responses by exception code (MB §7), ascending.
    public var exceptions: [CodeCount] = []
    /// Response time over all paired transactions, microseconds.
    public var latency: LatencyFigures?
    public var polls: [PollFigures] = []
    public var blocksRead: [AddressBlock] = []
    public var blocksWritten: [AddressBlock] = []
    /// DNP3 object headers by group and variation (`group << 8 | variation`), ascending.
    public var objects: [CodeCount] = []
    /// Alerts by signature, in signature id order.
    public var alerts: [AlertCount] = []
    /// Anomaly events by full name, sorted.
    public var anomalies: [NameCount] = []
    /// Lists cut at their limit: the limit's name and the items not listed (`functions`, `blocks`, `polls`,
    /// `objects`, `alerts`).
    public var truncated: [NameCount] = []

    public init(appProto: String, client: IPAddress, server: IPAddress, serverPort: UInt16, ipProtocol: UInt8) {
        self.appProto = appProto
        self.client = client
        self.server = server
        self.serverPort = serverPort
        self.ipProtocol = ipProtocol
    }
}

/// Transactions of one function code at one station in a window.
///
/// Modbus: `unitIdentifier` and completed request/response pairs (requests never answered and responses without
/// a request included: each is one transaction, as in EVE). DNP3: the master and outstation link addresses and the
/// application messages of that function (requests, responses, unsolicited responses).
public struct FunctionCount: Sendable, Equatable {
    public var unitIdentifier: UInt8?
    public var dnp3Master: UInt16?
    public var dnp3Outstation: UInt16?
    /// The function code (Modbus: exception bit cleared).
    public var functionCode: UInt8
    public var count: Int
    /// Modbus exception responses among them.
    public var exceptions: Int
}

/// A count keyed by a code.
public struct CodeCount: Sendable, Equatable {
    public var code: Int
    public var count: Int
}

/// A count keyed by a name.
public struct NameCount: Sendable, Equatable {
    public var name: String
    public var count: Int
}

/// A signature's alerts in a window.
public struct AlertCount: Sendable, Equatable {
    public var gid: Int
    public var sid: Int
    public var rev: Int
    public var signature: String
    public var count: Int
}

/// Response latency figures, microseconds of capture time.
public struct LatencyFigures: Sendable, Equatable {
    public var count: Int
    public var minimum: Int64
    public var mean: Int64
    public var maximum: Int64
    /// The 95th percentile, from a log-linear histogram: within 1/16 of a power of two (about 4 %) of the exact
    /// value, never outside `minimum...maximum`.
    public var p95: Int64
}

/// A request repeated in the window (a poll): Modbus reads by unit, function, start and quantity; DNP3 READs by
/// master, outstation and object headers.
public struct PollFigures: Sendable, Equatable {
    /// `unit 1 fc 3 0+10` or `1->10 READ g60v2 g60v3 g60v4 g60v1`.
    public var key: String
    public var count: Int
    /// Intervals measured (each from the poll's previous occurrence, which may lie in an earlier window).
    public var intervals: Int
    /// Mean interval and its standard deviation (jitter), microseconds; nil without intervals.
    public var periodMean: Int64?
    public var jitter: Int64?
}

/// A run of Modbus addresses read or written at one unit: `start...end` (zero-based, as in the PDU).
public struct AddressBlock: Sendable, Equatable {
    public var unitIdentifier: UInt8
    /// `coils`, `discrete_inputs`, `holding_registers`, `input_registers`.
    public var table: String
    public var start: Int
    public var end: Int
}

/// The closing of one summary window: every pair's summary and the sensor's counters.
public struct SummaryWindow: Sendable {
    public var start: CaptureTimestamp
    public var end: CaptureTimestamp
    /// Pairs, ordered by protocol, client and server.
    public var pairs: [PairSummary]
    /// Pairs past ``SummaryLimits/maxPairsPerWindow`` (not summarised).
    public var pairsNotSummarized = 0
    /// The engine's counters since it started (Suricata's stats are cumulative too).
    public var statistics: EngineStatistics
    /// Alerts written so far (``EngineStatistics/alerts`` names them only when the run ends).
    public var alertsSoFar: Int
    /// Flows in the table when the window closed.
    public var activeFlows: Int
    /// The inventory's size, and devices not tracked because it was full.
    public var assets: Int
    public var assetsNotTracked: Int
    /// The process's health, when the caller provides it (live capture); nil in replays, whose output must not
    /// depend on the machine.
    public var health: SensorHealth?
}

/// What the sensor says about itself: capture counters from libpcap, memory and CPU.
public struct SensorHealth: Sendable, Equatable {
    /// Per interface: packets received, dropped by the kernel (buffer full) and by the interface (pcap_stats).
    public struct Interface: Sendable, Equatable {
        public var name: String
        public var received: UInt64
        public var dropped: UInt64
        public var interfaceDropped: UInt64
        public init(name: String, received: UInt64, dropped: UInt64, interfaceDropped: UInt64) {
            self.name = name
            self.received = received
            self.dropped = dropped
            self.interfaceDropped = interfaceDropped
        }
    }
    public var interfaces: [Interface] = []
    /// Resident memory, bytes.
    public var residentBytes: Int = 0
    /// CPU time used since start (user + system), seconds.
    public var cpuSeconds: Double = 0
    /// Seconds since start (wall clock).
    public var uptimeSeconds: Int = 0
    /// Summary records handed to the upstream queue and dropped because it was full.
    public var upstreamQueueDepth: Int = 0
    public var upstreamDropped: Int = 0
    public init() {}
}

/// A device in the inventory: a host seen speaking Modbus/TCP or DNP3.
public struct AssetRecord: Sendable, Equatable {
    public var address: IPAddress
    /// MAC addresses seen as the device's (up to ``SummaryLimits/maxMACsPerAsset``), as 48-bit values.
    public var macs: [UInt64] = []
    /// `modbus_client`, `modbus_server`, `dnp3_master`, `dnp3_outstation`, sorted.
    public var roles: [String] = []
    /// Modbus unit identifiers it served or addressed, ascending.
    public var unitIdentifiers: [Int] = []
    /// DNP3 link addresses it used as source, ascending.
    public var dnp3Addresses: [Int] = []
    /// From Modbus Read Device Identification (43/14, MB §6.21): VendorName (object 0), ProductCode (1),
    /// MajorMinorRevision (2), and ProductName (4) and ModelName (5) when given.
    public var vendor: String?
    public var productCode: String?
    public var revision: String?
    public var productName: String?
    public var modelName: String?
    public var firstSeen: CaptureTimestamp
    public var lastSeen: CaptureTimestamp
    /// Addresses or MACs past their limit.
    public var notTracked = 0

    public init(address: IPAddress, firstSeen: CaptureTimestamp, lastSeen: CaptureTimestamp) {
        self.address = address
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

/// A change in the inventory, or the inventory's state at the end of a run.
public struct AssetEvent: Sendable {
    public enum Change: String, Sendable {
        /// A device not seen before.
        case new
        /// Its Modbus device identification differs from the one seen before (`previous` holds the old one).
        case identityChanged = "identity_changed"
        /// A new role, unit identifier, DNP3 address or MAC.
        case updated
        /// The inventory as it stands (at the end of a capture, or when the sensor stops).
        case inventory
    }
    public var change: Change
    public var asset: AssetRecord
    public var previous: AssetRecord?
    /// Capture time of the packet that made the change (the window's end for `inventory`).
    public var timestamp: CaptureTimestamp
    /// What changed, in words: "new role modbus_server", "vendor 'Acme' -> 'Evil'".
    public var detail: String

    public init(change: Change, asset: AssetRecord, previous: AssetRecord?, timestamp: CaptureTimestamp, detail: String)
    {
        self.change = change
        self.asset = asset
        self.previous = previous
        self.timestamp = timestamp
        self.detail = detail
    }
}

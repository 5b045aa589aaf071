// SPDX-License-Identifier: Apache-2.0
import Baseline
import ModbusTCP
import NetworkLayers
import TCPReassembly
import WireFormat

/// Per-flow Modbus state: a framer per direction, request/response pairing, and which non-public function codes
/// were already reported in this flow (so a vendor's own code is reported once, not per request).
struct ModbusFlowState {
    var framers: (Modbus.Framer, Modbus.Framer)
    var tracker: Modbus.TransactionTracker
    /// Bit per function code 0..127 already reported as reserved or unassigned.
    var reportedCodes: (UInt64, UInt64) = (0, 0)
    var transactions = 0
    /// Exception responses in the current window (capture microseconds of its start), for `exception_flood`.
    var exceptionWindowStart: Int64 = 0
    var exceptionsInWindow = 0

    init(limits: Modbus.Limits, toServerAtStart: Bool, toClientAtStart: Bool) {
        framers = (
            Modbus.Framer(carriesRequests: true, atStreamStart: toServerAtStart, limits: limits),
            Modbus.Framer(carriesRequests: false, atStreamStart: toClientAtStart, limits: limits)
        )
        tracker = Modbus.TransactionTracker(limits: limits)
    }

    mutating func markReported(_ code: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(code & 63)
        if code < 64 {
            if reportedCodes.0 & bit != 0 { return false }
            reportedCodes.0 |= bit
        } else {
            if reportedCodes.1 & bit != 0 { return false }
            reportedCodes.1 |= bit
        }
        return true
    }
}

/// One flow's state: identity, counters, TCP reassembly per direction, and the application layer.
///
/// A class, so that the packet path works on the flow in place: a 900-byte struct would be copied in and out of
/// the table on every packet. Its properties opt out of dynamic exclusivity checks (`@exclusivity(unchecked)`):
/// the engine touches a flow only from its one packet path, one access at a time, and the checks cost more than
/// the work on a polling flow's packet. Static checks still apply.
final class Flow {
    @safe @exclusivity(unchecked) var context: FlowContext
    /// Creation order, for a deterministic order of flow records at the end of a capture.
    @safe @exclusivity(unchecked) var sequence: Int
    @safe @exclusivity(unchecked) var firstTimestamp: CaptureTimestamp
    @safe @exclusivity(unchecked) var lastTimestamp: CaptureTimestamp
    @safe @exclusivity(unchecked) var packets: (Int, Int) = (0, 0)
    @safe @exclusivity(unchecked) var bytes: (Int, Int) = (0, 0)
    @safe @exclusivity(unchecked) var tcpFlags: (TCPFlags, TCPFlags) = ([], [])
    @safe @exclusivity(unchecked) var isTCP: Bool
    @safe @exclusivity(unchecked) var streams: (StreamReassembler, StreamReassembler)
    /// Closed by RST or FIN in both directions; the flow lingers for late packets.
    @safe @exclusivity(unchecked) var isClosed = false
    /// The application side is over: reassembly flushed, pending requests reported.
    @safe @exclusivity(unchecked) var streamsFinished = false
    @safe @exclusivity(unchecked) var isModbus: Bool
    /// DNP3 over TCP or UDP (a DNP3 port).
    @safe @exclusivity(unchecked) var isDNP3: Bool
    @safe @exclusivity(unchecked) var dnp3: DNP3FlowState
    @safe @exclusivity(unchecked) var modbus: ModbusFlowState
    /// The flow's bytes are not Modbus: decoding stopped (kept outside `modbus` so that checking it copies nothing).
    @safe @exclusivity(unchecked) var modbusRejected = false
    /// The all-flows pending-request limit was reported for this flow.
    @safe @exclusivity(unchecked) var globalFloodReported = false
    /// Payload after the close was reported for this flow.
    @safe @exclusivity(unchecked) var dataAfterCloseReported = false
    @safe @exclusivity(unchecked) var gaps = 0
    /// In the engine's list of flows with Modbus requests waiting (swept once a capture second).
    @safe @exclusivity(unchecked) var awaitingExpirySweep = false
    /// Matches per rule on this flow, for the per-flow alert limit (at most one entry per rule loaded).
    @safe @exclusivity(unchecked) var alertTally = RuleTally()
    /// An alert was raised on the flow (the flow record's `alerted`).
    @safe @exclusivity(unchecked) var alerted = false
    /// Matches past the per-flow limit, not written.
    @safe @exclusivity(unchecked) var alertsSuppressed = 0
    /// The flow's place in the baseline model, resolved at its first record.
    @safe @exclusivity(unchecked) var baselineLink = Baseline.FlowLink()
    /// The client's and the server's MAC address, from the first frame each sent (nil without a link layer that
    /// has them).
    @safe @exclusivity(unchecked) var macs: (UInt64?, UInt64?) = (nil, nil)
    @safe @exclusivity(unchecked) var macsSeen: (Bool, Bool) = (false, false)
    /// Packets and bytes already counted in summary windows.
    @safe @exclusivity(unchecked) var summarized: (packets: (Int, Int), bytes: (Int, Int)) = ((0, 0), (0, 0))
    /// The flow's pair and devices in the summaries.
    @safe @exclusivity(unchecked) var summaryLink = SummaryAggregator.FlowLink()

    /// Whether the flow's TCP streams are reassembled and decoded (Modbus/TCP or DNP3 over TCP).
    var isReassembled: Bool { isTCP && (isModbus || isDNP3) }

    init(
        context: FlowContext,
        sequence: Int,
        timestamp: CaptureTimestamp,
        isTCP: Bool,
        isModbus: Bool,
        isDNP3: Bool = false,
        reassembly: TCPReassemblyLimits,
        modbusLimits: Modbus.Limits
    ) {
        self.context = context
        self.sequence = sequence
        self.firstTimestamp = timestamp
        self.lastTimestamp = timestamp
        self.isTCP = isTCP
        self.isModbus = isModbus
        self.isDNP3 = isDNP3
        self.dnp3 = DNP3FlowState()
        self.streams = (StreamReassembler(limits: reassembly), StreamReassembler(limits: reassembly))
        self.modbus = ModbusFlowState(limits: modbusLimits, toServerAtStart: true, toClientAtStart: true)
    }
}

/// Matches per rule index, as two parallel arrays sorted by index: a lookup is a binary search over a few entries
/// (the rules that fired on one flow), cheaper than hashing on every match; an insertion happens once per rule and
/// flow.
struct RuleTally {
    /// Rules tracked per flow: 256 entries are 2 KB; with 100,000 flows at most 200 MB even if every flow fired
    /// 256 different rules. A rule past it on a full flow is not limited there (its alerts are written; counted as
    /// `alertTallyFull`).
    static let maxRules = 256
    private var indices: [Int32] = []
    private var counts: [UInt32] = []

    /// Counts one more match of the rule at `index` and returns the matches before it, or nil when the rule is not
    /// tracked and the tally is full.
    mutating func increment(_ index: Int) -> Int? {
        let key = Int32(truncatingIfNeeded: index)
        var low = 0
        var high = indices.count
        while low < high {
            let middle = (low + high) / 2
            if indices[middle] < key { low = middle + 1 } else { high = middle }
        }
        if low < indices.count && indices[low] == key {
            let before = counts[low]
            if before < UInt32.max { counts[low] = before + 1 }
            return Int(before)
        }
        guard indices.count < Self.maxRules else { return nil }
        indices.insert(key, at: low)
        counts.insert(1, at: low)
        return 0
    }
}

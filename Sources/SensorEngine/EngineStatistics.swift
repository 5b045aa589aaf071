// SPDX-License-Identifier: Apache-2.0

/// Counters for the closing summary: what was read, decoded and found. Kept as plain integers and fixed arrays in
/// the hot path; names are attached only when the summary is printed.
public struct EngineStatistics: Sendable {
    public var packets = 0
    /// Bytes of captured frame data.
    public var bytes = 0
    public var ipv4Packets = 0
    public var ipv6Packets = 0
    public var tcpPackets = 0
    public var udpPackets = 0
    /// Frames that are not IP (ARP, LLDP, ...).
    public var nonIPFrames = 0
    /// Frames whose headers could not be decoded (truncated, invalid fields), by reason.
    public var decodeErrors: [String: Int] = [:]
    /// IP fragments: counted and reported, not reassembled (OT protocols never need fragmentation).
    public var ipFragments = 0
    /// Frames the capture cut at its snapshot length.
    public var truncatedBySnapshotLength = 0
    public var flowsCreated = 0
    /// Flows ended early because the flow table was full.
    public var flowsEvicted = 0
    public var flowsTimedOut = 0
    /// Modbus ADUs framed, by direction.
    public var modbusRequests = 0
    public var modbusResponses = 0
    /// Requests by function code (raw byte 0..255).
    public var modbusRequestsByFunction = [Int](repeating: 0, count: 256)
    /// Responses by function code, exception bit cleared.
    public var modbusResponsesByFunction = [Int](repeating: 0, count: 256)
    /// Exception responses by exception code.
    public var modbusExceptionsByCode = [Int](repeating: 0, count: 256)
    /// Requests that never got a response (timed out, evicted in a flood, or open when the flow ended).
    public var modbusUnanswered = 0
    /// Completed request/response pairs.
    public var modbusTransactions = 0
    /// Anomaly events by full name (`modbus.invalid_length`, `stream.reassembly_seq_gap`).
    public var anomalies: [String: Int] = [:]
    /// TCP stream totals.
    public var streamGaps = 0
    public var streamGapBytes = 0
    public var streamRetransmissions = 0
    public var streamOverlapMismatches = 0
    public var streamOutOfOrderSegments = 0
    /// RST and FIN segments ignored because their sequence numbers were outside the window (RFC 5961).
    public var streamIgnoredControl = 0
    /// Flows that carried payload after their connection closed.
    public var streamDataAfterClose = 0
    /// ADUs found after a gap and never confirmed, so not reported as transactions.
    public var modbusUnverifiedDiscarded = 0

    /// DNP3 link frames with a valid header, and those with user data whose data-block CRCs failed.
    public var dnp3LinkFrames = 0
    public var dnp3BadDataCRCFrames = 0
    /// DNP3 application fragments decoded, by function code (0..255).
    public var dnp3FragmentsByFunction = [Int](repeating: 0, count: 256)
    /// DNP3 fragments assembled from more than one transport segment.
    public var dnp3MultiSegmentFragments = 0
    public var dnp3ObjectHeaders = 0
    public var dnp3Points = 0
    /// Responses paired with their request by application sequence, and requests never answered.
    public var dnp3PairedResponses = 0
    public var dnp3UnansweredRequests = 0
    /// Unsolicited responses, and confirms that matched a fragment sent with CON.
    public var dnp3UnsolicitedResponses = 0
    public var dnp3MatchedConfirms = 0
    /// Bad link headers, short headers and skipped runs after the first of their run (not reported one by one).
    public var dnp3SuppressedDamageReports = 0

    /// Rules the engine matched with.
    public var rulesLoaded = 0
    /// The baseline the run learned or judged against, in words ("judged against 3 pairs, 2 h of learning"); nil
    /// without one.
    public var baseline: String?
    /// Baseline deviations counted but not raised, by the detection limit that was full.
    public var baselineNotRaised: [String: Int] = [:]
    /// Alerts per signature, keyed `[gid:sid:rev] msg`.
    public var alerts: [String: Int] = [:]
    /// Rule matches held back by the threshold file's `suppress`, or by `threshold` or `detection_filter`.
    public var suppressedAlerts = 0
    /// Rule matches held back by the per-flow limit (``EngineConfiguration/maxAlertsPerRulePerFlow``).
    public var flowSuppressedAlerts = 0
    /// Rule matches on messages a `pass` rule let through (the pass rule's own matches included).
    public var passedAlerts = 0
    /// Alerts written although their flow already tracked ``RuleTally/maxRules`` other rules (not limited there).
    public var alertTallyFull = 0
    /// Matches held back (by either) per signature, keyed as `alerts`.
    public var alertsHeldBack: [String: Int] = [:]

    public init() {}
}

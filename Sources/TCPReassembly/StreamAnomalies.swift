// SPDX-License-Identifier: Apache-2.0

/// What was unusual about one segment for the reassembler. Counted always; the engine reports the ones marked in
/// each case as anomaly events.
public struct StreamAnomalies: OptionSet, Sendable, Hashable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The first segment seen in this direction carried no SYN: the capture started mid-stream. Normal for OT
    /// connections that live for months; the framer probes for a message boundary.
    public static let midstreamPickup = StreamAnomalies(rawValue: 1 << 0)
    /// Every byte of the segment had been seen already (counted, not reported).
    public static let retransmission = StreamAnomalies(rawValue: 1 << 1)
    /// Part of the segment had been seen already; the new part was kept (counted, not reported).
    public static let overlap = StreamAnomalies(rawValue: 1 << 2)
    /// Overlapping bytes differed from the bytes kept first (reported: `stream.reassembly_overlap_different_data`).
    public static let overlapMismatch = StreamAnomalies(rawValue: 1 << 3)
    /// The segment arrived ahead of the next expected byte and was buffered (counted).
    public static let outOfOrder = StreamAnomalies(rawValue: 1 << 4)
    /// Bytes were skipped because they never arrived (reported: `stream.reassembly_seq_gap`).
    public static let gap = StreamAnomalies(rawValue: 1 << 5)
    /// The out-of-order buffer hit a limit and was flushed as a gap (reported:
    /// `stream.reassembly_depth_reached`-like, named `stream.reassembly_buffer_overflow`).
    public static let bufferOverflow = StreamAnomalies(rawValue: 1 << 6)
    /// Data arrived after this direction was closed by FIN or RST (counted).
    public static let dataAfterClose = StreamAnomalies(rawValue: 1 << 7)
    /// A RST or FIN whose sequence number lies outside the window (stale, or forged): ignored (counted).
    public static let outOfWindowControl = StreamAnomalies(rawValue: 1 << 8)
}

/// Counters of one direction's reassembly, for the flow record and the summary.
public struct StreamStatistics: Sendable, Equatable {
    public var segments = 0
    public var deliveredBytes = 0
    public var retransmissions = 0
    public var overlaps = 0
    public var overlapMismatches = 0
    public var outOfOrderSegments = 0
    public var gaps = 0
    public var gapBytes = 0
    public var bufferOverflows = 0
    /// RST and FIN segments ignored because their sequence number was outside the window.
    public var ignoredControlSegments = 0
    public init() {}
}

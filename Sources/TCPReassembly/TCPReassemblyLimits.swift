// SPDX-License-Identifier: Apache-2.0

/// The bounds of one direction's reassembly buffer. Hitting one is reported (``StreamAnomalies/bufferOverflow``)
/// and resolved by skipping to the buffered data as a gap; memory never grows past them.
public struct TCPReassemblyLimits: Sendable, Equatable {
    /// Out-of-order bytes held per direction while waiting for a hole to fill. 64 KiB is one unscaled TCP window
    /// (RFC 9293 §3.8.6): a peer cannot legitimately have more than that outstanding without window scaling, and OT
    /// devices rarely scale.
    public var maxBufferedBytesPerDirection: Int = 65_536
    /// Out-of-order segments held per direction; bounds the per-segment bookkeeping when segments are tiny.
    public var maxBufferedSegmentsPerDirection: Int = 256
    /// How far ahead of the next expected byte a segment may start and still be buffered; farther is treated as
    /// a gap at once (it cannot be a reordering within one window).
    public var maxSequenceLookahead: Int = 1 << 20

    public init() {}
}

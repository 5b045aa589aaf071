// SPDX-License-Identifier: Apache-2.0
public import WireFormat

/// Reassembles one direction of a TCP connection into an in-order byte stream with explicit gaps.
///
/// States (STYLE.md §5): `unsynchronized` until the first segment, `established` while bytes flow, `closed` after
/// FIN (once every byte before it arrived) or RST.
///
/// - In-order segments are not copied: ``segmentReceived(sequence:flags:payload:declaredLength:)`` returns the
///   range of the caller's payload to hand on.
/// - Out-of-order segments are copied into an owned, bounded buffer and handed back by ``popBuffered()`` once
///   the hole before them fills, or as data after a `.gap` when it cannot fill.
/// - Overlap policy: **first wins**. Bytes already delivered or buffered are kept; the overlapping part of a later
///   segment is dropped, and if it differs from buffered bytes that is ``StreamAnomalies/overlapMismatch``.
///   Bytes already handed on are not kept, so a retransmission of delivered bytes is counted but not compared.
/// - A gap is declared when the other side acknowledges past bytes that never arrived (the peer received them;
///   the capture did not), when the buffer hits a limit, or when the flow ends with holes.
public struct StreamReassembler: Sendable {
    /// What the caller does with one segment's result.
    public struct Action: Sendable, Equatable {
        /// The range of the segment's payload to deliver now, in order (may be empty).
        public var deliver: Range<Int> = 0..<0
        /// Bytes the headers declared but the capture cut off (snapshot length); a gap after `deliver`.
        public var gapAfter: Int = 0
        /// Whether buffered data became deliverable: call ``popBuffered()`` until it returns nil.
        public var hasBufferedData: Bool = false
        /// What was unusual about this segment.
        public var anomalies: StreamAnomalies = []
        /// Whether this direction closed with this segment (FIN reached, or RST).
        public var closed: Bool = false
    }

    /// A piece of the stream that had been buffered.
    public enum BufferedChunk: Sendable, Equatable {
        /// `length` bytes never arrived.
        case gap(length: Int)
        /// Bytes that had arrived out of order, now in order, with the capture time and 1-based packet number
        /// of the segment that carried them.
        case bytes([UInt8], timestamp: CaptureTimestamp, packetNumber: UInt64)
    }

    private enum State: Sendable {
        case unsynchronized
        case established
        case closed
    }

    private struct PendingSegment: Sendable {
        var sequence: SequenceNumber
        var bytes: [UInt8]
        var timestamp: CaptureTimestamp
        var packetNumber: UInt64
        var end: SequenceNumber { sequence.advanced(by: bytes.count) }
    }

    public let limits: TCPReassemblyLimits
    private var state: State = .unsynchronized
    /// The next byte expected in order.
    private var expected = SequenceNumber(0) {
        didSet {
            // Once the stream reaches an acknowledgment it says nothing more; forget it before the modulo-2^32
            // comparison (valid under 2^31) sees it as ahead again, 2 GiB later.
            if let acknowledged = peerAcknowledged, acknowledged.distance(from: expected) <= 0 {
                peerAcknowledged = nil
            }
        }
    }
    /// The sequence number just past the FIN, once a FIN was seen.
    private var finSequence: SequenceNumber?
    /// The highest acknowledgment the other side sent (bytes it received, whether or not we captured them).
    private var peerAcknowledged: SequenceNumber?
    /// Out-of-order segments, sorted by sequence, none overlapping.
    private var pending: [PendingSegment] = []
    private var pendingBytes = 0
    /// Chunks ready for ``popBuffered()``, in order.
    private var ready: [BufferedChunk] = []
    private var readyIndex = 0
    /// The segment being handled, for the bytes it leaves in the buffer.
    private var currentTimestamp = CaptureTimestamp.zero
    private var currentPacketNumber: UInt64 = 0

    /// Counters for the flow record and the summary.
    public private(set) var statistics = StreamStatistics()

    public init(limits: TCPReassemblyLimits = TCPReassemblyLimits()) {
        self.limits = limits
    }

    /// Whether this direction has closed (FIN reached or RST).
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// Whether a SYN with this sequence number starts a different connection: the stream is established and the
    /// SYN is not a retransmission of the one that started it (its next byte is not within the window of bytes
    /// seen). A reused 5-tuple without FIN or RST looks like this.
    public func isNewConnection(synSequence rawSequence: UInt32) -> Bool {
        guard case .established = state else { return false }
        let distance = SequenceNumber(rawSequence).advanced(by: 1).distance(from: expected)
        return distance > 0 || distance < -limits.maxSequenceLookahead
    }

    /// The sequence number of the next octet expected in order: everything before it has been delivered (or
    /// reported as a gap). Nil before the stream is established.
    public var nextExpectedSequence: UInt32? {
        if case .established = state { return expected.rawValue }
        if case .closed = state { return expected.rawValue }
        return nil
    }

    /// The number of bytes held out of order.
    public var bufferedByteCount: Int { pendingBytes }

    // MARK: - Events

    /// Takes one segment of this direction.
    ///
    /// - Parameters:
    ///   - sequence: the segment's sequence number.
    ///   - flags: SYN, FIN and RST matter here.
    ///   - payload: the payload bytes present in the capture (borrowed; copied only if buffered).
    ///   - declaredLength: the payload length the IP and TCP headers declare (at least `payload.count`).
    ///   - timestamp: the segment's capture time, kept with buffered bytes.
    ///   - packetNumber: the segment's 1-based packet number, kept with buffered bytes.
    public mutating func segmentReceived(
        sequence rawSequence: UInt32,
        syn: Bool,
        fin: Bool,
        rst: Bool,
        payload: borrowing Span<UInt8>,
        declaredLength: Int,
        timestamp: CaptureTimestamp = .zero,
        packetNumber: UInt64 = 0
    ) -> Action {
        currentTimestamp = timestamp
        currentPacketNumber = packetNumber
        var action = Action()
        statistics.segments += 1
        var sequence = SequenceNumber(rawSequence)
        let available = payload.count
        let declared = max(declaredLength, available)

        switch state {
        case .closed:
            if available > 0 { action.anomalies.insert(.dataAfterClose) }
            return action
        case .unsynchronized:
            state = .established
            if syn {
                expected = sequence.advanced(by: 1)  // SYN occupies one sequence number (RFC 9293 §3.4)
                sequence = expected
            } else {
                expected = sequence
                action.anomalies.insert(.midstreamPickup)
            }
        case .established:
            if syn {
                // A retransmitted SYN carries no new data; SYN data is not delivered (RFC 9293 §3.10.7.2 allows
                // it, but TCP Fast Open is not used by OT devices).
                return action
            }
        }

        if rst {
            // RST: whatever arrived is all there will be, if it is in the window (RFC 5961 §3.2). A reset far from
            // the next expected byte is stale or forged: counted and ignored, so it cannot end the analysis.
            let distance = sequence.distance(from: expected)
            guard distance >= -limits.maxSequenceLookahead && distance <= limits.maxSequenceLookahead else {
                statistics.ignoredControlSegments += 1
                action.anomalies.insert(.outOfWindowControl)
                return action
            }
            closeWithRemainingData(into: &action)
            return action
        }

        let offset = sequence.distance(from: expected)
        if offset <= 0 {
            // In order, or starting in bytes already handed on.
            let skip = -offset
            if skip >= declared {
                if declared > 0 {
                    statistics.retransmissions += 1
                    action.anomalies.insert(.retransmission)
                }
            } else if declared == available, let first = pending.first,
                first.sequence.distance(from: sequence) < available
            {
                // Buffered bytes this segment reaches arrived first, so they win: deliver this segment only up to
                // them, and buffer the rest of it, trimmed against them (overlaps compared and reported there).
                if skip > 0 {
                    statistics.overlaps += 1
                    action.anomalies.insert(.overlap)
                }
                let upTo = max(first.sequence.distance(from: sequence), skip)
                action.deliver = skip..<upTo
                statistics.deliveredBytes += action.deliver.count
                expected = sequence.advanced(by: upTo)
                buffer(
                    sequence: sequence.advanced(by: upTo),
                    payload: payload.extracting(upTo..<available),
                    into: &action
                )
                drainContiguous(into: &action)
            } else {
                if skip > 0 {
                    statistics.overlaps += 1
                    action.anomalies.insert(.overlap)
                }
                // Only captured bytes are delivered: if the skipped part reaches past them, nothing is.
                action.deliver = min(skip, available)..<available
                action.gapAfter = declared - max(available, skip)
                if action.gapAfter > 0 {
                    statistics.gaps += 1
                    statistics.gapBytes += action.gapAfter
                    action.anomalies.insert(.gap)
                }
                statistics.deliveredBytes += action.deliver.count
                expected = sequence.advanced(by: declared)
                // Buffered segments now covered, or now contiguous, become ready.
                if !pending.isEmpty {
                    checkPendingAgainstDelivered(payload: payload, from: sequence, into: &action)
                    drainContiguous(into: &action)
                }
            }
        } else if available > 0 {
            // Ahead of the next expected byte: a hole before it.
            if let acknowledged = peerAcknowledged, acknowledged.distance(from: sequence) >= 0 {
                // The receiver already acknowledged up to here: the hole is bytes the capture lost.
                buffer(sequence: sequence, payload: payload, into: &action)
                skipToFirstPending(into: &action)
            } else if offset > limits.maxSequenceLookahead {
                buffer(sequence: sequence, payload: payload, into: &action)
                skipToFirstPending(into: &action)
            } else {
                statistics.outOfOrderSegments += 1
                action.anomalies.insert(.outOfOrder)
                buffer(sequence: sequence, payload: payload, into: &action)
            }
        }

        if fin {
            // A FIN ends the stream where its own bytes end, unless that lies behind what already arrived (a stale
            // retransmission) or implausibly far ahead: counted and ignored, like an out-of-window RST.
            let end = sequence.advanced(by: declared)
            let distance = end.distance(from: expected)
            if distance >= 0 && distance <= limits.maxSequenceLookahead {
                finSequence = end
            } else if finSequence == nil {
                statistics.ignoredControlSegments += 1
                action.anomalies.insert(.outOfWindowControl)
            }
        }
        if let finAt = finSequence, expected.distance(from: finAt) >= 0, pending.isEmpty {
            state = .closed
            action.closed = true
        }
        return action
    }

    /// Takes an acknowledgment number sent by the other side, which says which of this direction's bytes the
    /// receiver has. Acknowledged bytes we never captured become a gap once data after them is waiting.
    ///
    /// - Returns: an action whose ``Action/hasBufferedData`` says whether to call ``popBuffered()``.
    public mutating func acknowledgmentReceived(_ rawAcknowledgment: UInt32) -> Action {
        var action = Action()
        guard case .established = state else { return action }
        let acknowledgment = SequenceNumber(rawAcknowledgment)
        // Only acknowledgments ahead of what we expect, and within reason, say anything about lost bytes.
        let ahead = acknowledgment.distance(from: expected)
        guard ahead > 0, ahead <= limits.maxSequenceLookahead else { return action }
        if let previous = peerAcknowledged, acknowledgment.distance(from: previous) <= 0 { return action }
        peerAcknowledged = acknowledgment
        // An acknowledgment of the first buffered byte's sequence number already covers the whole hole before it.
        if let first = pending.first, acknowledgment.distance(from: first.sequence) >= 0 {
            skipToFirstPending(into: &action)
        }
        return action
    }

    /// Ends the stream (flow closed, evicted or timed out): every buffered segment is handed back, with gaps for
    /// the holes between.
    public mutating func finish() -> Action {
        var action = Action()
        closeWithRemainingData(into: &action)
        return action
    }

    /// The next buffered chunk that became deliverable, in stream order; nil when there is none.
    public mutating func popBuffered() -> BufferedChunk? {
        guard readyIndex < ready.count else {
            if !ready.isEmpty {
                ready.removeAll(keepingCapacity: true)
                readyIndex = 0
            }
            return nil
        }
        let chunk = ready[readyIndex]
        ready[readyIndex] = .gap(length: 0)  // release the bytes
        readyIndex += 1
        return chunk
    }

    // MARK: - Buffering

    private mutating func buffer(sequence: SequenceNumber, payload: borrowing Span<UInt8>, into action: inout Action) {
        // Every way out, the early returns after storing a head piece included, checks the limits.
        defer { enforceLimits(into: &action) }
        var start = sequence
        var count = payload.count
        var skipFront = 0
        // Trim against buffered segments (first wins), comparing what overlaps.
        var insertAt = pending.count
        for index in pending.indices {
            let segment = pending[index]
            let segmentStart = segment.sequence
            let segmentEnd = segment.end
            let newEnd = start.advanced(by: count)
            if newEnd.distance(from: segmentStart) <= 0 {
                insertAt = index
                break
            }
            if start.distance(from: segmentEnd) >= 0 { continue }
            // Overlap with `segment`.
            statistics.overlaps += 1
            action.anomalies.insert(.overlap)
            let overlapStart = max(start.distance(from: segmentStart), 0)
            let overlapEnd = min(newEnd.distance(from: segmentStart), segment.bytes.count)
            var differs = false
            for position in overlapStart..<overlapEnd {
                let payloadIndex = skipFront + segmentStart.advanced(by: position).distance(from: start)
                if payload[payloadIndex] != segment.bytes[position] {
                    differs = true
                    break
                }
            }
            if differs {
                statistics.overlapMismatches += 1
                action.anomalies.insert(.overlapMismatch)
            }
            if start.distance(from: segmentStart) < 0 {
                // The new segment starts before this one: keep its head as a separate piece.
                let headCount = segmentStart.distance(from: start)
                storePending(at: index, sequence: start, payload: payload, from: skipFront, count: headCount)
                insertAt = index + 1
                let consumed = headCount + segment.bytes.count
                if consumed >= count { return }
                skipFront += consumed
                count -= consumed
                start = segmentEnd
                return buffer(remainingOf: payload, from: skipFront, sequence: start, count: count, into: &action)
            } else {
                let consumed = segmentEnd.distance(from: start)
                if consumed >= count { return }
                skipFront += consumed
                count -= consumed
                start = segmentEnd
            }
        }
        if count > 0 {
            storePending(at: insertAt, sequence: start, payload: payload, from: skipFront, count: count)
        }
    }

    /// Continues ``buffer(sequence:payload:into:)`` on the part of `payload` after `from`.
    private mutating func buffer(
        remainingOf payload: borrowing Span<UInt8>,
        from skipFront: Int,
        sequence: SequenceNumber,
        count: Int,
        into action: inout Action
    ) {
        let tail = payload.extracting(skipFront..<(skipFront + count))
        buffer(sequence: sequence, payload: tail, into: &action)
    }

    private mutating func storePending(
        at index: Int,
        sequence: SequenceNumber,
        payload: borrowing Span<UInt8>,
        from start: Int,
        count: Int
    ) {
        guard count > 0 else { return }
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        for i in start..<(start + count) { bytes.append(payload[i]) }  // appendSegment: the deliberate copy
        pending.insert(
            PendingSegment(
                sequence: sequence,
                bytes: bytes,
                timestamp: currentTimestamp,
                packetNumber: currentPacketNumber
            ),
            at: index
        )
        pendingBytes += count
    }

    private mutating func enforceLimits(into action: inout Action) {
        while pendingBytes > limits.maxBufferedBytesPerDirection
            || pending.count > limits.maxBufferedSegmentsPerDirection
        {
            statistics.bufferOverflows += 1
            action.anomalies.insert(.bufferOverflow)
            skipToFirstPending(into: &action)
            guard !pending.isEmpty else { break }
            // Still over after draining what became contiguous: drop the oldest hole as well.
        }
    }

    /// Declares the bytes between `expected` and the first buffered segment lost, then drains.
    private mutating func skipToFirstPending(into action: inout Action) {
        guard let first = pending.first else { return }
        let missing = first.sequence.distance(from: expected)
        if missing > 0 {
            statistics.gaps += 1
            statistics.gapBytes += missing
            action.anomalies.insert(.gap)
            ready.append(.gap(length: missing))
            action.hasBufferedData = true
            expected = first.sequence
        }
        drainContiguous(into: &action)
    }

    /// Moves buffered segments that start at or before `expected` to the ready list, trimming what was delivered.
    private mutating func drainContiguous(into action: inout Action) {
        while let first = pending.first, first.sequence.distance(from: expected) <= 0 {
            pending.removeFirst()
            pendingBytes -= first.bytes.count
            let alreadyDelivered = expected.distance(from: first.sequence)
            if alreadyDelivered >= first.bytes.count { continue }
            let bytes = alreadyDelivered > 0 ? Array(first.bytes[alreadyDelivered...]) : first.bytes
            statistics.deliveredBytes += bytes.count
            expected = expected.advanced(by: bytes.count)
            ready.append(.bytes(bytes, timestamp: first.timestamp, packetNumber: first.packetNumber))
            action.hasBufferedData = true
        }
        if let finAt = finSequence, expected.distance(from: finAt) >= 0, pending.isEmpty, case .established = state {
            state = .closed
            action.closed = true
        }
    }

    /// Compares the just-delivered payload with buffered segments it overlaps (first wins: the buffered bytes
    /// arrived first, so a difference is reported and the delivered ones, already handed on, stand).
    private mutating func checkPendingAgainstDelivered(
        payload: borrowing Span<UInt8>,
        from sequence: SequenceNumber,
        into action: inout Action
    ) {
        let payloadEnd = sequence.advanced(by: payload.count)
        for segment in pending {
            if segment.sequence.distance(from: payloadEnd) >= 0 { break }
            let start = max(segment.sequence.distance(from: sequence), 0)
            let end = min(payloadEnd.distance(from: sequence), segment.end.distance(from: sequence))
            guard start < end else { continue }
            statistics.overlaps += 1
            action.anomalies.insert(.overlap)
            for position in start..<end
            where payload[position] != segment.bytes[sequence.advanced(by: position).distance(from: segment.sequence)] {
                statistics.overlapMismatches += 1
                action.anomalies.insert(.overlapMismatch)
                break
            }
        }
    }

    private mutating func closeWithRemainingData(into action: inout Action) {
        while !pending.isEmpty {
            skipToFirstPending(into: &action)
        }
        state = .closed
        action.closed = true
    }
}

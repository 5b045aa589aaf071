// SPDX-License-Identifier: Apache-2.0

extension DNP3.Transport {
    /// The transport header: the first octet of each link frame's user data (IEEE 1815-2012 §8.2.1, Figure 8-2).
    ///
    /// ```
    ///   7     6     5 4 3 2 1 0
    /// +-----+-----+-------------+
    /// | FIN | FIR |  SEQUENCE   |
    /// +-----+-----+-------------+
    /// ```
    ///
    /// Not the application control octet, which has its own FIR and FIN (clause 4.2.2.4).
    public struct Header: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// FIN: the last segment of an application fragment.
        public var fin: Bool { rawValue & 0x80 != 0 }
        /// FIR: the first segment of an application fragment.
        public var fir: Bool { rawValue & 0x40 != 0 }
        /// The 6-bit sequence number, 0...63, incremented modulo 64 per segment.
        public var sequence: UInt8 { rawValue & 0x3F }
    }

    /// Bounds of transport reassembly.
    public struct Limits: Sendable, Equatable {
        /// The largest application fragment assembled, in octets. 2048 is the fragment size IEEE 1815-2012
        /// recommends supporting (§4.2.2.4: "2048 octets") and what opendnp3 and Suricata default to.
        public var maxFragmentSize = 2048
        public init() {}
    }

    /// A rule of §8.2.1.3 that fired, named as Suricata names the event where it has a name.
    public struct Anomaly: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// A frame with no user data to carry the transport header (Suricata's `len_too_small`).
        public static let lengthTooSmall = Anomaly(rawValue: "len_too_small")
        /// The fragment grew past ``Limits/maxFragmentSize`` (Suricata's `too_long_reassembly`); it is dropped.
        public static let tooLongReassembly = Anomaly(rawValue: "too_long_reassembly")
        /// A segment without FIR and with no fragment started: discarded.
        public static let unexpectedSegment = Anomaly(rawValue: "transport_unexpected_segment")
        /// A segment whose sequence number is not the next: the partial fragment is discarded.
        public static let outOfSequence = Anomaly(rawValue: "transport_out_of_sequence")
        /// A new FIR arrived before the fragment under way finished: that fragment is discarded.
        public static let incompleteFragmentDiscarded = Anomaly(rawValue: "transport_incomplete_fragment_discarded")
        /// The same sequence number again (a repeated frame): ignored.
        public static let duplicateSegment = Anomaly(rawValue: "transport_duplicate_segment")
    }

    /// Where a completed application fragment lies.
    public enum Fragment: Sendable, Equatable {
        /// The whole fragment was one segment (FIR and FIN): it is the frame's user data from logical octet 1,
        /// read in place through the link layer's view (no copy).
        case inFrame
        /// The fragment was assembled from several segments into ``Assembler/fragment``.
        case assembled
    }

    /// What one segment did.
    public struct Result: Sendable, Equatable {
        /// The rule that fired, if any (a dropped fragment or segment).
        public var anomaly: Anomaly?
        /// A completed fragment, if this segment completed one.
        public var fragment: Fragment?

        public init(anomaly: Anomaly? = nil, fragment: Fragment? = nil) {
            self.anomaly = anomaly
            self.fragment = fragment
        }
    }

    /// Reassembles application fragments from transport segments for one direction, source and destination
    /// (§8.2.1.3; the shape of stepfunc's Empty / Running / Complete).
    ///
    /// - FIR starts a fragment, discarding one under way.
    /// - A segment without FIR and with nothing started is discarded.
    /// - A segment out of sequence discards the fragment under way.
    /// - A fragment longer than the limit is discarded.
    ///
    /// Multi-segment fragments are copied into one owned buffer, reused for the next.
    public struct Assembler: Sendable {
        private enum State: Sendable, Equatable {
            case empty
            case running(nextSequence: UInt8, lastSequence: UInt8)
            /// A fragment was dropped at the size limit: its remaining segments are discarded quietly (the
            /// `too_long_reassembly` said it) until the next FIR.
            case discarding
        }

        public let limits: Limits
        private var state: State = .empty
        private var buffer: [UInt8] = []
        /// The sequence of the FIN segment that completed the last multi-segment fragment: a repeat of it (a link
        /// retry) is a duplicate, not an orphan.
        private var lastCompletedSequence: UInt8?

        public init(limits: Limits = Limits()) {
            self.limits = limits
        }

        /// The fragment assembled from several segments, valid after a result with ``Fragment/assembled`` until the
        /// next segment.
        public var fragment: [UInt8] { buffer }

        /// Whether a fragment is under way.
        public var isRunning: Bool {
            if case .running = state { return true }
            return false
        }

        /// Drops the fragment under way (after a capture gap): the next segment must be a FIR.
        public mutating func reset() {
            state = .empty
            buffer.removeAll(keepingCapacity: true)
        }

        /// Takes one segment: the user data of one link frame, read in place from `frame`.
        public mutating func segment(
            _ userData: DNP3.Link.UserData,
            in frame: borrowing Span<UInt8>
        ) -> Result {
            guard userData.count >= 1 else { return Result(anomaly: .lengthTooSmall) }
            let header = Header(rawValue: userData.byte(0, in: frame))
            var anomaly: Anomaly? = nil
            if header.fir {
                lastCompletedSequence = nil
                if isRunning { anomaly = .incompleteFragmentDiscarded }
                buffer.removeAll(keepingCapacity: true)
                if header.fin {
                    state = .empty
                    return Result(anomaly: anomaly, fragment: .inFrame)
                }
                guard userData.count - 1 <= limits.maxFragmentSize else {
                    state = .discarding
                    return Result(anomaly: .tooLongReassembly)
                }
                append(userData, in: frame)
                state = .running(nextSequence: (header.sequence &+ 1) & 0x3F, lastSequence: header.sequence)
                return Result(anomaly: anomaly)
            }
            if state == .discarding {
                if header.fin { state = .empty }
                return Result()
            }
            guard case .running(let next, let last) = state else {
                if header.sequence == lastCompletedSequence { return Result(anomaly: .duplicateSegment) }
                return Result(anomaly: .unexpectedSegment)
            }
            if header.sequence != next {
                if header.sequence == last { return Result(anomaly: .duplicateSegment) }
                state = .empty
                buffer.removeAll(keepingCapacity: true)
                return Result(anomaly: .outOfSequence)
            }
            guard buffer.count + userData.count - 1 <= limits.maxFragmentSize else {
                state = header.fin ? .empty : .discarding
                buffer.removeAll(keepingCapacity: true)
                return Result(anomaly: .tooLongReassembly)
            }
            append(userData, in: frame)
            if header.fin {
                state = .empty
                lastCompletedSequence = header.sequence
                return Result(fragment: .assembled)
            }
            state = .running(nextSequence: (header.sequence &+ 1) & 0x3F, lastSequence: header.sequence)
            return Result()
        }

        /// Copies the segment's application octets (after the transport header) into the buffer: the deliberate
        /// copy of a fragment that spans frames.
        private mutating func append(_ userData: DNP3.Link.UserData, in frame: borrowing Span<UInt8>) {
            // The buffer grows with the fragments it holds (not reserved at the limit up front: a flow that only
            // ever starts fragments of a few octets must not cost 2 KiB each) and keeps its capacity for reuse.
            // Block by block (each at most 16 octets between CRCs), one capacity check per block.
            var index = 1
            while index < userData.count {
                let runEnd = min((index / 16 + 1) * 16, userData.count)
                let start = userData.offset(of: index)
                let run = frame.extracting(start..<(start + runEnd - index))
                buffer.append(addingCapacity: run.count) { output in
                    for offset in 0..<run.count { output.append(run[offset]) }
                }
                index = runEnd
            }
        }
    }
}

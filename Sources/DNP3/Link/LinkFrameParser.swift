// SPDX-License-Identifier: Apache-2.0
import WireFormat

extension DNP3.Link {
    /// What the frame parser found next in a byte stream.
    public enum FrameEvent: Sendable, Equatable {
        /// A whole frame lies in the chunk from `start`; it is `header.frameSize` octets long.
        case frame(start: Int, header: Header)
        /// A whole frame, split across chunks, was assembled in the parser: read it with
        /// ``FrameParser/bufferedFrame`` (its user data starts at offset 0 of that buffer).
        case bufferedFrame(header: Header)
        /// Start octets whose header CRC fails: the header is not trusted for its length; the parser probes for the
        /// next start from the octet after (Suricata's `dnp3.bad_link_crc`).
        case badHeaderCRC(Header)
        /// A header with a valid CRC but a LENGTH below 5 (Suricata's `dnp3.len_too_small`): skipped.
        case lengthTooSmall(Header)
        /// Octets skipped before a start (garbage, a banner, the middle of a frame after a gap).
        case skipped(count: Int)
        /// The chunk is used up.
        case needMoreData
    }

    /// Cuts a byte stream (a TCP direction, or one UDP datagram) into link frames (IEEE 1815-2012 §9.2.4).
    ///
    /// The contract is the Modbus framer's: hand each chunk to ``next(in:offset:)`` until it returns
    /// ``FrameEvent/needMoreData``. A frame inside a chunk is returned as its position (no copy); a frame split
    /// across chunks is copied into a buffer of at most 292 octets, the largest frame. After garbage, a bad header
    /// CRC or a gap the parser resynchronises on the next start octets whose header CRC holds, so it never goes
    /// blind for the rest of the stream.
    public struct FrameParser: Sendable {
        private var partial: [UInt8] = []

        public init() {}

        /// The frame assembled across chunks, valid after ``FrameEvent/bufferedFrame(header:)`` until
        /// ``releaseBufferedFrame()``.
        public var bufferedFrame: [UInt8] { partial }

        /// Releases the assembled frame after the caller has read it.
        public mutating func releaseBufferedFrame() {
            partial.removeAll(keepingCapacity: true)
        }

        /// Reports that octets are missing: a partial frame is lost with them.
        public mutating func gap() {
            partial.removeAll(keepingCapacity: true)
        }

        /// Whether the stream ended inside a frame.
        public mutating func finish() -> Bool {
            defer { partial.removeAll(keepingCapacity: true) }
            return partial.count > 1 || (partial.count == 1 && partial[0] != 0x05)
        }

        /// Finds the next frame or event in `chunk` from `offset`, moving `offset` past what it consumed.
        public mutating func next(in chunk: borrowing Span<UInt8>, offset: inout Int) -> FrameEvent {
            if !partial.isEmpty {
                if let event = continuePartial(chunk, offset: &offset) { return event }
            }
            let available = chunk.count - offset
            guard available > 0 else { return .needMoreData }
            // Probe for the start octets 0x05 0x64.
            var start = offset
            while start < chunk.count {
                if chunk[start] == 0x05 && (start + 1 == chunk.count || chunk[start + 1] == 0x64) { break }
                start += 1
            }
            if start > offset {
                let skipped = start - offset
                offset = start
                return .skipped(count: skipped)
            }
            if chunk.count - start < Header.size {
                // The header continues in the next chunk.
                startPartial(chunk, from: start, to: chunk.count)
                offset = chunk.count
                return .needMoreData
            }
            let header: Header
            do {
                header = try Header(parsing: chunk, at: start)
            } catch {
                offset = start + 1  // cannot happen: 10 octets and the start octets are there
                return .skipped(count: 1)
            }
            guard header.crcValid else {
                offset = start + 1
                return .badHeaderCRC(header)
            }
            guard Int(header.length) >= Header.minimumLength else {
                // Not trusted either: a real header may start inside this one (probe from the next octet, as
                // opendnp3 does), or an attacker could hide a frame behind a short fake header.
                offset = start + 1
                return .lengthTooSmall(header)
            }
            let size = header.frameSize
            if chunk.count - start >= size {
                offset = start + size
                return .frame(start: start, header: header)
            }
            startPartial(chunk, from: start, to: chunk.count)
            offset = chunk.count
            return .needMoreData
        }

        private mutating func startPartial(_ chunk: borrowing Span<UInt8>, from start: Int, to end: Int) {
            if partial.capacity < Header.maximumFrameSize { partial.reserveCapacity(Header.maximumFrameSize) }
            partial.removeAll(keepingCapacity: true)
            for index in start..<end { partial.append(chunk[index]) }  // the deliberate copy of a split frame
        }

        /// Continues a frame begun in an earlier chunk; nil when the partial octets were not a frame after all
        /// (probing then goes on in `chunk` at `offset`).
        private mutating func continuePartial(_ chunk: borrowing Span<UInt8>, offset: inout Int) -> FrameEvent? {
            // Octets of the partial frame that came from earlier chunks; those taken from this chunk can be given
            // back, so that a header that fails can be probed again from its next octet.
            let carried = partial.count
            let entry = offset
            // Complete the header first.
            while partial.count < Header.size && offset < chunk.count {
                partial.append(chunk[offset])
                offset += 1
                if partial.count == 2 && partial[1] != 0x64 {
                    // A lone 0x05 at the end of the previous chunk that did not start a frame.
                    partial.removeAll(keepingCapacity: true)
                    offset = entry
                    return nil
                }
            }
            guard partial.count >= Header.size else { return .needMoreData }
            let parsed = try? Header(parsing: partial.span)
            guard let header = parsed, header.crcValid, Int(header.length) >= Header.minimumLength else {
                // Not trusted for its length: probe again from its second octet, across the carried octets and
                // this chunk. The carried octets from the next possible start (05 64, or a 05 last) stay partial;
                // this chunk's octets are given back and probed again.
                var next = 1
                while next < carried
                    && !(partial[next] == 0x05 && (next + 1 == carried || partial[next + 1] == 0x64))
                {
                    next += 1
                }
                if next < carried {
                    partial.removeSubrange((carried)...)
                    partial.removeSubrange(0..<next)
                } else {
                    partial.removeAll(keepingCapacity: true)
                }
                offset = entry
                guard let header = parsed else { return .skipped(count: next) }
                return header.crcValid ? .lengthTooSmall(header) : .badHeaderCRC(header)
            }
            let size = header.frameSize
            while partial.count < size && offset < chunk.count {
                partial.append(chunk[offset])
                offset += 1
            }
            return partial.count == size ? .bufferedFrame(header: header) : .needMoreData
        }
    }
}

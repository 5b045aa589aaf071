// SPDX-License-Identifier: Apache-2.0
import WireFormat

extension Modbus {
    /// What the framer found next in a direction's byte stream.
    public enum FramerEvent: Sendable, Equatable {
        /// A whole ADU lies in the chunk at this range. `provisional` ADUs were found by probing after a capture
        /// gap: they are reported as transactions only once pairing confirms them.
        case adu(Range<Int>, provisional: Bool)
        /// A whole ADU, split across chunks, was assembled in the framer: read it with ``Framer/bufferedADU``.
        case bufferedADU(provisional: Bool)
        /// An MBAP header that cannot be Modbus (protocol identifier not 0, length outside 2..254): reported;
        /// the framer probes for the next boundary.
        case invalidHeader(MBAPHeader, anomalies: InvalidHeader)
        /// `count` bytes were skipped while probing for an ADU boundary.
        case skipped(count: Int)
        /// The direction's bytes never formed Modbus: decoding stops for good in this direction.
        case notModbus
        /// Everything in the chunk was consumed; more bytes are needed.
        case needMoreData
    }

    /// Which header checks failed.
    public struct InvalidHeader: OptionSet, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let protocolIdentifier = InvalidHeader(rawValue: 1)
        public static let length = InvalidHeader(rawValue: 2)
    }

    /// Cuts one direction's reassembled byte stream into ADUs by the MBAP length (MB-TCP §3.1.3: the length is
    /// authoritative; the function's own length is only a cross-check).
    ///
    /// Contract (the shape of NIO's `ByteToMessageDecoder`, without NIO): hand each in-order chunk to
    /// ``next(in:offset:)`` until it returns ``FramerEvent/needMoreData``; report holes with ``gap(length:)``.
    /// ADUs inside one chunk are returned as ranges of it (no copy); an ADU split across chunks is copied into a
    /// bounded 260-byte buffer (the largest ADU).
    ///
    /// After a bad header, a mid-stream start or a gap, the framer probes for the next plausible MBAP header:
    /// protocol identifier 0, length 2..254, a function code that fits the direction, and an ADU that ends
    /// exactly at the chunk's end or is followed by another plausible header. ADUs found after a gap are
    /// *provisional* until ``confirm()``.
    public struct Framer: Sendable {
        private enum State: Sendable, Equatable {
            case synchronized(provisional: Bool)
            case hunting(afterGap: Bool)
            case rejected
        }

        /// Whether this direction carries requests (client to server).
        public let carriesRequests: Bool
        public let limits: Limits
        private var state: State
        private var partial: [UInt8] = []
        /// While probing: the last bytes of the previous chunk (fewer than a header plus function code), so that a
        /// header split across segments can still be found.
        private var probeCarry: [UInt8] = []
        /// Valid ADUs framed so far.
        public private(set) var framedADUs = 0
        /// Bytes seen before the first valid ADU.
        private var unconfirmedBytes = 0
        /// An invalid header's declared ADU size and the bytes seen since, for the end-of-stream check.
        private var invalidDeclaredSize = 0
        private var bytesSinceInvalidHeader = 0

        /// Creates a framer for one direction.
        ///
        /// - Parameters:
        ///   - carriesRequests: whether the direction is client to server.
        ///   - atStreamStart: whether the stream starts at its first byte (a SYN was seen); otherwise the framer
        ///     probes for a boundary (mid-stream pickup).
        public init(carriesRequests: Bool, atStreamStart: Bool, limits: Limits = Limits()) {
            self.carriesRequests = carriesRequests
            self.limits = limits
            self.state = atStreamStart ? .synchronized(provisional: false) : .hunting(afterGap: false)
        }

        /// The ADU assembled across chunks, valid after ``FramerEvent/bufferedADU(provisional:)`` until the next
        /// call. The bytes are the framer's own buffer.
        public var bufferedADU: [UInt8] { partial }

        /// Confirms a provisional ADU (its request or response paired): later ADUs are no longer provisional.
        public mutating func confirm() {
            if case .synchronized(provisional: true) = state { state = .synchronized(provisional: false) }
        }

        /// Reports that `length` bytes of the stream are missing. Any partial ADU is lost with them.
        public mutating func gap(length: Int) {
            guard state != .rejected else { return }
            partial.removeAll(keepingCapacity: true)
            probeCarry.removeAll(keepingCapacity: true)
            state = .hunting(afterGap: true)
        }

        /// Ends the stream: whether it ended inside an ADU (``Anomaly/truncatedADUAtEOF``).
        public mutating func finish() -> Bool {
            defer { partial.removeAll(keepingCapacity: true) }
            if state == .rejected { return false }
            if !partial.isEmpty { return true }
            if invalidDeclaredSize > 0 && bytesSinceInvalidHeader < invalidDeclaredSize { return true }
            return false
        }

        // MARK: - Framing

        /// Finds the next ADU or event in `chunk` from `offset`, moving `offset` past what it consumed.
        public mutating func next(in chunk: borrowing Span<UInt8>, offset: inout Int) -> FramerEvent {
            while true {
                let available = chunk.count - offset
                guard available > 0 else { return .needMoreData }
                switch state {
                case .rejected:
                    offset = chunk.count
                    return .needMoreData
                case .synchronized(let provisional):
                    if !partial.isEmpty {
                        return continuePartial(chunk, offset: &offset, provisional: provisional)
                    }
                    if available < Limits.mbapHeaderSize {
                        startPartial(chunk, offset: &offset)
                        return .needMoreData
                    }
                    // Bounds: at least 7 bytes from offset (checked above).
                    let header = MBAPHeader(uncheckedParsing: chunk, at: offset)  // 7 bytes present: checked above
                    let size = header.aduSize
                    if let problem = Self.problems(of: header) {
                        // A length over 254 that the stream itself confirms (the ADU ends with the segment, or
                        // another header follows) is a device bending the spec, as some vendors' engineering
                        // protocols on FC 90 do: decode it and let the message's checks flag the length.
                        let confirmed = offset + size == chunk.count || isPlausibleHeader(chunk, at: offset + size)
                        if problem == .length && header.length > 254 && available >= size && confirmed {
                            let range = offset..<(offset + size)
                            offset += size
                            noteValidADU(size)
                            return .adu(range, provisional: provisional)
                        }
                        return rejectOrHunt(header, problem, chunk, offset: &offset)
                    }
                    if available >= size {
                        let range = offset..<(offset + size)
                        offset += size
                        noteValidADU(size)
                        return .adu(range, provisional: provisional)
                    }
                    // The ADU continues in a later chunk, unless the MBAP length is wrong and the function's own
                    // length is the one this chunk confirms (a corrupted length must not swallow the stream).
                    if let implied = impliedADUSize(chunk, at: offset), implied < size, implied <= available,
                        offset + implied == chunk.count || isPlausibleHeader(chunk, at: offset + implied)
                    {
                        // Framed by the function's length; the message's own checks report the MBAP length
                        // (DATA_LENGTH, `modbus.invalid_length`) because it disagrees with the ADU's size.
                        let range = offset..<(offset + implied)
                        offset += implied
                        noteValidADU(implied)
                        return .adu(range, provisional: provisional)
                    }
                    startPartial(chunk, offset: &offset)
                    return .needMoreData
                case .hunting(let afterGap):
                    if offset == 0 && !probeCarry.isEmpty {
                        if let skipped = probeAcrossBoundary(chunk, afterGap: afterGap) {
                            if skipped > 0 {
                                noteSkipped(skipped)
                                return .skipped(count: skipped)
                            }
                            continue
                        }
                    }
                    if let found = findBoundary(chunk, from: offset) {
                        let skipped = found - offset
                        offset = found
                        state = .synchronized(provisional: afterGap)
                        if skipped > 0 {
                            noteSkipped(skipped)
                            return .skipped(count: skipped)
                        }
                        continue
                    }
                    // Within the first bytes of a segment, a header with protocol identifier 0 and a bad length
                    // is still worth reporting: it is Modbus with a broken length, not random bytes.
                    if offset == 0, available >= Limits.mbapHeaderSize {
                        let header = MBAPHeader(uncheckedParsing: chunk, at: 0)  // 7 bytes present: checked above
                        if header.hasValidProtocolIdentifier && !header.hasValidLength {
                            offset = chunk.count
                            noteSkipped(available)
                            invalidDeclaredSize = header.aduSize
                            bytesSinceInvalidHeader = available
                            if tooManyUnconfirmedBytes { return rejected() }
                            return .invalidHeader(header, anomalies: .length)
                        }
                    }
                    // Keep the last bytes: they may begin a header that the next segment completes.
                    probeCarry.removeAll(keepingCapacity: true)
                    for index in max(offset, chunk.count - Limits.mbapHeaderSize)..<chunk.count {
                        probeCarry.append(chunk[index])
                    }
                    offset = chunk.count
                    noteSkipped(available)
                    if tooManyUnconfirmedBytes { return rejected() }
                    return .skipped(count: available)
                }
            }
        }

        private var tooManyUnconfirmedBytes: Bool {
            framedADUs == 0 && unconfirmedBytes > limits.maxUnconfirmedBytesPerDirection
        }

        private mutating func rejected() -> FramerEvent {
            state = .rejected
            partial.removeAll(keepingCapacity: true)
            return .notModbus
        }

        private mutating func noteValidADU(_ size: Int) {
            framedADUs += 1
            invalidDeclaredSize = 0
            bytesSinceInvalidHeader = 0
        }

        private mutating func noteSkipped(_ count: Int) {
            if framedADUs == 0 { unconfirmedBytes += count }
            bytesSinceInvalidHeader += count
        }

        /// A header that failed its checks, in synchronized state.
        private mutating func rejectOrHunt(
            _ header: MBAPHeader,
            _ problem: InvalidHeader,
            _ chunk: borrowing Span<UInt8>,
            offset: inout Int
        ) -> FramerEvent {
            // The first bytes of a direction, with a protocol identifier that is not 0, are another protocol on
            // the port (MB-TCP §3.1.3): say so at once rather than wait for thousands of bytes.
            if framedADUs == 0 && problem.contains(.protocolIdentifier) && unconfirmedBytes == 0 {
                return rejected()
            }
            state = .hunting(afterGap: false)
            invalidDeclaredSize = header.aduSize
            bytesSinceInvalidHeader = 0
            offset += 1  // probe from the next byte: a zero length must not stall the stream
            noteSkipped(1)
            return .invalidHeader(header, anomalies: problem)
        }

        /// Nil when the header passes the checks of MB-TCP §3.1.3.
        static func problems(of header: MBAPHeader) -> InvalidHeader? {
            var problem: InvalidHeader = []
            if !header.hasValidProtocolIdentifier { problem.insert(.protocolIdentifier) }
            if !header.hasValidLength { problem.insert(.length) }
            return problem.isEmpty ? nil : problem
        }

        private mutating func startPartial(_ chunk: borrowing Span<UInt8>, offset: inout Int) {
            if partial.capacity < Limits.maximumADUSize { partial.reserveCapacity(Limits.maximumADUSize) }
            for index in offset..<chunk.count { partial.append(chunk[index]) }  // the deliberate copy of a split ADU
            offset = chunk.count
        }

        private mutating func continuePartial(
            _ chunk: borrowing Span<UInt8>,
            offset: inout Int,
            provisional: Bool
        ) -> FramerEvent {
            if partial.count < Limits.mbapHeaderSize {
                let take = min(Limits.mbapHeaderSize - partial.count, chunk.count - offset)
                for index in offset..<(offset + take) { partial.append(chunk[index]) }
                offset += take
                if partial.count < Limits.mbapHeaderSize { return .needMoreData }
                let header = partial.withUnsafeBufferPointerFreeHeader()
                if let problem = Self.problems(of: header) {
                    partial.removeAll(keepingCapacity: true)
                    // The header began in the previous chunk; probe again from this chunk's next byte.
                    return rejectOrHuntSplit(header, problem)
                }
            }
            let header = partial.withUnsafeBufferPointerFreeHeader()
            let size = header.aduSize
            let take = min(size - partial.count, chunk.count - offset)
            for index in offset..<(offset + take) { partial.append(chunk[index]) }
            offset += take
            if partial.count < size { return .needMoreData }
            noteValidADU(size)
            return .bufferedADU(provisional: provisional)
        }

        private mutating func rejectOrHuntSplit(_ header: MBAPHeader, _ problem: InvalidHeader) -> FramerEvent {
            if framedADUs == 0 && problem.contains(.protocolIdentifier) && unconfirmedBytes == 0 {
                return rejected()
            }
            state = .hunting(afterGap: false)
            invalidDeclaredSize = header.aduSize
            bytesSinceInvalidHeader = Limits.mbapHeaderSize
            noteSkipped(Limits.mbapHeaderSize)
            return .invalidHeader(header, anomalies: problem)
        }

        /// Releases the buffered ADU after the caller has read it.
        public mutating func releaseBufferedADU() {
            partial.removeAll(keepingCapacity: true)
        }

        // MARK: - Probing

        /// Probes the header positions that begin in the carried tail of the previous chunk and continue in
        /// `chunk`. On success the ADU's first bytes become the split-ADU buffer and the framer is synchronised.
        ///
        /// - Returns: how many carried bytes were skipped before the ADU, or nil when no position fits.
        private mutating func probeAcrossBoundary(_ chunk: borrowing Span<UInt8>, afterGap: Bool) -> Int? {
            defer { probeCarry.removeAll(keepingCapacity: true) }
            // The carry (at most 7 bytes) and enough of the chunk to hold one maximum ADU and the next header.
            var window = probeCarry
            let taken = min(chunk.count, Limits.maximumADUSize + 8)
            for index in 0..<taken { window.append(chunk[index]) }
            let whole = probeCarry.count + chunk.count
            for position in 0..<probeCarry.count where isPlausibleHeader(window.span, at: position) {
                let end = position + 6 + Int(window.span.loadUInt16BigEndian(at: position + 4))
                guard end == whole || isPlausibleHeader(window.span, at: end) || end > window.count else { continue }
                if partial.capacity < Limits.maximumADUSize { partial.reserveCapacity(Limits.maximumADUSize) }
                partial.removeAll(keepingCapacity: true)
                for index in position..<probeCarry.count { partial.append(probeCarry[index]) }
                state = .synchronized(provisional: afterGap)
                return position
            }
            return nil
        }

        /// Whether a plausible MBAP header starts at `offset`: protocol identifier 0, length 2..254, and a
        /// function code that fits the direction (requests 1..127; responses 1..127 or an exception 0x81..0xFF).
        func isPlausibleHeader(_ chunk: borrowing Span<UInt8>, at offset: Int) -> Bool {
            guard offset >= 0, chunk.count - offset >= 8 else { return false }
            guard chunk[offset + 2] == 0, chunk[offset + 3] == 0 else { return false }
            let length = Int(chunk.loadUInt16BigEndian(at: offset + 4))
            guard length >= Limits.minimumMBAPLength && length <= Limits.maximumMBAPLength else { return false }
            let function = chunk[offset + 7]
            if carriesRequests { return function >= 1 && function <= 127 }
            return function != 0 && function != 0x80
        }

        /// The first offset from `start` where a plausible ADU begins and either ends exactly at the chunk's end,
        /// is followed by another plausible header, or (at the chunk's first byte) continues into the next chunk.
        func findBoundary(_ chunk: borrowing Span<UInt8>, from start: Int) -> Int? {
            var position = start
            while chunk.count - position >= 8 {
                if isPlausibleHeader(chunk, at: position) {
                    let end = position + 6 + Int(chunk.loadUInt16BigEndian(at: position + 4))
                    if end == chunk.count || isPlausibleHeader(chunk, at: end) || (position == 0 && end > chunk.count) {
                        return position
                    }
                }
                position += 1
            }
            return nil
        }

        /// The ADU size the function code and its own count fields imply (MB §6), or nil where they cannot say.
        func impliedADUSize(_ chunk: borrowing Span<UInt8>, at offset: Int) -> Int? {
            let pdu = offset + 7
            guard pdu < chunk.count else { return nil }
            let function = chunk[pdu]
            func byte(_ index: Int) -> Int? { pdu + index < chunk.count ? Int(chunk[pdu + index]) : nil }
            let pduSize: Int?
            if !carriesRequests && function & 0x80 != 0 {
                pduSize = 2
            } else if carriesRequests {
                switch function {
                case 1...6: pduSize = 5
                case 15, 16: pduSize = byte(5).map { 6 + $0 }
                case 22: pduSize = 7
                case 23: pduSize = byte(9).map { 10 + $0 }
                case 24: pduSize = 3
                case 7, 11, 12, 17: pduSize = 1
                default: pduSize = nil
                }
            } else {
                switch function {
                case 1...4, 12, 17, 20, 21, 23: pduSize = byte(1).map { 2 + $0 }
                case 5, 6, 15, 16: pduSize = 5
                case 22: pduSize = 7
                case 7: pduSize = 2
                case 11: pduSize = 5
                default: pduSize = nil
                }
            }
            return pduSize.map { 7 + $0 }
        }
    }
}

extension Array where Element == UInt8 {
    /// Reads the MBAP header from the first 7 bytes; the caller has checked there are 7.
    fileprivate func withUnsafeBufferPointerFreeHeader() -> Modbus.MBAPHeader {
        Modbus.MBAPHeader(
            transactionIdentifier: UInt16(self[0]) << 8 | UInt16(self[1]),
            protocolIdentifier: UInt16(self[2]) << 8 | UInt16(self[3]),
            length: UInt16(self[4]) << 8 | UInt16(self[5]),
            unitIdentifier: self[6]
        )
    }
}

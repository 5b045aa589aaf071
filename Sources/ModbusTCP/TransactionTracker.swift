// SPDX-License-Identifier: Apache-2.0
public import WireFormat

extension Modbus {
    /// A request waiting for its response, with an owned copy of its ADU (at most 260 bytes).
    public struct PendingRequest: Sendable {
        /// The flow's transaction number (Suricata's `modbus.id`), 1-based.
        public var transactionNumber: Int
        public var message: Message
        /// The request ADU bytes; ``Message`` ranges index these.
        public var adu: [UInt8]
        /// The 1-based number of the packet that completed the request.
        public var packetNumber: UInt64
        public var timestamp: CaptureTimestamp
        /// Found by probing after a gap and not yet confirmed.
        public var provisional: Bool
    }

    /// Pairs requests with responses by transaction identifier, unit identifier and function (the rule
    /// Suricata's parser uses), with a bounded list of pending requests and capture-time expiry.
    ///
    /// The list is kept in arrival order; lookups scan it, which is cheap because a polling client has one or a
    /// few requests outstanding, and bounded by ``Limits/maxPendingTransactionsPerFlow`` when it is not.
    /// ADU buffers are recycled, so steady-state pairing allocates nothing.
    public struct TransactionTracker: Sendable {
        public let limits: Limits
        public private(set) var pending: [PendingRequest] = []
        private var spareBuffers: [[UInt8]] = []
        /// The last transaction number given out.
        public private(set) var lastTransactionNumber = 0
        /// Whether the flow is over its pending limit (reported once per crossing).
        public private(set) var isFlooded = false

        public init(limits: Limits = Limits()) {
            self.limits = limits
        }

        /// The next transaction number (for a request, or a response with no request).
        public mutating func nextTransactionNumber() -> Int {
            lastTransactionNumber += 1
            return lastTransactionNumber
        }

        /// What adding a request did.
        public struct AddResult: Sendable, Equatable {
            /// The flow just went over the pending limit (`modbus.flooded`).
            public var flooded = false
            /// The oldest pending request was given up to make room: pop it with ``popEvicted()``.
            public var evicted = false
        }

        private var evicted: PendingRequest?

        /// Stores a request until its response arrives.
        public mutating func add(
            _ message: Message,
            adu: borrowing Span<UInt8>,
            packetNumber: UInt64,
            timestamp: CaptureTimestamp,
            provisional: Bool
        ) -> AddResult {
            var result = AddResult()
            if pending.count >= limits.maxPendingTransactionsPerFlow {
                if !isFlooded {
                    isFlooded = true
                    result.flooded = true
                }
                evicted = pending.removeFirst()
                result.evicted = true
            }
            var buffer = spareBuffers.popLast() ?? []
            buffer.removeAll(keepingCapacity: true)
            // Sized to the ADU: a flood of 12-byte requests must not hold 260 bytes each.
            if buffer.capacity < adu.count { buffer.reserveCapacity(adu.count) }
            for index in 0..<adu.count { buffer.append(adu[index]) }  // retain the request ADU for pairing
            pending.append(
                PendingRequest(
                    transactionNumber: nextTransactionNumber(),
                    message: message,
                    adu: buffer,
                    packetNumber: packetNumber,
                    timestamp: timestamp,
                    provisional: provisional
                )
            )
            return result
        }

        /// The request evicted by the last ``add(_:adu:packetNumber:timestamp:provisional:)``.
        public mutating func popEvicted() -> PendingRequest? {
            defer { evicted = nil }
            return evicted
        }

        /// The index of the oldest pending request the response answers: same transaction identifier, unit
        /// identifier and function (exception bit cleared).
        public func match(_ response: Message) -> Int? {
            let function = response.functionCode.function
            for index in pending.indices {
                let request = pending[index].message
                if request.header.transactionIdentifier == response.header.transactionIdentifier
                    && request.header.unitIdentifier == response.header.unitIdentifier
                    && request.functionCode.function == function
                {
                    return index
                }
            }
            return nil
        }

        /// Removes and returns the pending request at `index`; give its buffer back with ``recycle(_:)``.
        public mutating func remove(at index: Int) -> PendingRequest {
            let request = pending.remove(at: index)
            if pending.count < limits.maxPendingTransactionsPerFlow / 2 { isFlooded = false }
            return request
        }

        /// Removes and returns the oldest request older than the response timeout at `now`, if any.
        public mutating func popExpired(now: CaptureTimestamp) -> PendingRequest? {
            guard let first = pending.first,
                now.microseconds(since: first.timestamp) > limits.responseTimeoutMicroseconds
            else { return nil }
            return remove(at: 0)
        }

        /// Removes and returns the oldest pending request (at the end of the flow).
        public mutating func popOldest() -> PendingRequest? {
            pending.isEmpty ? nil : remove(at: 0)
        }

        /// Takes back a finished request's buffer for reuse.
        public mutating func recycle(_ request: consuming PendingRequest) {
            guard spareBuffers.count < 8 else { return }
            // Take the buffer out of the request, so that emptying it cannot trigger a copy-on-write.
            var buffer: [UInt8] = []
            swap(&buffer, &request.adu)
            buffer.removeAll(keepingCapacity: true)
            spareBuffers.append(buffer)
        }
    }

    /// Whether a response fits its request (MB §6): byte counts for the quantity read, echoed addresses, values
    /// and quantities. Exception responses always fit. Both messages' ranges index their own ADU spans.
    public static func responseMatchesRequest(
        request: Message,
        requestADU: borrowing Span<UInt8>,
        response: Message,
        responseADU: borrowing Span<UInt8>
    ) -> Bool {
        if response.functionCode.isException { return true }
        switch (request.fields, response.fields) {
        case (.readRequest(_, let quantity), .readResponse(let byteCount, _)):
            let expected = request.functionCode.rawValue <= 2 ? (Int(quantity) + 7) / 8 : Int(quantity) * 2
            return Int(byteCount) == expected
        case (.readWriteRequest(_, let readQuantity, _, _, _, _), .readResponse(let byteCount, _)):
            return Int(byteCount) == Int(readQuantity) * 2
        case (.writeSingle(let a1, let v1), .writeSingle(let a2, let v2)):
            return a1 == a2 && v1 == v2
        case (.writeMultipleRequest(let a1, let q1, _, _), .writeMultipleResponse(let a2, let q2)):
            return a1 == a2 && q1 == q2
        case (.maskWrite(let a1, let and1, let or1), .maskWrite(let a2, let and2, let or2)):
            return a1 == a2 && and1 == and2 && or1 == or2
        case (.diagnostic(let s1, let d1), .diagnostic(let s2, let d2)):
            guard s1 == s2 else { return false }
            // Return Query Data (0) echoes the request data (MB §6.8.1).
            if s1 == 0 {
                guard d1.count == d2.count else { return false }
                for i in 0..<d1.count where requestADU[d1.lowerBound + i] != responseADU[d2.lowerBound + i] {
                    return false
                }
            }
            return true
        case (.readDeviceIdentificationRequest(let c1, _), .readDeviceIdentificationResponse(let c2, _, _, _, _, _)):
            return c1 == c2
        default:
            return true
        }
    }
}

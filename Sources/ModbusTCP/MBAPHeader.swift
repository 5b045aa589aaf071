// SPDX-License-Identifier: Apache-2.0
public import WireFormat

extension Modbus {
    /// The Modbus Application Protocol header that starts every Modbus/TCP ADU (MB-TCP §3.1.3).
    ///
    /// ```
    ///  0       1       2       3       4       5       6       7 ...
    /// +-------+-------+-------+-------+-------+-------+-------+-------------------+
    /// |  Transaction  |   Protocol    |    Length     | Unit  | PDU (Length - 1)  |
    /// |  Identifier   |  Identifier=0 | (unit + PDU)  |  Id   | function code ... |
    /// +-------+-------+-------+-------+-------+-------+-------+-------------------+
    /// ```
    public struct MBAPHeader: Hashable, Sendable {
        /// Chosen by the client, echoed by the server; pairs a response with its request.
        public var transactionIdentifier: UInt16
        /// 0 for Modbus; anything else is not Modbus.
        public var protocolIdentifier: UInt16
        /// The number of bytes that follow: the unit identifier and the PDU (2...254).
        public var length: UInt16
        /// Identifies a remote server behind a gateway (the serial-line address); 0xFF or 0 when unused.
        public var unitIdentifier: UInt8

        public init(transactionIdentifier: UInt16, protocolIdentifier: UInt16, length: UInt16, unitIdentifier: UInt8) {
            self.transactionIdentifier = transactionIdentifier
            self.protocolIdentifier = protocolIdentifier
            self.length = length
            self.unitIdentifier = unitIdentifier
        }

        /// Reads the 7 header bytes at the start of `bytes`. The fields are not judged here.
        ///
        /// - Throws: ``WireError/truncated(at:needed:available:)`` when fewer than 7 bytes are given.
        @inlinable
        public init(parsing bytes: borrowing Span<UInt8>) throws(WireError) {
            try self.init(parsing: bytes, at: 0)
        }

        /// Reads the 7 header bytes at `offset` of `bytes`.
        @inlinable
        public init(parsing bytes: borrowing Span<UInt8>, at offset: Int) throws(WireError) {
            guard offset >= 0, bytes.count - offset >= Limits.mbapHeaderSize else {
                throw .truncated(at: offset, needed: Limits.mbapHeaderSize, available: max(bytes.count - offset, 0))
            }
            self.init(uncheckedParsing: bytes, at: offset)  // bounds checked just above
        }

        /// Reads the header at `offset`; the caller has checked that 7 bytes are there.
        @usableFromInline
        init(uncheckedParsing bytes: borrowing Span<UInt8>, at offset: Int) {
            transactionIdentifier = bytes.loadUInt16BigEndian(at: offset)
            protocolIdentifier = bytes.loadUInt16BigEndian(at: offset + 2)
            length = bytes.loadUInt16BigEndian(at: offset + 4)
            unitIdentifier = bytes[offset + 6]
        }

        /// Whether the protocol identifier is 0 (MB-TCP §3.1.3: "0 = MODBUS protocol").
        @inlinable
        public var hasValidProtocolIdentifier: Bool { protocolIdentifier == 0 }

        /// Whether the length is within 2...254.
        @inlinable
        public var hasValidLength: Bool {
            Int(length) >= Limits.minimumMBAPLength && Int(length) <= Limits.maximumMBAPLength
        }

        /// The whole ADU's size in bytes: the 6 bytes before the unit identifier plus `length`.
        @inlinable
        public var aduSize: Int { 6 + Int(length) }
    }
}

// SPDX-License-Identifier: Apache-2.0

extension DNP3.Application {
    /// The qualifier octet of an object header (IEEE 1815-2012 §4.4.5, Figure 4-6 and Tables 4-4, 4-5).
    ///
    /// ```
    ///    7     6 5 4          3 2 1 0
    /// +-----+-------------+------------+
    /// | res | prefix code | range code |
    /// +-----+-------------+------------+
    /// ```
    ///
    /// Prefix codes: 0 none, 1-3 an index of 1, 2 or 4 octets, 4-6 an object size of 1, 2 or 4 octets, 7 reserved.
    /// Range codes: 0-2 start and stop indexes of 1, 2 or 4 octets, 3-5 the same as virtual addresses, 6 no range
    /// (all objects), 7-9 a count of 1, 2 or 4 octets, 0xB a 1-octet count of free-format objects, others reserved.
    public struct QualifierCode: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public init(_ rawValue: UInt8) { self.rawValue = rawValue }

        /// The object prefix code, bits 4-6.
        public var prefixCode: UInt8 { (rawValue >> 4) & 0x07 }
        /// The range specifier code, bits 0-3.
        public var rangeCode: UInt8 { rawValue & 0x0F }
        /// Bit 7, reserved: zero on the wire.
        public var reservedBitSet: Bool { rawValue & 0x80 != 0 }

        /// The size of each object prefix in octets, or nil for the reserved prefix code 7.
        public var prefixSize: Int? {
            switch prefixCode {
            case 0: 0
            case 1, 4: 1
            case 2, 5: 2
            case 3, 6: 4
            default: nil
            }
        }
        /// Whether the prefix is an index (codes 1-3) rather than a size (4-6).
        public var prefixIsIndex: Bool { (1...3).contains(prefixCode) }
        /// Whether the prefix is an object size (codes 4-6).
        public var prefixIsSize: Bool { (4...6).contains(prefixCode) }

        /// The size of the range field in octets, or nil for a reserved range code.
        public var rangeFieldSize: Int? {
            switch rangeCode {
            case 0, 3: 2
            case 1, 4: 4
            case 2, 5: 8
            case 6: 0
            case 7, 0xB: 1
            case 8: 2
            case 9: 4
            default: nil
            }
        }
        /// Whether the range field holds start and stop indexes (codes 0-5).
        public var isStartStop: Bool { rangeCode <= 5 }
        /// Whether the range field holds a count (codes 7-9 and 0xB).
        public var isCount: Bool { (7...9).contains(rangeCode) || rangeCode == 0xB }
    }

    /// One object header (IEEE 1815-2012 §4.4, Figure 4-5).
    ///
    /// ```
    /// +-------+-----------+-----------+---------------------------+
    /// | GROUP | VARIATION | QUALIFIER | RANGE (0, 1, 2, 4, 8 oct.)|
    /// +-------+-----------+-----------+---------------------------+
    /// ```
    public struct ObjectHeader: Hashable, Sendable {
        public var group: UInt8
        public var variation: UInt8
        public var qualifier: QualifierCode
        /// The start index (range codes 0-5), else 0.
        public var start: UInt32
        /// The stop index (range codes 0-5), else 0.
        public var stop: UInt32
        /// The number of objects the header declares: stop - start + 1, the count field, or 0 for "all objects"
        /// and for a stop below its start (which is reported).
        public var count: Int
        /// The header's own size in octets (3 plus the range field).
        public var size: Int

        /// A header known only by its first three octets (group, variation and a reserved qualifier): no range.
        init(group: UInt8, variation: UInt8, qualifier: QualifierCode) {
            self.group = group
            self.variation = variation
            self.qualifier = qualifier
            start = 0
            stop = 0
            count = 0
            size = 3
        }

        /// Reads the object header at `offset` of `view`.
        ///
        /// - Throws: ``DNP3/ParseError/objectHeaderTruncated(at:needed:available:)`` when the header or its range
        ///   field is cut off; ``DNP3/ParseError/reservedQualifier(_:at:)`` for a reserved prefix or range code.
        public init(
            parsing bytes: borrowing Span<UInt8>,
            view: DNP3.FragmentView,
            at offset: Int
        ) throws(DNP3.ParseError) {
            let available = view.count - offset
            guard available >= 3 else { throw .objectHeaderTruncated(at: offset, needed: 3, available: available) }
            group = view.byte(offset, in: bytes)
            variation = view.byte(offset + 1, in: bytes)
            qualifier = QualifierCode(view.byte(offset + 2, in: bytes))
            guard qualifier.prefixSize != nil, let rangeSize = qualifier.rangeFieldSize else {
                throw .reservedQualifier(qualifier.rawValue, at: offset + 2)
            }
            size = 3 + rangeSize
            guard available >= size else {
                throw .objectHeaderTruncated(at: offset, needed: size, available: available)
            }
            let field = offset + 3
            if qualifier.isStartStop {
                let width = rangeSize / 2
                start = UInt32(truncatingIfNeeded: view.unsignedLittleEndian(at: field, width: width, in: bytes))
                stop = UInt32(truncatingIfNeeded: view.unsignedLittleEndian(at: field + width, width: width, in: bytes))
                // In Int (64 bits): 0...0xFFFFFFFF holds 2^32 objects, which does not fit 32 bits.
                count = stop >= start ? Int(stop) - Int(start) + 1 : 0
            } else if qualifier.isCount {
                start = 0
                stop = 0
                count = Int(view.unsignedLittleEndian(at: field, width: rangeSize, in: bytes))
            } else {
                start = 0
                stop = 0
                count = 0
            }
        }

        /// Whether a start-stop range has its stop below its start (a malformed header: no count can be trusted).
        public var stopBeforeStart: Bool { qualifier.isStartStop && stop < start }

    }
}

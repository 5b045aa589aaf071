// SPDX-License-Identifier: Apache-2.0

extension DNP3.Link {
    /// CRC-16/DNP (IEEE 1815-2012 §9.2.2.2): polynomial 0x3D65, processed least significant bit first (the reflected
    /// polynomial 0xA6BC), initial value 0, the result complemented and sent low octet first. The check value of
    /// the ASCII string "123456789" is 0xEA82.
    public enum CRC {
        /// The 256-entry table of the reflected polynomial, built once.
        static let table: [UInt16] = (0..<256).map { index in
            var crc = UInt16(index)
            for _ in 0..<8 {
                crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA6BC : crc >> 1
            }
            return crc
        }

        /// The CRC of `bytes[range]`.
        public static func compute(_ bytes: borrowing Span<UInt8>, _ range: Range<Int>) -> UInt16 {
            // One bounds check for the range and the table, not one per octet.
            let octets = bytes.extracting(range)
            let table = Self.table.span
            var crc: UInt16 = 0
            for index in 0..<octets.count {
                crc = (crc >> 8) ^ table[Int(UInt8(truncatingIfNeeded: crc) ^ octets[index])]
            }
            return ~crc
        }

        /// Whether the two octets after `range` (low octet first) hold the CRC of `range`.
        public static func verify(_ bytes: borrowing Span<UInt8>, _ range: Range<Int>) -> Bool {
            guard range.upperBound + 2 <= bytes.count else { return false }
            let stored = UInt16(bytes[range.upperBound]) | UInt16(bytes[range.upperBound + 1]) << 8
            return compute(bytes, range) == stored
        }
    }
}

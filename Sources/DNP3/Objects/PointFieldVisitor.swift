// SPDX-License-Identifier: Apache-2.0

extension DNP3.Objects {
    /// Receives the fields of one decoded point, in wire order, named as Suricata's EVE output names them
    /// (suricata-eve.md §2.4; `online`, `restart`, ..., `value`, `timestamp`). The EVE writer, text writer and
    /// tests implement it; decoding builds no arrays and no strings.
    public protocol PointFieldVisitor {
        /// An unsigned field: flag bits (0 or 1), counts, codes, indexes, 48-bit DNP3 times (milliseconds since
        /// 1970-01-01 UTC).
        mutating func field(_ name: StaticString, _ value: UInt64)
        /// A signed field: analog values declared as signed integers (Annex A).
        mutating func field(_ name: StaticString, signed value: Int64)
        /// A floating-point field (IEEE 754 single or double precision values).
        mutating func field(_ name: StaticString, float value: Double)
        /// Octets written as a string (file names, text): `range` within `view`, read from `bytes`.
        mutating func field(
            _ name: StaticString,
            string range: Range<Int>,
            of view: DNP3.FragmentView,
            in bytes: borrowing Span<UInt8>
        )
        /// Octets written as base64 (keys, MACs, challenge data): `range` within `view`, read from `bytes`.
        mutating func field(
            _ name: StaticString,
            base64 range: Range<Int>,
            of view: DNP3.FragmentView,
            in bytes: borrowing Span<UInt8>
        )
    }
}

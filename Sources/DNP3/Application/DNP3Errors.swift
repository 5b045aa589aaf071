// SPDX-License-Identifier: Apache-2.0

extension DNP3 {
    /// Why the application layer of a fragment could not be parsed (further). Offsets are logical octets of the
    /// fragment (after the transport header).
    public enum ParseError: Error, Hashable, Sendable {
        /// A fragment shorter than its header: 2 octets for a request, 4 for a response (the IIN).
        case applicationHeaderTooShort(length: Int, needed: Int)
        /// An object header, or its range field, is cut off.
        case objectHeaderTruncated(at: Int, needed: Int, available: Int)
        /// A qualifier with the reserved prefix code 7 or a reserved range code (0xA, 0xC-0xF).
        case reservedQualifier(UInt8, at: Int)
        /// A start-stop range whose stop is below its start: the number of objects is unknown.
        case rangeStopBeforeStart(start: UInt32, stop: UInt32, at: Int)
        /// The objects a header declares need more octets than the fragment holds.
        case objectDataTruncated(group: UInt8, variation: UInt8, at: Int, needed: Int, available: Int)
        /// A group and variation the object library does not define, with data the parser cannot step over.
        case unknownGroupVariation(group: UInt8, variation: UInt8, at: Int)
        /// A qualifier that cannot go with the objects: packed objects with a prefix, or free-format objects
        /// without a size.
        case invalidQualifier(UInt8, group: UInt8, variation: UInt8, at: Int)
    }
}

extension DNP3.Application {
    /// Bounds of application-layer parsing. Hitting one is an anomaly; the work stops at the bound.
    public struct Limits: Sendable, Equatable {
        /// Object headers parsed per fragment. A 2048-octet fragment can hold 682 three-octet headers, and real
        /// masters write hundreds (285 zero-length VTO headers in one Write, iti-write_vto_empty_string.pcap), so
        /// the default fires only for fragments reassembled past the standard 2048 octets. Beyond the limit:
        /// `too_many_objects`.
        public var maxObjectsPerFragment = 1024
        /// Objects (points) one header may declare. 16,384 is every bit of a 2048-octet fragment of packed binary
        /// inputs, the most a legitimate header can carry. Beyond the limit: `too_many_points`, and the header's
        /// points are not listed (the count is still reported).
        public var maxPointsPerHeader = 16_384
        public init() {}
    }
}

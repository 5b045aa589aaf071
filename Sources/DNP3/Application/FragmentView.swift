// SPDX-License-Identifier: Apache-2.0

extension DNP3 {
    /// An application fragment (or a window on one), read without copying.
    ///
    /// A fragment that fits in one link frame is read in place: logical octet `i` of the fragment is user-data octet
    /// `i + 1` (after the transport header), which sits at frame offset `10 + 18 * (j / 16) + j % 16` because every
    /// 16 user-data octets are followed by their CRC (IEEE 1815-2012 §9.2.4.2). A fragment assembled from several
    /// frames is read from the contiguous buffer the transport assembler owns. The view holds positions only; every
    /// read takes the span again (STYLE.md §3).
    public struct FragmentView: Sendable, Hashable {
        /// Where logical octet 0 lies: a user-data index for an in-frame view, a span offset for a contiguous one.
        public let origin: Int
        /// The number of octets in the view.
        public let count: Int
        /// The offset of the link frame in the span, for an in-frame view.
        public let frameStart: Int
        /// Whether octets are mapped across the frame's CRC blocks.
        public let mapped: Bool

        private init(origin: Int, count: Int, frameStart: Int, mapped: Bool) {
            self.origin = origin
            self.count = count
            self.frameStart = frameStart
            self.mapped = mapped
        }

        /// The fragment carried whole by one frame: its user data after the transport header.
        public static func inFrame(_ userData: Link.UserData) -> FragmentView {
            FragmentView(origin: 1, count: max(userData.count - 1, 0), frameStart: userData.frameStart, mapped: true)
        }

        /// `count` contiguous octets from span offset `start`.
        public static func contiguous(start: Int = 0, count: Int) -> FragmentView {
            FragmentView(origin: start, count: count, frameStart: 0, mapped: false)
        }

        /// The octets `range` of this view as a view of their own (`range` must lie inside `0..<count`).
        public func slice(_ range: Range<Int>) -> FragmentView {
            precondition(range.lowerBound >= 0 && range.upperBound <= count, "slice outside the view")
            return FragmentView(
                origin: origin + range.lowerBound,
                count: range.count,
                frameStart: frameStart,
                mapped: mapped
            )
        }

        /// The span offset of logical octet `index`.
        @inlinable
        public func spanOffset(of index: Int) -> Int {
            let logical = origin + index
            return mapped ? frameStart + Link.Header.size + 18 * (logical >> 4) + (logical & 15) : logical
        }

        /// Logical octet `index` (0..<count), read from `bytes`.
        @inlinable
        public func byte(_ index: Int, in bytes: borrowing Span<UInt8>) -> UInt8 {
            bytes[spanOffset(of: index)]
        }

        /// The little-endian unsigned integer of `width` octets (1...8) at `index`; the caller checked the bounds.
        @inlinable
        public func unsignedLittleEndian(at index: Int, width: Int, in bytes: borrowing Span<UInt8>) -> UInt64 {
            var value: UInt64 = 0
            var position = width - 1
            while position >= 0 {
                value = value << 8 | UInt64(byte(index + position, in: bytes))
                position -= 1
            }
            return value
        }

        /// The little-endian two's-complement integer of `width` octets (1...8) at `index`, sign-extended.
        @inlinable
        public func signedLittleEndian(at index: Int, width: Int, in bytes: borrowing Span<UInt8>) -> Int64 {
            let raw = unsignedLittleEndian(at: index, width: width, in: bytes)
            guard width < 8 else { return Int64(bitPattern: raw) }
            let shift = UInt64(64 - 8 * width)
            return Int64(bitPattern: raw << shift) >> Int64(shift)
        }
    }
}

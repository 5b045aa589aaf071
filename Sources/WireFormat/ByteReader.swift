// SPDX-License-Identifier: Apache-2.0

/// A cursor over a borrowed span of bytes: it holds only the offset, and every read takes the span again.
///
/// This gives "consume from the front" reading without a `~Escapable` type (STYLE.md §3). All reads are big-endian
/// (network order) unless the name says otherwise, and every read checks its bounds and throws
/// ``WireError/truncated(at:needed:available:)`` rather than trapping.
public struct ByteReader: Sendable {
    /// The offset of the next byte to read, from the start of the span.
    public var offset: Int

    /// Creates a reader positioned at `offset`.
    @inlinable
    public init(offset: Int = 0) {
        self.offset = offset
    }

    /// The bytes left to read in `bytes`.
    @inlinable
    public func remaining(in bytes: borrowing Span<UInt8>) -> Int {
        bytes.count - offset
    }

    /// Throws unless `count` more bytes are available.
    @inlinable
    public func require(_ count: Int, in bytes: borrowing Span<UInt8>) throws(WireError) {
        let available = bytes.count - offset
        if count > available {
            throw .truncated(at: offset, needed: count, available: max(available, 0))
        }
    }

    /// Reads one byte.
    @inlinable
    public mutating func readUInt8(from bytes: borrowing Span<UInt8>) throws(WireError) -> UInt8 {
        try require(1, in: bytes)
        let value = bytes[offset]
        offset += 1
        return value
    }

    /// Reads a big-endian 16-bit integer.
    @inlinable
    public mutating func readUInt16BigEndian(from bytes: borrowing Span<UInt8>) throws(WireError) -> UInt16 {
        try require(2, in: bytes)
        let value = bytes.loadUInt16BigEndian(at: offset)  // bounds checked just above
        offset += 2
        return value
    }

    /// Reads a big-endian 32-bit integer.
    @inlinable
    public mutating func readUInt32BigEndian(from bytes: borrowing Span<UInt8>) throws(WireError) -> UInt32 {
        try require(4, in: bytes)
        let value = bytes.loadUInt32BigEndian(at: offset)  // bounds checked just above
        offset += 4
        return value
    }

    /// Skips `count` bytes and returns their range.
    @inlinable
    @discardableResult
    public mutating func skip(_ count: Int, in bytes: borrowing Span<UInt8>) throws(WireError) -> Range<Int> {
        precondition(count >= 0, "internal inconsistency: a negative byte count reached ByteReader.skip")
        try require(count, in: bytes)
        let range = offset..<(offset + count)
        offset += count
        return range
    }

    /// Returns the range of the next `count` bytes and moves past them; the same as ``skip(_:in:)``, named for
    /// the places where the range is the point.
    @inlinable
    public mutating func slice(count: Int, in bytes: borrowing Span<UInt8>) throws(WireError) -> Range<Int> {
        try skip(count, in: bytes)
    }

    /// Returns the range of every byte left and moves to the end.
    @inlinable
    public mutating func rest(in bytes: borrowing Span<UInt8>) -> Range<Int> {
        let range = offset..<max(offset, bytes.count)
        offset = range.upperBound
        return range
    }
}

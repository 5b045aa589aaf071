// SPDX-License-Identifier: Apache-2.0

/// A TCP sequence number with the modulo-2^32 comparison of RFC 9293 §3.4 ("sequence numbers are compared using
/// arithmetic modulo 2**32").
public struct SequenceNumber: Hashable, Sendable {
    public var rawValue: UInt32

    @inlinable
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// The signed distance from `other` to `self`: positive when `self` is ahead. Valid for distances under 2^31.
    @inlinable
    public func distance(from other: SequenceNumber) -> Int {
        Int(Int32(bitPattern: rawValue &- other.rawValue))
    }

    /// This sequence number advanced by `count` bytes, wrapping at 2^32.
    @inlinable
    public func advanced(by count: Int) -> SequenceNumber {
        SequenceNumber(rawValue &+ UInt32(truncatingIfNeeded: count))
    }
}

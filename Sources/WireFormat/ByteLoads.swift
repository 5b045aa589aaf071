// SPDX-License-Identifier: Apache-2.0

// Byte loads through `Span<UInt8>` subscripts (STYLE.md §3: no `unsafeLoad` outside PacketCapture). Callers check
// bounds once per structure; the span subscripts still check each index, which the optimiser folds where it can.

extension Span where Element == UInt8 {
    /// The big-endian 16-bit integer at `offset`; the caller has checked `offset + 2 <= count`.
    @inlinable
    @inline(__always)
    public func loadUInt16BigEndian(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    /// The little-endian 16-bit integer at `offset`; the caller has checked `offset + 2 <= count`.
    @inlinable
    @inline(__always)
    public func loadUInt16LittleEndian(at offset: Int) -> UInt16 {
        UInt16(self[offset + 1]) << 8 | UInt16(self[offset])
    }

    /// The big-endian 32-bit integer at `offset`; the caller has checked `offset + 4 <= count`.
    @inlinable
    @inline(__always)
    public func loadUInt32BigEndian(at offset: Int) -> UInt32 {
        UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8
            | UInt32(self[offset + 3])
    }

    /// The little-endian 32-bit integer at `offset`; the caller has checked `offset + 4 <= count`.
    @inlinable
    @inline(__always)
    public func loadUInt32LittleEndian(at offset: Int) -> UInt32 {
        UInt32(self[offset + 3]) << 24 | UInt32(self[offset + 2]) << 16 | UInt32(self[offset + 1]) << 8
            | UInt32(self[offset])
    }

    /// The big-endian 64-bit integer at `offset`; the caller has checked `offset + 8 <= count`.
    @inlinable
    @inline(__always)
    public func loadUInt64BigEndian(at offset: Int) -> UInt64 {
        UInt64(loadUInt32BigEndian(at: offset)) << 32 | UInt64(loadUInt32BigEndian(at: offset + 4))
    }
}

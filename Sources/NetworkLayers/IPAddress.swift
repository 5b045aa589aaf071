// SPDX-License-Identifier: Apache-2.0

/// An IPv4 or IPv6 address held in two integers, so that hashing and comparing it costs a few instructions.
///
/// IPv4 addresses are kept in the low 32 bits of `low` with `high == 0` and ``isIPv4`` set; the text forms follow
/// RFC 4291 §2.2 and RFC 5952 (IPv6, lowercase, longest zero run compressed) and dotted decimal (IPv4).
public struct IPAddress: Hashable, Comparable, Sendable {
    /// The first 64 bits of an IPv6 address; 0 for IPv4.
    public var high: UInt64
    /// The last 64 bits of an IPv6 address, or the IPv4 address in the low 32 bits.
    public var low: UInt64
    /// Whether this is an IPv4 address.
    public var isIPv4: Bool

    /// An IPv4 address from its 32-bit network-order value.
    @inlinable
    public init(ipv4: UInt32) {
        self.high = 0
        self.low = UInt64(ipv4)
        self.isIPv4 = true
    }

    /// An IPv6 address from its two 64-bit halves.
    @inlinable
    public init(ipv6High high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
        self.isIPv4 = false
    }

    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.isIPv4 ? 0 : 1, lhs.high, lhs.low) < (rhs.isIPv4 ? 0 : 1, rhs.high, rhs.low)
    }
}

extension IPAddress: CustomStringConvertible {
    public var description: String {
        if isIPv4 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        }
        var groups = [UInt16](repeating: 0, count: 8)
        for i in 0..<4 {
            groups[i] = UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(i)))
            groups[i + 4] = UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(i)))
        }
        // RFC 5952 §4.2: compress the longest run of two or more zero groups (the first one on a tie).
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        var text = ""
        index = 0
        while index < 8 {
            if index == bestStart {
                text += "::"
                index += bestLength
                continue
            }
            if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
            text += String(groups[index], radix: 16)
            index += 1
        }
        return text
    }
}

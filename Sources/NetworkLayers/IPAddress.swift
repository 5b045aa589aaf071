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

// MARK: - Parsing

extension IPAddress {
    /// The address written as `192.0.2.1` or `2001:db8::1`, or nil when the text is neither.
    public init?(parsing text: Substring) {
        if let v4 = Self.parseIPv4(text) {
            self.init(ipv4: v4)
        } else if let (high, low) = Self.parseIPv6(text) {
            self.init(ipv6High: high, low: low)
        } else {
            return nil
        }
    }

    /// The value of dotted-quad text (`192.0.2.1`, RFC 791 notation), or nil.
    public static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let octet = UInt8(part) else {
                return nil
            }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    /// The two halves of IPv6 text (RFC 4291 §2.2, with `::`; no embedded IPv4), or nil.
    public static func parseIPv6(_ text: Substring) -> (UInt64, UInt64)? {
        guard text.contains(":") else { return nil }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        let tail = halves.count == 2 ? groups(halves[1]) : []
        guard let tail else { return nil }
        let missing = 8 - head.count - tail.count
        guard halves.count == 2 ? missing >= 1 : missing == 0 else { return nil }
        let all = head + [UInt16](repeating: 0, count: max(missing, 0)) + tail
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (position, group) in all.enumerated() {
            if position < 4 { high = high << 16 | UInt64(group) } else { low = low << 16 | UInt64(group) }
        }
        return (high, low)
    }
}

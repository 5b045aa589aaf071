// SPDX-License-Identifier: Apache-2.0

/// Why a sequence of bytes could not be parsed as the structure asked for.
///
/// Every case carries the byte offset (from the start of the span handed to the parser) where parsing failed, and
/// the wire value that failed where there is one, so a caller can report the exact place (STYLE.md §4).
public enum WireError: Error, Equatable, Sendable {
    /// The structure needs `needed` bytes from `offset`, but only `available` remain.
    case truncated(at: Int, needed: Int, available: Int)
    /// A field holds a value the structure does not allow (e.g. an IP version of 2, an IHL below 5).
    case invalidField(Field, value: Int, at: Int)
    /// The link type is not one we decode.
    case unsupportedLinkType(Int)
    /// The frame carries a network protocol we do not decode (not IPv4 or IPv6).
    case unsupportedEtherType(Int, at: Int)

    /// The named fields that `invalidField` refers to.
    public enum Field: String, Sendable {
        case ipVersion = "IP version"
        case ipv4HeaderLength = "IPv4 header length"
        case ipv4TotalLength = "IPv4 total length"
        case ipv6ExtensionHeader = "IPv6 extension header"
        case tcpDataOffset = "TCP data offset"
        case udpLength = "UDP length"
        case vlanDepth = "VLAN tag depth"
        case nullFamily = "loopback address family"
        case sllHeader = "Linux cooked header"
        case dnp3StartOctets = "DNP3 start octets"
    }
}

extension WireError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .truncated(let offset, let needed, let available):
            return "truncated at byte \(offset): needed \(needed) bytes, \(available) available"
        case .invalidField(let field, let value, let offset):
            return "invalid \(field.rawValue) \(value) at byte \(offset)"
        case .unsupportedLinkType(let linkType):
            return "unsupported link type \(linkType)"
        case .unsupportedEtherType(let etherType, let offset):
            let hex = String(etherType, radix: 16)
            return "unsupported EtherType 0x\(hex) at byte \(offset)"
        }
    }
}

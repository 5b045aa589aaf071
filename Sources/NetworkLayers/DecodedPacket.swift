// SPDX-License-Identifier: Apache-2.0

/// What ``PacketDecoder`` found in one captured frame: the link, network and transport headers as values, and the
/// transport payload as a range of the frame (a window on the input, never a copy).
public struct DecodedPacket: Sendable {
    /// The transport protocol carried by the IP packet.
    public enum Transport: Sendable, Equatable {
        /// A TCP segment (RFC 9293 §3.1).
        case tcp
        /// A UDP datagram (RFC 768).
        case udp
        /// Another protocol number, not decoded.
        case other(UInt8)
        /// A fragment of an IP packet that was split: the transport header cannot be read on its own (or only in
        /// the first fragment); fragments are counted and reported, not reassembled.
        case fragment
    }

    /// Source MAC address (48 bits), or nil where the link type has none.
    public var sourceMAC: UInt64?
    /// Destination MAC address (48 bits), or nil where the link type has none.
    public var destinationMAC: UInt64?
    /// IEEE 802.1Q / 802.1ad VLAN identifiers, outermost first; up to ``PacketDecoder/maxVLANTagsPerFrame``.
    public var vlanIdentifiers: (UInt16, UInt16, UInt16) = (0, 0, 0)
    /// How many entries of ``vlanIdentifiers`` are set.
    public var vlanCount: Int = 0

    /// 4 or 6.
    public var ipVersion: UInt8
    public var source: IPAddress
    public var destination: IPAddress
    /// The IP protocol number of the transport (after IPv6 extension headers).
    public var ipProtocol: UInt8
    public var transport: Transport

    /// Source port (TCP or UDP), 0 otherwise.
    public var sourcePort: UInt16 = 0
    /// Destination port (TCP or UDP), 0 otherwise.
    public var destinationPort: UInt16 = 0
    /// TCP sequence number of the first payload byte (RFC 9293 §3.4).
    public var sequenceNumber: UInt32 = 0
    /// TCP acknowledgment number.
    public var acknowledgmentNumber: UInt32 = 0
    /// TCP flags (the low 8 bits of the flags field: CWR ECE URG ACK PSH RST SYN FIN).
    public var tcpFlags: TCPFlags = []

    /// The transport payload's bytes that are present in the frame.
    public var payload: Range<Int>
    /// How many payload bytes the headers declare; larger than `payload.count` when the capture cut the frame at
    /// its snapshot length (or the IP length field claims more than arrived).
    public var declaredPayloadLength: Int
    /// Bytes of IP packet after the headers, for the flow's byte counters: the IP total length where it is known.
    public var ipPacketLength: Int

    /// Whether the frame ended before the headers' declared length.
    @inlinable
    public var isPayloadTruncated: Bool { declaredPayloadLength > payload.count }
}

/// TCP control bits (RFC 9293 §3.1, RFC 3168 for CWR and ECE).
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)
}

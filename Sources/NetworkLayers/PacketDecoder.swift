// SPDX-License-Identifier: Apache-2.0
public import WireFormat

/// Decodes a captured frame's link, network and transport headers.
///
/// Checksums are not verified: captures taken on the sending host often carry offloaded (wrong) checksums, and a
/// bad checksum is no reason to drop a packet on a passive sensor.
public enum PacketDecoder {
    /// The most 802.1Q/802.1ad tags we walk through; QinQ uses two, three covers every deployment we know of.
    public static let maxVLANTagsPerFrame = 3
    /// The most IPv6 extension headers we skip before giving up (RFC 8200 §4.1 recommends at most one of each of
    /// the seven kinds, plus Destination Options twice).
    public static let maxIPv6ExtensionHeaders = 8

    /// Decodes `frame`, captured with link type `linkType`.
    ///
    /// - Returns: the headers as values and the payload as a range of `frame`.
    /// - Throws: ``WireError`` when the frame is too short for a header, a header field is invalid, or the frame
    ///   carries something other than IPv4/IPv6.
    public static func decode(_ frame: borrowing Span<UInt8>, linkType: LinkType) throws(WireError) -> DecodedPacket {
        var reader = ByteReader()
        var sourceMAC: UInt64? = nil
        var destinationMAC: UInt64? = nil
        var vlans: (UInt16, UInt16, UInt16) = (0, 0, 0)
        var vlanCount = 0
        let networkProtocol: NetworkProtocol

        switch linkType {
        case .ethernet:
            // +-----------------+-----------------+-----------+
            // | destination (6) |   source (6)    | type (2)  |  IEEE 802.3 clause 3.1.1
            // +-----------------+-----------------+-----------+
            try reader.require(14, in: frame)
            destinationMAC = frame.loadUInt48BigEndian(at: 0)
            sourceMAC = frame.loadUInt48BigEndian(at: 6)
            try reader.skip(12, in: frame)
            var etherType = try reader.readUInt16BigEndian(from: frame)
            // 802.1Q (0x8100), 802.1ad (0x88A8) and the old QinQ 0x9100: TCI (2) then the inner type (2).
            while etherType == 0x8100 || etherType == 0x88A8 || etherType == 0x9100 {
                if vlanCount == maxVLANTagsPerFrame {
                    throw .invalidField(.vlanDepth, value: vlanCount + 1, at: reader.offset)
                }
                let tci = try reader.readUInt16BigEndian(from: frame)
                switch vlanCount {
                case 0: vlans.0 = tci & 0x0FFF
                case 1: vlans.1 = tci & 0x0FFF
                default: vlans.2 = tci & 0x0FFF
                }
                vlanCount += 1
                etherType = try reader.readUInt16BigEndian(from: frame)
            }
            networkProtocol = try NetworkProtocol(etherType: etherType, at: reader.offset - 2)
        case .linuxSLL:
            // Linux cooked v1: packet type (2), ARPHRD (2), address length (2), address (8), protocol (2).
            try reader.require(16, in: frame)
            try reader.skip(14, in: frame)
            let etherType = try reader.readUInt16BigEndian(from: frame)
            networkProtocol = try NetworkProtocol(etherType: etherType, at: 14)
        case .linuxSLL2:
            // Linux cooked v2: protocol (2), reserved (2), interface index (4), ARPHRD (2), packet type (1),
            // address length (1), address (8).
            try reader.require(20, in: frame)
            let etherType = try reader.readUInt16BigEndian(from: frame)
            try reader.skip(18, in: frame)
            networkProtocol = try NetworkProtocol(etherType: etherType, at: 0)
        case .null, .loop:
            // A 4-byte address family: host byte order of the capturing machine for NULL, network order for LOOP.
            try reader.require(4, in: frame)
            let bigEndian = frame.loadUInt32BigEndian(at: 0)
            let family =
                linkType == .loop || bigEndian < 0x0001_0000 ? bigEndian : frame.loadUInt32LittleEndian(at: 0)
            try reader.skip(4, in: frame)
            switch family {
            case 2: networkProtocol = .ipv4  // AF_INET everywhere
            case 10, 24, 28, 30: networkProtocol = .ipv6  // AF_INET6: Linux, NetBSD/OpenBSD, FreeBSD, macOS
            default: throw .invalidField(.nullFamily, value: Int(family), at: 0)
            }
        case .raw, .rawOpenBSD, .rawLinkType:
            try reader.require(1, in: frame)
            networkProtocol = frame[0] >> 4 == 6 ? .ipv6 : .ipv4
        case .ipv4:
            networkProtocol = .ipv4
        case .ipv6:
            networkProtocol = .ipv6
        default:
            throw .unsupportedLinkType(linkType.rawValue)
        }

        var packet: DecodedPacket
        switch networkProtocol {
        case .ipv4: packet = try decodeIPv4(frame, at: reader.offset)
        case .ipv6: packet = try decodeIPv6(frame, at: reader.offset)
        }
        packet.sourceMAC = sourceMAC
        packet.destinationMAC = destinationMAC
        packet.vlanIdentifiers = vlans
        packet.vlanCount = vlanCount
        return packet
    }

    private enum NetworkProtocol {
        case ipv4, ipv6
        init(etherType: UInt16, at offset: Int) throws(WireError) {
            switch etherType {
            case 0x0800: self = .ipv4
            case 0x86DD: self = .ipv6
            default: throw .unsupportedEtherType(Int(etherType), at: offset)
            }
        }
    }

    // MARK: - IPv4

    /// Decodes an IPv4 header (RFC 791 §3.1) at `start`, then the transport.
    ///
    /// ```
    ///  0                   1                   2                   3
    ///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// |Version|  IHL  |Type of Service|          Total Length         |
    /// |         Identification        |Flags|      Fragment Offset    |
    /// |  Time to Live |    Protocol   |         Header Checksum       |
    /// |                       Source Address                          |
    /// |                    Destination Address                        |
    /// |                    Options (IHL > 5)                          |
    /// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    /// ```
    static func decodeIPv4(_ frame: borrowing Span<UInt8>, at start: Int) throws(WireError) -> DecodedPacket {
        let reader = ByteReader(offset: start)
        try reader.require(20, in: frame)
        let versionAndLength = frame[start]
        let version = versionAndLength >> 4
        guard version == 4 else { throw .invalidField(.ipVersion, value: Int(version), at: start) }
        let headerLength = Int(versionAndLength & 0x0F) * 4
        guard headerLength >= 20 else {
            throw .invalidField(.ipv4HeaderLength, value: headerLength, at: start)
        }
        try reader.require(headerLength, in: frame)  // options are skipped, not interpreted
        let totalLength = Int(frame.loadUInt16BigEndian(at: start + 2))
        guard totalLength >= headerLength else {
            throw .invalidField(.ipv4TotalLength, value: totalLength, at: start + 2)
        }
        let flagsAndOffset = frame.loadUInt16BigEndian(at: start + 6)
        let moreFragments = flagsAndOffset & 0x2000 != 0
        let fragmentOffset = flagsAndOffset & 0x1FFF
        let ipProtocol = frame[start + 9]
        let source = IPAddress(ipv4: frame.loadUInt32BigEndian(at: start + 12))
        let destination = IPAddress(ipv4: frame.loadUInt32BigEndian(at: start + 16))

        // Ethernet pads short frames: the payload ends at the total length, not at the end of the frame. A frame
        // cut short (snapshot length, or a lying total length) keeps what arrived.
        let transportStart = start + headerLength
        let declaredEnd = start + totalLength
        let end = min(declaredEnd, frame.count)
        var packet = DecodedPacket(
            ipVersion: 4,
            source: source,
            destination: destination,
            ipProtocol: ipProtocol,
            transport: .other(ipProtocol),
            payload: transportStart..<end,
            declaredPayloadLength: totalLength - headerLength,
            ipPacketLength: totalLength
        )
        if moreFragments || fragmentOffset != 0 {
            packet.transport = .fragment
            return packet
        }
        try decodeTransport(frame, into: &packet, start: transportStart, available: end, declaredEnd: declaredEnd)
        return packet
    }

    // MARK: - IPv6

    /// Decodes an IPv6 header (RFC 8200 §3) at `start`, skips extension headers (§4), then the transport.
    ///
    /// ```
    /// +-------+---------------+---------------------------------------+
    /// |Version| Traffic Class |              Flow Label               |
    /// |        Payload Length         |  Next Header  |   Hop Limit   |
    /// |                   Source Address (128 bits)                   |
    /// |                Destination Address (128 bits)                 |
    /// +---------------------------------------------------------------+
    /// ```
    static func decodeIPv6(_ frame: borrowing Span<UInt8>, at start: Int) throws(WireError) -> DecodedPacket {
        let reader = ByteReader(offset: start)
        try reader.require(40, in: frame)
        let version = frame[start] >> 4
        guard version == 6 else { throw .invalidField(.ipVersion, value: Int(version), at: start) }
        let payloadLength = Int(frame.loadUInt16BigEndian(at: start + 4))
        var nextHeader = frame[start + 6]
        let source = IPAddress(
            ipv6High: frame.loadUInt64BigEndian(at: start + 8),
            low: frame.loadUInt64BigEndian(at: start + 16)
        )
        let destination = IPAddress(
            ipv6High: frame.loadUInt64BigEndian(at: start + 24),
            low: frame.loadUInt64BigEndian(at: start + 32)
        )
        let declaredEnd = start + 40 + payloadLength
        let end = min(declaredEnd, frame.count)
        var offset = start + 40
        var isFragment = false
        var extensionCount = 0
        // Hop-by-Hop (0), Routing (43), Fragment (44), Destination Options (60), Mobility (135), HIP (139),
        // Shim6 (140) use (length + 1) * 8 bytes; AH (51) uses (length + 2) * 4 (RFC 4302 §2.2).
        while isIPv6ExtensionHeader(nextHeader) {
            extensionCount += 1
            guard extensionCount <= maxIPv6ExtensionHeaders else {
                throw .invalidField(.ipv6ExtensionHeader, value: Int(nextHeader), at: offset)
            }
            guard offset + 8 <= end else { throw .truncated(at: offset, needed: 8, available: max(end - offset, 0)) }
            let following = frame[offset]
            let length: Int
            var isLaterFragment = false
            if nextHeader == 44 {
                length = 8
                let fragmentField = frame.loadUInt16BigEndian(at: offset + 2)
                if fragmentField & 0xFFF9 != 0 { isFragment = true }  // offset != 0 or M set
                isLaterFragment = fragmentField & 0xFFF8 != 0
            } else if nextHeader == 51 {
                length = (Int(frame[offset + 1]) + 2) * 4
            } else {
                length = (Int(frame[offset + 1]) + 1) * 8
            }
            guard offset + length <= end else {
                throw .truncated(at: offset, needed: length, available: end - offset)
            }
            nextHeader = following
            offset += length
            // After a fragment header with a non-zero offset comes data from the middle of the original packet, not
            // the header that Next Header names (RFC 8200 §4.5): walking it would misread data as a header.
            if isLaterFragment { break }
        }
        var packet = DecodedPacket(
            ipVersion: 6,
            source: source,
            destination: destination,
            ipProtocol: nextHeader,
            transport: .other(nextHeader),
            payload: offset..<end,
            declaredPayloadLength: declaredEnd - offset,
            ipPacketLength: 40 + payloadLength
        )
        if isFragment {
            packet.transport = .fragment
            return packet
        }
        try decodeTransport(frame, into: &packet, start: offset, available: end, declaredEnd: declaredEnd)
        return packet
    }

    @inline(__always)
    private static func isIPv6ExtensionHeader(_ value: UInt8) -> Bool {
        switch value {
        case 0, 43, 44, 51, 60, 135, 139, 140: true
        default: false
        }
    }

    // MARK: - TCP and UDP

    /// Decodes a TCP header (RFC 9293 §3.1) or UDP header (RFC 768) at `start`; payload ranges stop at `available`.
    ///
    /// ```
    /// TCP:  | Source Port | Destination Port | Sequence Number | Acknowledgment Number |
    ///       | Data Offset (4) | Rsrvd (4) | Flags (8) | Window | Checksum | Urgent Pointer | Options ... |
    /// UDP:  | Source Port | Destination Port | Length | Checksum |
    /// ```
    static func decodeTransport(
        _ frame: borrowing Span<UInt8>,
        into packet: inout DecodedPacket,
        start: Int,
        available: Int,
        declaredEnd: Int
    ) throws(WireError) {
        switch packet.ipProtocol {
        case 6:
            guard start + 20 <= available else {
                throw .truncated(at: start, needed: 20, available: max(available - start, 0))
            }
            let dataOffset = Int(frame[start + 12] >> 4) * 4
            guard dataOffset >= 20 else { throw .invalidField(.tcpDataOffset, value: dataOffset, at: start + 12) }
            guard start + dataOffset <= available else {
                throw .truncated(at: start, needed: dataOffset, available: available - start)
            }
            packet.transport = .tcp
            packet.sourcePort = frame.loadUInt16BigEndian(at: start)
            packet.destinationPort = frame.loadUInt16BigEndian(at: start + 2)
            packet.sequenceNumber = frame.loadUInt32BigEndian(at: start + 4)
            packet.acknowledgmentNumber = frame.loadUInt32BigEndian(at: start + 8)
            packet.tcpFlags = TCPFlags(rawValue: frame[start + 13])
            packet.payload = (start + dataOffset)..<available
            packet.declaredPayloadLength = max(declaredEnd - start - dataOffset, 0)
        case 17:
            guard start + 8 <= available else {
                throw .truncated(at: start, needed: 8, available: max(available - start, 0))
            }
            let length = Int(frame.loadUInt16BigEndian(at: start + 4))
            guard length >= 8 else { throw .invalidField(.udpLength, value: length, at: start + 4) }
            packet.transport = .udp
            packet.sourcePort = frame.loadUInt16BigEndian(at: start)
            packet.destinationPort = frame.loadUInt16BigEndian(at: start + 2)
            let end = min(start + length, available)
            packet.payload = (start + 8)..<max(end, start + 8)
            packet.declaredPayloadLength = length - 8
        default:
            packet.payload = start..<available
            packet.declaredPayloadLength = declaredEnd - start
        }
    }
}

extension Span where Element == UInt8 {
    /// The big-endian 48-bit integer (a MAC address) at `offset`; the caller has checked `offset + 6 <= count`.
    @inline(__always)
    func loadUInt48BigEndian(at offset: Int) -> UInt64 {
        UInt64(loadUInt16BigEndian(at: offset)) << 32 | UInt64(loadUInt32BigEndian(at: offset + 2))
    }
}

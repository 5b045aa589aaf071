// SPDX-License-Identifier: Apache-2.0
import NetworkLayers
import Testing
import WireFormat

/// One frame that decodes: its link type, its bytes (one wire field per line), and the whole expected parse.
struct PacketFixture: Sendable, CustomTestStringConvertible {
    var name: String
    var linkType: LinkType
    var bytes: [UInt8]
    var expected: PacketValues
    /// The bytes `expected.payload` selects.
    var payloadBytes: [UInt8]
    var testDescription: String { name }
}

/// One frame that does not decode, and the exact error.
struct MalformedPacketFixture: Sendable, CustomTestStringConvertible {
    var name: String
    var linkType: LinkType
    var bytes: [UInt8]
    var error: WireError
    var testDescription: String { name }
}

// MARK: - Shared header blocks

/// 02:00:00:00:00:02 and 02:00:00:00:00:01 as 48-bit values.
private let clientMAC: UInt64 = 0x0200_0000_0001
private let serverMAC: UInt64 = 0x0200_0000_0002

private let ethernetMACs: [UInt8] = [
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02,  // destination MAC 02:00:00:00:00:02
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // source MAC 02:00:00:00:00:01
]

/// A 20-byte TCP header: 40000 -> 502, sequence 1000, acknowledgment 2000, PSH ACK.
private let tcpHeader: [UInt8] = [
    0x9C, 0x40,  // source port 40000
    0x01, 0xF6,  // destination port 502
    0x00, 0x00, 0x03, 0xE8,  // sequence number 1000
    0x00, 0x00, 0x07, 0xD0,  // acknowledgment number 2000
    0x50,  // data offset 5 (20 bytes), reserved 0
    0x18,  // flags PSH ACK
    0xFF, 0xFF,  // window 65535
    0x00, 0x00,  // checksum (not checked)
    0x00, 0x00,  // urgent pointer
]

/// The values every fixture with ``tcpHeader`` decodes.
private func tcpValues(_ values: PacketValues) -> PacketValues {
    var values = values
    values.transport = .tcp
    values.sourcePort = 40000
    values.destinationPort = 502
    values.sequenceNumber = 1000
    values.acknowledgmentNumber = 2000
    values.tcpFlags = [.psh, .ack]
    return values
}

/// An IPv4 packet with no link header: 10.0.0.1 -> 10.0.0.2, TCP, one payload byte (41 bytes).
private let rawIPv4TCP: [UInt8] =
    [
        0x45,  // version 4, IHL 5 (20 bytes)
        0x00,  // DSCP 0, ECN 0
        0x00, 0x29,  // total length 41
        0x00, 0x01,  // identification 1
        0x40, 0x00,  // flags DF, fragment offset 0
        0x40,  // TTL 64
        0x06,  // protocol 6 (TCP)
        0x00, 0x00,  // header checksum (not checked)
        0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
        0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
    ] + tcpHeader + [
        0x2A  // payload: one byte
    ]

private func rawIPv4TCPValues(at start: Int) -> PacketValues {
    tcpValues(
        PacketValues(
            ipVersion: 4,
            source: .v4(10, 0, 0, 1),
            destination: .v4(10, 0, 0, 2),
            ipProtocol: 6,
            transport: .tcp,
            payload: (start + 40)..<(start + 41),
            declaredPayloadLength: 1,
            ipPacketLength: 41
        )
    )
}

/// An IPv6 packet with no link header: 2001:db8::1 -> 2001:db8::2, TCP, two payload bytes (62 bytes).
private let rawIPv6TCP: [UInt8] =
    [
        0x60, 0x00, 0x00, 0x00,  // version 6, traffic class 0, flow label 0
        0x00, 0x16,  // payload length 22
        0x06,  // next header 6 (TCP)
        0x40,  // hop limit 64
        0x20, 0x01, 0x0D, 0xB8, 0x00, 0x00, 0x00, 0x00,  // source 2001:db8::1 (high 64 bits)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  // (low 64 bits)
        0x20, 0x01, 0x0D, 0xB8, 0x00, 0x00, 0x00, 0x00,  // destination 2001:db8::2 (high 64 bits)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  // (low 64 bits)
    ] + tcpHeader + [
        0xBE, 0xEF,  // payload: two bytes
    ]

private func rawIPv6TCPValues(at start: Int) -> PacketValues {
    tcpValues(
        PacketValues(
            ipVersion: 6,
            source: .documentation(1),
            destination: .documentation(2),
            ipProtocol: 6,
            transport: .tcp,
            payload: (start + 60)..<(start + 62),
            declaredPayloadLength: 2,
            ipPacketLength: 62
        )
    )
}

/// The 40-byte IPv6 header used behind Ethernet below, up to (not including) the payload length.
private let ipv6VersionClassFlow: [UInt8] = [0x60, 0x00, 0x00, 0x00]  // version 6, traffic class 0, flow label 0
private let ipv6Addresses: [UInt8] = [
    0x20, 0x01, 0x0D, 0xB8, 0x00, 0x00, 0x00, 0x00,  // source 2001:db8::1 (high 64 bits)
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  // (low 64 bits)
    0x20, 0x01, 0x0D, 0xB8, 0x00, 0x00, 0x00, 0x00,  // destination 2001:db8::2 (high 64 bits)
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  // (low 64 bits)
]

// MARK: - Valid frames

extension PacketFixture {
    static let valid: [PacketFixture] = [
        PacketFixture(
            name: "Ethernet IPv4 TCP",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x08, 0x00,  // EtherType IPv4
                0x45,  // version 4, IHL 5 (20 bytes)
                0x00,  // DSCP 0, ECN 0
                0x00, 0x2C,  // total length 44 (20 IPv4 + 20 TCP + 4 payload)
                0x12, 0x34,  // identification 0x1234
                0x40, 0x00,  // flags DF, fragment offset 0
                0x40,  // TTL 64
                0x06,  // protocol 6 (TCP)
                0x00, 0x00,  // header checksum (not checked)
                0xC0, 0xA8, 0x01, 0x0A,  // source 192.168.1.10
                0xC0, 0xA8, 0x01, 0x14,  // destination 192.168.1.20
            ] + tcpHeader + [
                0xDE, 0xAD, 0xBE, 0xEF,  // payload
            ],
            expected: tcpValues(
                PacketValues(
                    sourceMAC: clientMAC,
                    destinationMAC: serverMAC,
                    ipVersion: 4,
                    source: .v4(192, 168, 1, 10),
                    destination: .v4(192, 168, 1, 20),
                    ipProtocol: 6,
                    transport: .tcp,
                    payload: 54..<58,
                    declaredPayloadLength: 4,
                    ipPacketLength: 44
                )
            ),
            payloadBytes: [0xDE, 0xAD, 0xBE, 0xEF]
        ),
        PacketFixture(
            name: "Ethernet 802.1Q IPv4 TCP SYN with an MSS option",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x81, 0x00,  // TPID 802.1Q
                0xA0, 0x64,  // TCI: PCP 5, DEI 0, VLAN 100
                0x08, 0x00,  // EtherType IPv4
                0x45,  // version 4, IHL 5
                0x00,  // DSCP 0, ECN 0
                0x00, 0x2C,  // total length 44 (20 IPv4 + 24 TCP)
                0x00, 0x01,  // identification 1
                0x40, 0x00,  // flags DF, fragment offset 0
                0x40,  // TTL 64
                0x06,  // protocol 6 (TCP)
                0x00, 0x00,  // header checksum
                0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
                0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
                0x9C, 0x40,  // source port 40000
                0x01, 0xF6,  // destination port 502
                0x00, 0x00, 0x00, 0x64,  // sequence number 100
                0x00, 0x00, 0x00, 0x00,  // acknowledgment number 0
                0x60,  // data offset 6 (24 bytes)
                0x02,  // flags SYN
                0xFF, 0xFF,  // window 65535
                0x00, 0x00,  // checksum
                0x00, 0x00,  // urgent pointer
                0x02, 0x04, 0x05, 0xB4,  // option: MSS 1460
            ],
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                vlans: [100],
                ipVersion: 4,
                source: .v4(10, 0, 0, 1),
                destination: .v4(10, 0, 0, 2),
                ipProtocol: 6,
                transport: .tcp,
                sourcePort: 40000,
                destinationPort: 502,
                sequenceNumber: 100,
                tcpFlags: [.syn],
                payload: 62..<62,
                declaredPayloadLength: 0,
                ipPacketLength: 44
            ),
            payloadBytes: []
        ),
        PacketFixture(
            name: "Ethernet QinQ (802.1ad outer, 802.1Q inner) IPv4 UDP",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x88, 0xA8,  // TPID 802.1ad (service tag)
                0x00, 0x64,  // TCI: VLAN 100
                0x81, 0x00,  // TPID 802.1Q (customer tag)
                0x20, 0xC8,  // TCI: PCP 1, VLAN 200
                0x08, 0x00,  // EtherType IPv4
                0x45,  // version 4, IHL 5
                0x00,  // DSCP 0, ECN 0
                0x00, 0x1F,  // total length 31 (20 IPv4 + 8 UDP + 3 payload)
                0x00, 0x02,  // identification 2
                0x00, 0x00,  // flags 0, fragment offset 0
                0x40,  // TTL 64
                0x11,  // protocol 17 (UDP)
                0x00, 0x00,  // header checksum
                0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
                0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
                0x9C, 0x40,  // source port 40000
                0x4E, 0x20,  // destination port 20000 (DNP3)
                0x00, 0x0B,  // length 11
                0x00, 0x00,  // checksum
                0x05, 0x64, 0x05,  // payload
            ],
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                vlans: [100, 200],
                ipVersion: 4,
                source: .v4(10, 0, 0, 1),
                destination: .v4(10, 0, 0, 2),
                ipProtocol: 17,
                transport: .udp,
                sourcePort: 40000,
                destinationPort: 20000,
                payload: 50..<53,
                declaredPayloadLength: 3,
                ipPacketLength: 31
            ),
            payloadBytes: [0x05, 0x64, 0x05]
        ),
        PacketFixture(
            name: "Ethernet three tags (old QinQ 0x9100 outer) IPv4 ICMP",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x91, 0x00,  // TPID 0x9100 (pre-standard QinQ)
                0x0F, 0xFF,  // TCI: VLAN 4095
                0x88, 0xA8,  // TPID 802.1ad
                0x00, 0x0A,  // TCI: VLAN 10
                0x81, 0x00,  // TPID 802.1Q
                0xE0, 0x01,  // TCI: PCP 7, VLAN 1
                0x08, 0x00,  // EtherType IPv4
                0x45,  // version 4, IHL 5
                0x00,  // DSCP 0, ECN 0
                0x00, 0x18,  // total length 24 (20 IPv4 + 4 ICMP)
                0x00, 0x03,  // identification 3
                0x00, 0x00,  // flags 0, fragment offset 0
                0x40,  // TTL 64
                0x01,  // protocol 1 (ICMP)
                0x00, 0x00,  // header checksum
                0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
                0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
                0x08, 0x00, 0x00, 0x00,  // ICMP echo request header start
            ],
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                vlans: [4095, 10, 1],
                ipVersion: 4,
                source: .v4(10, 0, 0, 1),
                destination: .v4(10, 0, 0, 2),
                ipProtocol: 1,
                transport: .other(1),
                payload: 46..<50,
                declaredPayloadLength: 4,
                ipPacketLength: 24
            ),
            payloadBytes: [0x08, 0x00, 0x00, 0x00]
        ),
        PacketFixture(
            name: "Linux cooked v1 (113) IPv4 TCP",
            linkType: .linuxSLL,
            bytes: [
                0x00, 0x00,  // packet type 0 (to us)
                0x00, 0x01,  // ARPHRD_ETHER
                0x00, 0x06,  // link-layer address length 6
                0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  // address 02:00:00:00:00:01, padded to 8
                0x08, 0x00,  // protocol IPv4
            ] + rawIPv4TCP,
            expected: rawIPv4TCPValues(at: 16),
            payloadBytes: [0x2A]
        ),
        PacketFixture(
            name: "Linux cooked v2 (276) IPv6 UDP",
            linkType: .linuxSLL2,
            bytes: [
                0x86, 0xDD,  // protocol IPv6
                0x00, 0x00,  // reserved
                0x00, 0x00, 0x00, 0x02,  // interface index 2
                0x00, 0x01,  // ARPHRD_ETHER
                0x04,  // packet type 4 (outgoing)
                0x06,  // link-layer address length 6
                0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  // address 02:00:00:00:00:01, padded to 8
            ] + ipv6VersionClassFlow + [
                0x00, 0x0C,  // payload length 12 (8 UDP + 4 payload)
                0x11,  // next header 17 (UDP)
                0x40,  // hop limit 64
            ] + ipv6Addresses + [
                0x4E, 0x20,  // source port 20000
                0x9C, 0x41,  // destination port 40001
                0x00, 0x0C,  // length 12
                0x00, 0x00,  // checksum
                0x0A, 0x0B, 0x0C, 0x0D,  // payload
            ],
            expected: PacketValues(
                ipVersion: 6,
                source: .documentation(1),
                destination: .documentation(2),
                ipProtocol: 17,
                transport: .udp,
                sourcePort: 20000,
                destinationPort: 40001,
                payload: 68..<72,
                declaredPayloadLength: 4,
                ipPacketLength: 52
            ),
            payloadBytes: [0x0A, 0x0B, 0x0C, 0x0D]
        ),
        PacketFixture(
            name: "raw IPv4 (DLT_RAW 12) TCP",
            linkType: LinkType(rawValue: 12),
            bytes: rawIPv4TCP,
            expected: rawIPv4TCPValues(at: 0),
            payloadBytes: [0x2A]
        ),
        PacketFixture(
            name: "raw IPv4 (LINKTYPE_RAW 101) TCP",
            linkType: LinkType(rawValue: 101),
            bytes: rawIPv4TCP,
            expected: rawIPv4TCPValues(at: 0),
            payloadBytes: [0x2A]
        ),
        PacketFixture(
            name: "raw IPv4 (DLT_IPV4 228) TCP",
            linkType: LinkType(rawValue: 228),
            bytes: rawIPv4TCP,
            expected: rawIPv4TCPValues(at: 0),
            payloadBytes: [0x2A]
        ),
        PacketFixture(
            name: "raw IPv6 (LINKTYPE_RAW 101) TCP",
            linkType: LinkType(rawValue: 101),
            bytes: rawIPv6TCP,
            expected: rawIPv6TCPValues(at: 0),
            payloadBytes: [0xBE, 0xEF]
        ),
        PacketFixture(
            name: "raw IPv6 (DLT_RAW 12) TCP",
            linkType: LinkType(rawValue: 12),
            bytes: rawIPv6TCP,
            expected: rawIPv6TCPValues(at: 0),
            payloadBytes: [0xBE, 0xEF]
        ),
        PacketFixture(
            name: "raw IPv6 (DLT_IPV6 229) TCP",
            linkType: LinkType(rawValue: 229),
            bytes: rawIPv6TCP,
            expected: rawIPv6TCPValues(at: 0),
            payloadBytes: [0xBE, 0xEF]
        ),
        PacketFixture(
            name: "BSD NULL (0) little-endian AF_INET",
            linkType: LinkType(rawValue: 0),
            bytes: [
                0x02, 0x00, 0x00, 0x00,  // address family 2 (AF_INET), little-endian host
            ] + rawIPv4TCP,
            expected: rawIPv4TCPValues(at: 4),
            payloadBytes: [0x2A]
        ),
        PacketFixture(
            name: "BSD NULL (0) big-endian AF_INET",
            linkType: LinkType(rawValue: 0),
            bytes: [
                0x00, 0x00, 0x00, 0x02,  // address family 2 (AF_INET), big-endian host
            ] + rawIPv4TCP,
            expected: rawIPv4TCPValues(at: 4),
            payloadBytes: [0x2A]
        ),
        PacketFixture(
            name: "BSD NULL (0) little-endian AF_INET6 (macOS 30)",
            linkType: LinkType(rawValue: 0),
            bytes: [
                0x1E, 0x00, 0x00, 0x00,  // address family 30 (macOS AF_INET6), little-endian host
            ] + rawIPv6TCP,
            expected: rawIPv6TCPValues(at: 4),
            payloadBytes: [0xBE, 0xEF]
        ),
        PacketFixture(
            name: "BSD NULL (0) big-endian AF_INET6 (FreeBSD 28)",
            linkType: LinkType(rawValue: 0),
            bytes: [
                0x00, 0x00, 0x00, 0x1C,  // address family 28 (FreeBSD AF_INET6), big-endian host
            ] + rawIPv6TCP,
            expected: rawIPv6TCPValues(at: 4),
            payloadBytes: [0xBE, 0xEF]
        ),
        PacketFixture(
            name: "OpenBSD LOOP (108) AF_INET",
            linkType: LinkType(rawValue: 108),
            bytes: [
                0x00, 0x00, 0x00, 0x02,  // address family 2 (AF_INET), network order
            ] + rawIPv4TCP,
            expected: rawIPv4TCPValues(at: 4),
            payloadBytes: [0x2A]
        ),
        PacketFixture(
            name: "OpenBSD LOOP (108) AF_INET6",
            linkType: LinkType(rawValue: 108),
            bytes: [
                0x00, 0x00, 0x00, 0x18,  // address family 24 (OpenBSD AF_INET6), network order
            ] + rawIPv6TCP,
            expected: rawIPv6TCPValues(at: 4),
            payloadBytes: [0xBE, 0xEF]
        ),
        PacketFixture(
            name: "Ethernet IPv4 with options (IHL 6, Router Alert) TCP",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x08, 0x00,  // EtherType IPv4
                0x46,  // version 4, IHL 6 (24 bytes)
                0x00,  // DSCP 0, ECN 0
                0x00, 0x2F,  // total length 47 (24 IPv4 + 20 TCP + 3 payload)
                0x00, 0x04,  // identification 4
                0x40, 0x00,  // flags DF, fragment offset 0
                0x40,  // TTL 64
                0x06,  // protocol 6 (TCP)
                0x00, 0x00,  // header checksum
                0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
                0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
                0x94, 0x04, 0x00, 0x00,  // option: Router Alert (RFC 2113), length 4, value 0
            ] + tcpHeader + [
                0x01, 0x02, 0x03,  // payload
            ],
            expected: tcpValues(
                PacketValues(
                    sourceMAC: clientMAC,
                    destinationMAC: serverMAC,
                    ipVersion: 4,
                    source: .v4(10, 0, 0, 1),
                    destination: .v4(10, 0, 0, 2),
                    ipProtocol: 6,
                    transport: .tcp,
                    payload: 58..<61,
                    declaredPayloadLength: 3,
                    ipPacketLength: 47
                )
            ),
            payloadBytes: [0x01, 0x02, 0x03]
        ),
        PacketFixture(
            name: "Ethernet IPv4 first fragment (MF set, offset 0)",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x08, 0x00,  // EtherType IPv4
                0x45,  // version 4, IHL 5
                0x00,  // DSCP 0, ECN 0
                0x00, 0x24,  // total length 36 (20 IPv4 + 16 data)
                0x00, 0x07,  // identification 7
                0x20, 0x00,  // flags MF, fragment offset 0
                0x40,  // TTL 64
                0x06,  // protocol 6 (TCP)
                0x00, 0x00,  // header checksum
                0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
                0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
            ] + tcpHeader.prefix(16),  // the first 16 bytes of a TCP header: not decoded
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                ipVersion: 4,
                source: .v4(10, 0, 0, 1),
                destination: .v4(10, 0, 0, 2),
                ipProtocol: 6,
                transport: .fragment,
                payload: 34..<50,
                declaredPayloadLength: 16,
                ipPacketLength: 36
            ),
            payloadBytes: Array(tcpHeader.prefix(16))
        ),
        PacketFixture(
            name: "Ethernet IPv4 later fragment (offset 185, MF clear)",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x08, 0x00,  // EtherType IPv4
                0x45,  // version 4, IHL 5
                0x00,  // DSCP 0, ECN 0
                0x00, 0x1C,  // total length 28 (20 IPv4 + 8 data)
                0x00, 0x07,  // identification 7
                0x00, 0xB9,  // flags 0, fragment offset 185 (1480 bytes)
                0x40,  // TTL 64
                0x06,  // protocol 6 (TCP)
                0x00, 0x00,  // header checksum
                0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
                0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
                0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,  // fragment data
            ],
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                ipVersion: 4,
                source: .v4(10, 0, 0, 1),
                destination: .v4(10, 0, 0, 2),
                ipProtocol: 6,
                transport: .fragment,
                payload: 34..<42,
                declaredPayloadLength: 8,
                ipPacketLength: 28
            ),
            payloadBytes: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
        ),
        PacketFixture(
            name: "Ethernet IPv6 Hop-by-Hop and Destination Options before TCP",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x86, 0xDD,  // EtherType IPv6
            ] + ipv6VersionClassFlow + [
                0x00, 0x26,  // payload length 38 (8 + 8 + 20 TCP + 2 payload)
                0x00,  // next header 0 (Hop-by-Hop Options)
                0x40,  // hop limit 64
            ] + ipv6Addresses + [
                0x3C,  // Hop-by-Hop: next header 60 (Destination Options)
                0x00,  // header extension length 0 (8 bytes)
                0x01, 0x04, 0x00, 0x00, 0x00, 0x00,  // PadN, 4 bytes
                0x06,  // Destination Options: next header 6 (TCP)
                0x00,  // header extension length 0 (8 bytes)
                0x01, 0x04, 0x00, 0x00, 0x00, 0x00,  // PadN, 4 bytes
            ] + tcpHeader + [
                0xCA, 0xFE,  // payload
            ],
            expected: tcpValues(
                PacketValues(
                    sourceMAC: clientMAC,
                    destinationMAC: serverMAC,
                    ipVersion: 6,
                    source: .documentation(1),
                    destination: .documentation(2),
                    ipProtocol: 6,
                    transport: .tcp,
                    payload: 90..<92,
                    declaredPayloadLength: 2,
                    ipPacketLength: 78
                )
            ),
            payloadBytes: [0xCA, 0xFE]
        ),
        PacketFixture(
            name: "Ethernet IPv6 Authentication Header before UDP",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x86, 0xDD,  // EtherType IPv6
            ] + ipv6VersionClassFlow + [
                0x00, 0x21,  // payload length 33 (24 AH + 8 UDP + 1 payload)
                0x33,  // next header 51 (AH)
                0x40,  // hop limit 64
            ] + ipv6Addresses + [
                0x11,  // AH: next header 17 (UDP)
                0x04,  // payload length 4: (4 + 2) * 4 = 24 bytes (RFC 4302 §2.2)
                0x00, 0x00,  // reserved
                0x00, 0x00, 0x01, 0x00,  // SPI 256
                0x00, 0x00, 0x00, 0x01,  // sequence number 1
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // ICV, 12 bytes
                0x9C, 0x40,  // source port 40000
                0x4E, 0x20,  // destination port 20000
                0x00, 0x09,  // length 9
                0x00, 0x00,  // checksum
                0xC0,  // payload
            ],
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                ipVersion: 6,
                source: .documentation(1),
                destination: .documentation(2),
                ipProtocol: 17,
                transport: .udp,
                sourcePort: 40000,
                destinationPort: 20000,
                payload: 86..<87,
                declaredPayloadLength: 1,
                ipPacketLength: 73
            ),
            payloadBytes: [0xC0]
        ),
        PacketFixture(
            name: "Ethernet IPv6 first fragment (offset 0, M set)",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x86, 0xDD,  // EtherType IPv6
            ] + ipv6VersionClassFlow + [
                0x00, 0x18,  // payload length 24 (8 fragment header + 16 data)
                0x2C,  // next header 44 (Fragment)
                0x40,  // hop limit 64
            ] + ipv6Addresses + [
                0x11,  // Fragment: next header 17 (UDP)
                0x00,  // reserved
                0x00, 0x01,  // fragment offset 0, res 0, M 1
                0x00, 0x00, 0x12, 0x34,  // identification 0x1234
                0x9C, 0x40, 0x4E, 0x20, 0x05, 0xDC, 0x00, 0x00,  // data: a UDP header, not decoded
                0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  // data
            ],
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                ipVersion: 6,
                source: .documentation(1),
                destination: .documentation(2),
                ipProtocol: 17,
                transport: .fragment,
                payload: 62..<78,
                declaredPayloadLength: 16,
                ipPacketLength: 64
            ),
            payloadBytes: [
                0x9C, 0x40, 0x4E, 0x20, 0x05, 0xDC, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
            ]
        ),
        PacketFixture(
            name: "Ethernet IPv6 later fragment (offset 1, M clear)",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x86, 0xDD,  // EtherType IPv6
            ] + ipv6VersionClassFlow + [
                0x00, 0x10,  // payload length 16 (8 fragment header + 8 data)
                0x2C,  // next header 44 (Fragment)
                0x40,  // hop limit 64
            ] + ipv6Addresses + [
                0x06,  // Fragment: next header 6 (TCP)
                0x00,  // reserved
                0x00, 0x08,  // fragment offset 1 (8 bytes), res 0, M 0
                0x00, 0x00, 0x12, 0x34,  // identification 0x1234
                0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,  // data
            ],
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                ipVersion: 6,
                source: .documentation(1),
                destination: .documentation(2),
                ipProtocol: 6,
                transport: .fragment,
                payload: 62..<70,
                declaredPayloadLength: 8,
                ipPacketLength: 56
            ),
            payloadBytes: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
        ),
        PacketFixture(
            name: "Ethernet IPv6 later fragment whose next header is Destination Options",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x86, 0xDD,  // EtherType IPv6
            ] + ipv6VersionClassFlow + [
                0x00, 0x10,  // payload length 16 (8 fragment header + 8 data)
                0x2C,  // next header 44 (Fragment)
                0x40,  // hop limit 64
            ] + ipv6Addresses + [
                0x3C,  // Fragment: next header 60 (Destination Options, in the first fragment)
                0x00,  // reserved
                0x00, 0xB8,  // fragment offset 23 (184 bytes), res 0, M 0
                0x00, 0x00, 0x56, 0x78,  // identification 0x5678
                0x06, 0xFF, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,  // data, not a header (it would claim 2048 bytes)
            ],
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                ipVersion: 6,
                source: .documentation(1),
                destination: .documentation(2),
                ipProtocol: 60,
                transport: .fragment,
                payload: 62..<70,
                declaredPayloadLength: 8,
                ipPacketLength: 56
            ),
            payloadBytes: [0x06, 0xFF, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
        ),
        PacketFixture(
            name: "Ethernet IPv6 atomic fragment (offset 0, M clear) UDP is decoded (RFC 6946)",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x86, 0xDD,  // EtherType IPv6
            ] + ipv6VersionClassFlow + [
                0x00, 0x12,  // payload length 18 (8 fragment header + 8 UDP + 2 payload)
                0x2C,  // next header 44 (Fragment)
                0x40,  // hop limit 64
            ] + ipv6Addresses + [
                0x11,  // Fragment: next header 17 (UDP)
                0x00,  // reserved
                0x00, 0x00,  // fragment offset 0, res 0, M 0
                0x00, 0x00, 0x9A, 0xBC,  // identification 0x9ABC
                0x9C, 0x40,  // source port 40000
                0x4E, 0x20,  // destination port 20000
                0x00, 0x0A,  // length 10
                0x00, 0x00,  // checksum
                0x05, 0x64,  // payload
            ],
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                ipVersion: 6,
                source: .documentation(1),
                destination: .documentation(2),
                ipProtocol: 17,
                transport: .udp,
                sourcePort: 40000,
                destinationPort: 20000,
                payload: 70..<72,
                declaredPayloadLength: 2,
                ipPacketLength: 58
            ),
            payloadBytes: [0x05, 0x64]
        ),
        PacketFixture(
            name: "Ethernet IPv4 UDP",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x08, 0x00,  // EtherType IPv4
                0x45,  // version 4, IHL 5
                0x00,  // DSCP 0, ECN 0
                0x00, 0x20,  // total length 32 (20 IPv4 + 8 UDP + 4 payload)
                0x00, 0x05,  // identification 5
                0x40, 0x00,  // flags DF, fragment offset 0
                0x40,  // TTL 64
                0x11,  // protocol 17 (UDP)
                0x00, 0x00,  // header checksum
                0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
                0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
                0x9C, 0x40,  // source port 40000
                0x4E, 0x20,  // destination port 20000
                0x00, 0x0C,  // length 12
                0x00, 0x00,  // checksum
                0x01, 0x02, 0x03, 0x04,  // payload
            ],
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                ipVersion: 4,
                source: .v4(10, 0, 0, 1),
                destination: .v4(10, 0, 0, 2),
                ipProtocol: 17,
                transport: .udp,
                sourcePort: 40000,
                destinationPort: 20000,
                payload: 42..<46,
                declaredPayloadLength: 4,
                ipPacketLength: 32
            ),
            payloadBytes: [0x01, 0x02, 0x03, 0x04]
        ),
        PacketFixture(
            name: "Ethernet IPv4 UDP whose length ends before the IP payload",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x08, 0x00,  // EtherType IPv4
                0x45,  // version 4, IHL 5
                0x00,  // DSCP 0, ECN 0
                0x00, 0x20,  // total length 32 (20 IPv4 + 12 UDP datagram)
                0x00, 0x05,  // identification 5
                0x40, 0x00,  // flags DF, fragment offset 0
                0x40,  // TTL 64
                0x11,  // protocol 17 (UDP)
                0x00, 0x00,  // header checksum
                0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
                0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
                0x9C, 0x40,  // source port 40000
                0x4E, 0x20,  // destination port 20000
                0x00, 0x0A,  // length 10: 2 payload bytes
                0x00, 0x00,  // checksum
                0x01, 0x02,  // payload
                0xEE, 0xEE,  // inside the IP packet, after the UDP datagram
            ],
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                ipVersion: 4,
                source: .v4(10, 0, 0, 1),
                destination: .v4(10, 0, 0, 2),
                ipProtocol: 17,
                transport: .udp,
                sourcePort: 40000,
                destinationPort: 20000,
                payload: 42..<44,
                declaredPayloadLength: 2,
                ipPacketLength: 32
            ),
            payloadBytes: [0x01, 0x02]
        ),
        PacketFixture(
            name: "Ethernet padding after a short IPv4 TCP packet is not payload",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x08, 0x00,  // EtherType IPv4
                0x45,  // version 4, IHL 5
                0x00,  // DSCP 0, ECN 0
                0x00, 0x2A,  // total length 42 (20 IPv4 + 20 TCP + 2 payload)
                0x00, 0x06,  // identification 6
                0x40, 0x00,  // flags DF, fragment offset 0
                0x40,  // TTL 64
                0x06,  // protocol 6 (TCP)
                0x00, 0x00,  // header checksum
                0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
                0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
            ] + tcpHeader + [
                0x12, 0x34,  // payload
                0x00, 0x00, 0x00, 0x00,  // Ethernet padding to the 60-byte minimum
            ],
            expected: tcpValues(
                PacketValues(
                    sourceMAC: clientMAC,
                    destinationMAC: serverMAC,
                    ipVersion: 4,
                    source: .v4(10, 0, 0, 1),
                    destination: .v4(10, 0, 0, 2),
                    ipProtocol: 6,
                    transport: .tcp,
                    payload: 54..<56,
                    declaredPayloadLength: 2,
                    ipPacketLength: 42
                )
            ),
            payloadBytes: [0x12, 0x34]
        ),
        PacketFixture(
            name: "Ethernet padding after a short IPv4 UDP datagram is not payload",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x08, 0x00,  // EtherType IPv4
                0x45,  // version 4, IHL 5
                0x00,  // DSCP 0, ECN 0
                0x00, 0x1E,  // total length 30 (20 IPv4 + 8 UDP + 2 payload)
                0x00, 0x05,  // identification 5
                0x40, 0x00,  // flags DF, fragment offset 0
                0x40,  // TTL 64
                0x11,  // protocol 17 (UDP)
                0x00, 0x00,  // header checksum
                0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
                0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
                0x9C, 0x40,  // source port 40000
                0x4E, 0x20,  // destination port 20000
                0x00, 0x0A,  // length 10
                0x00, 0x00,  // checksum
                0xAB, 0xCD,  // payload
            ] + [UInt8](repeating: 0, count: 16),  // Ethernet padding to the 60-byte minimum
            expected: PacketValues(
                sourceMAC: clientMAC,
                destinationMAC: serverMAC,
                ipVersion: 4,
                source: .v4(10, 0, 0, 1),
                destination: .v4(10, 0, 0, 2),
                ipProtocol: 17,
                transport: .udp,
                sourcePort: 40000,
                destinationPort: 20000,
                payload: 42..<44,
                declaredPayloadLength: 2,
                ipPacketLength: 30
            ),
            payloadBytes: [0xAB, 0xCD]
        ),
        PacketFixture(
            name: "Ethernet IPv4 TCP cut short: total length larger than the frame",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x08, 0x00,  // EtherType IPv4
                0x45,  // version 4, IHL 5
                0x00,  // DSCP 0, ECN 0
                0x00, 0x64,  // total length 100 (20 IPv4 + 20 TCP + 60 payload)
                0x00, 0x06,  // identification 6
                0x40, 0x00,  // flags DF, fragment offset 0
                0x40,  // TTL 64
                0x06,  // protocol 6 (TCP)
                0x00, 0x00,  // header checksum
                0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
                0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
            ] + tcpHeader + [
                0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,  // the first 10 of 60 payload bytes
            ],
            expected: tcpValues(
                PacketValues(
                    sourceMAC: clientMAC,
                    destinationMAC: serverMAC,
                    ipVersion: 4,
                    source: .v4(10, 0, 0, 1),
                    destination: .v4(10, 0, 0, 2),
                    ipProtocol: 6,
                    transport: .tcp,
                    payload: 54..<64,
                    declaredPayloadLength: 60,
                    ipPacketLength: 100,
                    isPayloadTruncated: true
                )
            ),
            payloadBytes: [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09]
        ),
    ]
}

// MARK: - Malformed frames

/// An IPv4 header behind Ethernet with the given first byte and total length (10.0.0.1 -> 10.0.0.2).
private func ethernetIPv4(versionAndIHL: UInt8 = 0x45, totalLength: UInt16, protocol ipProtocol: UInt8) -> [UInt8] {
    ethernetMACs + [
        0x08, 0x00,  // EtherType IPv4
        versionAndIHL,  // version and IHL
        0x00,  // DSCP 0, ECN 0
        UInt8(totalLength >> 8), UInt8(totalLength & 0xFF),  // total length
        0x00, 0x01,  // identification 1
        0x40, 0x00,  // flags DF, fragment offset 0
        0x40,  // TTL 64
        ipProtocol,  // protocol
        0x00, 0x00,  // header checksum
        0x0A, 0x00, 0x00, 0x01,  // source 10.0.0.1
        0x0A, 0x00, 0x00, 0x02,  // destination 10.0.0.2
    ]
}

/// An ARP request body (RFC 826): the bytes after an ARP EtherType.
private let arpRequest: [UInt8] = [
    0x00, 0x01,  // hardware type Ethernet
    0x08, 0x00,  // protocol type IPv4
    0x06, 0x04,  // hardware size 6, protocol size 4
    0x00, 0x01,  // opcode request
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // sender MAC
    0x0A, 0x00, 0x00, 0x01,  // sender IP 10.0.0.1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // target MAC
    0x0A, 0x00, 0x00, 0x02,  // target IP 10.0.0.2
]

extension MalformedPacketFixture {
    static let all: [MalformedPacketFixture] = [
        MalformedPacketFixture(
            name: "ARP EtherType",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x08, 0x06,  // EtherType ARP
            ] + arpRequest,
            error: .unsupportedEtherType(0x0806, at: 12)
        ),
        MalformedPacketFixture(
            name: "ARP inside an 802.1Q tag",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x81, 0x00,  // TPID 802.1Q
                0x00, 0x64,  // TCI: VLAN 100
                0x08, 0x06,  // EtherType ARP
            ] + arpRequest,
            error: .unsupportedEtherType(0x0806, at: 16)
        ),
        MalformedPacketFixture(
            name: "Linux cooked v1 carrying ARP",
            linkType: .linuxSLL,
            bytes: [
                0x00, 0x01,  // packet type 1 (broadcast)
                0x00, 0x01,  // ARPHRD_ETHER
                0x00, 0x06,  // address length 6
                0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  // address
                0x08, 0x06,  // protocol ARP
            ] + arpRequest,
            error: .unsupportedEtherType(0x0806, at: 14)
        ),
        MalformedPacketFixture(
            name: "Linux cooked v2 carrying ARP",
            linkType: .linuxSLL2,
            bytes: [
                0x08, 0x06,  // protocol ARP
                0x00, 0x00,  // reserved
                0x00, 0x00, 0x00, 0x02,  // interface index 2
                0x00, 0x01,  // ARPHRD_ETHER
                0x01,  // packet type 1 (broadcast)
                0x06,  // address length 6
                0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  // address
            ] + arpRequest,
            error: .unsupportedEtherType(0x0806, at: 0)
        ),
        MalformedPacketFixture(
            name: "IP version 2 behind an IPv4 EtherType",
            linkType: .ethernet,
            bytes: ethernetIPv4(versionAndIHL: 0x25, totalLength: 20, protocol: 6),
            error: .invalidField(.ipVersion, value: 2, at: 14)
        ),
        MalformedPacketFixture(
            name: "IP version 2 on a raw link",
            linkType: LinkType(rawValue: 101),
            bytes: Array(ethernetIPv4(versionAndIHL: 0x25, totalLength: 20, protocol: 6).dropFirst(14)),
            error: .invalidField(.ipVersion, value: 2, at: 0)
        ),
        MalformedPacketFixture(
            name: "IP version 4 behind an IPv6 EtherType",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x86, 0xDD,  // EtherType IPv6
                0x45,  // version 4 where an IPv6 header starts
            ] + rawIPv6TCP.dropFirst(),  // the rest of an IPv6 header and TCP segment
            error: .invalidField(.ipVersion, value: 4, at: 14)
        ),
        MalformedPacketFixture(
            name: "IPv4 IHL 4 (16 bytes)",
            linkType: .ethernet,
            bytes: ethernetIPv4(versionAndIHL: 0x44, totalLength: 40, protocol: 6) + tcpHeader,
            error: .invalidField(.ipv4HeaderLength, value: 16, at: 14)
        ),
        MalformedPacketFixture(
            name: "IPv4 IHL 15 longer than the frame",
            linkType: .ethernet,
            bytes: ethernetIPv4(versionAndIHL: 0x4F, totalLength: 60, protocol: 6) + [0x01, 0x01, 0x01, 0x01],
            error: .truncated(at: 14, needed: 60, available: 24)
        ),
        MalformedPacketFixture(
            name: "IPv4 total length shorter than its header",
            linkType: .ethernet,
            bytes: ethernetIPv4(totalLength: 16, protocol: 6) + tcpHeader,
            error: .invalidField(.ipv4TotalLength, value: 16, at: 16)
        ),
        MalformedPacketFixture(
            name: "TCP data offset 4 (16 bytes)",
            linkType: .ethernet,
            bytes: ethernetIPv4(totalLength: 40, protocol: 6) + [
                0x9C, 0x40,  // source port 40000
                0x01, 0xF6,  // destination port 502
                0x00, 0x00, 0x00, 0x01,  // sequence number 1
                0x00, 0x00, 0x00, 0x00,  // acknowledgment number 0
                0x40,  // data offset 4 (16 bytes): invalid
                0x10,  // flags ACK
                0xFF, 0xFF,  // window
                0x00, 0x00,  // checksum
                0x00, 0x00,  // urgent pointer
            ],
            error: .invalidField(.tcpDataOffset, value: 16, at: 46)
        ),
        MalformedPacketFixture(
            name: "TCP data offset 15 past the IP payload",
            linkType: .ethernet,
            bytes: ethernetIPv4(totalLength: 40, protocol: 6) + [
                0x9C, 0x40,  // source port 40000
                0x01, 0xF6,  // destination port 502
                0x00, 0x00, 0x00, 0x01,  // sequence number 1
                0x00, 0x00, 0x00, 0x00,  // acknowledgment number 0
                0xF0,  // data offset 15 (60 bytes), but the IP payload holds 20
                0x10,  // flags ACK
                0xFF, 0xFF,  // window
                0x00, 0x00,  // checksum
                0x00, 0x00,  // urgent pointer
            ] + [UInt8](repeating: 0, count: 40),  // bytes beyond the IP total length do not count
            error: .truncated(at: 34, needed: 60, available: 20)
        ),
        MalformedPacketFixture(
            name: "UDP length 7",
            linkType: .ethernet,
            bytes: ethernetIPv4(totalLength: 28, protocol: 17) + [
                0x9C, 0x40,  // source port 40000
                0x4E, 0x20,  // destination port 20000
                0x00, 0x07,  // length 7: below the 8-byte header
                0x00, 0x00,  // checksum
            ],
            error: .invalidField(.udpLength, value: 7, at: 38)
        ),
        MalformedPacketFixture(
            name: "four VLAN tags",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x88, 0xA8, 0x00, 0x01,  // 802.1ad tag, VLAN 1
                0x81, 0x00, 0x00, 0x02,  // 802.1Q tag, VLAN 2
                0x81, 0x00, 0x00, 0x03,  // 802.1Q tag, VLAN 3
                0x81, 0x00, 0x00, 0x04,  // 802.1Q tag, VLAN 4: one past maxVLANTagsPerFrame
                0x08, 0x00,  // EtherType IPv4
            ] + rawIPv4TCP,
            error: .invalidField(.vlanDepth, value: 4, at: 26)
        ),
        MalformedPacketFixture(
            name: "BSD NULL unknown address family 7",
            linkType: LinkType(rawValue: 0),
            bytes: [
                0x07, 0x00, 0x00, 0x00,  // address family 7, little-endian
            ] + rawIPv4TCP,
            error: .invalidField(.nullFamily, value: 7, at: 0)
        ),
        MalformedPacketFixture(
            name: "LOOP with the family in host byte order",
            linkType: LinkType(rawValue: 108),
            bytes: [
                0x02, 0x00, 0x00, 0x00,  // AF_INET little-endian: LOOP is always network order
            ] + rawIPv4TCP,
            error: .invalidField(.nullFamily, value: 0x0200_0000, at: 0)
        ),
        MalformedPacketFixture(
            name: "unsupported link type 105 (IEEE 802.11)",
            linkType: LinkType(rawValue: 105),
            bytes: rawIPv4TCP,
            error: .unsupportedLinkType(105)
        ),
        MalformedPacketFixture(
            name: "nine IPv6 extension headers",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x86, 0xDD,  // EtherType IPv6
            ] + ipv6VersionClassFlow + [
                0x00, 0x48,  // payload length 72 (nine 8-byte headers)
                0x3C,  // next header 60 (Destination Options)
                0x40,  // hop limit 64
            ] + ipv6Addresses
                + [UInt8](
                    [
                        0x3C,  // Destination Options: next header 60 (another one)
                        0x00,  // header extension length 0 (8 bytes)
                        0x01, 0x04, 0x00, 0x00, 0x00, 0x00,  // PadN, 4 bytes
                    ]
                    .repeated(9)
                ),
            error: .invalidField(.ipv6ExtensionHeader, value: 60, at: 118)
        ),
        MalformedPacketFixture(
            name: "IPv6 Hop-by-Hop header longer than the IPv6 payload",
            linkType: .ethernet,
            bytes: ethernetMACs + [
                0x86, 0xDD,  // EtherType IPv6
            ] + ipv6VersionClassFlow + [
                0x00, 0x08,  // payload length 8
                0x00,  // next header 0 (Hop-by-Hop Options)
                0x40,  // hop limit 64
            ] + ipv6Addresses + [
                0x06,  // Hop-by-Hop: next header 6 (TCP)
                0x01,  // header extension length 1: 16 bytes, but the payload length is 8
                0x01, 0x0C, 0x00, 0x00, 0x00, 0x00,  // PadN, 12 bytes (first 4)
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // beyond the IPv6 payload length
            ],
            error: .truncated(at: 54, needed: 16, available: 8)
        ),
    ]
}

extension Array {
    /// The array's elements `count` times over.
    fileprivate func repeated(_ count: Int) -> [Element] {
        (0..<count).flatMap { _ in self }
    }
}

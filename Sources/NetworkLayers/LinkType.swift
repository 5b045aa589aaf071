// SPDX-License-Identifier: Apache-2.0

/// A capture's link-layer header type, as libpcap's `pcap_datalink` reports it (the DLT_ values of
/// https://www.tcpdump.org/linktypes.html).
///
/// An open struct rather than a closed enum, so an unknown value is kept and printed (STYLE.md §4).
public struct LinkType: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// BSD loopback: a 4-byte address family in the byte order of the machine that captured (DLT_NULL).
    public static let null = LinkType(rawValue: 0)
    /// Ethernet II / IEEE 802.3 (DLT_EN10MB).
    public static let ethernet = LinkType(rawValue: 1)
    /// Raw IP, no link header (DLT_RAW: 12 on Linux, 14 on OpenBSD; LINKTYPE_RAW 101 in files).
    public static let raw = LinkType(rawValue: 12)
    /// Raw IP as OpenBSD numbers DLT_RAW.
    public static let rawOpenBSD = LinkType(rawValue: 14)
    /// Raw IP as the file-format LINKTYPE_RAW value.
    public static let rawLinkType = LinkType(rawValue: 101)
    /// OpenBSD loopback: the address family in network byte order (DLT_LOOP).
    public static let loop = LinkType(rawValue: 108)
    /// Linux "cooked" capture, version 1 (DLT_LINUX_SLL, 16-byte header).
    public static let linuxSLL = LinkType(rawValue: 113)
    /// Raw IPv4 (DLT_IPV4).
    public static let ipv4 = LinkType(rawValue: 228)
    /// Raw IPv6 (DLT_IPV6).
    public static let ipv6 = LinkType(rawValue: 229)
    /// Linux "cooked" capture, version 2 (DLT_LINUX_SLL2, 20-byte header).
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// Whether ``PacketDecoder`` decodes this link type.
    public var isSupported: Bool {
        switch self {
        case .null, .ethernet, .raw, .rawOpenBSD, .rawLinkType, .loop, .linuxSLL, .ipv4, .ipv6, .linuxSLL2: true
        default: false
        }
    }

    /// The usual short name, as `tcpdump -L` prints it.
    public var name: String {
        switch self {
        case .null: "NULL"
        case .ethernet: "EN10MB"
        case .raw, .rawOpenBSD, .rawLinkType: "RAW"
        case .loop: "LOOP"
        case .linuxSLL: "LINUX_SLL"
        case .ipv4: "IPV4"
        case .ipv6: "IPV6"
        case .linuxSLL2: "LINUX_SLL2"
        default: "DLT \(rawValue)"
        }
    }
}

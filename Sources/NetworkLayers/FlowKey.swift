// SPDX-License-Identifier: Apache-2.0

/// Which way a packet travels within its flow.
public enum Direction: UInt8, Sendable, Hashable {
    /// From the side that opened the flow (the client; the Modbus client, the DNP3 master in the usual set-up).
    case toServer = 0
    /// From the server back to the client.
    case toClient = 1

    /// The other direction.
    @inlinable
    public var reversed: Direction { self == .toServer ? .toClient : .toServer }
}

/// The 5-tuple of a flow, in the orientation the flow was first seen (client first).
public struct FlowKey: Hashable, Sendable {
    public var clientAddress: IPAddress
    public var serverAddress: IPAddress
    public var clientPort: UInt16
    public var serverPort: UInt16
    /// The IP protocol number (6 for TCP, 17 for UDP).
    public var ipProtocol: UInt8

    public init(
        clientAddress: IPAddress,
        serverAddress: IPAddress,
        clientPort: UInt16,
        serverPort: UInt16,
        ipProtocol: UInt8
    ) {
        self.clientAddress = clientAddress
        self.serverAddress = serverAddress
        self.clientPort = clientPort
        self.serverPort = serverPort
        self.ipProtocol = ipProtocol
    }

    /// A cheap, direction-independent hash of the 5-tuple (both orientations give the same value), for the
    /// engine's open-addressing flow table. Not SipHash: the table bounds its probe length instead (STYLE.md §13).
    @inlinable
    public static func symmetricHash(
        _ a: IPAddress,
        _ b: IPAddress,
        _ portA: UInt16,
        _ portB: UInt16,
        _ ipProtocol: UInt8
    ) -> UInt64 {
        let ha = (a.high &* 0x9E37_79B9_7F4A_7C15) ^ a.low ^ (UInt64(portA) << 48)
        let hb = (b.high &* 0x9E37_79B9_7F4A_7C15) ^ b.low ^ (UInt64(portB) << 48)
        return mixBits((ha ^ hb) &+ (ha &* hb) &+ UInt64(ipProtocol))
    }

    /// SplitMix64's finaliser: a bijection on 64 bits that spreads every input bit over the output.
    @inlinable
    public static func mixBits(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

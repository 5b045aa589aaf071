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

    /// A cheap, direction-independent hash of the 5-tuple (both orientations give the same value).
    ///
    /// With `seed` 0 it is the same in every run (the engine derives `flow_id` from it); the flow table passes a
    /// random seed, so that its bucket layout cannot be steered by crafted addresses. Not SipHash (STYLE.md §13):
    /// each side is mixed through a seeded bijection, then the two are combined symmetrically.
    @inlinable
    public static func symmetricHash(
        _ a: IPAddress,
        _ b: IPAddress,
        _ portA: UInt16,
        _ portB: UInt16,
        _ ipProtocol: UInt8,
        seed: UInt64 = 0
    ) -> UInt64 {
        let ha = mixBits(mixBits(a.high ^ seed) ^ a.low ^ UInt64(portA) << 48)
        let hb = mixBits(mixBits(b.high ^ seed) ^ b.low ^ UInt64(portB) << 48)
        return mixBits((ha &+ hb) ^ (ha &* hb) ^ UInt64(ipProtocol) ^ seed)
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

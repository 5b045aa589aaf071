// SPDX-License-Identifier: Apache-2.0
import NetworkLayers
import Testing

@Suite struct FlowKeyTests {
    /// (a, b, port a, port b, protocol): a Modbus/TCP flow, a DNP3/UDP flow, an IPv6 flow, equal ports, and a flow
    /// between one address and itself.
    static let tuples: [(IPAddress, IPAddress, UInt16, UInt16, UInt8)] = [
        (.v4(10, 0, 0, 1), .v4(10, 0, 0, 2), 40000, 502, 6),
        (.v4(192, 168, 1, 10), .v4(192, 168, 1, 20), 20000, 20000, 17),
        (.documentation(1), .documentation(2), 51234, 20000, 6),
        (.v4(172, 16, 0, 1), .v4(172, 16, 0, 9), 502, 502, 6),
        (.v4(127, 0, 0, 1), .v4(127, 0, 0, 1), 40000, 502, 6),
    ]

    @Test(arguments: tuples)
    func hashesBothOrientationsAlike(_ tuple: (IPAddress, IPAddress, UInt16, UInt16, UInt8)) {
        let (a, b, portA, portB, ipProtocol) = tuple
        let forward = FlowKey.symmetricHash(a, b, portA, portB, ipProtocol)
        let reverse = FlowKey.symmetricHash(b, a, portB, portA, ipProtocol)
        #expect(forward == reverse)
    }

    @Test func hashesDifferentFlowsApart() {
        let base = FlowKey.symmetricHash(.v4(10, 0, 0, 1), .v4(10, 0, 0, 2), 40000, 502, 6)
        #expect(base != FlowKey.symmetricHash(.v4(10, 0, 0, 1), .v4(10, 0, 0, 2), 40001, 502, 6))
        #expect(base != FlowKey.symmetricHash(.v4(10, 0, 0, 1), .v4(10, 0, 0, 3), 40000, 502, 6))
        #expect(base != FlowKey.symmetricHash(.v4(10, 0, 0, 1), .v4(10, 0, 0, 2), 40000, 502, 17))
        // The ports belong to their addresses: swapping only the ports is another flow.
        #expect(base != FlowKey.symmetricHash(.v4(10, 0, 0, 1), .v4(10, 0, 0, 2), 502, 40000, 6))
    }

    @Test func keepsTheClientFirstOrientation() {
        let key = FlowKey(
            clientAddress: .v4(10, 0, 0, 1),
            serverAddress: .v4(10, 0, 0, 2),
            clientPort: 40000,
            serverPort: 502,
            ipProtocol: 6
        )
        let reversed = FlowKey(
            clientAddress: .v4(10, 0, 0, 2),
            serverAddress: .v4(10, 0, 0, 1),
            clientPort: 502,
            serverPort: 40000,
            ipProtocol: 6
        )
        #expect(key != reversed)
        #expect(key.clientAddress.description == "10.0.0.1")
        #expect(key.serverPort == 502)
    }

    @Test func reversesDirection() {
        #expect(Direction.toServer.reversed == .toClient)
        #expect(Direction.toClient.reversed == .toServer)
        #expect(Direction.toServer.rawValue == 0)
        #expect(Direction.toClient.rawValue == 1)
    }
}

// SPDX-License-Identifier: Apache-2.0

/// The flow fields every record carries.
public struct FlowContext: Sendable {
    /// Suricata-style flow identifier: the same in every record of the flow, below 2^51 so that JSON readers keep
    /// it exact.
    public var flowID: UInt64
    public var key: FlowKey
    /// VLAN identifiers of the flow's first packet, outermost first (count in `vlanCount`).
    public var vlanIdentifiers: (UInt16, UInt16, UInt16)
    public var vlanCount: Int
    /// The capture's link type for the flow's first packet (alerts name it in `packet_info`).
    public var linkType: LinkType = .ethernet

    public init(
        flowID: UInt64,
        key: FlowKey,
        vlanIdentifiers: (UInt16, UInt16, UInt16),
        vlanCount: Int,
        linkType: LinkType = .ethernet
    ) {
        self.flowID = flowID
        self.key = key
        self.vlanIdentifiers = vlanIdentifiers
        self.vlanCount = vlanCount
        self.linkType = linkType
    }
}

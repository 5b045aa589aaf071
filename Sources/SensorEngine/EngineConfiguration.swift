// SPDX-License-Identifier: Apache-2.0
public import DNP3
public import Detection
public import ModbusTCP
public import TCPReassembly

/// The engine's settings, with the defaults an OT segment needs.
public struct EngineConfiguration: Sendable {
    /// TCP ports decoded as Modbus/TCP (MB-TCP §4.1.2 registers 502; `--modbus-port` adds others).
    public var modbusPorts: [UInt16] = [502]
    /// The most flows tracked at once; past it the least recently active flow is ended ("evicted") and counted.
    /// 100,000 covers a large plant segment with room to spare; each flow costs about 1.3 KB (measured: 100,000
    /// flows, 128 MB peak RSS).
    public var maxFlows: Int = 100_000
    /// The largest `maxFlows` accepted: ten million flows is already about 4 GB of state, far beyond any plant.
    public static let maxFlowsLimit = 10_000_000
    /// Requests waiting for responses across all flows. Each holds its ADU (up to 260 bytes) and its decoded
    /// fields, about 400 bytes: 200,000 is about 80 MB. Past it, a flow's oldest pending request is given up
    /// (reported as `modbus.flooded`), so many flows cannot together exhaust memory.
    public var maxPendingRequestsTotal: Int = 200_000
    /// Capture-time seconds after which a flow with no packets ends. OT connections poll every few hundred
    /// milliseconds and live for months, so ten minutes of silence means the channel is gone.
    public var flowIdleTimeoutSeconds: Int64 = 600
    /// Capture-time seconds a flow closed by FIN or RST stays in the table to absorb late ACKs and
    /// retransmissions (as Suricata's `flow-timeouts: tcp: closed` does).
    public var closedFlowTimeoutSeconds: Int64 = 10
    public var reassembly = TCPReassemblyLimits()
    public var modbus = Modbus.Limits()
    /// TCP and UDP ports decoded as DNP3 (20000 is the port registered for DNP3 over TCP and UDP; `--dnp3-port` adds others).
    public var dnp3Ports: [UInt16] = [20000]
    /// DNP3 transport reassembly (fragment size limit, default 2048 octets).
    public var dnp3Transport = DNP3.Transport.Limits()
    /// DNP3 object parsing (objects per fragment, points per object header).
    public var dnp3Application = DNP3.Application.Limits()
    /// DNP3 requests waiting for a response per flow. 32 is Suricata's DNP3 flood threshold (its `max-tx`
    /// default): a master has one request outstanding at a time (IEEE 1815-2012 §4.2.3.2), so dozens unanswered
    /// mean a flood or a dead outstation. Past it: `dnp3.flooded`, and the oldest is given up.
    public var dnp3MaxPendingRequests = 32
    /// Transport reassemblies (fragments in flight) per flow, one per direction, source and destination. A
    /// channel to one outstation needs two; 16 covers a gateway multiplexing several outstations on one
    /// connection. Past it the least recently used is dropped (`dnp3.too_many_reassemblies`).
    public var dnp3MaxReassembliesPerFlow = 16
    /// Capture time a DNP3 request may wait for its response before the flow's end reports it unanswered:
    /// opendnp3's and most masters' default response timeout is 5 s; 10 s leaves room for slow serial gateways.
    public var dnp3ResponseTimeoutMicroseconds: Int64 = 10_000_000
    /// Exception responses on one Modbus connection within ``modbusExceptionFloodSeconds`` of capture time that
    /// raise `modbus.exception_flood` (then the count starts again). A healthy master sees an exception now and
    /// then; 20 in 10 s is a scan probing function codes or addresses, or a master polling what the device lacks.
    public var modbusExceptionFloodCount = 20
    public var modbusExceptionFloodSeconds: Int64 = 10
    /// The rules matched against DNP3 messages and application-layer events; nil matches nothing.
    public var rules: Detection.RuleSet?
    /// How many alerts one rule raises on one flow (per-flow suppression): later matches on that flow are counted
    /// (per signature in the summary, and as `alerts_suppressed` on the flow's record), not written. A master
    /// repeating a flagged request every poll cycle raises its alerts once per connection, not once a second.
    /// 0 means no limit. The default, 10, keeps every suricata-verify expectation.
    public var maxAlertsPerRulePerFlow = 10
    /// Windowed pair summaries and the asset inventory (`summary`, `stats` and `asset` records), with their window
    /// length and limits; nil for none (a replay without `--summaries`).
    public var summaries: SummaryLimits?

    public init() {}

    /// The configuration with `maxFlows` brought into 1...``maxFlowsLimit``.
    var bounded: EngineConfiguration {
        var copy = self
        copy.maxFlows = min(max(maxFlows, 1), Self.maxFlowsLimit)
        return copy
    }

    /// Whether `port` carries DNP3.
    @inlinable
    public func isDNP3Port(_ port: UInt16) -> Bool {
        for candidate in dnp3Ports where candidate == port { return true }
        return false
    }

    /// Whether `port` carries Modbus/TCP.
    @inlinable
    public func isModbusPort(_ port: UInt16) -> Bool {
        for candidate in modbusPorts where candidate == port { return true }
        return false
    }
}

// SPDX-License-Identifier: Apache-2.0
public import Baseline
public import SensorEngine

/// An engine sink that passes every record to `primary` (the EVE or text writer) and hands what goes upstream to
/// `deliver`: closed summary windows, inventory changes, and each alert as its EVE record, written by an EVE
/// writer of its own that writes alerts only, so the center gets the same alert record the EVE log has.
///
/// Called on the packet path, but only alerts, windows and asset changes cost anything here.
public final class UplinkTap: EngineEventSink {
    public let primary: any EngineEventSink
    private let deliver: (UpstreamRecord) -> Void
    private let alertOutput = MemoryOutput()
    private let alertWriter: EVEWriter
    /// Whether windows and asset changes also go to `primary` (false for a replay that prints no summaries).
    private let forwardSummaries: Bool

    public init(
        primary: any EngineEventSink,
        forwardSummaries: Bool = true,
        deliver: @escaping (UpstreamRecord) -> Void
    ) {
        self.primary = primary
        self.forwardSummaries = forwardSummaries
        self.deliver = deliver
        alertWriter = EVEWriter(output: alertOutput)
        alertWriter.types = .alert
    }

    public func modbusTransaction(
        _ event: ModbusTransactionEvent,
        requestADU: borrowing Span<UInt8>,
        responseADU: borrowing Span<UInt8>
    ) {
        primary.modbusTransaction(event, requestADU: requestADU, responseADU: responseADU)
        guard !event.alerts.isEmpty else { return }
        alertWriter.modbusTransaction(event, requestADU: requestADU, responseADU: responseADU)
        deliverAlerts()
    }

    public func anomaly(_ event: AnomalyEvent) {
        primary.anomaly(event)
        guard !event.alerts.isEmpty else { return }
        alertWriter.anomaly(event)
        deliverAlerts()
    }

    public func flowEnded(_ event: FlowEndEvent) { primary.flowEnded(event) }

    public func dnp3Message(_ event: DNP3MessageEvent, fragment: borrowing Span<UInt8>) {
        primary.dnp3Message(event, fragment: fragment)
        guard !event.alerts.isEmpty else { return }
        alertWriter.dnp3Message(event, fragment: fragment)
        deliverAlerts()
    }

    /// DNP3 messages are needed for their alerts even when the primary sink writes none.
    public var receivesDNP3Messages: Bool { true }
    /// Alerts go upstream as the EVE log has them, written when the data is acknowledged, whatever `primary` is.
    public var writesRecordsAtAcknowledgment: Bool { true }
    public var receivesAlerts: Bool { true }

    public func baselineAlert(_ alert: Baseline.Alert, counters: FlowCounters?) {
        primary.baselineAlert(alert, counters: counters)
        alertWriter.baselineAlert(alert, counters: counters)
        deliverAlerts()
    }

    public func summaryWindow(_ window: SummaryWindow) {
        if forwardSummaries { primary.summaryWindow(window) }
        deliver(.window(window))
    }

    public func assetChanged(_ event: AssetEvent) {
        if forwardSummaries { primary.assetChanged(event) }
        deliver(.asset(event))
    }

    private func deliverAlerts() {
        alertWriter.flush()
        for line in alertOutput.bytes.split(separator: UInt8(ascii: "\n")) { deliver(.alert(Array(line))) }
        alertOutput.removeAll()
    }
}

// SPDX-License-Identifier: Apache-2.0
public import Baseline
public import DNP3
public import Detection
public import ModbusTCP
public import NetworkLayers
public import WireFormat

/// A flow's counters when an alert was raised: Suricata's `flow` object in alert records.
public struct FlowCounters: Sendable {
    public var packetsToServer: Int
    public var packetsToClient: Int
    public var bytesToServer: Int
    public var bytesToClient: Int
    /// The flow's first packet.
    public var start: CaptureTimestamp
}

/// One Modbus transaction, completed (both halves) or not (a request never answered, a response with no request).
public struct ModbusTransactionEvent: Sendable {
    public var flow: FlowContext
    /// Suricata's `modbus.id`: the transaction's number in its flow, 1-based.
    public var transactionNumber: Int
    public var request: Modbus.Message?
    public var response: Modbus.Message?
    /// Capture time and 1-based packet number of the packet that completed the record.
    public var timestamp: CaptureTimestamp
    public var packetNumber: UInt64
    public var requestTimestamp: CaptureTimestamp?
    public var responseTimestamp: CaptureTimestamp?
    /// The packet that carried the request (its last octet), when there was one.
    public var requestPacketNumber: UInt64? = nil
    /// The rules this transaction fired, in rule order.
    public var alerts: [Detection.AlertRule] = []
    /// The flow's counters when the alerts were raised (only with alerts).
    public var flowCounters: FlowCounters? = nil
    /// Response time (capture time, microseconds), when both halves were seen.
    public var latencyMicroseconds: Int64? {
        guard let requestTimestamp, let responseTimestamp else { return nil }
        return responseTimestamp.microseconds(since: requestTimestamp)
    }
}

/// A decoder or stream anomaly, in packet direction.
public struct AnomalyEvent: Sendable {
    /// Suricata's anomaly `type`: `applayer`, `stream` or `decode`.
    public enum Kind: String, Sendable {
        case applayer, stream, decode
    }

    public var flow: FlowContext
    /// Whether the packet went client to server.
    public var direction: Direction
    public var kind: Kind
    /// `modbus` for application-layer anomalies.
    public var appProto: String?
    /// The event name without the protocol prefix, as in Suricata's `anomaly.event` (`invalid_length`), or the
    /// full name for stream and decode events (`stream.reassembly_seq_gap`).
    public var event: String
    /// One sentence in protocol terms: what was seen and why it is wrong.
    public var detail: String
    public var timestamp: CaptureTimestamp
    public var packetNumber: UInt64
    /// The Modbus transaction and unit identifier and function, where the anomaly is about one ADU.
    public var modbusTransactionIdentifier: UInt16?
    public var modbusUnitIdentifier: UInt8?
    public var modbusFunctionCode: UInt8?
    /// The DNP3 link source and destination and the application function code, where the anomaly is about one
    /// frame or fragment.
    public var dnp3Source: UInt16? = nil
    public var dnp3Destination: UInt16? = nil
    public var dnp3FunctionCode: UInt8? = nil
    /// The rules this event fired (`app-layer-event:`), in rule order.
    public var alerts: [Detection.AlertRule] = []
    /// The flow's counters when the alerts were raised (only with alerts).
    public var flowCounters: FlowCounters? = nil

    /// The full name (`modbus.invalid_length`), as in rules and in the summary.
    public var name: String {
        if let appProto { return "\(appProto).\(event)" }
        return event
    }
}

/// A flow that ended.
public struct FlowEndEvent: Sendable {
    public enum Reason: String, Sendable {
        /// Idle timeout (capture time), or closed by FIN/RST and then idle.
        case timeout
        /// Evicted because the table was full (Suricata's `forced`).
        case forced
        /// The capture ended.
        case shutdown
        /// A new connection reused the 5-tuple.
        case tcpReuse = "tcp_reuse"
    }

    public enum AppProto: Sendable {
        case none, modbus, dnp3, failed
    }

    public var flow: FlowContext
    public var firstTimestamp: CaptureTimestamp
    public var lastTimestamp: CaptureTimestamp
    public var packetsToServer: Int
    public var packetsToClient: Int
    public var bytesToServer: Int
    public var bytesToClient: Int
    public var tcpFlagsToServer: TCPFlags
    public var tcpFlagsToClient: TCPFlags
    /// `new` (one side only), `established`, `closed`.
    public var state: String
    public var reason: Reason
    public var appProto: AppProto
    public var transactions: Int
    public var gaps: Int
    /// An alert was raised on the flow.
    public var alerted: Bool = false
    /// Rule matches past ``EngineConfiguration/maxAlertsPerRulePerFlow`` on this flow, counted, not written.
    public var alertsSuppressed: Int = 0
}

/// The request a DNP3 response answers (or the message a confirm confirms).
public struct DNP3RequestReference: Sendable {
    public var functionCode: DNP3.Application.FunctionCode
    public var sequence: UInt8
    public var timestamp: CaptureTimestamp
    public var packetNumber: UInt64
    /// Capture time from the request to the response, microseconds.
    public var latencyMicroseconds: Int64
}

/// One DNP3 application message: a request, a response, an unsolicited response or a confirm, with the link frame
/// that completed it. The fragment's octets are read through `view` in the span passed beside the event.
public struct DNP3MessageEvent: Sendable {
    public var flow: FlowContext
    /// The direction the message travelled (client to server or back); roles come from ``fromMaster``.
    public var direction: Direction
    /// Whether the message came from the master, by the link DIR bit of its last frame.
    public var fromMaster: Bool
    /// The link header of the frame that completed the fragment.
    public var link: DNP3.Link.Header
    public var application: DNP3.Application.Header
    public var view: DNP3.FragmentView
    /// Whether every object header was read and every object stepped over (Suricata's `complete`).
    public var complete: Bool
    public var objectHeaders: Int
    public var points: Int
    /// Transport segments the fragment came in.
    public var segments: Int
    /// The capture time and packet number the record is written at: over TCP, the packet that acknowledged the
    /// fragment's last octet (as Suricata); over UDP, the datagram.
    public var timestamp: CaptureTimestamp
    public var packetNumber: UInt64
    /// The capture time and packet number of the packet that carried the fragment's last octet.
    public var messageTimestamp: CaptureTimestamp
    public var messagePacketNumber: UInt64
    /// The packet that carried the fragment's first segment (the same as the last for one segment).
    public var firstPacketNumber: UInt64 = 0
    /// For a response: its request, when one was seen; for a confirm: the fragment it confirms.
    public var answers: DNP3RequestReference?
    /// The rules this message fired, in rule order.
    public var alerts: [Detection.AlertRule] = []
    /// The flow's counters when the alerts were raised (only with alerts).
    public var flowCounters: FlowCounters? = nil
    /// The message's record was written already: only its alerts are due (written at the next packet in the
    /// message's direction, when Suricata's detection sees the transaction).
    public var alertsOnly = false

    /// Suricata's `dnp3.type`: `request`, `response` or `unsolicited_response`.
    public var recordType: String {
        switch application.functionCode {
        case .unsolicitedResponse: "unsolicited_response"
        case let code where code.isResponse: "response"
        default: "request"
        }
    }
}

/// Receives the engine's records. Called synchronously on the packet path, once per record (not per packet).
///
/// The borrowed spans are the ADU bytes the messages' ranges index; they are valid only during the call.
public protocol EngineEventSink: AnyObject {
    func modbusTransaction(
        _ event: ModbusTransactionEvent,
        requestADU: borrowing Span<UInt8>,
        responseADU: borrowing Span<UInt8>
    )
    func anomaly(_ event: AnomalyEvent)
    func flowEnded(_ event: FlowEndEvent)
    /// One DNP3 application message; `fragment` holds the octets ``DNP3MessageEvent/view`` reads.
    func dnp3Message(_ event: DNP3MessageEvent, fragment: borrowing Span<UInt8>)
    /// Whether the sink writes DNP3 messages; when false the engine neither builds nor holds them.
    var receivesDNP3Messages: Bool { get }
    /// Whether DNP3 messages over TCP are handed over at the packet that acknowledges them, as Suricata writes
    /// its records (EVE); otherwise at the packet that carried them, in capture order with the anomalies (text).
    var writesRecordsAtAcknowledgment: Bool { get }
    /// Whether the sink writes alerts; when false the engine only counts them.
    var receivesAlerts: Bool { get }
    /// An alert raised against the baseline model; `counters` are the flow's when it is still open.
    func baselineAlert(_ alert: Baseline.Alert, counters: FlowCounters?)
    /// A summary window closed (capture time): its pair summaries and the sensor's counters.
    func summaryWindow(_ window: SummaryWindow)
    /// The asset inventory changed, or (at the end) its state.
    func assetChanged(_ event: AssetEvent)
}

extension EngineEventSink {
    /// Sinks that do not report DNP3 ignore its messages.
    public func dnp3Message(_ event: DNP3MessageEvent, fragment: borrowing Span<UInt8>) {}
    /// Sinks that do not report alerts ignore the baseline's.
    public func baselineAlert(_ alert: Baseline.Alert, counters: FlowCounters?) {}
    /// Sinks that do not report summaries ignore them.
    public func summaryWindow(_ window: SummaryWindow) {}
    public func assetChanged(_ event: AssetEvent) {}
    public var receivesDNP3Messages: Bool { true }
    public var writesRecordsAtAcknowledgment: Bool { false }
    public var receivesAlerts: Bool { true }
}

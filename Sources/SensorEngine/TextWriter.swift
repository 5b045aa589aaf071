// SPDX-License-Identifier: Apache-2.0
public import Baseline
import DNP3
import Detection
import ModbusTCP
import NetworkLayers
import WireFormat

/// Writes one readable line per transaction and per anomaly, for an engineer at a terminal:
///
/// ```
/// 2024-01-01 00:00:00.010 10.0.0.1:40000 -> 10.0.0.2:502 unit 1 tid 4 Read Holding Registers 0..1 => [10, 11] 1.2 ms
/// 2024-01-01 00:00:00.050 10.0.0.1:40000 -> 10.0.0.2:502 ! modbus.invalid_length: MBAP length is 0, outside 2..254
/// ```
///
/// Addresses are the PDU's zero-based addresses (MB §4.4), as on the wire.
public final class TextWriter: EngineEventSink {
    private var line = JSONBuffer(capacity: 1 << 16)
    private let output: any RecordOutput
    /// At most this many values are printed per message; the rest are counted.
    public var maxValuesPerLine = 16

    public init(output: any RecordOutput) {
        self.output = output
    }

    public func flush() {
        guard !line.bytes.isEmpty else { return }
        output.write(line.bytes)
        line.removeAll()
    }

    func emit(_ text: String) {
        for byte in text.utf8 { line.appendRaw(byte) }
        line.appendRaw(UInt8(ascii: "\n"))
        if line.bytes.count >= 1 << 16 { flush() }
    }

    static func time(_ timestamp: CaptureTimestamp) -> String {
        var buffer = JSONBuffer(capacity: 32)
        buffer.appendTimestamp(timestamp)
        // 2024-01-01T00:00:00.010000+0000 -> 2024-01-01T00:00:00.010Z (UTC, millisecond precision)
        let text = String(decoding: buffer.bytes, as: UTF8.self)
        return String(text.prefix(23)) + "Z"
    }

    private static func endpoints(_ key: FlowKey, _ direction: Direction = .toServer) -> String {
        let client = "\(key.clientAddress):\(key.clientPort)"
        let server = "\(key.serverAddress):\(key.serverPort)"
        return direction == .toServer ? "\(client) -> \(server)" : "\(server) -> \(client)"
    }

    public func modbusTransaction(
        _ event: ModbusTransactionEvent,
        requestADU: borrowing Span<UInt8>,
        responseADU: borrowing Span<UInt8>
    ) {
        let any = event.request ?? event.response
        guard let any else { return }
        var text = "\(Self.time(event.requestTimestamp ?? event.timestamp)) \(Self.endpoints(event.flow.key))"
        text += " unit \(any.header.unitIdentifier) tid \(any.header.transactionIdentifier) "
        text += any.functionCode.function.specificationName ?? "function \(any.functionCode.function)"
        if let request = event.request {
            text += describe(request, adu: requestADU, request: nil)
        } else {
            text += " (request not seen)"
        }
        if let response = event.response {
            text += " =>" + describe(response, adu: responseADU, request: event.request)
        } else {
            text += " => no response"
        }
        if let latency = event.latencyMicroseconds {
            let sign = latency < 0 ? "-" : ""
            let magnitude = latency.magnitude
            let fraction = String(magnitude % 1000)
            text += " \(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) ms"
        }
        emit(text)
        for rule in event.alerts {
            alert(
                rule,
                timestamp: event.timestamp,
                key: event.flow.key,
                direction: .toServer  // the request's direction, as in EVE
            )
        }
    }

    private func describe(_ message: Modbus.Message, adu: borrowing Span<UInt8>, request: Modbus.Message?) -> String {
        switch message.fields {
        case .readRequest(let address, let quantity):
            return " \(address)..\(Int(address) + max(Int(quantity), 1) - 1) (\(quantity))"
        case .readResponse(_, let values):
            if message.functionCode.rawValue <= 2 {
                var count = values.count * 8
                if let request, case .readRequest(_, let quantity) = request.fields {
                    count = min(count, Int(quantity))
                }
                let bits = Modbus.CoilValues(bytes: values)
                return " " + list(count) { bits.value(at: $0, in: adu) ? "1" : "0" }
            }
            let registers = Modbus.RegisterValues(bytes: values)
            return " " + list(registers.count) { "\(registers.value(at: $0, in: adu))" }
        case .writeSingle(let address, let value):
            if message.functionCode.rawValue == 5 {
                return " \(address) = \(value == 0xFF00 ? "ON" : value == 0 ? "OFF" : "0x\(String(value, radix: 16))")"
            }
            return " \(address) = \(value)"
        case .writeMultipleRequest(let address, let quantity, _, let values):
            if message.functionCode.rawValue == 15 {
                let bits = Modbus.CoilValues(bytes: values)
                return " \(address).. = "
                    + list(min(Int(quantity), values.count * 8)) { bits.value(at: $0, in: adu) ? "1" : "0" }
            }
            let registers = Modbus.RegisterValues(bytes: values)
            return " \(address).. = " + list(registers.count) { "\(registers.value(at: $0, in: adu))" }
        case .writeMultipleResponse(let address, let quantity):
            return " \(address) (\(quantity)) ok"
        case .maskWrite(let address, let andMask, let orMask):
            return " \(address) AND 0x\(String(andMask, radix: 16)) OR 0x\(String(orMask, radix: 16))"
        case .readWriteRequest(let readAddress, let readQuantity, let writeAddress, _, _, let values):
            let registers = Modbus.RegisterValues(bytes: values)
            return " read \(readAddress) (\(readQuantity)), write \(writeAddress).. = "
                + list(registers.count) { "\(registers.value(at: $0, in: adu))" }
        case .diagnostic(let subfunction, let data):
            return
                " sub-function \(subfunction) (\(Modbus.diagnosticSuricataName(subfunction))) \(data.count) data bytes"
        case .exception(let code):
            return " exception \(code)"
        case .readDeviceIdentificationRequest(let code, let objectID):
            return " read device identification code \(code) from object \(objectID)"
        case .readDeviceIdentificationResponse(_, _, _, _, let count, let objects):
            var parts: [String] = []
            var offset = objects.lowerBound
            while offset + 2 <= objects.upperBound {
                let length = Int(adu[offset + 1])
                let end = min(offset + 2 + length, objects.upperBound)
                parts.append("\(adu[offset])=\"\(Self.printable(adu, (offset + 2)..<end))\"")
                offset = end
            }
            return " \(count) objects: " + parts.joined(separator: ", ")
        case .fifoRequest(let pointer):
            return " FIFO at \(pointer)"
        case .fifoResponse(_, let fifoCount, let values):
            let registers = Modbus.RegisterValues(bytes: values)
            return " \(fifoCount) values " + list(registers.count) { "\(registers.value(at: $0, in: adu))" }
        case .none:
            return ""
        case .reportServerID(_, let data):
            // MB §6.13: the server ID bytes, then the run indicator status (0x00 OFF, 0xFF ON).
            guard let last = data.last else { return " (no server ID)" }
            let run = adu[last] == 0xFF ? "ON" : adu[last] == 0 ? "OFF" : "0x\(String(adu[last], radix: 16))"
            return " server ID \"\(Self.printable(adu, data.lowerBound..<last))\", run indicator \(run)"
        case .raw(let data), .mei(_, let data), .fileRecord(_, let data), .commEventLog(_, _, _, _, let data):
            return data.isEmpty ? "" : " \(data.count) data byte\(data.count == 1 ? "" : "s")"
        case .exceptionStatus(let status):
            return " status 0x\(String(status, radix: 16))"
        case .commEventCounter(let status, let count):
            return " status 0x\(String(status, radix: 16)) events \(count)"
        }
    }

    /// A rule's text for a terminal: control characters shown as `\u{..}`, never sent raw.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
            return text
        }
        var result = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The bytes as text, with `?` for anything not printable ASCII.
    private static func printable(_ adu: borrowing Span<UInt8>, _ range: Range<Int>) -> String {
        var value = ""
        for index in range {
            let byte = adu[index]
            value.unicodeScalars.append(Unicode.Scalar(byte >= 0x20 && byte < 0x7F ? byte : UInt8(ascii: "?")))
        }
        return value
    }

    private func list(_ count: Int, _ element: (Int) -> String) -> String {
        var parts: [String] = []
        for index in 0..<min(count, maxValuesPerLine) { parts.append(element(index)) }
        if count > maxValuesPerLine { parts.append("... \(count - maxValuesPerLine) more") }
        return "[" + parts.joined(separator: ", ") + "]"
    }

    public func anomaly(_ event: AnomalyEvent) {
        emit(
            "\(Self.time(event.timestamp)) \(Self.endpoints(event.flow.key, event.direction)) ! \(event.name): \(event.detail)"
        )
        for rule in event.alerts {
            alert(rule, timestamp: event.timestamp, key: event.flow.key, direction: event.direction)
        }
    }

    /// `!! [gid:sid:rev] message (category, severity N)`, after the line that raised it.
    private func alert(_ rule: Detection.AlertRule, timestamp: CaptureTimestamp, key: FlowKey, direction: Direction) {
        let category = rule.category.isEmpty ? "" : "\(rule.category), "
        emit(
            "\(Self.time(timestamp)) \(Self.endpoints(key, direction)) !! [\(rule.gid):\(rule.sid):\(rule.rev)] \(Self.visible(rule.signature)) (\(Self.visible(category))severity \(rule.severity))"
        )
    }

    /// `!! [9100:sid:1] signature (category, severity N): explanation`.
    public func baselineAlert(_ alert: Baseline.Alert, counters: FlowCounters?) {
        let rule = alert.rule
        emit(
            "\(Self.time(alert.timestamp)) \(Self.endpoints(alert.flow.key, alert.toServer ? .toServer : .toClient)) !! [\(rule.gid):\(rule.sid):\(rule.rev)] \(rule.signature) (\(rule.category), severity \(rule.severity)): \(Self.visible(alert.explanation))"
        )
    }

    public func flowEnded(_ event: FlowEndEvent) {}

    // MARK: - DNP3

    /// One line per DNP3 message, in the roles the DIR bit gives:
    ///
    /// ```
    /// 2024-01-01T00:00:00.010Z 10.0.0.1:40000 -> 10.0.0.2:20000 dnp3 master 2 -> outstation 1 READ seq 3 g60v2 q06, g60v1 q06
    /// 2024-01-01T00:00:00.020Z 10.0.0.2:20000 -> 10.0.0.1:40000 dnp3 outstation 1 -> master 2 RESPONSE seq 3 iin need_time g30v1 0..1: 0=100 1=200 (answers READ, 10.0 ms)
    /// ```
    public func dnp3Message(_ event: DNP3MessageEvent, fragment: borrowing Span<UInt8>) {
        guard !event.alertsOnly else { return }  // text lines are written at the message, alerts with it
        let application = event.application
        let code = application.functionCode
        var text = "\(Self.time(event.messageTimestamp)) \(Self.endpoints(event.flow.key, event.direction)) dnp3 "
        text +=
            event.fromMaster
            ? "master \(event.link.source) -> outstation \(event.link.destination) "
            : "outstation \(event.link.source) -> master \(event.link.destination) "
        text += code.name ?? "function \(code.rawValue)"
        let control = application.control
        text += " seq \(control.sequence)"
        if !(control.fir && control.fin) { text += control.fir ? " FIR" : control.fin ? " FIN" : " (middle fragment)" }
        if control.con { text += " CON" }
        if control.uns { text += " UNS" }
        if code.isResponse && application.iin.rawValue != 0 {
            let names = DNP3.Application.InternalIndications.names.filter { application.iin.contains($0.0) }
            text += " iin " + names.map(\.1).joined(separator: ",")
        }
        var parser = DNP3.Application.ObjectParser(header: application)
        var headers: [String] = []
        var remaining = maxValuesPerLine
        while let block = parser.next(in: fragment, view: event.view) {
            let header = block.header
            var part = "g\(header.group)v\(header.variation)"
            if header.qualifier.isStartStop {
                part += " \(header.start)..\(header.stop)"
            } else if header.qualifier.isCount {
                part += " x\(header.count)"
            } else {
                part += " q\(header.qualifier.rawValue < 16 ? "0" : "")\(String(header.qualifier.rawValue, radix: 16))"
            }
            var values: [String] = []
            var cursor = DNP3.Application.PointCursor(block)
            var hidden = 0
            while let point = cursor.next(in: fragment, view: event.view) {
                guard remaining > 0 else {
                    hidden += 1
                    continue
                }
                var fields = TextPointFields()
                fields.stateIsBit7 = header.group == 2 && header.variation == 1
                if let bit = point.bitOffset {
                    _ = DNP3.Objects.decodePackedPoint(
                        group: header.group,
                        variation: header.variation,
                        bitOffset: bit,
                        data: block.data,
                        of: event.view,
                        in: fragment,
                        into: &fields
                    )
                } else {
                    _ = DNP3.Objects.decodePoint(
                        group: header.group,
                        variation: header.variation,
                        object: point.object,
                        of: event.view,
                        in: fragment,
                        into: &fields
                    )
                }
                guard let summary = fields.summary else { continue }
                values.append("\(point.index)=\(summary)")
                remaining -= 1
            }
            if !values.isEmpty { part += ": " + values.joined(separator: " ") }
            if hidden > 0 { part += " (\(hidden) more not shown)" }
            headers.append(part)
        }
        if !headers.isEmpty { text += " " + headers.joined(separator: ", ") }
        if !event.complete { text += " (objects incomplete)" }
        if let request = event.answers {
            if code == .confirm {
                text +=
                    " (confirms \(request.functionCode.name ?? "") seq \(request.sequence), packet \(request.packetNumber))"
            } else {
                let latency = request.latencyMicroseconds
                let fraction = String(latency.magnitude % 1000 / 100)
                text +=
                    " (answers \(request.functionCode.name ?? "function \(request.functionCode.rawValue)"), "
                    + "\(latency < 0 ? "-" : "")\(latency.magnitude / 1000).\(fraction) ms)"
            }
        }
        emit(text)
        for rule in event.alerts {
            alert(rule, timestamp: event.messageTimestamp, key: event.flow.key, direction: event.direction)
        }
    }
}

/// Keeps the one field that says most about a point: its value, state, count or commanded value, or a control's
/// operation, on and off times and status; DNP3 times as UTC dates.
private struct TextPointFields: DNP3.Objects.PointFieldVisitor {
    var summary: String?
    /// Binary input events with only a flag octet (g2v1): the state is its bit 7 (Suricata logs the whole octet).
    var stateIsBit7 = false
    private var operation: String?

    private static let preferred: Set<String> = [
        "value", "state", "point", "count", "commanded_value", "commanded_state", "delay_ms", "delay_secs",
        "timestamp", "count_value",
    ]
    private static let times: Set<String> = ["timestamp", "created", "created_timestamp", "time_of_error"]

    /// A DNP3 time (milliseconds since 1970-01-01 UTC) as `2024-01-01T00:00:00.123Z`.
    static func date(_ milliseconds: UInt64) -> String {
        let clamped = Int64(min(milliseconds, 253_402_300_799_999))
        var buffer = JSONBuffer(capacity: 40)
        buffer.appendTimestamp(CaptureTimestamp(seconds: clamped / 1000, microseconds: Int32(clamped % 1000) * 1000))
        return String(String(decoding: buffer.bytes, as: UTF8.self).prefix(23)) + "Z"
    }

    mutating func field(_ name: StaticString, _ value: UInt64) {
        let key = name.description
        if key == "op_type" {
            let op = DNP3.Objects.ControlOperation(rawValue: UInt8(truncatingIfNeeded: value))
            operation = op.name ?? "op \(value)"
            summary = operation
        } else if key == "ontime", let operation, value > 0 {
            summary = "\(operation) on \(value) ms"
        } else if key == "offtime", let current = summary, operation != nil, value > 0 {
            summary = current + " off \(value) ms"
        } else if key == "status_code", let current = summary, operation != nil {
            let status = DNP3.Objects.CommandStatus(rawValue: UInt8(truncatingIfNeeded: value))
            summary = current + (value == 0 ? "" : " \(status.name ?? "status \(value)")")
        } else if summary == nil, Self.preferred.contains(key) {
            if key == "state" && stateIsBit7 {
                summary = "\(value >> 7 & 1)"
            } else if Self.times.contains(key) {
                summary = Self.date(value)
            } else {
                summary = "\(value)"
            }
        }
    }
    mutating func field(_ name: StaticString, signed value: Int64) {
        if summary == nil, Self.preferred.contains(name.description) { summary = "\(value)" }
    }

    mutating func field(_ name: StaticString, float value: Double) {
        if summary == nil, Self.preferred.contains(name.description) { summary = "\(value)" }
    }

    mutating func field(
        _ name: StaticString,
        string range: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>
    ) {
        guard summary == nil else { return }
        var text = ""
        for index in range.prefix(64) {
            let byte = view.byte(index, in: bytes)
            text.append(byte >= 0x20 && byte < 0x7F ? Character(Unicode.Scalar(byte)) : ".")
        }
        summary = "\"" + text + "\""
    }

    mutating func field(
        _ name: StaticString,
        base64 range: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>
    ) {}
}

extension JSONBuffer {
    /// Appends one byte with no JSON escaping (plain-text output).
    mutating func appendRaw(_ byte: UInt8) {
        appendBytes(byte)
    }
}

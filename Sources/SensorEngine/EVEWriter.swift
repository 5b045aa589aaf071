// SPDX-License-Identifier: Apache-2.0
public import Baseline
import DNP3
import Detection
import ModbusTCP
import NetworkLayers
import WireFormat

/// Writes the engine's records as Suricata EVE JSON lines (suricata-eve.md): the same keys, key order and value
/// spellings, so SOC pipelines that read Suricata read these unchanged. Where we know more (register and coil
/// values, device identification objects, latency, a plain-words `detail`) we add keys; we never rename.
public final class EVEWriter: EngineEventSink {
    /// Written only from the engine's one thread, one record at a time (see ``SensorEngine``'s note on exclusivity).
    @safe @exclusivity(unchecked) var json = JSONBuffer()
    /// String octets of a fragment read through its CRC blocks, gathered for writing.
    @safe @exclusivity(unchecked) fileprivate var scratch: [UInt8] = []
    private let output: any RecordOutput
    /// Flush once this many bytes are buffered.
    private let flushThreshold = 1 << 16

    /// The record types written, as Suricata's `eve-log: types:` list chooses them (all by default).
    public var types: RecordTypes = .all

    /// EVE record types.
    public struct RecordTypes: OptionSet, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public static let alert = RecordTypes(rawValue: 1 << 0)
        public static let anomaly = RecordTypes(rawValue: 1 << 1)
        public static let modbus = RecordTypes(rawValue: 1 << 2)
        public static let dnp3 = RecordTypes(rawValue: 1 << 3)
        public static let flow = RecordTypes(rawValue: 1 << 4)
        public static let summary = RecordTypes(rawValue: 1 << 5)
        public static let stats = RecordTypes(rawValue: 1 << 6)
        public static let asset = RecordTypes(rawValue: 1 << 7)
        public static let all: RecordTypes = [.alert, .anomaly, .modbus, .dnp3, .flow, .summary, .stats, .asset]
        /// The names as in `event_type`, in this order.
        public static let names: [(String, RecordTypes)] = [
            ("alert", .alert), ("anomaly", .anomaly), ("modbus", .modbus), ("dnp3", .dnp3), ("flow", .flow),
            ("summary", .summary), ("stats", .stats), ("asset", .asset),
        ]
    }

    public init(output: any RecordOutput) {
        self.output = output
    }

    /// EVE records are Suricata's, written when the data is acknowledged.
    public var writesRecordsAtAcknowledgment: Bool { true }

    /// Writes what is buffered.
    public func flush() {
        guard !json.bytes.isEmpty else { return }
        output.write(json.bytes)
        json.removeAll()
    }

    func endRecord() {
        json.endObject()
        json.newline()
        if json.bytes.count >= flushThreshold { flush() }
    }

    // MARK: - Header

    /// Suricata's common header (suricata-eve.md §3.1), in the orientation asked for.
    private func header(
        timestamp: CaptureTimestamp,
        flow: FlowContext,
        packetNumber: UInt64?,
        eventType: String,
        clientFirst: Bool,
        appProto: String?
    ) {
        json.beginObject()
        json.member("timestamp", timestamp: timestamp)
        json.member("flow_id", flow.flowID)
        if let packetNumber, packetNumber > 0 { json.member("pcap_cnt", packetNumber) }
        json.member("event_type", eventType)
        writeVLAN(flow)
        let key = flow.key
        if clientFirst {
            json.member("src_ip", key.clientAddress.description)
            json.member("src_port", Int(key.clientPort))
            json.member("dest_ip", key.serverAddress.description)
            json.member("dest_port", Int(key.serverPort))
        } else {
            json.member("src_ip", key.serverAddress.description)
            json.member("src_port", Int(key.serverPort))
            json.member("dest_ip", key.clientAddress.description)
            json.member("dest_port", Int(key.clientPort))
        }
        json.member("proto", Self.protoName(key.ipProtocol))
        // Records a packet completed name it; those raised when a flow ends (timeout, end of capture) have no
        // packet, as Suricata's flow-timeout pseudo packets have none.
        if let packetNumber { json.member("pkt_src", packetNumber > 0 ? "wire/pcap" : "stream (flow timeout)") }
        if let appProto { json.member("app_proto", appProto) }
    }

    private func writeVLAN(_ flow: FlowContext) {
        guard flow.vlanCount > 0 else { return }
        json.beginArray("vlan")
        json.element(Int(flow.vlanIdentifiers.0))
        if flow.vlanCount > 1 { json.element(Int(flow.vlanIdentifiers.1)) }
        if flow.vlanCount > 2 { json.element(Int(flow.vlanIdentifiers.2)) }
        json.endArray()
    }

    private static func protoName(_ ipProtocol: UInt8) -> String {
        switch ipProtocol {
        case 6: "TCP"
        case 17: "UDP"
        default: "\(ipProtocol)"
        }
    }

    // MARK: - Modbus

    public func modbusTransaction(
        _ event: ModbusTransactionEvent,
        requestADU: borrowing Span<UInt8>,
        responseADU: borrowing Span<UInt8>
    ) {
        if types.contains(.modbus) {
            header(
                timestamp: event.timestamp,
                flow: event.flow,
                packetNumber: event.packetNumber,
                eventType: "modbus",
                clientFirst: true,
                appProto: "modbus"
            )
            writeModbusObject(event, requestADU: requestADU, responseADU: responseADU)
            endRecord()
        }
        guard types.contains(.alert) else { return }
        // `modbus:` rules inspect the request, so their alerts are logged in the request's direction, client to
        // server, as Suricata logs the alerts of to_server rules (flow direction), even when the transaction
        // completed on the response's packet.
        let direction = Direction.toServer
        for rule in event.alerts {
            alertHeader(
                rule,
                timestamp: event.timestamp,
                flow: event.flow,
                packetNumber: event.packetNumber,
                direction: direction,
                evidence: [event.requestPacketNumber ?? 0, event.response != nil ? event.packetNumber : 0]
            )
            writeModbusObject(event, requestADU: requestADU, responseADU: responseADU)
            alertTrailer(appProto: "modbus", direction: direction, flow: event.flow, counters: event.flowCounters)
        }
    }

    /// The `modbus` object (suricata-eve.md §1.2), in records and in alerts.
    private func writeModbusObject(
        _ event: ModbusTransactionEvent,
        requestADU: borrowing Span<UInt8>,
        responseADU: borrowing Span<UInt8>
    ) {
        json.beginObject("modbus")
        json.member("id", event.transactionNumber)
        if let request = event.request {
            json.beginObject("request")
            writeMessage(request, adu: requestADU, request: nil, requestADU: Span())
            json.endObject()
        }
        if let response = event.response {
            json.beginObject("response")
            writeMessage(response, adu: responseADU, request: event.request, requestADU: requestADU)
            json.endObject()
        }
        if let latency = event.latencyMicroseconds {
            json.member("latency_us", Int(latency))
        }
        json.endObject()
    }

    /// One message in Suricata's layout (suricata-eve.md §1.2), plus our value arrays.
    private func writeMessage(
        _ message: Modbus.Message,
        adu: borrowing Span<UInt8>,
        request: Modbus.Message?,
        requestADU: borrowing Span<UInt8>
    ) {
        let code = message.functionCode
        json.member("transaction_id", Int(message.header.transactionIdentifier))
        json.member("protocol_id", Int(message.header.protocolIdentifier))
        json.member("unit_id", Int(message.header.unitIdentifier))
        json.member("function_raw", Int(code.rawValue))
        json.member("function_code", code.suricataName)
        json.member("access_type", Self.accessType(code))
        json.member("category", message.suricataCategory)
        json.member("error_flags", message.errorFlags.suricataDescription)
        switch message.fields {
        case .exception(let exception):
            json.beginObject("exception")
            json.member("raw", Int(exception.rawValue))
            json.member("code", exception.suricataName)
            json.endObject()
        case .diagnostic(let subfunction, let data):
            json.beginObject("diagnostic")
            json.member("raw", Int(subfunction))
            json.member("code", Modbus.diagnosticSuricataName(subfunction))
            json.member("data", bytesAsString: adu.extracting(data))
            json.endObject()
        case .readDeviceIdentificationRequest, .readDeviceIdentificationResponse, .mei:
            writeMEI(message, adu: adu)
        case .readRequest(let address, let quantity):
            json.beginObject("read")
            json.member("address", Int(address))
            json.member("quantity", Int(quantity))
            json.endObject()
        case .readResponse(_, let values):
            json.beginObject("read")
            json.member("data", bytesAsString: adu.extracting(values))
            if code.rawValue <= 2 {
                var bits = values.count * 8
                if let request, case .readRequest(_, let quantity) = request.fields { bits = min(bits, Int(quantity)) }
                writeBits(
                    code.rawValue == 1 ? "coils" : "inputs",
                    Modbus.CoilValues(bytes: values),
                    count: bits,
                    adu: adu
                )
            } else {
                writeRegisters(Modbus.RegisterValues(bytes: values), adu: adu)
            }
            json.endObject()
        case .writeSingle(let address, let value):
            json.beginObject("write")
            json.member("address", Int(address))
            json.member("data", Int(value))
            json.endObject()
        case .writeMultipleRequest(let address, let quantity, _, let values):
            json.beginObject("write")
            json.member("address", Int(address))
            json.member("quantity", Int(quantity))
            json.member("data", bytesAsString: adu.extracting(values))
            if code.rawValue == 15 {
                writeBits(
                    "coils",
                    Modbus.CoilValues(bytes: values),
                    count: min(Int(quantity), values.count * 8),
                    adu: adu
                )
            } else {
                writeRegisters(Modbus.RegisterValues(bytes: values), adu: adu)
            }
            json.endObject()
        case .writeMultipleResponse(let address, let quantity):
            json.beginObject("write")
            json.member("address", Int(address))
            json.member("data", Int(quantity))
            json.endObject()
        case .maskWrite(let address, let andMask, let orMask):
            json.beginObject("write")
            json.member("address", Int(address))
            json.member("and_mask", Int(andMask))
            json.member("or_mask", Int(orMask))
            json.endObject()
        case .readWriteRequest(let readAddress, let readQuantity, let writeAddress, let writeQuantity, _, let values):
            json.beginObject("read")
            json.member("address", Int(readAddress))
            json.member("quantity", Int(readQuantity))
            json.endObject()
            json.beginObject("write")
            json.member("address", Int(writeAddress))
            json.member("quantity", Int(writeQuantity))
            json.member("data", bytesAsString: adu.extracting(values))
            writeRegisters(Modbus.RegisterValues(bytes: values), adu: adu)
            json.endObject()
        case .fifoResponse(_, let fifoCount, let values):
            json.member("data", bytesAsString: adu.extracting(message.data))
            json.member("fifo_count", Int(fifoCount))
            writeRegisters(Modbus.RegisterValues(bytes: values), adu: adu)
        case .fifoRequest(let pointer):
            json.member("data", bytesAsString: adu.extracting(message.data))
            json.member("fifo_pointer", Int(pointer))
        case .fileRecord(_, let records):
            json.member("data", bytesAsString: adu.extracting(message.data))
            json.beginArray("file_records")
            var offset = records.lowerBound
            while let (record, next) = Modbus.FileRecord.parse(
                adu,
                at: offset,
                end: records.upperBound,
                function: message.functionCode,
                isRequest: message.isRequest
            ) {
                json.beginObject()
                json.member("reference_type", Int(record.referenceType))
                if let file = record.fileNumber { json.member("file_number", Int(file)) }
                if let number = record.recordNumber { json.member("record_number", Int(number)) }
                if let length = record.recordLength { json.member("record_length", Int(length)) }
                if !record.data.isEmpty { writeRegisters(Modbus.RegisterValues(bytes: record.data), adu: adu) }
                json.endObject()
                offset = next
            }
            json.endArray()
        case .none, .raw, .exceptionStatus, .commEventCounter, .commEventLog, .reportServerID:
            json.member("data", bytesAsString: adu.extracting(message.data))
        }
    }

    private func writeRegisters(_ registers: Modbus.RegisterValues, adu: borrowing Span<UInt8>) {
        json.member("registers", integers: registers.count) { UInt64(registers.value(at: $0, in: adu)) }
    }

    private func writeBits(_ key: String, _ bits: Modbus.CoilValues, count: Int, adu: borrowing Span<UInt8>) {
        json.member(key, integers: count) { bits.value(at: $0, in: adu) ? 1 : 0 }
    }

    private func writeMEI(_ message: Modbus.Message, adu: borrowing Span<UInt8>) {
        let data = message.data
        guard !data.isEmpty else {
            json.member("data", "")
            return
        }
        let meiType = adu[data.lowerBound]
        json.beginObject("mei")
        json.member("raw", Int(meiType))
        json.member("code", Modbus.meiSuricataName(meiType))
        json.member("data", bytesAsString: adu.extracting((data.lowerBound + 1)..<data.upperBound))
        switch message.fields {
        case .readDeviceIdentificationRequest(let code, let objectID):
            json.member("read_device_id_code", Int(code))
            json.member("object_id", Int(objectID))
        case .readDeviceIdentificationResponse(let code, let conformity, let more, let next, let count, let objects):
            json.member("read_device_id_code", Int(code))
            json.member("conformity_level", Int(conformity))
            json.member("more_follows", Int(more))
            json.member("next_object_id", Int(next))
            json.member("number_of_objects", Int(count))
            json.beginArray("objects")
            var offset = objects.lowerBound
            while offset + 2 <= objects.upperBound {
                let id = adu[offset]
                let length = Int(adu[offset + 1])
                let end = min(offset + 2 + length, objects.upperBound)
                json.beginObject()
                json.member("id", Int(id))
                if let name = Self.deviceObjectName(id) { json.member("name", name) }
                json.member("value", bytesAsString: adu.extracting((offset + 2)..<end))
                json.endObject()
                offset = end
            }
            json.endArray()
        default:
            break
        }
        json.endObject()
    }

    /// Object names of Read Device Identification (MB §6.21, table of object ids 0x00-0x06).
    private static func deviceObjectName(_ id: UInt8) -> String? {
        switch id {
        case 0: "VendorName"
        case 1: "ProductCode"
        case 2: "MajorMinorRevision"
        case 3: "VendorUrl"
        case 4: "ProductName"
        case 5: "ModelName"
        case 6: "UserApplicationName"
        default: nil
        }
    }

    /// Suricata's `access_type` string for a function (suricata-eve.md §1.5).
    static func accessType(_ code: Modbus.FunctionCode) -> String {
        switch code.function.rawValue {
        case 1: "READ | COILS"
        case 2: "READ | DISCRETES"
        case 3: "READ | HOLDING"
        case 4: "READ | INPUT"
        case 5: "WRITE | COILS | SINGLE | WRITE_SINGLE"
        case 6: "WRITE | HOLDING | SINGLE | WRITE_SINGLE"
        case 15: "WRITE | COILS | MULTIPLE | WRITE_MULTIPLE"
        case 16: "WRITE | HOLDING | MULTIPLE | WRITE_MULTIPLE"
        case 22: "WRITE | HOLDING"
        case 23: "READ | WRITE | HOLDING | MULTIPLE | WRITE_MULTIPLE"
        default: "NONE"
        }
    }

    // MARK: - DNP3

    /// One `dnp3` record per application message, as Suricata writes them (suricata-eve.md §2): requests,
    /// responses and unsolicited responses; confirms get none. Our additions come after Suricata's keys:
    /// `in_response_to` (the request a response answers, by application sequence) and `segments`.
    public func dnp3Message(_ event: DNP3MessageEvent, fragment: borrowing Span<UInt8>) {
        guard event.application.functionCode != .confirm else { return }
        if !event.alertsOnly && types.contains(.dnp3) { writeDNP3Record(event, fragment: fragment) }
        guard types.contains(.alert) else { return }
        for rule in event.alerts {
            alertHeader(
                rule,
                timestamp: event.timestamp,
                flow: event.flow,
                packetNumber: event.packetNumber,
                direction: event.direction,
                evidence: [event.answers?.packetNumber ?? 0, event.firstPacketNumber, event.messagePacketNumber]
            )
            // Suricata wraps the message in `request` or `response` inside an alert (suricata-eve.md §4.3).
            json.beginObject("dnp3")
            json.beginObject(event.application.functionCode.isResponse ? "response" : "request")
            writeDNP3Message(event, fragment: fragment)
            json.endObject()
            json.endObject()
            alertTrailer(appProto: "dnp3", direction: event.direction, flow: event.flow, counters: event.flowCounters)
        }
    }

    private func writeDNP3Record(_ event: DNP3MessageEvent, fragment: borrowing Span<UInt8>) {
        header(
            timestamp: event.timestamp,
            flow: event.flow,
            packetNumber: event.packetNumber,
            eventType: "dnp3",
            clientFirst: true,
            appProto: "dnp3"
        )
        json.beginObject("dnp3")
        writeDNP3Message(event, fragment: fragment)
        json.endObject()
        endRecord()
    }

    /// The keys of one DNP3 message (suricata-eve.md §2.2), inside an open object.
    private func writeDNP3Message(_ event: DNP3MessageEvent, fragment: borrowing Span<UInt8>) {
        let application = event.application
        json.member("type", event.recordType)
        let link = event.link.control
        json.beginObject("control")
        json.member("dir", link.direction)
        json.member("pri", link.primary)
        json.member("fcb", link.rawValue & 0x20 != 0)
        json.member("fcv", link.rawValue & 0x10 != 0)
        json.member("function_code", Int(link.functionCode.rawValue))
        json.endObject()
        json.member("src", Int(event.link.source))
        json.member("dst", Int(event.link.destination))
        json.beginObject("application")
        let control = application.control
        json.beginObject("control")
        json.member("fir", control.fir)
        json.member("fin", control.fin)
        json.member("con", control.con)
        json.member("uns", control.uns)
        json.member("sequence", Int(control.sequence))
        json.endObject()
        json.member("function_code", Int(application.functionCode.rawValue))
        writeObjects(event, fragment: fragment)
        json.member("complete", event.complete)
        json.endObject()
        if application.functionCode.isResponse {
            json.beginObject("iin")
            if application.iin.rawValue != 0 {
                json.beginArray("indicators")
                for (flag, name) in DNP3.Application.InternalIndications.names where application.iin.contains(flag) {
                    json.element(name)
                }
                json.endArray()
            }
            json.endObject()
        }
        if let request = event.answers {
            json.beginObject("in_response_to")
            json.member("function_code", Int(request.functionCode.rawValue))
            json.member("pcap_cnt", request.packetNumber)
            json.member("latency_us", Int(request.latencyMicroseconds))
            json.endObject()
        }
        if event.segments > 1 { json.member("segments", event.segments) }
    }

    // MARK: - Alerts

    /// An alert record's header and `alert` object (suricata-eve.md §4.1, §4.2), in the packet's direction.
    private func alertHeader(
        _ rule: Detection.AlertRule,
        timestamp: CaptureTimestamp,
        flow: FlowContext,
        packetNumber: UInt64,
        direction: Direction,
        evidence: [UInt64]
    ) {
        header(
            timestamp: timestamp,
            flow: flow,
            packetNumber: packetNumber,
            eventType: "alert",
            clientFirst: direction == .toServer,
            appProto: nil
        )
        json.beginObject("alert")
        json.member("action", "allowed")  // a passive sensor blocks nothing; pass rules raise no alert
        json.member("gid", Int(rule.gid))
        json.member("signature_id", Int(rule.sid))
        json.member("rev", Int(rule.rev))
        json.member("signature", rule.signature)
        json.member("category", rule.category)
        json.member("severity", rule.severity)
        if !rule.metadata.isEmpty {
            json.beginObject("metadata")
            for (key, values) in rule.metadata {
                json.beginArray(key)
                for value in values { json.element(value) }
                json.endArray()
            }
            json.endObject()
        }
        json.endObject()
        // Ours: the packets the alert is about (the request, the segments of the message), in capture order.
        let packets = Set(evidence.filter { $0 > 0 }).sorted()
        if !packets.isEmpty {
            json.beginObject("evidence")
            json.member("pcap_cnt", integers: packets.count) { packets[$0] }
            json.endObject()
        }
    }

    /// The keys after the app-layer object: `app_proto`, `direction`, and `packet_info` with the capture's link
    /// type (Suricata writes it with packet logging on; we always do, it costs a few octets).
    private func alertTrailer(appProto: String?, direction: Direction, flow: FlowContext, counters: FlowCounters?) {
        if let appProto { json.member("app_proto", appProto) }
        json.member("direction", direction == .toServer ? "to_server" : "to_client")
        // Suricata's `flow` object: the counters so far, and the addresses in flow orientation (client first).
        if let counters {
            json.beginObject("flow")
            json.member("pkts_toserver", counters.packetsToServer)
            json.member("pkts_toclient", counters.packetsToClient)
            json.member("bytes_toserver", counters.bytesToServer)
            json.member("bytes_toclient", counters.bytesToClient)
            json.member("start", timestamp: counters.start)
            json.member("src_ip", flow.key.clientAddress.description)
            json.member("dest_ip", flow.key.serverAddress.description)
            json.member("src_port", Int(flow.key.clientPort))
            json.member("dest_port", Int(flow.key.serverPort))
            json.endObject()
        }
        json.beginObject("packet_info")
        json.member("linktype", flow.linkType.rawValue)
        json.member("linktype_name", flow.linkType.name)
        json.endObject()
        endRecord()
    }

    /// The `objects` array: every object header, with `points` where they carry values.
    private func writeObjects(_ event: DNP3MessageEvent, fragment: borrowing Span<UInt8>) {
        let view = event.view
        var parser = DNP3.Application.ObjectParser(header: event.application, limits: objectLimits)
        var opened = false
        while let block = parser.next(in: fragment, view: view) {
            if !opened {
                json.beginArray("objects")
                opened = true
            }
            let header = block.header
            json.beginObject()
            json.member("group", Int(header.group))
            json.member("variation", Int(header.variation))
            json.member("qualifier", Int(header.qualifier.rawValue))
            json.member("prefix_code", Int(header.qualifier.prefixCode))
            json.member("range_code", Int(header.qualifier.rangeCode))
            json.member("start", Int(header.start))
            json.member("stop", Int(header.stop))
            json.member("count", header.count)
            writePoints(block, view: view, fragment: fragment)
            json.endObject()
        }
        if opened { json.endArray() }
    }

    private func writePoints(
        _ block: DNP3.Application.ObjectBlock,
        view: DNP3.FragmentView,
        fragment: borrowing Span<UInt8>
    ) {
        guard block.pointCount > 0 else { return }
        let group = block.header.group
        let variation = block.header.variation
        var cursor = DNP3.Application.PointCursor(block)
        // Groups without a decoder list no points (as Suricata).
        guard block.packedBits > 0 || DNP3.Objects.hasPointDecoder(group: group, variation: variation) else { return }
        json.beginArray("points")
        var fields = EVEPointFields(writer: self)
        while let point = cursor.next(in: fragment, view: view) {
            json.beginObject()
            json.member("prefix", point.prefix)
            json.member("index", point.index)
            if let size = point.size { json.member("size", size) }
            if let bit = point.bitOffset {
                _ = DNP3.Objects.decodePackedPoint(
                    group: group,
                    variation: variation,
                    bitOffset: bit,
                    data: block.data,
                    of: view,
                    in: fragment,
                    into: &fields
                )
            } else {
                _ = DNP3.Objects.decodePoint(
                    group: group,
                    variation: variation,
                    object: point.object,
                    of: view,
                    in: fragment,
                    into: &fields
                )
            }
            json.endObject()
        }
        json.endArray()
    }

    /// The object limits records are written with: the engine's defaults (the engine reported any limit hit).
    private var objectLimits: DNP3.Application.Limits { DNP3.Application.Limits() }

    /// Octets `range` of `view` as a contiguous span, gathered into the scratch buffer when the view reads through
    /// a frame's CRC blocks.
    fileprivate func withOctets(
        _ range: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>,
        _ body: (borrowing Span<UInt8>) -> Void
    ) {
        if !view.mapped {
            let start = view.spanOffset(of: range.lowerBound)
            body(bytes.extracting(start..<(start + range.count)))
            return
        }
        scratch.removeAll(keepingCapacity: true)
        for index in range { scratch.append(view.byte(index, in: bytes)) }
        let gathered = scratch
        body(gathered.span)
    }

    // MARK: - Anomalies and flows

    /// A baseline alert: the `alert` object of its deviation, and ours, `baseline`: the anomaly's name, the
    /// explanation (which learned item broke, and how), and where that item is (or would be) in the model file.
    public func baselineAlert(_ alert: Baseline.Alert, counters: FlowCounters?) {
        guard types.contains(.alert) else { return }
        let direction: Direction = alert.toServer ? .toServer : .toClient
        alertHeader(
            alert.rule,
            timestamp: alert.timestamp,
            flow: alert.flow,
            packetNumber: alert.packetNumber,
            direction: direction,
            evidence: alert.evidence
        )
        json.beginObject("baseline")
        json.member("anomaly", alert.deviation.name)
        json.member("explanation", alert.explanation)
        json.member("learned", alert.learned)
        json.endObject()
        alertTrailer(appProto: alert.protocolKind.rawValue, direction: direction, flow: alert.flow, counters: counters)
    }

    public func anomaly(_ event: AnomalyEvent) {
        if types.contains(.anomaly) { writeAnomaly(event) }
        guard types.contains(.alert) else { return }
        for rule in event.alerts {
            // Decoder events: no app-layer object (suricata-eve.md §4.3).
            alertHeader(
                rule,
                timestamp: event.timestamp,
                flow: event.flow,
                packetNumber: event.packetNumber,
                direction: event.direction,
                evidence: [event.packetNumber]
            )
            alertTrailer(
                appProto: event.appProto,
                direction: event.direction,
                flow: event.flow,
                counters: event.flowCounters
            )
        }
    }

    private func writeAnomaly(_ event: AnomalyEvent) {
        header(
            timestamp: event.timestamp,
            flow: event.flow,
            packetNumber: event.packetNumber,
            eventType: "anomaly",
            clientFirst: event.direction == .toServer,
            appProto: nil
        )
        json.beginObject("anomaly")
        if let appProto = event.appProto { json.member("app_proto", appProto) }
        json.member("type", event.kind.rawValue)
        json.member("event", event.event)
        if event.kind == .applayer { json.member("layer", "proto_parser") }
        json.member("detail", event.detail)
        if event.modbusTransactionIdentifier != nil || event.modbusFunctionCode != nil {
            json.beginObject("modbus")
            if let tid = event.modbusTransactionIdentifier { json.member("transaction_id", Int(tid)) }
            if let unit = event.modbusUnitIdentifier { json.member("unit_id", Int(unit)) }
            if let function = event.modbusFunctionCode { json.member("function_raw", Int(function)) }
            json.endObject()
        }
        if event.dnp3Source != nil || event.dnp3FunctionCode != nil {
            json.beginObject("dnp3")
            if let source = event.dnp3Source { json.member("src", Int(source)) }
            if let destination = event.dnp3Destination { json.member("dst", Int(destination)) }
            if let function = event.dnp3FunctionCode { json.member("function_code", Int(function)) }
            json.endObject()
        }
        json.endObject()
        json.member("direction", event.direction == .toServer ? "to_server" : "to_client")
        endRecord()
    }

    public func flowEnded(_ event: FlowEndEvent) {
        guard types.contains(.flow) else { return }
        // Suricata stamps flow records with the time of logging; we use the flow's last packet time, so the same
        // capture always gives the same bytes.
        header(
            timestamp: event.lastTimestamp,
            flow: event.flow,
            packetNumber: nil,
            eventType: "flow",
            clientFirst: true,
            appProto: nil
        )
        switch event.appProto {
        case .modbus: json.member("app_proto", "modbus")
        case .dnp3: json.member("app_proto", "dnp3")
        case .failed: json.member("app_proto", "failed")
        case .none: break
        }
        json.beginObject("flow")
        json.member("pkts_toserver", event.packetsToServer)
        json.member("pkts_toclient", event.packetsToClient)
        json.member("bytes_toserver", event.bytesToServer)
        json.member("bytes_toclient", event.bytesToClient)
        json.member("start", timestamp: event.firstTimestamp)
        json.member("end", timestamp: event.lastTimestamp)
        json.member("age", Int(max(event.lastTimestamp.seconds - event.firstTimestamp.seconds, 0)))
        json.member("state", event.state)
        json.member("reason", event.reason.rawValue)
        json.member("alerted", event.alerted)
        // Ours: alerts the per-flow limit held back on this flow.
        if event.alertsSuppressed > 0 { json.member("alerts_suppressed", event.alertsSuppressed) }
        if event.appProto == .modbus || event.appProto == .dnp3 { json.member("tx_cnt", event.transactions) }
        if event.gaps > 0 { json.member("gaps", event.gaps) }
        json.endObject()
        if event.flow.key.ipProtocol == 6 {
            let all = event.tcpFlagsToServer.union(event.tcpFlagsToClient)
            json.beginObject("tcp")
            json.member("tcp_flags", Self.hexByte(all.rawValue))
            json.member("tcp_flags_ts", Self.hexByte(event.tcpFlagsToServer.rawValue))
            json.member("tcp_flags_tc", Self.hexByte(event.tcpFlagsToClient.rawValue))
            if all.contains(.syn) { json.member("syn", true) }
            if all.contains(.fin) { json.member("fin", true) }
            if all.contains(.rst) { json.member("rst", true) }
            if all.contains(.psh) { json.member("psh", true) }
            if all.contains(.ack) { json.member("ack", true) }
            if all.contains(.urg) { json.member("urg", true) }
            if all.contains(.ece) { json.member("ecn", true) }
            if all.contains(.cwr) { json.member("cwr", true) }
            json.member(
                "state",
                event.state == "closed" ? "closed" : event.state == "established" ? "established" : "syn_sent"
            )
            json.endObject()
        }
        endRecord()
    }

    private static func hexByte(_ value: UInt8) -> String {
        let text = String(value, radix: 16)
        return text.count == 1 ? "0" + text : text
    }
}

/// Writes one point's fields into the EVE record under construction.
private struct EVEPointFields: DNP3.Objects.PointFieldVisitor {
    let writer: EVEWriter

    mutating func field(_ name: StaticString, _ value: UInt64) {
        writer.json.member(name.description, value)
    }

    mutating func field(_ name: StaticString, signed value: Int64) {
        writer.json.member(name.description, Int(value))
    }

    mutating func field(_ name: StaticString, float value: Double) {
        writer.json.member(name.description, double: value)
    }

    mutating func field(
        _ name: StaticString,
        string range: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>
    ) {
        let writer = self.writer
        writer.withOctets(range, of: view, in: bytes) { octets in
            writer.json.member(name.description, bytesAsString: octets)
        }
    }

    mutating func field(
        _ name: StaticString,
        base64 range: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>
    ) {
        // Suricata omits an empty base64 field (suricata-eve.md §2.4).
        guard !range.isEmpty else { return }
        let writer = self.writer
        writer.withOctets(range, of: view, in: bytes) { octets in
            writer.json.member(name.description, base64: octets)
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import NetworkLayers
import SensorEngine
public import SummaryModel
import WireFormat

/// What one batch will carry before it is numbered and signed: the windows, alerts and inventory changes handed
/// over since the last batch was cut.
public struct BatchContent: Sendable {
    public var windows: [Otsensor_Uplink_V1_Window] = []
    public var alerts: [Otsensor_Uplink_V1_Alert] = []
    public var assetChanges: [Otsensor_Uplink_V1_AssetChange] = []
    /// The engine's health at the last window (live sensors), without the spool's part.
    public var health: Otsensor_Uplink_V1_Health?

    public init() {}

    public var isEmpty: Bool { windows.isEmpty && alerts.isEmpty && assetChanges.isEmpty }
}

/// Collects upstream records into batches: a batch is cut when a summary window closes (so by default one batch a
/// minute, on capture time), or earlier when ``maxAlertsPerBatch`` alerts or ``maxAssetChangesPerBatch`` changes
/// wait, which bounds a batch's size during an alert storm.
public struct BatchAssembler {
    /// Alerts in one batch before it is cut early (10,000: about 10 MB of EVE evidence before compression).
    public static let maxAlertsPerBatch = 10_000
    public static let maxAssetChangesPerBatch = 10_000

    private var pending = BatchContent()
    /// The sensor's health at the last window: batches cut between windows carry it too.
    private var lastHealth: Otsensor_Uplink_V1_Health?

    public init() {}

    /// Adds a record; returns the content of a batch when this record completes one.
    public mutating func add(_ record: UpstreamRecord) -> BatchContent? {
        switch record {
        case .window(let window):
            pending.windows.append(Self.window(window))
            if let health = window.health {
                lastHealth = Self.health(health)
                pending.health = lastHealth
            }
            return cut()
        case .asset(let event):
            pending.assetChanges.append(Self.assetChange(event))
            return pending.assetChanges.count >= Self.maxAssetChangesPerBatch ? cut() : nil
        case .alert(let line):
            pending.alerts.append(Self.alert(eve: line))
            return pending.alerts.count >= Self.maxAlertsPerBatch ? cut() : nil
        }
    }

    /// What waits (at shutdown or the end of a replay), if anything.
    public mutating func cut() -> BatchContent? {
        guard !pending.isEmpty else { return nil }
        defer { pending = BatchContent() }
        if pending.health == nil { pending.health = lastHealth }
        return pending
    }

    // MARK: - Engine records to schema messages

    static func microseconds(_ timestamp: CaptureTimestamp) -> Int64 {
        timestamp.seconds * 1_000_000 + Int64(timestamp.microseconds)
    }

    static func addressBytes(_ address: IPAddress) -> Data {
        if address.isIPv4 {
            let value = UInt32(truncatingIfNeeded: address.low)
            return Data([
                UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF),
            ])
        }
        var bytes = [UInt8]()
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8((address.high >> UInt64(shift)) & 0xFF))
        }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((address.low >> UInt64(shift)) & 0xFF)) }
        return Data(bytes)
    }

    static func window(_ window: SummaryWindow) -> Otsensor_Uplink_V1_Window {
        var message = Otsensor_Uplink_V1_Window()
        message.startUs = microseconds(window.start)
        message.endUs = microseconds(window.end)
        message.pairs = window.pairs.map(pair)
        message.pairsNotSummarized = UInt64(window.pairsNotSummarized)
        let statistics = window.statistics
        var counters = Otsensor_Uplink_V1_Counters()
        counters.packets = UInt64(statistics.packets)
        counters.bytes = UInt64(statistics.bytes)
        counters.flows = UInt64(statistics.flowsCreated)
        counters.activeFlows = UInt64(window.activeFlows)
        counters.modbusTransactions = UInt64(statistics.modbusTransactions)
        counters.dnp3Messages = UInt64(statistics.dnp3FragmentsByFunction.reduce(0, +))
        counters.anomalies = UInt64(statistics.anomalies.values.reduce(0, +))
        counters.alerts = UInt64(window.alertsSoFar)
        counters.assets = UInt64(window.assets)
        counters.assetsNotTracked = UInt64(window.assetsNotTracked)
        message.counters = counters
        return message
    }

    static func pair(_ pair: PairSummary) -> Otsensor_Uplink_V1_PairSummary {
        var message = Otsensor_Uplink_V1_PairSummary()
        message.appProto = pair.appProto
        message.client = addressBytes(pair.client)
        message.server = addressBytes(pair.server)
        message.serverPort = UInt32(pair.serverPort)
        message.ipProtocol = UInt32(pair.ipProtocol)
        message.flows = UInt64(pair.flows)
        message.packetsToServer = UInt64(pair.packetsToServer)
        message.packetsToClient = UInt64(pair.packetsToClient)
        message.bytesToServer = UInt64(pair.bytesToServer)
        message.bytesToClient = UInt64(pair.bytesToClient)
        message.functions = pair.functions.map { function in
            var count = Otsensor_Uplink_V1_FunctionCount()
            count.unitIdentifierPlusOne = function.unitIdentifier.map { UInt32($0) + 1 } ?? 0
            count.dnp3MasterPlusOne = function.dnp3Master.map { UInt32($0) + 1 } ?? 0
            count.dnp3OutstationPlusOne = function.dnp3Outstation.map { UInt32($0) + 1 } ?? 0
            count.functionCode = UInt32(function.functionCode)
            count.count = UInt64(function.count)
            count.exceptions = UInt64(function.exceptions)
            return count
        }
        message.exceptions = pair.exceptions.map(codeCount)
        if let latency = pair.latency {
            var figures = Otsensor_Uplink_V1_Latency()
            figures.count = UInt64(latency.count)
            figures.minimum = latency.minimum
            figures.mean = latency.mean
            figures.maximum = latency.maximum
            figures.p95 = latency.p95
            message.latency = figures
        }
        message.polls = pair.polls.map { poll in
            var figures = Otsensor_Uplink_V1_Poll()
            figures.key = poll.key
            figures.count = UInt64(poll.count)
            figures.intervals = UInt64(poll.intervals)
            if let mean = poll.periodMean {
                figures.hasPeriod_p = true
                figures.periodMean = mean
                figures.jitter = poll.jitter ?? 0
            }
            return figures
        }
        message.blocksRead = pair.blocksRead.map(block)
        message.blocksWritten = pair.blocksWritten.map(block)
        message.objects = pair.objects.map(codeCount)
        message.alerts = pair.alerts.map { alert in
            var count = Otsensor_Uplink_V1_AlertCount()
            count.gid = UInt32(alert.gid)
            count.sid = UInt64(alert.sid)
            count.rev = UInt32(alert.rev)
            count.signature = alert.signature
            count.count = UInt64(alert.count)
            return count
        }
        message.anomalies = pair.anomalies.map(nameCount)
        message.truncated = pair.truncated.map(nameCount)
        return message
    }

    static func codeCount(_ count: CodeCount) -> Otsensor_Uplink_V1_CodeCount {
        var message = Otsensor_Uplink_V1_CodeCount()
        message.code = Int64(count.code)
        message.count = UInt64(count.count)
        return message
    }

    static func nameCount(_ count: NameCount) -> Otsensor_Uplink_V1_NameCount {
        var message = Otsensor_Uplink_V1_NameCount()
        message.name = count.name
        message.count = UInt64(count.count)
        return message
    }

    static func block(_ block: AddressBlock) -> Otsensor_Uplink_V1_AddressBlock {
        var message = Otsensor_Uplink_V1_AddressBlock()
        message.unitIdentifier = UInt32(block.unitIdentifier)
        message.table = block.table
        message.start = Int64(block.start)
        message.end = Int64(block.end)
        return message
    }

    static func asset(_ record: AssetRecord) -> Otsensor_Uplink_V1_Asset {
        var message = Otsensor_Uplink_V1_Asset()
        message.address = addressBytes(record.address)
        message.macs = record.macs
        message.roles = record.roles
        message.unitIdentifiers = record.unitIdentifiers.map { UInt32(clamping: $0) }
        message.dnp3Addresses = record.dnp3Addresses.map { UInt32(clamping: $0) }
        message.vendor = record.vendor ?? ""
        message.productCode = record.productCode ?? ""
        message.revision = record.revision ?? ""
        message.productName = record.productName ?? ""
        message.modelName = record.modelName ?? ""
        message.firstSeenUs = microseconds(record.firstSeen)
        message.lastSeenUs = microseconds(record.lastSeen)
        return message
    }

    static func assetChange(_ event: AssetEvent) -> Otsensor_Uplink_V1_AssetChange {
        var message = Otsensor_Uplink_V1_AssetChange()
        message.change = event.change.rawValue
        message.timestampUs = microseconds(event.timestamp)
        message.asset = asset(event.asset)
        if let previous = event.previous { message.previous = asset(previous) }
        message.detail = event.detail
        return message
    }

    static func health(_ health: SensorHealth) -> Otsensor_Uplink_V1_Health {
        var message = Otsensor_Uplink_V1_Health()
        message.interfaces = health.interfaces.map { interface in
            var counters = Otsensor_Uplink_V1_InterfaceCounters()
            counters.name = interface.name
            counters.received = interface.received
            counters.dropped = interface.dropped
            counters.interfaceDropped = interface.interfaceDropped
            return counters
        }
        message.residentBytes = UInt64(max(health.residentBytes, 0))
        message.cpuSeconds = health.cpuSeconds
        message.uptimeSeconds = UInt64(max(health.uptimeSeconds, 0))
        message.queueDepth = UInt64(max(health.upstreamQueueDepth, 0))
        message.queueDropped = UInt64(max(health.upstreamDropped, 0))
        return message
    }

    /// The alert's key fields, read back from its EVE record (which the sensor itself wrote), and the record as
    /// evidence.
    static func alert(eve line: [UInt8]) -> Otsensor_Uplink_V1_Alert {
        var message = Otsensor_Uplink_V1_Alert()
        message.eve = Data(line)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
            return message
        }
        if let text = object["timestamp"] as? String, let time = EVETime.microseconds(text) {
            message.timestampUs = time
        }
        message.srcIp = object["src_ip"] as? String ?? ""
        message.srcPort = UInt32(clamping: object["src_port"] as? Int ?? 0)
        message.destIp = object["dest_ip"] as? String ?? ""
        message.destPort = UInt32(clamping: object["dest_port"] as? Int ?? 0)
        message.proto = object["proto"] as? String ?? ""
        message.appProto = object["app_proto"] as? String ?? ""
        if let alert = object["alert"] as? [String: Any] {
            message.gid = UInt32(clamping: alert["gid"] as? Int ?? 0)
            message.signatureID = UInt64(clamping: alert["signature_id"] as? Int ?? 0)
            message.rev = UInt32(clamping: alert["rev"] as? Int ?? 0)
            message.signature = alert["signature"] as? String ?? ""
            message.category = alert["category"] as? String ?? ""
            message.severity = UInt32(clamping: alert["severity"] as? Int ?? 0)
            if let metadata = alert["metadata"] as? [String: Any] {
                message.techniques =
                    (metadata["mitre_attack_ics"] as? [String] ?? [])
                    + (metadata["mitre_technique_id"] as? [String] ?? [])
            }
        }
        return message
    }
}

/// EVE's time format (`2026-11-30T13:27:48.751702+0000`) to microseconds since the epoch.
enum EVETime {
    static func microseconds(_ text: String) -> Int64? {
        // yyyy-MM-ddTHH:mm:ss.ffffff+hhmm
        let scalars = Array(text.utf8)
        guard scalars.count >= 31 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(scalars[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            let fraction = number(20..<26), let offsetHours = number(27..<29), let offsetMinutes = number(29..<31)
        else { return nil }
        let sign: Int64 = scalars[26] == UInt8(ascii: "-") ? -1 : 1
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds =
            Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
            - sign * Int64(offsetHours * 3600 + offsetMinutes * 60)
        return seconds * 1_000_000 + Int64(fraction)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

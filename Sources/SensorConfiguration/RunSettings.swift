// SPDX-License-Identifier: Apache-2.0
import Foundation
import Yams

/// The live sensor's settings (`otsensor run`): capture, output, summaries, metrics, logging and privileges.
///
/// ```yaml
/// pcap:                          # Suricata's live-capture list: one entry per interface
///   - interface: eth1
///     bpf-filter: "tcp port 502 or port 20000"
///     snaplen: 9216              # bytes kept per frame (a jumbo frame)
///     promisc: yes
///     buffer-size: 33554432      # kernel buffer, bytes (32 MiB)
///     immediate: no              # hand over each packet at once (fixed ring slots: fewer frames fit)
/// eve-log:
///   filename: /var/log/otsensor/eve.json     # "-" for standard output
///   max-file-size: 104857600     # bytes; the file is rotated past it (eve.json.1, .2, ...)
///   max-files: 10                # rotated files kept: at most (max-files + 1) x max-file-size on disk
///   types: [alert, anomaly, modbus, dnp3, flow, summary, stats, asset]   # the records written (all by default)
/// summaries:
///   window: 60                   # seconds of capture time
///   max-pairs: 10000             # pairs summarised per window (more are counted)
///   max-assets: 10000            # devices in the inventory (more are counted)
/// metrics:
///   listen: 127.0.0.1:9108       # Prometheus text on http://ADDRESS/metrics; "off" for none
/// logging:
///   format: text                 # or json (one object per line, for journald or a log shipper)
///   level: info                  # trace, debug, info, notice, warning, error, critical
/// run-as: otsensor               # the user to switch to once the capture is open
/// baseline-file: /var/lib/otsensor/baseline.json   # judge traffic against this model (otsensor learn)
/// limits:                       # memory: every table is bounded, and hitting a bound is counted
///   max-flows: 100000            # flows tracked at once (about 1.3 KB each); the least recently active goes
///   flow-timeout: 600            # seconds without a packet before a flow ends
///   max-pending-requests: 200000 # Modbus requests awaiting responses, all flows together
///   stream-buffer: 65536         # bytes held out of order per TCP direction
/// ```
public struct RunSettings: Sendable, Equatable {
    /// One capture interface with its settings.
    public struct Interface: Sendable, Equatable {
        public var name: String
        public var filter: String?
        public var snapshotLength = 9216
        public var promiscuous = true
        public var bufferSize = 32 << 20
        public var immediate = false
        public init(name: String) { self.name = name }
    }

    public var interfaces: [Interface] = []
    /// Where EVE records go; nil: standard output.
    public var eveLog: String?
    /// Rotation: a file is closed and renamed past this many bytes (100 MiB), and this many old files are kept.
    public var eveMaxFileSize = 100 << 20
    public var eveMaxFiles = 10
    /// The EVE record types written (`event_type` names); nil for all.
    public var eveTypes: [String]?
    /// The names `eve-log: types` accepts.
    public static let eveTypeNames = ["alert", "anomaly", "modbus", "dnp3", "flow", "summary", "stats", "asset"]
    public var summaryWindowSeconds: Int64 = 60
    /// `address:port` for the metrics endpoint; nil for none. Loopback by default: the metrics name the site's
    /// devices' counts, not for the plant network.
    public var metricsListen: String? = "127.0.0.1:9108"
    public var logFormat = "text"
    public var logLevel = "info"
    public var runAs: String?
    public var baselineFile: String?
    public var maxFlows: Int?
    public var flowTimeoutSeconds: Int?
    public var maxPendingRequests: Int?
    public var streamBufferBytes: Int?
    public var maxSummaryPairs: Int?
    public var maxAssets: Int?
    /// The link to the center (`uplink:`); nil when the sensor sends nothing upstream.
    public var uplink: UplinkSettings?

    /// The `uplink:` section: where batches go, who signs them, and the spool.
    public struct UplinkSettings: Sendable, Equatable {
        /// The center's base URL (https://HOST:PORT).
        public var center: String?
        /// The sensor's ID as enrolled at the center.
        public var sensorID: String?
        /// The sensor's Ed25519 key file (`otsensor keygen`).
        public var key = "/etc/otsensor/sensor.key"
        /// The CA that signed the center's certificate (the only one trusted).
        public var ca: String?
        public var clientCertificate: String?
        public var clientKey: String?
        /// The spool directory, and its disk quota in bytes (256 MiB).
        public var spool = "/var/lib/otsensor/spool"
        public var spoolQuota = 256 << 20
        /// zstd, deflate or none.
        public var compression = "zstd"
        /// The longest wait between retries, in seconds (300).
        public var retryMaxSeconds = 300
        /// Records waiting between the capture thread and the uplink (windows, alerts, inventory changes).
        public var queueSize = 100_000
        public init() {}

        /// Sensor IDs: 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'.
        public static func isValidSensorID(_ id: String) -> Bool {
            (1...64).contains(id.utf8.count)
                && id.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                        || byte == 0x2E || byte == 0x5F || byte == 0x2D
                }
        }
    }

    public init() {}

    /// The keys whose values differ from `other` (for a reload, which applies only rules and the baseline).
    public func differences(from other: RunSettings) -> [String] {
        var keys: [String] = []
        if interfaces != other.interfaces { keys.append("pcap") }
        if eveLog != other.eveLog || eveMaxFileSize != other.eveMaxFileSize || eveMaxFiles != other.eveMaxFiles
            || eveTypes != other.eveTypes
        {
            keys.append("eve-log")
        }
        if summaryWindowSeconds != other.summaryWindowSeconds || maxSummaryPairs != other.maxSummaryPairs
            || maxAssets != other.maxAssets
        {
            keys.append("summaries")
        }
        if metricsListen != other.metricsListen { keys.append("metrics") }
        if uplink != other.uplink { keys.append("uplink") }
        if logFormat != other.logFormat || logLevel != other.logLevel { keys.append("logging") }
        if runAs != other.runAs { keys.append("run-as") }
        if baselineFile != other.baselineFile { keys.append("baseline-file") }
        if maxFlows != other.maxFlows || flowTimeoutSeconds != other.flowTimeoutSeconds
            || maxPendingRequests != other.maxPendingRequests || streamBufferBytes != other.streamBufferBytes
        {
            keys.append("limits")
        }
        return keys
    }

    /// The largest file size accepted (1 TiB), and the most rotated files (1,000).
    public static let maxFileSizeLimit = 1 << 40
    public static let maxFilesLimit = 1_000
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}

extension SensorConfiguration {
    static func parseRun(
        _ key: String,
        _ value: Node,
        into run: inout RunSettings,
        file: String
    ) throws(ConfigurationError) {
        func line(_ node: Node) -> Int? { node.mark?.line }
        func bad(_ node: Node, _ message: String) -> ConfigurationError {
            ConfigurationError(file: file, line: line(node), message: message)
        }
        func integer(_ node: Node, _ name: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
            guard node.scalar != nil, let text = node.string, text.allSatisfy(\.isNumber), let number = Int(text),
                range.contains(number)
            else { throw bad(node, "\(name) is a whole number, \(range.lowerBound) to \(range.upperBound)") }
            return number
        }
        func flag(_ node: Node, _ name: String) throws(ConfigurationError) -> Bool {
            switch node.string?.lowercased() {
            case "yes", "true", "on": return true
            case "no", "false", "off": return false
            default: throw bad(node, "\(name) is yes or no")
            }
        }
        func mapping(_ node: Node, _ name: String, _ keys: [String]) throws(ConfigurationError) -> [(String, Node)] {
            guard let map = node.mapping else { throw bad(node, "\(name) holds \(keys.joined(separator: ", "))") }
            var result: [(String, Node)] = []
            for (keyNode, item) in map {
                let itemKey = keyNode.string ?? ""
                guard keys.contains(itemKey) else {
                    throw bad(keyNode, "unknown \(name) setting '\(itemKey)' (\(keys.joined(separator: ", ")))")
                }
                result.append((itemKey, item))
            }
            return result
        }
        func text(_ node: Node, _ name: String) throws(ConfigurationError) -> String {
            guard node.scalar != nil, let text = node.string, !text.isEmpty else { throw bad(node, "\(name) is text") }
            return text
        }
        switch key {
        case "pcap":
            guard let list = value.sequence else {
                throw bad(value, "pcap is a list of interfaces (- interface: eth1)")
            }
            for entry in list {
                var interface = RunSettings.Interface(name: "")
                for (itemKey, item) in try mapping(
                    entry,
                    "pcap",
                    ["interface", "bpf-filter", "snaplen", "promisc", "buffer-size", "immediate"]
                ) {
                    switch itemKey {
                    case "interface": interface.name = try text(item, "interface")
                    case "bpf-filter": interface.filter = try text(item, "bpf-filter")
                    case "snaplen": interface.snapshotLength = try integer(item, "snaplen", 64...262_144)
                    case "promisc": interface.promiscuous = try flag(item, "promisc")
                    case "immediate": interface.immediate = try flag(item, "immediate")
                    default: interface.bufferSize = try integer(item, "buffer-size", 65_536...(1 << 30))
                    }
                }
                guard !interface.name.isEmpty else { throw bad(entry, "a pcap entry needs its interface") }
                run.interfaces.append(interface)
            }
        case "eve-log":
            for (itemKey, item) in try mapping(value, "eve-log", ["filename", "max-file-size", "max-files", "types"]) {
                switch itemKey {
                case "filename": run.eveLog = try text(item, "filename")
                case "types":
                    let names = RunSettings.eveTypeNames.joined(separator: ", ")
                    guard let list = item.sequence else {
                        throw bad(item, "types is a list of record types (\(names))")
                    }
                    var types: [String] = []
                    for entry in list {
                        guard let name = entry.string, RunSettings.eveTypeNames.contains(name) else {
                            throw bad(entry, "unknown record type '\(entry.string ?? "")' (\(names))")
                        }
                        types.append(name)
                    }
                    run.eveTypes = types
                case "max-file-size":
                    run.eveMaxFileSize = try integer(item, "max-file-size", 4096...RunSettings.maxFileSizeLimit)
                default: run.eveMaxFiles = try integer(item, "max-files", 0...RunSettings.maxFilesLimit)
                }
            }
        case "summaries":
            for (itemKey, item) in try mapping(value, "summaries", ["window", "max-pairs", "max-assets"]) {
                switch itemKey {
                case "window": run.summaryWindowSeconds = Int64(try integer(item, "summaries window", 1...86_400))
                case "max-pairs": run.maxSummaryPairs = try integer(item, "summaries max-pairs", 1...1_000_000)
                default: run.maxAssets = try integer(item, "summaries max-assets", 1...1_000_000)
                }
            }
        case "metrics":
            for (_, item) in try mapping(value, "metrics", ["listen"]) {
                let listen = try text(item, "metrics listen")
                run.metricsListen = listen == "off" ? nil : listen
            }
        case "logging":
            for (itemKey, item) in try mapping(value, "logging", ["format", "level"]) {
                let choice = try text(item, "logging \(itemKey)")
                if itemKey == "format" {
                    guard ["text", "json"].contains(choice) else { throw bad(item, "logging format is text or json") }
                    run.logFormat = choice
                } else {
                    guard RunSettings.logLevels.contains(choice) else {
                        throw bad(item, "logging level is one of \(RunSettings.logLevels.joined(separator: ", "))")
                    }
                    run.logLevel = choice
                }
            }
        case "run-as":
            run.runAs = try text(value, "run-as")
        case "baseline-file":
            run.baselineFile = try text(value, "baseline-file")
        case "limits":
            let keys = ["max-flows", "flow-timeout", "max-pending-requests", "stream-buffer"]
            for (itemKey, item) in try mapping(value, "limits", keys) {
                switch itemKey {
                case "max-flows": run.maxFlows = try integer(item, "max-flows", 1...10_000_000)
                case "flow-timeout": run.flowTimeoutSeconds = try integer(item, "flow-timeout", 10...86_400)
                case "max-pending-requests":
                    run.maxPendingRequests = try integer(item, "max-pending-requests", 1...10_000_000)
                default: run.streamBufferBytes = try integer(item, "stream-buffer", 4096...(64 << 20))
                }
            }
        case "uplink":
            var uplink = RunSettings.UplinkSettings()
            let keys = [
                "center", "sensor-id", "key", "ca", "client-certificate", "client-key", "spool", "spool-quota",
                "compression", "retry-max", "queue-size",
            ]
            for (itemKey, item) in try mapping(value, "uplink", keys) {
                switch itemKey {
                case "center": uplink.center = try text(item, "uplink center")
                case "sensor-id":
                    let id = try text(item, "uplink sensor-id")
                    guard RunSettings.UplinkSettings.isValidSensorID(id) else {
                        throw bad(item, "uplink sensor-id is 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'")
                    }
                    uplink.sensorID = id
                case "key": uplink.key = try text(item, "uplink key")
                case "ca": uplink.ca = try text(item, "uplink ca")
                case "client-certificate": uplink.clientCertificate = try text(item, "uplink client-certificate")
                case "client-key": uplink.clientKey = try text(item, "uplink client-key")
                case "spool": uplink.spool = try text(item, "uplink spool")
                case "spool-quota": uplink.spoolQuota = try integer(item, "uplink spool-quota", 65_536...(1 << 40))
                case "compression":
                    let name = try text(item, "uplink compression")
                    guard ["zstd", "deflate", "none"].contains(name) else {
                        throw bad(item, "uplink compression is zstd, deflate or none")
                    }
                    uplink.compression = name
                case "retry-max": uplink.retryMaxSeconds = try integer(item, "uplink retry-max", 1...86_400)
                default: uplink.queueSize = try integer(item, "uplink queue-size", 16...10_000_000)
                }
            }
            run.uplink = uplink
        default:
            preconditionFailure("internal inconsistency: parseRun called for '\(key)'")
        }
    }

    /// The live sensor's top-level keys.
    static let runKeys = [
        "pcap", "eve-log", "summaries", "metrics", "logging", "run-as", "baseline-file", "limits", "uplink",
    ]
}

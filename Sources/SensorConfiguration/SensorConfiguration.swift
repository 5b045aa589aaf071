// SPDX-License-Identifier: Apache-2.0
public import Baseline
public import Detection
import Foundation
import Yams

/// `otsensor.yaml`: the settings the commands share, in Suricata's layout where Suricata has one. Every key is
/// optional, and an absent file means the documented defaults, so the agent runs with no file at all:
///
/// ```yaml
/// vars:
///   address-groups:             # Suricata's default HOME_NET and EXTERNAL_NET; the OT groups are HOME_NET
///     HOME_NET: "[192.168.0.0/16, 10.0.0.0/8, 172.16.0.0/12]"
///     MODBUS_CLIENTS: "[10.1.0.5, 10.1.0.6]"
///   port-groups:
///     MODBUS_PORTS: "502"
/// default-rule-path: /usr/share/otsensor/signatures    # the default rule set's folder
/// rule-files:                   # more rule files (relative to the configuration file's folder)
///   - local.rules
/// classification-file: classification.config   # Suricata's format: classtypes added or redefined
/// threshold-file: threshold.config             # Suricata's format: threshold, event_filter, suppress
/// detect:
///   alerts-per-rule-per-flow: 10               # per-flow suppression; 0 for no limit
/// baseline:                     # learning and judging against a model (the defaults shown)
///   period-tolerance: 1.5       # jitter factor: a poll sooner than the shortest learned interval / 1.5
///   missed-polls: 3             # stopped after silence past 3x the longest learned interval
///   min-poll-intervals: 5       # intervals a poll needs in learning before its timing is judged
///   max-poll-jitter: 0.25       # polls steadier than this (jitter / period) are timed
///   rate-window: 10             # seconds; requests per pair are counted per window
///   rate-factor: 3              # a window over 3x the learned busiest (and 10 more) is a spike
///   rate-min-excess: 10
///   scan-window: 30             # seconds deviations are held to be judged together
///   scan-units: 5               # distinct new units (DNP3 addresses) that make a scan
///   scan-functions: 5
///   scan-addresses: 10
///   learn-read-values: false    # also learn read values per address
/// ```
///
/// An unknown key, a value of the wrong shape or a bad address is an error at its `file:line`.
public struct SensorConfiguration: Sendable {
    /// `$VARIABLES` for rule headers: Suricata's defaults, overridden and extended by `vars`.
    public var variables: Detection.Variables = .defaults
    /// The default rule set's folder, when the file names one.
    public var defaultRulePath: String?
    /// Further rule files, as absolute paths.
    public var ruleFiles: [String] = []
    /// Classtypes: Suricata's standard ones with the `classification-file` laid over them.
    public var classifications: [String: Detection.Classification] = Detection.Classification.standard
    /// The `threshold-file`'s lines, in order.
    public var thresholdFile: [Detection.ThresholdDirective] = []
    /// How many alerts one rule raises on one flow (`detect: alerts-per-rule-per-flow`); nil keeps the engine's
    /// default (10).
    public var alertsPerRulePerFlow: Int?
    /// Learning and judging against a baseline model (`baseline:`).
    public var baseline = Baseline.Settings()
    /// The live sensor's settings (``RunSettings``).
    public var run = RunSettings()

    public init() {}

    /// Reads and checks the file at `path`.
    public static func load(path: String) throws(ConfigurationError) -> SensorConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, line: nil, message: "cannot read the file")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Parses configuration text; relative rule file paths are taken from the folder of `file`.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> SensorConfiguration {
        var configuration = SensorConfiguration()
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            // Yams's message spans lines and may quote the whole document: one line, at most 300 characters.
            var message = "\(error)".split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .joined(separator: " ")
            if message.count > 300 { message = String(message.prefix(300)) + "..." }
            var line: Int?
            if let yamlError = error as? YamlError, case .scanner(_, _, let mark, _) = yamlError { line = mark.line }
            if let yamlError = error as? YamlError, case .parser(_, _, let mark, _) = yamlError { line = mark.line }
            if let yamlError = error as? YamlError, case .composer(_, _, let mark, _) = yamlError { line = mark.line }
            throw ConfigurationError(file: file, line: line, message: "not YAML: \(message)")
        }
        guard let root else { return configuration }
        guard let top = root.mapping else {
            throw ConfigurationError(file: file, line: line(root), message: "the file must be a mapping of settings")
        }
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        for (keyNode, value) in top {
            let key = keyNode.string ?? ""
            switch key {
            case "vars":
                try parseVariables(value, into: &configuration, file: file)
                try checkCycles(configuration.variables, file: file, lines: variableLines(value))
            case "default-rule-path":
                guard let path = value.string else {
                    throw ConfigurationError(
                        file: file,
                        line: line(value),
                        message: "default-rule-path is a folder path"
                    )
                }
                configuration.defaultRulePath = absolute(path, in: folder)
            case "rule-files":
                guard let items = value.sequence else {
                    throw ConfigurationError(file: file, line: line(value), message: "rule-files is a list of paths")
                }
                for item in items {
                    guard let path = item.string else {
                        throw ConfigurationError(file: file, line: line(item), message: "a rule file is a path")
                    }
                    configuration.ruleFiles.append(absolute(path, in: folder))
                }
            case "classification-file", "threshold-file":
                guard let path = value.string else {
                    throw ConfigurationError(file: file, line: line(value), message: "\(key) is a file path")
                }
                let resolved = absolute(path, in: folder)
                guard let data = FileManager.default.contents(atPath: resolved) else {
                    throw ConfigurationError(file: file, line: line(value), message: "cannot read \(key) '\(resolved)'")
                }
                let text = String(decoding: data, as: UTF8.self)
                do {
                    if key == "classification-file" {
                        let table = try Detection.parseClassifications(text, file: resolved)
                        configuration.classifications.merge(table) { _, new in new }
                    } else {
                        configuration.thresholdFile = try Detection.parseThresholdFile(text, file: resolved)
                    }
                } catch {
                    throw ConfigurationError(
                        file: error.location.file,
                        line: error.location.line,
                        column: error.location.column,
                        message: error.message
                    )
                }
            case "detect":
                guard let settings = value.mapping else {
                    throw ConfigurationError(
                        file: file,
                        line: line(value),
                        message: "detect holds alerts-per-rule-per-flow"
                    )
                }
                for (settingKey, settingValue) in settings {
                    guard settingKey.string == "alerts-per-rule-per-flow" else {
                        throw ConfigurationError(
                            file: file,
                            line: line(settingKey),
                            message: "unknown detect setting '\(settingKey.string ?? "")' (alerts-per-rule-per-flow)"
                        )
                    }
                    guard let text = settingValue.string, let limit = Int(text), (0...1_000_000).contains(limit) else {
                        throw ConfigurationError(
                            file: file,
                            line: line(settingValue),
                            message: "alerts-per-rule-per-flow is a number from 0 (no limit) to 1000000"
                        )
                    }
                    configuration.alertsPerRulePerFlow = limit
                }
            case "baseline":
                try parseBaseline(value, into: &configuration.baseline, file: file)
            case let runKey where runKeys.contains(runKey):
                try parseRun(runKey, value, into: &configuration.run, file: file)
            default:
                throw ConfigurationError(
                    file: file,
                    line: line(keyNode),
                    message:
                        "unknown setting '\(key)' (vars, default-rule-path, rule-files, classification-file, threshold-file, detect, baseline, \(runKeys.joined(separator: ", ")))"
                )
            }
        }
        return configuration
    }

    /// The `baseline:` mapping: each key sets one ``Baseline/Settings`` value; the result must pass its checks.
    private static func parseBaseline(
        _ node: Node,
        into settings: inout Baseline.Settings,
        file: String
    ) throws(ConfigurationError) {
        guard let mapping = node.mapping else {
            throw ConfigurationError(
                file: file,
                line: line(node),
                message: "baseline holds settings (period-tolerance, ...)"
            )
        }
        let names = [
            "period-tolerance", "missed-polls", "min-poll-intervals", "max-poll-jitter", "rate-window", "rate-factor",
            "rate-min-excess", "scan-window", "scan-units", "scan-functions", "scan-addresses", "learn-read-values",
        ]
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let text = value.string ?? ""
            func bad(_ what: String) -> ConfigurationError {
                ConfigurationError(file: file, line: line(value), message: "baseline \(key) is \(what)")
            }
            switch key {
            case "period-tolerance", "max-poll-jitter", "rate-factor", "missed-polls":
                // Decimal only: Double(String) would also read hexadecimal ("0x10") and "inf".
                guard value.scalar != nil, text.allSatisfy({ "0123456789.+-eE".contains($0) }),
                    let number = Double(text),
                    number.isFinite
                else { throw bad("a decimal number") }
                switch key {
                case "period-tolerance": settings.periodTolerance = number
                case "max-poll-jitter": settings.maximumPollJitter = number
                case "missed-polls": settings.missedPolls = number
                default: settings.rateFactor = number
                }
            case "min-poll-intervals", "rate-window", "rate-min-excess", "scan-window", "scan-units", "scan-functions",
                "scan-addresses":
                guard value.scalar != nil, let number = Int(text) else { throw bad("a whole number") }
                switch key {
                case "min-poll-intervals": settings.minimumPollIntervals = number
                case "rate-window": settings.rateWindowSeconds = Int64(number)
                case "rate-min-excess": settings.rateMinimumExcess = number
                case "scan-window": settings.scanWindowSeconds = Int64(number)
                case "scan-units": settings.scanUnits = number
                case "scan-functions": settings.scanFunctions = number
                default: settings.scanAddresses = number
                }
            case "learn-read-values":
                guard value.scalar != nil, let flag = Bool(text) else { throw bad("true or false") }
                settings.learnReadValues = flag
            default:
                throw ConfigurationError(
                    file: file,
                    line: line(keyNode),
                    message: "unknown baseline setting '\(key)' (\(names.joined(separator: ", ")))"
                )
            }
            if let problem = settings.problems.first {
                throw ConfigurationError(file: file, line: line(value), message: "baseline \(problem)")
            }
        }
    }

    private static func parseVariables(
        _ node: Node,
        into configuration: inout SensorConfiguration,
        file: String
    ) throws(ConfigurationError) {
        guard let groups = node.mapping else {
            throw ConfigurationError(file: file, line: line(node), message: "vars holds address-groups and port-groups")
        }
        for (groupKey, group) in groups {
            let kind = groupKey.string ?? ""
            guard kind == "address-groups" || kind == "port-groups" else {
                throw ConfigurationError(
                    file: file,
                    line: line(groupKey),
                    message: "unknown vars section '\(kind)' (address-groups, port-groups)"
                )
            }
            guard let entries = group.mapping else {
                throw ConfigurationError(file: file, line: line(group), message: "\(kind) maps names to values")
            }
            for (nameNode, valueNode) in entries {
                guard let name = nameNode.string, !name.isEmpty,
                    name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
                else {
                    throw ConfigurationError(
                        file: file,
                        line: line(nameNode),
                        message: "a variable name is letters, digits and _"
                    )
                }
                guard let text = valueNode.string else {
                    throw ConfigurationError(
                        file: file,
                        line: line(valueNode),
                        message: "$\(name) is a string, with lists in quotes: \"[10.0.0.1, 10.0.0.2]\""
                    )
                }
                do {
                    if kind == "address-groups" {
                        configuration.variables.addresses[name] = try Detection.parseAddressGroup(
                            text,
                            file: file,
                            line: line(valueNode) ?? 0
                        )
                    } else {
                        configuration.variables.ports[name] = try Detection.parsePortGroup(
                            text,
                            file: file,
                            line: line(valueNode) ?? 0
                        )
                    }
                } catch {
                    throw ConfigurationError(file: file, line: line(valueNode), message: "$\(name): \(error.message)")
                }
            }
        }
    }

    private static func line(_ node: Node) -> Int? { node.mark?.line }

    /// The line of each variable defined under `vars`.
    private static func variableLines(_ node: Node) -> [String: Int] {
        var lines: [String: Int] = [:]
        for (_, group) in node.mapping ?? [:] {
            for (name, _) in group.mapping ?? [:] {
                if let text = name.string, let at = line(name) { lines[text] = at }
            }
        }
        return lines
    }

    /// A variable that refers to an undefined one, or back to itself directly or through others, is an error at its
    /// line, even when no rule uses it.
    private static func checkCycles(
        _ variables: Detection.Variables,
        file: String,
        lines: [String: Int]
    ) throws(ConfigurationError) {
        func references(_ spec: Detection.AddressSpec) -> [String] {
            switch spec {
            case .variable(let name): [name]
            case .list(let items): items.flatMap(references)
            case .negated(let inner): references(inner)
            case .any, .network: []
            }
        }
        func references(_ spec: Detection.PortSpec) -> [String] {
            switch spec {
            case .variable(let name): [name]
            case .list(let items): items.flatMap(references)
            case .negated(let inner): references(inner)
            case .any, .port, .range: []
            }
        }
        let graphs: [[String: [String]]] = [
            variables.addresses.mapValues(references), variables.ports.mapValues(references),
        ]
        for graph in graphs {
            for name in graph.keys.sorted() {
                for reference in graph[name] ?? [] where graph[reference] == nil {
                    throw ConfigurationError(
                        file: file,
                        line: lines[name],
                        message: "$\(name) refers to $\(reference), which is not defined"
                    )
                }
            }
            var done: Set<String> = []
            for start in graph.keys.sorted() {
                var path: [String] = []
                func visit(_ name: String) -> [String]? {
                    if let index = path.firstIndex(of: name) { return Array(path[index...]) + [name] }
                    guard !done.contains(name), let next = graph[name] else { return nil }
                    path.append(name)
                    defer { path.removeLast() }
                    for reference in next { if let cycle = visit(reference) { return cycle } }
                    done.insert(name)
                    return nil
                }
                if let cycle = visit(start) {
                    throw ConfigurationError(
                        file: file,
                        line: lines[cycle[0]],
                        message: "$\(cycle[0]) refers to itself (\(cycle.map { "$" + $0 }.joined(separator: " -> ")))"
                    )
                }
            }
        }
    }

    private static func absolute(_ path: String, in folder: URL) -> String {
        path.hasPrefix("/") ? path : folder.appendingPathComponent(path).standardizedFileURL.path
    }
}

/// A problem in the configuration file, at its line when known: printed as `file:line: message`.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// The column, for errors inside a classification or threshold file.
    public var column: Int?
    public var message: String

    public init(file: String, line: Int?, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        guard let line else { return "\(file): \(message)" }
        return column.map { "\(file):\(line):\($0): \(message)" } ?? "\(file):\(line): \(message)"
    }
}

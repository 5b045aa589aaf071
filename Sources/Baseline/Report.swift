// SPDX-License-Identifier: Apache-2.0
import DNP3
import ModbusTCP
import NetworkLayers

// MARK: - Show

extension Baseline.Model {
    /// The model as tables for a person: what was learned, devices, pairs, functions with their blocks and
    /// values, DNP3 objects, and polls with their periods.
    public func showText() -> String {
        sort()
        var out =
            "Baseline (format \(Self.formatVersion)): \(Baseline.Monitor.duration(learnedMicroseconds)) of capture time"
        if let learnedFrom, let learnedTo {
            out += ", \(Self.shortTime(learnedFrom)) to \(Self.shortTime(learnedTo)) UTC"
        }
        out +=
            "\n  from \(sources.isEmpty ? "(no capture named)" : sources.map { Self.visible($0.file) }.joined(separator: ", ")): \(packets) packets, \(records) Modbus transactions and DNP3 fragments"
        out += readValuesLearned ? "; read values learned\n" : "\n"
        if !itemsNotLearned.isEmpty {
            out +=
                "  not learned (limits): "
                + itemsNotLearned.sorted { $0.key < $1.key }.map { "\($0.value) \(Self.visible($0.key))" }
                .joined(separator: ", ")
                + "\n"
        }

        var devicesTable = TextTable([
            "device", "roles", "units", "dnp3 addresses", "macs", "first seen", "last seen", "count",
        ])
        let (units, addresses) = deviceSummaries()
        for device in devices {
            func numbers(_ set: Set<UInt32>?) -> String { (set ?? []).sorted().map(String.init).joined(separator: ",") }
            devicesTable.add([
                device.address.description,
                Baseline.Roles.names.filter { device.roles.contains($0.0) }.map(\.1).joined(separator: ","),
                numbers(units[device.address]), numbers(addresses[device.address]),
                device.macs.map { Baseline.Monitor.macText($0.address) }.joined(separator: ","),
                Self.shortTime(device.seen.first), Self.shortTime(device.seen.last), "\(device.seen.count)",
            ])
        }
        out += "\nDevices (\(devices.count))\n" + devicesTable.text

        var pairsTable = TextTable([
            "protocol", "client/master -> server/outstation", "stations", "requests", "busiest window", "first seen",
            "last seen",
        ])
        for pair in pairs {
            pairsTable.add([
                pair.key.kind.rawValue, "\(pair.key.client) -> \(pair.key.server)",
                pair.stations.map { Self.stationText(pair.key.kind, $0.identifier) }.joined(separator: ", "),
                "\(pair.requests)", "\(pair.maximumRequestsPerWindow) in \(pair.rateWindowSeconds) s",
                Self.shortTime(pair.seen.first), Self.shortTime(pair.seen.last),
            ])
        }
        out += "\nPairs (\(pairs.count))\n" + pairsTable.text

        var functionsTable = TextTable(["pair", "station", "function", "count", "blocks", "values", "first seen"])
        var pollsTable = TextTable([
            "pair", "station", "function", "poll", "period", "jitter", "interval", "longest silence", "polls",
        ])
        for pair in pairs {
            for station in pair.stations {
                for function in station.functions {
                    let blocks = function.blocks.map {
                        "\($0.access == .read ? "R" : "W") \($0.table.name) \($0.start == $0.end ? "\($0.start)" : "\($0.start)-\($0.end)")"
                    }
                    let values = function.values.map {
                        "\($0.table.name) \($0.address): \($0.minimum == $0.maximum ? "\($0.minimum)" : "\($0.minimum)..\($0.maximum)")"
                    }
                    var detail = blocks
                    if pair.key.kind == .dnp3 && !function.objects.isEmpty {
                        detail.insert(
                            function.objects.map { "g\($0.group)v\($0.variation)" }.joined(separator: " "),
                            at: 0
                        )
                    }
                    functionsTable.add([
                        "\(pair.key.client) -> \(pair.key.server)", Self.stationText(pair.key.kind, station.identifier),
                        Self.functionText(pair.key.kind, function.code), "\(function.seen.count)",
                        detail.joined(separator: "; ") + (function.objectsComplete ? "" : " (incomplete)"),
                        values.joined(separator: "; ") + (function.valuesComplete ? "" : " (incomplete)"),
                        Self.shortTime(function.seen.first),
                    ])
                    for poll in function.polls {
                        pollsTable.add([
                            "\(pair.key.client) -> \(pair.key.server)",
                            Self.stationText(pair.key.kind, station.identifier),
                            Self.functionText(pair.key.kind, function.code), poll.key.description,
                            poll.intervals > 0 ? Baseline.Monitor.duration(Int64(poll.period)) : "-",
                            poll.intervals > 1 ? Baseline.Monitor.duration(Int64(poll.jitter)) : "-",
                            poll.intervals > 0
                                ? "\(Baseline.Monitor.duration(poll.minimumInterval))..\(Baseline.Monitor.duration(poll.maximumInterval))"
                                : "-",
                            Baseline.Monitor.duration(poll.maximumSilence), "\(poll.seen.count)",
                        ])
                    }
                }
            }
        }
        out += "\nFunctions\n" + functionsTable.text
        out +=
            "\nPolls (timed when they have at least the configured intervals and a steady period)\n" + pollsTable.text
        return out
    }

    /// "1 h 2 min", "14 days".
    public static func durationText(_ microseconds: Int64) -> String { Baseline.Monitor.duration(microseconds) }

    /// Text from a model file, with control characters and bidirectional overrides written as `\u{..}` (a
    /// file name may hold anything).
    static func visible(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) || (0x202A...0x202E).contains(value)
                || (0x2066...0x2069).contains(value)
            {
                result += "\\u{\(String(value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func shortTime(_ microseconds: Int64) -> String {
        let text = timeText(microseconds)
        // 2026-11-30T14:40:39.123456Z -> 2026-11-30 14:40:39
        return String(text.prefix(19)).replacingFirst("T", with: " ")
    }

    static func stationText(_ kind: Baseline.ProtocolKind, _ identifier: UInt32) -> String {
        kind == .modbus ? "unit \(identifier)" : "\(identifier >> 16)->\(identifier & 0xFFFF)"
    }

    static func functionText(_ kind: Baseline.ProtocolKind, _ code: UInt8) -> String {
        switch kind {
        case .modbus: return Modbus.FunctionCode(rawValue: code).description
        case .dnp3: return "\(code) (\(DNP3.Application.FunctionCode(rawValue: code).name ?? "reserved"))"
        }
    }
}

// MARK: - Diff

extension Baseline.Model {
    /// One learned item, by a key that names it, and what about it matters when two models are compared (counts
    /// and times are expected to differ and are not compared).
    struct FlatItem {
        var key: String
        var detail: String
        var seen: Baseline.Seen
    }

    func flatItems() -> [FlatItem] {
        sort()
        var items: [FlatItem] = []
        // What is marked incomplete is not judged, so a changed marker is a change.
        func marks(_ pairs: [(Bool, String)]) -> String {
            let names = pairs.filter { !$0.0 }.map(\.1)
            return names.isEmpty ? "" : "; incomplete: " + names.joined(separator: ", ")
        }
        /// A detail that is only markers: "complete" or "incomplete: functions".
        func only(_ pairs: [(Bool, String)]) -> String {
            let text = marks(pairs)
            return text.isEmpty ? "complete" : String(text.dropFirst(2))
        }
        items.append(
            FlatItem(
                key: "model",
                detail: "read values \(readValuesLearned)"
                    + marks([(devicesComplete, "devices"), (pairsComplete, "pairs")]),
                seen: Baseline.Seen(first: learnedFrom ?? 0, last: learnedTo ?? 0, count: records)
            )
        )
        for device in devices {
            let roles = Baseline.Roles.names.filter { device.roles.contains($0.0) }.map(\.1).joined(separator: ",")
            items.append(
                FlatItem(
                    key: "device \(device.address)",
                    detail: "roles \(roles)" + marks([(device.macsComplete, "macs")]),
                    seen: device.seen
                )
            )
            for mac in device.macs {
                items.append(
                    FlatItem(
                        key: "device \(device.address) mac \(Baseline.Monitor.macText(mac.address))",
                        detail: "",
                        seen: mac.seen
                    )
                )
            }
        }
        for pair in pairs {
            let pairKey = "\(pair.key.kind.rawValue) \(pair.key.client) -> \(pair.key.server)"
            items.append(
                FlatItem(
                    key: "pair \(pairKey)",
                    detail: "at most \(pair.maximumRequestsPerWindow) requests in \(pair.rateWindowSeconds) s"
                        + marks([(pair.stationsComplete, "stations")]),
                    seen: pair.seen
                )
            )
            for station in pair.stations {
                let stationKey = "\(pairKey) \(Self.stationText(pair.key.kind, station.identifier))"
                items.append(
                    FlatItem(
                        key: "station \(stationKey)",
                        detail: only([(station.functionsComplete, "functions")]),
                        seen: station.seen
                    )
                )
                for function in station.functions {
                    let functionKey = "\(stationKey) function \(function.code)"
                    items.append(
                        FlatItem(
                            key: "function \(functionKey)",
                            detail: only([
                                (function.objectsComplete, "objects"), (function.blocksComplete, "blocks"),
                                (function.valuesComplete, "values"),
                            ]),
                            seen: function.seen
                        )
                    )
                    for object in function.objects {
                        items.append(
                            FlatItem(
                                key: "object \(functionKey) g\(object.group)v\(object.variation)",
                                detail: "",
                                seen: object.seen
                            )
                        )
                    }
                    for block in function.blocks {
                        items.append(
                            FlatItem(
                                key:
                                    "block \(functionKey) \(block.access.rawValue) \(block.table.name) \(block.start)-\(block.end)",
                                detail: "",
                                seen: block.seen
                            )
                        )
                    }
                    for value in function.values {
                        items.append(
                            FlatItem(
                                key: "value \(functionKey) \(value.table.name) \(value.address)",
                                detail: "\(value.minimum)..\(value.maximum)",
                                seen: value.seen
                            )
                        )
                    }
                    for poll in function.polls {
                        let interval =
                            poll.intervals > 0
                            ? "\(Double(poll.minimumInterval) / 1_000)..\(Double(poll.maximumInterval) / 1_000) ms"
                            : "none"
                        items.append(
                            FlatItem(
                                key: "poll \(functionKey) \(poll.key.description)",
                                detail:
                                    "period \((poll.period / 100).rounded() / 10) ms, jitter \((poll.jitter / 100).rounded() / 10) ms, interval \(interval), silence up to \(Double(poll.maximumSilence) / 1_000) ms, \(poll.intervals) intervals",
                                seen: poll.seen
                            )
                        )
                    }
                }
            }
        }
        return items
    }

    /// What changed from `self` (A) to `other` (B): items only in B (`+`), only in A (`-`), and items in both
    /// whose substance changed (`~`: roles, value ranges, poll timing, the busiest rate window). Counts and times
    /// are not compared. Empty when the models learned the same things.
    public func differences(to other: Baseline.Model) -> [String] {
        let before = flatItems()
        let after = other.flatItems()
        var beforeIndex: [String: FlatItem] = [:]
        for item in before { beforeIndex[item.key] = item }
        var afterIndex: [String: FlatItem] = [:]
        for item in after { afterIndex[item.key] = item }
        var lines: [String] = []
        for item in before {
            guard let counterpart = afterIndex[item.key] else {
                lines.append("- \(item.key) (first seen \(Self.shortTime(item.seen.first)), \(item.seen.count) times)")
                continue
            }
            if counterpart.detail != item.detail {
                lines.append("~ \(item.key): \(item.detail) -> \(counterpart.detail)")
            }
        }
        for item in after where beforeIndex[item.key] == nil {
            lines.append(
                "+ \(item.key) (first seen \(Self.shortTime(item.seen.first)), \(Baseline.Monitor.count(item.seen.count, "time")))"
            )
        }
        return lines
    }
}

// MARK: - Tables

/// Columns of text, left-aligned, two spaces apart.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: [String]) { self.header = header }

    /// The widest a cell is shown; longer ones end in "... (N more)" so a row fits a terminal. `otsensor
    /// baseline show` is a summary: the model file has everything.
    static let maxCell = 72

    mutating func add(_ row: [String]) {
        rows.append(
            row.map { (cell: String) -> String in
                guard cell.count > Self.maxCell else { return cell }
                let items = cell.split(separator: ";").map { String($0.drop { $0 == " " }) }
                var shown = ""
                var count = 0
                for item in items {
                    let next = shown.isEmpty ? item : shown + "; " + item
                    if next.count > Self.maxCell - 14 { break }
                    shown = next
                    count += 1
                }
                if count == 0 { return String(cell.prefix(Self.maxCell - 3)) + "..." }
                return shown + "; ... (\(items.count - count) more)"
            }
        )
    }

    var text: String {
        guard !rows.isEmpty else { return "  (none)\n" }
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            var text = " "
            for (index, cell) in cells.enumerated() {
                text += " " + cell
                if index < cells.count - 1 { text += String(repeating: " ", count: widths[index] - cell.count + 1) }
            }
            return text + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}

extension String {
    func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let index = firstIndex(of: target) else { return self }
        return String(self[..<index]) + replacement + String(self[self.index(after: index)...])
    }
}

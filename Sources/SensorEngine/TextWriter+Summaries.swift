// SPDX-License-Identifier: Apache-2.0
import DNP3
import ModbusTCP
import NetworkLayers
import WireFormat

/// Summary windows and inventory changes as readable lines: `=` for a pair's window, `==` for the sensor's
/// counters, `@` for a device.
extension TextWriter {
    public func summaryWindow(_ window: SummaryWindow) {
        for pair in window.pairs {
            var parts = [
                "\(pair.packetsToServer)/\(pair.packetsToClient) packets",
                "\(pair.bytesToServer)/\(pair.bytesToClient) bytes",
            ]
            let transactions = pair.functions.reduce(0) { $0 + $1.count }
            var functions: [String] = []
            for function in pair.functions {
                if let unit = function.unitIdentifier {
                    functions.append("unit \(unit) fc \(function.functionCode) x\(function.count)")
                } else {
                    let name =
                        DNP3.Application.FunctionCode(rawValue: function.functionCode).name
                        ?? "\(function.functionCode)"
                    functions.append(
                        "\(function.dnp3Master ?? 0)->\(function.dnp3Outstation ?? 0) \(name) x\(function.count)"
                    )
                }
            }
            parts.append(
                SummaryReport.plural(transactions, pair.appProto == "dnp3" ? "message" : "transaction")
                    + " (\(functions.joined(separator: ", ")))"
            )
            if !pair.exceptions.isEmpty {
                parts.append(
                    "exceptions "
                        + pair.exceptions.map { "\($0.code) x\($0.count)" }.joined(separator: ", ")
                )
            }
            if let latency = pair.latency {
                parts.append(
                    "latency \(Self.milliseconds(latency.minimum))/\(Self.milliseconds(latency.mean))/\(Self.milliseconds(latency.maximum)) ms min/mean/max, p95 \(Self.milliseconds(latency.p95))"
                )
            }
            for poll in pair.polls.prefix(4) {
                if let mean = poll.periodMean, let jitter = poll.jitter {
                    parts.append("poll \(poll.key) every \(Self.milliseconds(mean)) ms ±\(Self.milliseconds(jitter))")
                }
            }
            if !pair.alerts.isEmpty {
                parts.append(
                    "alerts " + pair.alerts.map { "[\($0.gid):\($0.sid)] x\($0.count)" }.joined(separator: ", ")
                )
            }
            if !pair.anomalies.isEmpty {
                parts.append("anomalies " + pair.anomalies.map { "\($0.name) x\($0.count)" }.joined(separator: ", "))
            }
            emit(
                "\(Self.time(window.end)) \(pair.client) -> \(pair.server):\(pair.serverPort) = \(pair.appProto) window: "
                    + parts.joined(separator: "; ")
            )
        }
        let statistics = window.statistics
        emit(
            "\(Self.time(window.end)) == window from \(Self.time(window.start)): \(SummaryReport.plural(window.pairs.count, "pair")), \(SummaryReport.plural(statistics.packets, "packet")) so far, \(SummaryReport.plural(window.activeFlows, "flow")) open, \(SummaryReport.plural(window.assets, "device"))"
        )
    }

    public func assetChanged(_ event: AssetEvent) {
        let asset = event.asset
        var parts = [asset.roles.joined(separator: ", ")]
        if !asset.unitIdentifiers.isEmpty {
            parts.append("units " + asset.unitIdentifiers.map(String.init).joined(separator: ","))
        }
        if !asset.dnp3Addresses.isEmpty {
            parts.append("DNP3 " + asset.dnp3Addresses.map(String.init).joined(separator: ","))
        }
        if !asset.macs.isEmpty { parts.append(asset.macs.map(AssetInventory.macText).joined(separator: ",")) }
        let identity = [asset.vendor, asset.productCode, asset.revision].compactMap { $0 }
        if !identity.isEmpty { parts.append(identity.joined(separator: " ")) }
        let detail = event.detail.isEmpty ? "" : ": \(event.detail)"
        emit(
            "\(Self.time(event.timestamp)) @ \(asset.address) \(event.change.rawValue) (\(parts.joined(separator: "; ")))\(detail)"
        )
    }

    private static func milliseconds(_ microseconds: Int64) -> String {
        let whole = microseconds / 1000
        let fraction = (microseconds % 1000) / 100
        return "\(whole).\(fraction)"
    }
}

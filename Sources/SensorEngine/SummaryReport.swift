// SPDX-License-Identifier: Apache-2.0
import DNP3
import ModbusTCP

/// The closing summary of a run, as text lines: packets, bytes, flows, Modbus transactions per function code,
/// exceptions, anomalies per name, and throughput.
public enum SummaryReport {
    /// Renders the summary.
    ///
    /// - Parameters:
    ///   - statistics: the engine's counters.
    ///   - truncatedBySnapshotLength: frames the capture cut at its snapshot length (from the reader).
    ///   - elapsedSeconds: wall-clock time of the run, for throughput; nil leaves throughput out (tests).
    public static func render(
        _ statistics: EngineStatistics,
        files: Int,
        truncatedBySnapshotLength: Int,
        timestampsOutOfRange: Int = 0,
        elapsedSeconds: Double?
    ) -> String {
        var lines: [String] = []
        var first =
            "replayed \(plural(files, "file")): \(plural(statistics.packets, "packet")), \(plural(statistics.bytes, "byte"))"
        // Throughput means little for a run shorter than 10 ms.
        if let elapsedSeconds, elapsedSeconds >= 0.01 {
            let rate = Double(statistics.packets) / elapsedSeconds
            let megabytes = Double(statistics.bytes) / elapsedSeconds / 1_000_000
            first += " in \(format(elapsedSeconds, 3)) s (\(Int(rate)) packets/s, \(format(megabytes, 1)) MB/s)"
        }
        lines.append(first)
        lines.append(
            "  packets: \(statistics.ipv4Packets) IPv4, \(statistics.ipv6Packets) IPv6, \(statistics.tcpPackets) TCP, "
                + "\(statistics.udpPackets) UDP, \(statistics.nonIPFrames) not IP, \(statistics.ipFragments) IP fragments "
                + "(not reassembled), \(truncatedBySnapshotLength) cut by the snapshot length"
        )
        if timestampsOutOfRange > 0 {
            lines.append("  timestamps outside 1970-9999, clamped: \(timestampsOutOfRange)")
        }
        if !statistics.decodeErrors.isEmpty {
            let errors = statistics.decodeErrors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            lines.append("  undecodable frames: " + errors.joined(separator: ", "))
        }
        lines.append(
            "  flows: \(statistics.flowsCreated) (\(statistics.flowsEvicted) evicted at the flow limit, "
                + "\(statistics.flowsTimedOut) timed out)"
        )
        lines.append(
            "  modbus: \(plural(statistics.modbusRequests, "request")), \(plural(statistics.modbusResponses, "response")), "
                + "\(plural(statistics.modbusTransactions, "transaction")) paired"
                + (statistics.modbusUnverifiedDiscarded > 0
                    ? ", \(statistics.modbusUnverifiedDiscarded) unverified ADUs after gaps discarded" : "")
        )
        if let requests = functionList(statistics.modbusRequestsByFunction) {
            lines.append("  requests by function: " + requests)
        }
        if let responses = functionList(statistics.modbusResponsesByFunction) {
            lines.append("  responses by function: " + responses)
        }
        var exceptions: [String] = []
        for (code, count) in statistics.modbusExceptionsByCode.enumerated() where count > 0 {
            let exception = Modbus.ExceptionCode(UInt8(code))
            exceptions.append("\(exception.specificationName ?? "unknown") (\(code)): \(count)")
        }
        if !exceptions.isEmpty { lines.append("  exceptions: " + exceptions.joined(separator: ", ")) }
        let fragments = statistics.dnp3FragmentsByFunction.reduce(0, +)
        lines.append(
            "  dnp3: \(plural(statistics.dnp3LinkFrames, "link frame")), \(plural(fragments, "application fragment")) "
                + "(\(statistics.dnp3MultiSegmentFragments) from several transport segments), "
                + "\(plural(statistics.dnp3ObjectHeaders, "object header")), \(plural(statistics.dnp3Points, "point")); "
                + "\(plural(statistics.dnp3PairedResponses, "response")) paired with their request, "
                + "\(plural(statistics.dnp3UnansweredRequests, "request")) unanswered, "
                + "\(plural(statistics.dnp3UnsolicitedResponses, "unsolicited response")), "
                + "\(plural(statistics.dnp3MatchedConfirms, "confirm")) matched"
                + (statistics.dnp3BadDataCRCFrames > 0
                    ? ", \(plural(statistics.dnp3BadDataCRCFrames, "frame")) dropped for bad data CRCs" : "")
        )
        var dnp3Functions: [String] = []
        for (code, count) in statistics.dnp3FragmentsByFunction.enumerated() where count > 0 {
            let function = DNP3.Application.FunctionCode(UInt8(code))
            dnp3Functions.append("\(function.name ?? "undefined") (\(code)): \(count)")
        }
        if !dnp3Functions.isEmpty {
            lines.append("  dnp3 fragments by function: " + dnp3Functions.joined(separator: ", "))
        }
        lines.append(
            "  tcp streams: \(plural(statistics.streamGaps, "gap")) (\(plural(statistics.streamGapBytes, "byte"))), "
                + "\(statistics.streamRetransmissions) retransmissions, \(statistics.streamOutOfOrderSegments) out of order, "
                + "\(statistics.streamOverlapMismatches) overlaps with different data, "
                + "\(statistics.streamIgnoredControl) out-of-window RST/FIN ignored"
        )
        // How many rules ran, so that a run without rules never looks like a clean capture.
        lines.append(
            statistics.rulesLoaded == 0
                ? "  rules: none loaded" : "  rules: \(plural(statistics.rulesLoaded, "rule")) loaded"
        )
        if let baseline = statistics.baseline { lines.append("  baseline: \(baseline)") }
        for (limit, count) in statistics.baselineNotRaised.sorted(by: { $0.key < $1.key }) {
            lines.append("  baseline limit reached: \(limit): \(count)")
        }
        if !statistics.alerts.isEmpty || !statistics.alertsHeldBack.isEmpty {
            let total = statistics.alerts.values.reduce(0, +)
            var heldBack: [String] = []
            if statistics.suppressedAlerts > 0 {
                heldBack.append("\(statistics.suppressedAlerts) by suppress, threshold or detection_filter")
            }
            if statistics.passedAlerts > 0 {
                heldBack.append("\(statistics.passedAlerts) on messages pass rules let through")
            }
            if statistics.flowSuppressedAlerts > 0 {
                heldBack.append("\(statistics.flowSuppressedAlerts) past the per-flow limit")
            }
            lines.append(
                "  alerts: \(total)"
                    + (heldBack.isEmpty ? "" : " (more matches held back: " + heldBack.joined(separator: ", ") + ")")
            )
            if statistics.alertTallyFull > 0 {
                lines.append(
                    "  alerts not limited per flow (their flow already tracked 256 other rules): \(statistics.alertTallyFull)"
                )
            }
            let signatures = Set(statistics.alerts.keys).union(statistics.alertsHeldBack.keys).sorted()
            for signature in signatures {
                let held = statistics.alertsHeldBack[signature] ?? 0
                lines.append(
                    "    \(TextWriter.visible(signature)): \(statistics.alerts[signature] ?? 0)"
                        + (held > 0 ? " (+\(held) held back)" : "")
                )
            }
        }
        if statistics.anomalies.isEmpty {
            lines.append("  anomalies: none")
        } else {
            let anomalies = statistics.anomalies.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            lines.append("  anomalies: " + anomalies.joined(separator: ", "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }

    private static func functionList(_ counts: [Int]) -> String? {
        var parts: [String] = []
        for (code, count) in counts.enumerated() where count > 0 {
            let function = Modbus.FunctionCode(UInt8(code))
            let name =
                function.specificationName
                ?? (function.category == .userDefined
                    ? "user-defined" : function.category == .reserved ? "reserved" : "unassigned")
            parts.append("\(name) (\(code)): \(count)")
        }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    private static func format(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = "\(rounded)"
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
        }
        return text
    }
}

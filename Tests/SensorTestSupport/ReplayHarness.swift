// SPDX-License-Identifier: Apache-2.0
public import Baseline
public import Foundation
import NetworkLayers
public import PacketCapture
public import SensorEngine

/// Runs captures through the real pipeline (libpcap reader, engine, EVE writer) into memory, as `otsensor replay
/// --format eve` does, and hands back the records.
public struct ReplayResult {
    /// The EVE lines, in output order.
    public var lines: [String]
    /// The EVE records parsed.
    public var records: [[String: Any]]
    public var statistics: EngineStatistics
    public var readStatistics: CaptureReadStatistics
    public var ends: [CaptureEnd]

    /// The records of one `event_type`.
    public func records(ofType type: String) -> [[String: Any]] {
        records.filter { $0["event_type"] as? String == type }
    }

    /// Anomaly event names (`modbus.invalid_length`, `stream.reassembly_seq_gap`) in output order.
    public var anomalyNames: [String] {
        records(ofType: "anomaly").compactMap { record in
            guard let anomaly = record["anomaly"] as? [String: Any], let event = anomaly["event"] as? String else {
                return nil
            }
            if let app = anomaly["app_proto"] as? String { return "\(app).\(event)" }
            return event
        }
    }
}

public enum ReplayHarness {
    public static func replay(
        _ paths: [String],
        configuration: EngineConfiguration = EngineConfiguration(),
        filter: String? = nil,
        baseline: Baseline.Monitor? = nil
    ) throws -> ReplayResult {
        let output = MemoryOutput()
        let writer = EVEWriter(output: output)
        let engine = SensorEngine(configuration: configuration, sink: writer, baseline: baseline)
        var readStatistics = CaptureReadStatistics()
        var ends: [CaptureEnd] = []
        for path in paths {
            let capture = try OfflineCapture(path: path)
            if let filter { try capture.setFilter(filter) }
            let linkType = LinkType(rawValue: capture.linkType)
            ends.append(
                try capture.forEachPacket(statistics: &readStatistics) { frame, timestamp, originalLength in
                    engine.process(
                        frame: frame,
                        timestamp: timestamp,
                        linkType: linkType,
                        originalLength: originalLength
                    )
                }
            )
        }
        engine.finish()
        writer.flush()
        let lines = output.lines
        let records = lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        return ReplayResult(
            lines: lines,
            records: records,
            statistics: engine.statistics,
            readStatistics: readStatistics,
            ends: ends
        )
    }

    /// Learns a model from `paths`, each file a capture of its own (as `otsensor learn` does).
    public static func learn(
        _ paths: [String],
        settings: Baseline.Settings = Baseline.Settings(),
        configuration: EngineConfiguration = EngineConfiguration()
    ) throws -> Baseline.Model {
        let model = Baseline.Model()
        let monitor = Baseline.Monitor(learningInto: model, settings: settings)
        // Each file on its own engine: its own stretch of capture time.
        for path in paths {
            monitor.sourceName = URL(fileURLWithPath: path).lastPathComponent
            model.packets += try run([path], sink: DiscardingSink(), configuration: configuration, baseline: monitor)
                .packets
        }
        return model
    }

    /// Replays `paths` through an engine that reports to `sink` (a test's own recorder); returns the counters.
    public static func run(
        _ paths: [String],
        sink: any EngineEventSink,
        configuration: EngineConfiguration = EngineConfiguration(),
        baseline: Baseline.Monitor? = nil
    ) throws -> EngineStatistics {
        let engine = SensorEngine(configuration: configuration, sink: sink, baseline: baseline)
        var readStatistics = CaptureReadStatistics()
        for path in paths {
            let capture = try OfflineCapture(path: path)
            let linkType = LinkType(rawValue: capture.linkType)
            _ = try capture.forEachPacket(statistics: &readStatistics) { frame, timestamp, originalLength in
                engine.process(frame: frame, timestamp: timestamp, linkType: linkType, originalLength: originalLength)
            }
        }
        engine.finish()
        return engine.statistics
    }

    public static func replay(
        _ url: URL,
        configuration: EngineConfiguration = EngineConfiguration()
    ) throws -> ReplayResult {
        try replay([url.path], configuration: configuration)
    }
}

extension Dictionary where Key == String, Value == Any {
    /// The value at a dotted path (`modbus.request.read.address`).
    public func value(at path: String) -> Any? {
        var current: Any? = self
        for part in path.split(separator: ".") {
            guard let dictionary = current as? [String: Any] else { return nil }
            current = dictionary[String(part)]
        }
        return current
    }

    public func int(_ path: String) -> Int? { value(at: path) as? Int }
    public func string(_ path: String) -> String? { value(at: path) as? String }
}

// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Baseline
import Foundation
import PacketCapture
import SensorConfiguration
import SensorEngine

/// `otsensor learn FILE... --out baseline.json`: builds the model of normal traffic from captures.
struct Learn: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Learn a baseline model of normal traffic from capture files.",
        discussion: """
            The model lists devices, communicating pairs, unit identifiers and DNP3 addresses, function codes, \
            DNP3 objects, the address blocks read and written, written values, and polls with their periods. It \
            is JSON, written in a stable order for a person to review and edit: remove what should not be there, \
            widen a range. Each file is learned as its own stretch of capture time. Then: otsensor replay \
            --baseline FILE. Settings: the baseline section of otsensor.yaml.
            """
    )

    @Argument(help: "Capture files (pcap or pcapng) of normal traffic.")
    var files: [String]

    @Option(name: .customLong("out"), help: "The model file to write (- for standard output).")
    var output: String

    @Option(
        name: .customLong("update"),
        help: "Start from this model and add what the captures hold (learning over several sessions)."
    )
    var update: String?

    @OptionGroup var decoding: DecodingOptions

    @Option(name: .customLong("config"), help: "The configuration file (otsensor.yaml): its baseline settings.")
    var configFile: String?

    @Flag(name: .customLong("read-values"), help: "Also learn the range of values read per address.")
    var readValues = false

    @Flag(help: "Never show the progress bar.")
    var noProgress = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one capture file") }
        guard !files.contains("-") else { throw ValidationError("learn reads files, not standard input") }
    }

    func run() throws {
        try BaselineFile.checkOutput(output, inputs: files)  // updating a model in place is fine
        var settings = try RuleLoading.settings(configFile).baseline
        if readValues { settings.learnReadValues = true }
        let captures = try decoding.open(files)
        let model = try update.map(BaselineFile.read) ?? Baseline.Model()
        if let update, settings.learnReadValues, !model.readValuesLearned, !model.pairs.isEmpty {
            // Ranges learned from the new captures only would be judged as if learned from all of them.
            StandardError.write(
                "otsensor: '\(Terminal.safe(update))' was learned without read values; learn it again with --read-values from all its captures\n"
            )
            throw ExitCode(2)
        }
        var configuration = EngineConfiguration()
        decoding.apply(to: &configuration)
        let monitor = Baseline.Monitor(learningInto: model, settings: settings)
        var readStatistics = CaptureReadStatistics()
        var exitCode: Int32 = 0
        let progress = ProgressBar(enabled: !noProgress && StandardError.isTerminal, paths: files)
        let started = Date()
        // One engine per file: each capture is its own stretch of time, and a poll's silence at a file's end is
        // learned as such.
        for capture in captures {
            monitor.sourceName = (capture.path as NSString).lastPathComponent
            let engine = SensorEngine(configuration: configuration, sink: DiscardingSink(), baseline: monitor)
            exitCode = DecodingOptions.feed([capture], to: engine, progress: progress, statistics: &readStatistics)
            engine.finish()
            model.packets += engine.statistics.packets
            if exitCode != 0 { break }
        }
        progress.clear()
        try BaselineFile.write(model, to: output)
        StandardError.write(
            Terminal.safe(
                Self.summary(model, output: output, seconds: Date().timeIntervalSince(started)),
                keepingNewlines: true
            )
        )
        if exitCode != 0 { throw ExitCode(exitCode) }
    }

    static func summary(_ model: Baseline.Model, output: String, seconds: Double) -> String {
        let (stations, functions, _, blocks, values, polls) = model.counts
        var text =
            "learned \(model.packets) packets (\(model.records) Modbus transactions and DNP3 fragments) over \(Baseline.Model.durationText(model.learnedMicroseconds)) of capture time in \(String(format: "%.2f", seconds)) s\n"
        func n(_ value: Int, _ noun: String, _ plural: String? = nil) -> String {
            "\(value) \(value == 1 ? noun : plural ?? noun + "s")"
        }
        text +=
            "model: \(n(model.devices.count, "device")), \(n(model.pairs.count, "pair")), \(n(stations, "unit or DNP3 address pair", "units or DNP3 address pairs")), \(n(functions, "function")), \(n(blocks, "address block")), \(n(values, "value")), \(n(polls, "poll"))\n"
        for (name, count) in model.itemsNotLearned.sorted(by: { $0.key < $1.key }) {
            let what: String
            if name.hasPrefix("blocks per table") {
                what = "merged into their neighbours: the model is coarser there, nothing it learned is forgotten"
            } else if name.hasPrefix("polls") {
                what = "not learned: those requests are not timed"
            } else {
                what = "not learned: the full list is marked \"incomplete\" in the model and is not judged"
            }
            text += "limit reached: \(count) \(name); \(what)\n"
        }
        if model.records == 0 {
            text += "warning: no Modbus or DNP3 traffic was learned: the model is empty\n"
        }
        if output != "-" { text += "written to \(output); review it with otsensor baseline show \(output)\n" }
        return text
    }
}

// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Baseline
import DNP3
import Detection
import Foundation
import Logging
import NetworkLayers
import PacketCapture
import SensorConfiguration
import SensorEngine
import Uplink
import WireFormat

/// `otsensor replay FILE...`: runs capture files through the sensor pipeline.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode capture files (pcap, pcapng, or - for standard input) and report what they hold.",
        discussion: """
            Files are read in the order given, as one continuous capture. Output goes to standard output; the \
            closing summary goes to standard error. The same capture always gives byte-identical output.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case eve, text, summary
    }

    @Argument(help: "Capture files (pcap or pcapng); - reads standard input.")
    var files: [String] = []

    @Option(
        help: """
            Output format: eve (Suricata EVE JSON lines; the default when standard output is not a terminal), \
            text (one line per transaction; the default on a terminal), or summary (only the closing summary).
            """
    )
    var format: Format?

    @OptionGroup var decoding: DecodingOptions

    @Option(
        name: .customLong("rules"),
        help: "Also load the rules in this file, or the .rules files of this folder (repeatable)."
    )
    var ruleFiles: [String] = []

    @Option(
        name: .customLong("config"),
        help:
            "The configuration file (otsensor.yaml): variables, rule files, classification, thresholds, baseline settings."
    )
    var configFile: String?

    @Flag(
        name: .customLong("no-default-rules"),
        help: "Do not load the default rule set (Signatures/, installed as share/otsensor/signatures)."
    )
    var noDefaultRules = false

    @Option(
        name: .customLong("baseline"),
        help: "Judge the traffic against this baseline model (made by otsensor learn); its alerts have gid 9100."
    )
    var baselineFile: String?

    @Flag(
        help: """
            Also write windowed summaries per communicating pair (event_type summary), the sensor's counters \
            (stats) and the asset inventory (asset), as the live sensor does.
            """
    )
    var summaries = false

    @Option(help: "The summary window in seconds of capture time, 1 to 86400 (with --summaries or --center).")
    var summaryWindow: Int64 = 60

    @Flag(help: "Never show the progress bar.")
    var noProgress = false

    @OptionGroup(title: "Sending the findings to a center (field uploads)")
    var uplink: UplinkOptions

    @Option(help: "With --center: how long to keep trying to send, in seconds (default 120).")
    var uploadTimeout: Double = 120

    func validate() throws {
        guard !files.isEmpty || uplink.center != nil else {
            throw ValidationError("give at least one capture file (or --center alone to send what the spool holds)")
        }
        guard uploadTimeout > 0 && uploadTimeout <= 86_400 else {
            throw ValidationError("--upload-timeout is more than 0 and at most 86400 seconds")
        }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
        guard (1...86_400).contains(summaryWindow) else { throw ValidationError("--summary-window must be 1...86400") }
        if summaryWindow != 60 && !summaries && uplink.center == nil {
            throw ValidationError("--summary-window applies with --summaries or --center")
        }
    }

    func run() throws {
        let format = self.format ?? (Terminal.standardOutputIsTerminal ? .text : .eve)
        let captures = files.isEmpty ? [] : try decoding.open(files)
        var configuration = EngineConfiguration()
        let settings = try RuleLoading.settings(configFile)
        configuration.rules = try RuleLoading.load(
            files: ruleFiles,
            includeDefaults: !noDefaultRules,
            settings: settings
        )
        if let limit = settings.alertsPerRulePerFlow { configuration.maxAlertsPerRulePerFlow = limit }
        decoding.apply(to: &configuration)
        let link = try openUplink(settings)
        // Batches carry summaries: a field upload makes them even when they are not printed.
        if summaries || link != nil {
            var limits = SummaryLimits()
            limits.windowSeconds = summaryWindow
            configuration.summaries = limits
        }
        let baseline = try baselineFile.map { path in
            Baseline.Monitor(detectingAgainst: try BaselineFile.read(path), settings: settings.baseline)
        }
        let output = StandardOutput()
        let sink: any EngineEventSink
        let flush: () -> Void
        switch format {
        case .eve:
            let writer = EVEWriter(output: output)
            sink = writer
            flush = writer.flush
        case .text:
            let writer = TextWriter(output: output)
            sink = writer
            flush = writer.flush
        case .summary:
            sink = DiscardingSink()
            flush = {}
        }
        let engineSink: any EngineEventSink =
            if let link = link?.link { UplinkTap(primary: sink, forwardSummaries: summaries) { link.accept($0) } } else
            { sink }
        let engine = SensorEngine(configuration: configuration, sink: engineSink, baseline: baseline)
        let progress = ProgressBar(enabled: !noProgress && StandardError.isTerminal, paths: files)
        // On a shared terminal, records and the bar take turns: the bar is cleared before records are written and
        // drawn again at its next update.
        output.beforeWrite = { progress.clear() }
        let started = Date()
        var readStatistics = CaptureReadStatistics()
        let exitCode = DecodingOptions.feed(captures, to: engine, progress: progress, statistics: &readStatistics)
        engine.finish()
        flush()
        progress.clear()
        let elapsed = Date().timeIntervalSince(started)
        if !captures.isEmpty {
            StandardError.write(
                SummaryReport.render(
                    engine.statistics,
                    files: captures.count,
                    truncatedBySnapshotLength: readStatistics.truncatedBySnapshotLength,
                    timestampsOutOfRange: readStatistics.timestampsOutOfRange,
                    elapsedSeconds: elapsed
                )
            )
        }
        if let failure = output.failure {
            StandardError.write("otsensor: cannot write the output: \(failure)\n")
            throw ExitCode(1)
        }
        let uploaded = link.map { upload($0.link, keyPath: $0.keyPath) } ?? true
        if exitCode != 0 { throw ExitCode(exitCode) }
        if !uploaded { throw ExitCode(1) }
    }

    /// The field upload's link, when --center names a center (the configuration's uplink: gives the rest). The spool is
    /// --spool, else a folder of the user's own per sensor ID (``UplinkOptions/fieldSpool(sensorID:)``), never the
    /// live sensor's.
    private func openUplink(_ settings: SensorConfiguration) throws -> (link: UplinkLink, keyPath: String)? {
        // Only with --center: a site's otsensor.yaml given for its rules and roles never makes a replay upload.
        guard uplink.center != nil, var resolved = try uplink.resolve(settings.run.uplink) else { return nil }
        let prepared = try UplinkOptions.prepare(resolved)
        let sensorID = prepared.sensorID
        if uplink.spool == nil { resolved.spool = UplinkOptions.fieldSpool(sensorID: sensorID) }
        let spool = try UplinkOptions.spool(resolved, key: prepared.key, sensorID: sensorID)
        let client = prepared.makeClient()
        var logger = Logger(label: "otsensor.uplink") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let link = UplinkLink(
            spool: spool,
            client: client,
            backoff: Backoff(baseSeconds: 1, maximumSeconds: 10),
            logger: logger
        )
        return (link, resolved.key)
    }

    /// Spools the last batch and sends the spool, retrying until it is empty or --upload-timeout passes; one line
    /// on standard error says what was sent and what waits.
    private func upload(_ link: UplinkLink, keyPath: String) -> Bool {
        link.flush()
        let deadline = Date().addingTimeInterval(uploadTimeout)
        let empty = BlockingTask.run {
            while true {
                if await link.send(until: deadline) { return true }
                let wait = min(link.secondsUntilRetry, deadline.timeIntervalSinceNow)
                if wait <= 0 && Date() >= deadline { return false }
                if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000) + 1)) }
            }
        }
        let spool = link.spool
        var line =
            "center: \(link.batchesSent) batches sent (\(link.bytesSent) bytes) as \(spool.settings.sensorID), last sequence \(spool.totals.nextSequence - 1)"
        if link.batchesRefused > 0 {
            line += "; \(link.batchesRefused) refused, kept in \(spool.rejectedDirectory)"
        }
        if !empty {
            var again =
                "otsensor replay --center \(link.client?.settings.url ?? "URL") --sensor-id \(spool.settings.sensorID)"
            again += " --key \(keyPath) --spool \(spool.settings.directory)"
            if let ca = link.client?.settings.caFile { again += " --center-ca \(ca)" }
            line +=
                "; \(spool.entries.count) not acknowledged yet, kept in \(spool.settings.directory) (\(link.lastError ?? "no answer")): run `\(again)` to send them"
        }
        StandardError.write(Terminal.safe(line) + "\n")
        link.close()
        return empty && link.batchesRefused == 0
    }
}

/// Runs async work from a synchronous command and waits for it (the commands stay synchronous: see `Run`).
enum BlockingTask {
    static func run<T: Sendable>(_ operation: @escaping @Sendable () async -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            box.value = await operation()
            done.signal()
        }
        done.wait()
        return box.value!
    }

    private final class ResultBox<T>: @unchecked Sendable {
        var value: T?
    }
}

/// A progress bar on standard error for large captures read on a terminal.
final class ProgressBar {
    private let enabled: Bool
    private var totalBytes: Int = 0
    private var doneBefore = 0
    private var nextUpdate = 0
    private var shown = false
    private var path = ""

    init(enabled: Bool, paths: [String]) {
        self.enabled = enabled
        guard enabled else { return }
        for path in paths where path != "-" {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            totalBytes += size
        }
    }

    func begin(_ path: String) {
        self.path = path
    }

    func tick(packets: Int, bytes: Int) {
        guard enabled, packets >= nextUpdate else { return }
        nextUpdate = packets + 50_000
        // Each pcap record has a 16-byte header; that is near enough for a progress bar.
        let done = bytes + packets * 16
        if totalBytes > 0 {
            let fraction = min(Double(done) / Double(totalBytes), 1)
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            StandardError.write("\r[\(bar)] \(Int(fraction * 100))% \(packets) packets")
        } else {
            StandardError.write("\r\(packets) packets")
        }
        shown = true
    }

    func clear() {
        guard shown else { return }
        StandardError.write("\r\u{1B}[K")
        shown = false
    }
}

/// Finding, reading and compiling rule files for the commands that match rules.
enum RuleLoading {
    /// The default rule set's folder: the configuration's `default-rule-path`, else `OTSENSOR_SIGNATURES` (both
    /// named on purpose: a wrong one is an error), else the first that exists of the installed
    /// `share/otsensor/signatures` beside the binary's `bin`, the source tree's `Signatures/` (the binary built in
    /// `.build/<triple>/<configuration>/`), and `/usr/share/otsensor/signatures`.
    ///
    /// - Throws: `ExitCode(2)`, with a line on standard error, when a named folder is not a folder.
    static func defaultFolder(_ settings: SensorConfiguration = SensorConfiguration()) throws -> String? {
        var named: (path: String, by: String)?
        if let configured = settings.defaultRulePath {
            named = (configured, "default-rule-path")
        } else if let configured = ProcessInfo.processInfo.environment["OTSENSOR_SIGNATURES"] {
            named = (configured, "OTSENSOR_SIGNATURES")
        }
        if let named {
            guard isFolder(named.path) else {
                StandardError.write(
                    "otsensor: the default rule folder '\(Terminal.safe(named.path))' (\(named.by)) is not a folder\n"
                )
                throw ExitCode(2)
            }
            return named.path
        }
        // The running binary itself (/proc/self/exe), not argv[0], which names no folder when found on PATH.
        let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .resolvingSymlinksInPath()
        let folder = executable.deletingLastPathComponent()
        let candidates = [
            folder.appendingPathComponent("../share/otsensor/signatures").standardizedFileURL.path,
            folder.appendingPathComponent("../../../Signatures").standardizedFileURL.path,
            "/usr/share/otsensor/signatures",
        ]
        return candidates.first(where: isFolder)
    }

    static func isFolder(_ path: String) -> Bool {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes = try? FileManager.default.attributesOfItem(atPath: resolved)
        return attributes?[.type] as? FileAttributeType == .typeDirectory
    }

    /// Files as given, folders as their `.rules` files; a path that does not exist stops the command (status 2).
    static func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            guard FileManager.default.fileExists(atPath: path) else {
                StandardError.write("otsensor: cannot read '\(Terminal.safe(path))': no such file or folder\n")
                throw ExitCode(2)
            }
            files += isFolder(path) ? ruleFiles(in: path) : [path]
        }
        return files
    }

    /// A rule file's text. Rule files are UTF-8 (bytes go in `|hex|`): other bytes stop the command at their line,
    /// rather than turning silently into U+FFFD.
    static func text(of path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            StandardError.write("otsensor: cannot read rule file '\(Terminal.safe(path))'\n")
            throw ExitCode(2)
        }
        if let text = String(validating: data, as: UTF8.self) { return text }
        var line = 1
        var valid = 0
        // The longest valid prefix ends where the first bad byte is.
        var low = 0
        var high = data.count
        while low < high {
            let middle = (low + high + 1) / 2
            if String(validating: data.prefix(middle), as: UTF8.self) != nil { low = middle } else { high = middle - 1 }
        }
        valid = low
        for byte in data.prefix(valid) where byte == 0x0A { line += 1 }
        StandardError.write(
            "\(Terminal.safe(path)):\(line): not UTF-8 text (byte 0x\(String(data[data.startIndex + valid], radix: 16))); write bytes as |hex| in content\n"
        )
        throw ExitCode(2)
    }

    /// The configuration file's settings, or the defaults with none; a bad file is printed and exits with 2.
    static func settings(_ path: String?) throws -> SensorConfiguration {
        guard let path else { return SensorConfiguration() }
        do {
            return try SensorConfiguration.load(path: path)
        } catch {
            StandardError.write(Terminal.safe("\(error)") + "\n")
            throw ExitCode(2)
        }
    }

    /// The `.rules` files of a folder, sorted.
    static func ruleFiles(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".rules") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }

    /// Parses and compiles `files` (and the default set): nil when there are no rules; every problem printed as
    /// `file:line:column: message` and exit status 2 when any rule is wrong.
    static func load(files: [String], includeDefaults: Bool, settings: SensorConfiguration) throws -> Detection.RuleSet?
    {
        var paths = try expand(settings.ruleFiles + files)
        let defaults = includeDefaults ? try defaultFolder(settings) : nil
        if includeDefaults && defaults == nil {
            StandardError.write(
                "otsensor: warning: no default rule folder found (share/otsensor/signatures beside the binary, the source tree's Signatures/, /usr/share/otsensor/signatures): running without the shipped rules; name the folder with OTSENSOR_SIGNATURES or default-rule-path, or say --no-default-rules\n"
            )
        }
        if let folder = defaults {
            let defaults = ruleFiles(in: folder)
            if defaults.isEmpty {
                StandardError.write(
                    "otsensor: warning: no .rules files in the default rule folder '\(Terminal.safe(folder))'\n"
                )
            }
            paths = defaults + paths
        }
        guard !paths.isEmpty else { return nil }
        var rules: [Detection.Rule] = []
        var failed = false
        for path in paths {
            let result = Detection.parseRules(try text(of: path), file: path)
            for error in result.errors { StandardError.write(Terminal.safe("\(error)") + "\n") }
            for warning in result.warnings {
                StandardError.write(Terminal.safe("\(warning.location): warning: \(warning.message)") + "\n")
            }
            failed = failed || !result.errors.isEmpty
            rules += result.rules
        }
        if failed { throw ExitCode(2) }
        do {
            return try Detection.RuleSet(
                rules: rules,
                variables: settings.variables,
                classifications: settings.classifications,
                thresholdFile: settings.thresholdFile
            )
        } catch {
            StandardError.write("\(error)\n")
            throw ExitCode(2)
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Baseline
import Detection
import Foundation
import Logging
import NetworkLayers
import PacketCapture
import SensorConfiguration
import SensorEngine
import SensorService
import ServiceLifecycle
import TCPReassembly
import UnixSignals
import Uplink

/// `otsensor run`: the live sensor on one or more interfaces.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture on network interfaces and report what the traffic holds, until stopped.",
        discussion: """
            Opens every interface first, then gives up root (--user, or run-as in the configuration). Records go \
            to the EVE log as EVE JSON lines, with summaries per pair every window, the sensor's counters, and \
            the asset inventory. SIGHUP reloads the rules and the baseline; SIGTERM or SIGINT stops the capture, \
            writes the open window and exits 0.
            """
    )

    @Option(
        name: [.customShort("i"), .customLong("interface")],
        help: "Capture on this interface (repeatable); replaces the configuration's pcap list."
    )
    var interfaces: [String] = []

    @Option(
        name: .customLong("config"),
        help: "The configuration file (default: $OTSENSOR_CONFIG, else /etc/otsensor/otsensor.yaml if present)."
    )
    var configFile: String?

    @OptionGroup var decoding: DecodingOptions

    @Option(help: "Bytes kept of each frame, 64 to 262144 (default 9216, or the configuration's snaplen).")
    var snaplen: Int?

    @Option(help: "The kernel capture buffer in bytes, 65536 to 1073741824 (default 32 MiB).")
    var bufferSize: Int?

    @Flag(help: "Do not put the interfaces in promiscuous mode.")
    var noPromiscuous = false

    @Flag(help: "Immediate mode: hand over each packet at once (the ring then holds fewer frames).")
    var immediate = false

    @Option(help: "Write EVE records to this file (- for standard output; default: the configuration's, else -).")
    var eveLog: String?

    @Option(
        help: """
            The EVE record types written, comma-separated: alert, anomaly, modbus, dnp3, flow, summary, stats, \
            asset (default: all).
            """
    )
    var eveTypes: String?

    @Option(help: "Summary window in seconds of capture time, 1 to 86400 (default 60).")
    var summaryWindow: Int64?

    @Option(help: "Serve Prometheus metrics on ADDRESS:PORT, or 'off' (default 127.0.0.1:9108).")
    var metrics: String?

    @Option(help: "Log format: text or json (default text).")
    var logFormat: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (default info).")
    var logLevel: String?

    @Option(help: "Switch to this user once the interfaces are open.")
    var user: String?

    @Flag(help: "Keep running as root (not recommended: give --user instead).")
    var allowRoot = false

    @Option(name: .customLong("rules"), help: "Also load the rules in this file or folder (repeatable).")
    var ruleFiles: [String] = []

    @Flag(name: .customLong("no-default-rules"), help: "Do not load the default rule set.")
    var noDefaultRules = false

    @Option(name: .customLong("baseline"), help: "Judge the traffic against this baseline model.")
    var baselineFile: String?

    @OptionGroup(title: "The link to the center (overrides the configuration's uplink section)")
    var uplink: UplinkOptions

    func validate() throws {
        if let logFormat, !["text", "json"].contains(logFormat) {
            throw ValidationError("--log-format is text or json")
        }
        if let logLevel, !RunSettings.logLevels.contains(logLevel) {
            throw ValidationError("--log-level is one of \(RunSettings.logLevels.joined(separator: ", "))")
        }
        if let summaryWindow, !(1...86_400).contains(summaryWindow) {
            throw ValidationError("--summary-window must be 1...86400")
        }
        if let snaplen, !(64...262_144).contains(snaplen) { throw ValidationError("--snaplen must be 64...262144") }
        if let bufferSize, !(65_536...(1 << 30)).contains(bufferSize) {
            throw ValidationError("--buffer-size must be 65536...1073741824")
        }
        if user != nil && allowRoot { throw ValidationError("--user and --allow-root contradict each other") }
        if let eveTypes {
            for name in eveTypes.split(separator: ",") where !RunSettings.eveTypeNames.contains(String(name)) {
                throw ValidationError(
                    "--eve-types: unknown record type '\(name)' (\(RunSettings.eveTypeNames.joined(separator: ", ")))"
                )
            }
        }
    }

    /// The configuration file: `--config`, else `OTSENSOR_CONFIG`, else the service default if it exists.
    static func configPath(_ given: String?) -> String? {
        if let given { return given }
        if let named = ProcessInfo.processInfo.environment["OTSENSOR_CONFIG"] { return named }
        let service = "/etc/otsensor/otsensor.yaml"
        return FileManager.default.fileExists(atPath: service) ? service : nil
    }

    /// Runs the sensor to its end. The command itself is synchronous (the other commands start no concurrency
    /// runtime, which keeps them measurable under valgrind); the service group runs in a task while the main
    /// thread waits for it.
    func run() throws {
        // A SIGHUP before the reload service listens (the first fraction of a second) would end the process:
        // there is nothing to reload yet, so it is ignored from the start.
        ProcessFigures.ignoreEarlyReloads()
        let status = Self.waitFor { try await runSensor() }
        if let status { throw ExitCode(status) }
    }

    /// Runs `body` on the concurrency runtime and blocks until it ends; its ExitCode, or 1 for another error.
    static func waitFor(_ body: @escaping @Sendable () async throws -> Void) -> Int32? {
        let done = DispatchSemaphore(value: 0)
        let result = LockedStatus()
        Task {
            do {
                try await body()
            } catch let exit as ExitCode {
                result.set(exit.rawValue == 0 ? nil : exit.rawValue)
            } catch {
                StandardError.write("otsensor: \(error)\n")
                result.set(1)
            }
            done.signal()
        }
        done.wait()
        return result.value
    }

    func runSensor() async throws {
        // A reader of the EVE stream that goes away must not kill the sensor: writes fail, and are counted.
        ProcessFigures.ignoreBrokenPipes()
        let configPath = Self.configPath(configFile)
        let settings = try RuleLoading.settings(configPath)
        var run = settings.run
        // Command-line overrides.
        if !interfaces.isEmpty {
            // Each interface once: the same one twice would feed every packet twice.
            var seen = Set<String>()
            let interfaces = interfaces.filter { seen.insert($0).inserted }
            run.interfaces = interfaces.map { name in
                run.interfaces.first { $0.name == name } ?? RunSettings.Interface(name: name)
            }
        }
        for index in run.interfaces.indices {
            if let filter = decoding.filter { run.interfaces[index].filter = filter }
            if let snaplen { run.interfaces[index].snapshotLength = snaplen }
            if let bufferSize { run.interfaces[index].bufferSize = bufferSize }
            if noPromiscuous { run.interfaces[index].promiscuous = false }
            if immediate { run.interfaces[index].immediate = true }
        }
        if let eveLog { run.eveLog = eveLog }
        if let eveTypes { run.eveTypes = eveTypes.split(separator: ",").map(String.init) }
        if let summaryWindow { run.summaryWindowSeconds = summaryWindow }
        if let metrics { run.metricsListen = metrics == "off" ? nil : metrics }
        if let logFormat { run.logFormat = logFormat }
        if let logLevel { run.logLevel = logLevel }
        if let user { run.runAs = user }
        if let baselineFile { run.baselineFile = baselineFile }
        guard !run.interfaces.isEmpty else {
            StandardError.write(
                "otsensor: no interface to capture on: give --interface, or a pcap list in the configuration\n"
            )
            throw ExitCode(2)
        }

        let level = Logger.Level(rawValue: run.logLevel) ?? .info
        let json = run.logFormat == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "otsensor")

        // Rules, model and configuration first: a mistake stops before any capture opens. With JSON logs, what
        // the loaders print (rule warnings, the place of a mistake) becomes log records too.
        var configuration = EngineConfiguration()
        let (loadedRules, loaderLines) = StandardError.collecting {
            Result { try RuleLoading.load(files: ruleFiles, includeDefaults: !noDefaultRules, settings: settings) }
        }
        let failed: Bool
        if case .failure = loadedRules { failed = true } else { failed = false }
        for line in loaderLines {
            if !json {
                StandardError.write(line + "\n")
            } else if failed {
                logger.error("\(line)")
            } else {
                logger.warning("\(line)")
            }
        }
        configuration.rules = try loadedRules.get()
        if let limit = settings.alertsPerRulePerFlow { configuration.maxAlertsPerRulePerFlow = limit }
        decoding.apply(to: &configuration)
        if let maxFlows = run.maxFlows, decoding.maxFlows == DecodingOptions.defaultMaxFlows {
            configuration.maxFlows = maxFlows
        }
        if let timeout = run.flowTimeoutSeconds { configuration.flowIdleTimeoutSeconds = Int64(timeout) }
        if let pending = run.maxPendingRequests { configuration.maxPendingRequestsTotal = pending }
        if let buffer = run.streamBufferBytes { configuration.reassembly.maxBufferedBytesPerDirection = buffer }
        var limits = SummaryLimits()
        limits.windowSeconds = run.summaryWindowSeconds
        if let pairs = run.maxSummaryPairs { limits.maxPairsPerWindow = pairs }
        if let assets = run.maxAssets { limits.maxAssets = assets }
        configuration.summaries = limits
        let baseline = try run.baselineFile.map { path in
            Baseline.Monitor(detectingAgainst: try BaselineFile.read(path), settings: settings.baseline)
        }
        // The uplink's settings and key, read while still privileged (the key file may be root's alone).
        let uplinkSettings = try uplink.resolve(run.uplink)
        let uplinkPrepared = try uplinkSettings.map { try UplinkOptions.prepare($0) }

        // Capture handles, then the metrics socket, while still privileged.
        var captures: [LiveCapture] = []
        for interface in run.interfaces {
            var options = LiveCapture.Options()
            options.snapshotLength = interface.snapshotLength
            options.bufferSize = interface.bufferSize
            options.promiscuous = interface.promiscuous
            options.immediate = interface.immediate
            do throws(PcapError) {
                let capture = try LiveCapture(interface: interface.name, options: options)
                if let filter = interface.filter { try capture.setFilter(filter) }
                guard LinkType(rawValue: capture.linkType).isSupported else {
                    throw PcapError(operation: "open", message: "link type \(capture.linkType) is not supported")
                }
                captures.append(capture)
            } catch {
                if error.operation == "filter" {
                    StandardError.write(
                        "otsensor: invalid filter on '\(Terminal.safe(interface.name))': \(error.message)\n"
                    )
                } else {
                    // Without root or CAP_NET_RAW libpcap says "You don't have permission to perform this capture".
                    let hint =
                        error.message.lowercased().contains("permission")
                        ? " (run it as root, or grant CAP_NET_RAW and CAP_NET_ADMIN, as the systemd unit does)" : ""
                    StandardError.write(
                        "otsensor: cannot capture on '\(Terminal.safe(interface.name))': \(Terminal.safe(error.message))\(hint)\n"
                    )
                }
                throw ExitCode(2)
            }
        }
        let sensorMetrics = run.metricsListen == nil ? nil : SensorMetrics()
        var metricsServer: MetricsServer?
        if let listen = run.metricsListen, let sensorMetrics {
            do {
                metricsServer = try MetricsServer(listen: listen, metrics: sensorMetrics, logger: logger)
                if let server = metricsServer, !(server.address.hasPrefix("127.") || server.address == "::1") {
                    logger.warning(
                        "metrics are served on \(server.address), not loopback: they tell who talks to whom on the plant network"
                    )
                }
            } catch {
                StandardError.write(
                    "otsensor: cannot serve metrics on '\(Terminal.safe(listen))': \(Terminal.safe("\(error)"))\n"
                )
                throw ExitCode(2)
            }
        }

        // Least privilege: the handles are open; nothing else needs root.
        if let user = run.runAs {
            do throws(Privileges.Failure) {
                try Privileges.drop(to: user)
            } catch {
                StandardError.write("otsensor: \(Terminal.safe(error.description))\n")
                throw ExitCode(2)
            }
            logger.info("running as \(Terminal.safe(user))")
        }
        if Privileges.isRoot {
            guard allowRoot else {
                StandardError.write(
                    "otsensor: refusing to keep running as root once the capture is open: give --user USER (or run-as in the configuration), or start it unprivileged with CAP_NET_RAW (the systemd unit does), or say --allow-root\n"
                )
                throw ExitCode(2)
            }
            logger.warning("running as root (--allow-root): any flaw in the decoders would run with root's rights")
        }

        // The EVE log is opened as the unprivileged user, so that the files and their rotations are its own.
        let output: RotatingFileOutput
        do {
            output = try RotatingFileOutput(
                path: run.eveLog ?? "-",
                maxFileSize: run.eveMaxFileSize,
                maxFiles: run.eveMaxFiles
            )
        } catch {
            StandardError.write("otsensor: cannot write the EVE log: \(Terminal.safe("\(error)"))\n")
            throw ExitCode(2)
        }
        // The spool, also as the unprivileged user: its files are the sensor's own.
        var uplinkService: UplinkService?
        var queue: UpstreamQueue?
        if let uplinkSettings, let uplinkPrepared {
            let spool = try UplinkOptions.spool(
                uplinkSettings,
                key: uplinkPrepared.key,
                sensorID: uplinkPrepared.sensorID
            )
            // The HTTP client last: nothing after this can fail before the service group runs and stops it.
            let link = UplinkLink(
                spool: spool,
                client: uplinkPrepared.makeClient(),
                backoff: Backoff(baseSeconds: 1, maximumSeconds: Double(uplinkSettings.retryMaxSeconds)),
                logger: Logger(label: "otsensor.uplink")
            )
            let upstream = UpstreamQueue(capacity: uplinkSettings.queueSize)
            queue = upstream
            uplinkService = UplinkService(link: link, queue: upstream, logger: Logger(label: "otsensor.uplink"))
        }
        let sensor = LiveSensor(
            captures: captures,
            configuration: configuration,
            baseline: baseline,
            output: output,
            eveTypes: Self.recordTypes(run.eveTypes),
            metrics: sensorMetrics,
            queue: queue,
            logger: logger
        )
        if let link = uplinkService?.link { sensor.uplinkFigures = { link.figures } }
        let reloadRules = ruleFiles
        let includeDefaults = !noDefaultRules
        let baselinePath = run.baselineFile
        let startingSettings = settings.run
        let reload = ReloadService(sensor: sensor) {
            // What the loaders would print goes into the log, one record per line.
            let (result, lines) = StandardError.collecting { () -> Result<ReloadService.Loaded, Error> in
                do {
                    let settings = try RuleLoading.settings(configPath)
                    let rules = try RuleLoading.load(
                        files: reloadRules,
                        includeDefaults: includeDefaults,
                        settings: settings
                    )
                    let baseline = try baselinePath.map { path in
                        Baseline.Monitor(detectingAgainst: try BaselineFile.read(path), settings: settings.baseline)
                    }
                    sensor.noteRestartNeeded(settings.run.differences(from: startingSettings))
                    return .success((rules, baseline))
                } catch {
                    return .failure(error)
                }
            }
            switch result {
            case .success(let loaded):
                sensor.noteWarnings(lines)
                return .success(loaded)
            case .failure:
                return .failure(.init(lines.isEmpty ? ["the configuration could not be read"] : lines))
            }
        }
        // Started in this order and stopped in reverse: the capture stops first and the uplink last, once it has
        // every record of the last window.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let uplinkService {
            // An uplink failure never stops the capture: batches wait in the spool.
            services.append(
                .init(
                    service: uplinkService,
                    successTerminationBehavior: .ignore,
                    failureTerminationBehavior: .ignore,
                    serviceName: "uplink"
                )
            )
        }
        if let metricsServer {
            services.append(.init(service: metricsServer, successTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(.init(service: reload, successTerminationBehavior: .gracefullyShutdownGroup))
        services.append(
            .init(
                service: sensor,
                successTerminationBehavior: .gracefullyShutdownGroup,
                failureTerminationBehavior: .gracefullyShutdownGroup,
                serviceName: "capture"
            )
        )
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        // The capture stops in about a second; the uplink then gets up to its shutdown time for the last uploads.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(uplinkService == nil ? 4 : 10)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            StandardError.write("otsensor: stopped: \(error)\n")
            throw ExitCode(1)
        }
    }
}

/// The exit status a task hands back to the waiting main thread.
private final class LockedStatus: @unchecked Sendable {
    private let lock = NSLock()
    private var status: Int32?
    func set(_ value: Int32?) { lock.withLock { status = value } }
    var value: Int32? { lock.withLock { status } }
}

extension Run {
    /// The EVE record types named (all when none are).
    static func recordTypes(_ names: [String]?) -> EVEWriter.RecordTypes {
        guard let names else { return .all }
        var types: EVEWriter.RecordTypes = []
        for (name, type) in EVEWriter.RecordTypes.names where names.contains(name) { types.insert(type) }
        return types
    }
}

// SPDX-License-Identifier: Apache-2.0
public import Baseline
public import Detection
import Foundation
public import Logging
import NetworkLayers
public import PacketCapture
public import SensorEngine
public import ServiceLifecycle
public import Uplink
import WireFormat

/// The live sensor as a service: one capture thread per interface feeding one ``SensorEngine`` (the same engine
/// and sinks as `otsensor replay`), records to the EVE output, closed summary windows and inventory changes to
/// the upstream queue, metrics once a second.
///
/// Frames are processed on the capture threads, inside libpcap's callback, so spans never cross threads (STYLE.md
/// §10); the engine is guarded by a lock, held per packet (uncontended with one interface). Shutdown (SIGTERM,
/// SIGINT): the captures stop, the engine ends its flows and closes the open window, and every record is written
/// before ``run()`` returns.
public final class LiveSensor: Service, @unchecked Sendable {
    private let captures: [LiveCapture]
    private let engine: SensorEngine
    private let sink: LiveSink
    private let output: RotatingFileOutput
    private let metrics: SensorMetrics?
    /// The hand-off to the upstream link; nil when the sensor sends nothing upstream.
    public let queue: UpstreamQueue?
    /// The uplink's figures for the metrics endpoint (set before ``run()``).
    public var uplinkFigures: (@Sendable () -> UplinkFigures)?
    private let logger: Logger
    private let lock = NSLock()
    private let started = Date()
    private var lastHousekeeping: Int64 = 0
    private var lastTrim: Int64 = 0
    private var trimmedAtWindow = 0
    private var reloads = 0
    private var reloadFailures = 0
    private var failure: (any Error)?

    /// - Parameters:
    ///   - captures: the open capture handles (opened before privileges were dropped).
    ///   - configuration: the engine's settings; summaries are always on in a live sensor.
    ///   - baseline: the monitor judging traffic against a model, if any.
    ///   - output: where EVE records go.
    ///   - eveTypes: the EVE record types written.
    ///   - metrics: the Prometheus metrics to keep current, if served.
    ///   - queue: the hand-off to the upstream link, if one drains it.
    public init(
        captures: [LiveCapture],
        configuration: EngineConfiguration,
        baseline: Baseline.Monitor?,
        output: RotatingFileOutput,
        eveTypes: EVEWriter.RecordTypes = .all,
        metrics: SensorMetrics?,
        queue: UpstreamQueue?,
        logger: Logger
    ) {
        self.captures = captures
        self.output = output
        self.metrics = metrics
        self.queue = queue
        self.logger = logger
        var configuration = configuration
        if configuration.summaries == nil { configuration.summaries = SummaryLimits() }
        let writer = EVEWriter(output: output)
        writer.types = eveTypes
        sink = LiveSink(writer: writer)
        // With an uplink, alerts, windows and inventory changes are also handed to its queue.
        let engineSink: any EngineEventSink =
            if let queue { UplinkTap(primary: sink) { queue.push($0) } } else { sink }
        engine = SensorEngine(configuration: configuration, sink: engineSink, baseline: baseline)
        engine.healthProvider = { [unowned self] in self.health() }
    }

    // MARK: - Running

    public func run() async throws {
        let remaining = CountDown(captures.count)
        for capture in captures {
            let linkType = LinkType(rawValue: capture.linkType)
            let thread = Thread { [self] in
                do throws(PcapError) {
                    try capture.run(idle: { self.housekeeping() }) { frame, timestamp, originalLength in
                        lock.lock()
                        engine.process(
                            frame: frame,
                            timestamp: timestamp,
                            linkType: linkType,
                            originalLength: originalLength
                        )
                        lock.unlock()
                    }
                } catch {
                    lock.lock()
                    failure = failure ?? error
                    lock.unlock()
                    logger.error("capture on \(capture.interface) failed: \(error.message)")
                    stopCaptures()
                }
                remaining.done()
            }
            thread.name = "otsensor-capture-\(capture.interface)"
            thread.start()
        }
        logger.info(
            "capturing on \(captures.map(\.interface).joined(separator: ", "))",
            metadata: [
                "rules": .stringConvertible(engine.statistics.rulesLoaded),
                "baseline": "\(engine.baseline == nil ? "none" : "loaded")",
                "summary_window_s": .stringConvertible(engine.configuration.summaries?.windowSeconds ?? 0),
            ]
        )
        await withGracefulShutdownHandler {
            await remaining.wait()
        } onGracefulShutdown: { [self] in
            logger.info("stopping: capture ends, open window and flows are written")
            stopCaptures()
        }
        let captureFailure = lock.withLock {
            engine.advance(to: Self.wallClock())
            engine.finish()
            sink.writer.flush()
            return failure
        }
        output.sync()
        updateMetrics()
        let statistics = engine.statistics
        logger.info(
            "stopped",
            metadata: [
                "packets": .stringConvertible(statistics.packets), "flows": .stringConvertible(statistics.flowsCreated),
                "alerts": .stringConvertible(statistics.alerts.values.reduce(0, +)),
            ]
        )
        if let captureFailure { throw captureFailure }
    }

    private func stopCaptures() {
        for capture in captures { capture.stop() }
    }

    /// Called by each capture thread after a read timeout and every 1,024 packets: moves capture time on a quiet
    /// segment, and once a second writes buffered records and refreshes the metrics.
    private func housekeeping() {
        let now = Self.wallClock()
        lock.lock()
        engine.advance(to: now)
        let due = now.seconds > lastHousekeeping
        if due {
            lastHousekeeping = now.seconds
            sink.writer.flush()
        }
        // After a window closes (at most every 10 s), hand freed memory back to the system: glibc keeps what ended
        // flows and the closed window freed, and a sensor that saw a burst of 10,000 flows would otherwise stay
        // at its peak.
        let trim = due && sink.windowsClosed > trimmedAtWindow && now.seconds - lastTrim >= 10
        if trim {
            lastTrim = now.seconds
            trimmedAtWindow = sink.windowsClosed
        }
        lock.unlock()
        if due { updateMetrics() }
        if trim { ProcessFigures.trimHeap() }
    }

    static func wallClock() -> CaptureTimestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return CaptureTimestamp(seconds: Int64(time.tv_sec), microseconds: Int32(time.tv_nsec / 1000))
    }

    // MARK: - Reload

    /// Swaps rules and baseline (SIGHUP) between two packets; flows go on. Also reopens the EVE file, so that
    /// logrotate may move it.
    public func reload(rules: Detection.RuleSet?, baseline: Baseline.Monitor?) {
        lock.lock()
        engine.replaceDetection(rules: rules, baseline: baseline)
        reloads += 1
        lock.unlock()
        output.reopen()
        logger.notice(
            "reloaded",
            metadata: [
                "rules": .stringConvertible(rules?.count ?? 0), "baseline": "\(baseline == nil ? "none" : "loaded")",
            ]
        )
    }

    /// Counts a reload that failed (the old rules stay), logging each problem as its own record.
    public func reloadFailed(_ problems: [String]) {
        lock.lock()
        reloadFailures += 1
        lock.unlock()
        for problem in problems { logger.error("reload: \(problem)") }
        logger.error(
            "reload failed, the running rules stay",
            metadata: ["problems": .stringConvertible(problems.count)]
        )
    }

    /// Logs what the loaders warned about during a reload (rule warnings).
    public func noteWarnings(_ lines: [String]) {
        for line in lines { logger.warning("reload: \(line)") }
    }

    /// Logs a setting changed in the configuration that takes effect only at the next start.
    public func noteRestartNeeded(_ settings: [String]) {
        guard !settings.isEmpty else { return }
        logger.warning(
            "changed settings take effect at the next start: \(settings.joined(separator: ", "))",
            metadata: ["settings": .array(settings.map { .string($0) })]
        )
    }

    // MARK: - Health and metrics

    /// Capture counters, memory and CPU (called with the lock held, from the engine or ``updateMetrics()``).
    private func health() -> SensorHealth {
        var health = SensorHealth()
        for capture in captures {
            let counters = capture.finalCounters()
            health.interfaces.append(
                SensorHealth.Interface(
                    name: capture.interface,
                    received: counters?.received ?? 0,
                    dropped: counters?.dropped ?? 0,
                    interfaceDropped: counters?.interfaceDropped ?? 0
                )
            )
        }
        health.residentBytes = ProcessFigures.residentBytes()
        health.cpuSeconds = ProcessFigures.cpuSeconds()
        health.uptimeSeconds = Int(Date().timeIntervalSince(started))
        health.upstreamQueueDepth = queue?.depth ?? 0
        health.upstreamDropped = queue?.dropped ?? 0
        return health
    }

    private func updateMetrics() {
        guard let metrics else { return }
        lock.lock()
        let statistics = engine.statistics
        var snapshot = MetricsSnapshot()
        snapshot.packets = statistics.packets
        snapshot.bytes = statistics.bytes
        snapshot.decodeErrors = statistics.decodeErrors.values.reduce(0, +)
        snapshot.flowsActive = engine.flowCount
        snapshot.flowsTotal = statistics.flowsCreated
        snapshot.flowsEvicted = statistics.flowsEvicted
        snapshot.flowsTimedOut = statistics.flowsTimedOut
        snapshot.modbusTransactions = statistics.modbusTransactions + statistics.modbusUnanswered
        snapshot.dnp3Messages = statistics.dnp3FragmentsByFunction.reduce(0, +)
        snapshot.anomalies = statistics.anomalies
        snapshot.alerts = engine.alertTotals()
        snapshot.health = health()
        snapshot.outputFailures = output.failedWrites
        snapshot.outputRotations = output.rotations
        snapshot.reloads = reloads
        snapshot.reloadFailures = reloadFailures
        lock.unlock()
        snapshot.uplink = uplinkFigures?()
        metrics.update(snapshot)
    }
}

/// Resident memory and CPU time of this process.
public enum ProcessFigures {
    /// glibc's `malloc_trim` (in `malloc.h`, which the Glibc module does not bring): found once by `dlsym`.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()

    /// Ignores SIGPIPE: a write to a pipe whose reader went away then fails with EPIPE (counted) instead of
    /// ending the process. The corresponding C function is `signal`.
    public static func ignoreBrokenPipes() {
        _ = signal(SIGPIPE, SIG_IGN)
    }

    /// Ignores SIGHUP until the reload service takes it over (swift-service-lifecycle ignores it too, and watches
    /// for it). The corresponding C function is `signal`.
    public static func ignoreEarlyReloads() {
        _ = signal(SIGHUP, SIG_IGN)
    }

    /// Returns the heap's free pages to the system. The corresponding C function is `malloc_trim`.
    public static func trimHeap() {
        _ = mallocTrim?(0)
    }

    /// Resident set size in bytes, from `/proc/self/statm` (pages).
    public static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// User and system CPU time in seconds. The corresponding C function is `getrusage`.
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }
}

/// Waits for a number of threads to finish, from async code.
private final class CountDown: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    private var waiter: CheckedContinuation<Void, Never>?

    init(_ count: Int) { remaining = count }

    func done() {
        lock.lock()
        remaining -= 1
        let resume = remaining == 0 ? waiter : nil
        if resume != nil { waiter = nil }
        lock.unlock()
        resume?.resume()
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            lock.lock()
            if remaining <= 0 {
                lock.unlock()
                continuation.resume()
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}

/// The EVE writer, counting closed windows.
final class LiveSink: EngineEventSink {
    let writer: EVEWriter

    init(writer: EVEWriter) {
        self.writer = writer
    }

    func modbusTransaction(
        _ event: ModbusTransactionEvent,
        requestADU: borrowing Span<UInt8>,
        responseADU: borrowing Span<UInt8>
    ) {
        writer.modbusTransaction(event, requestADU: requestADU, responseADU: responseADU)
    }
    func anomaly(_ event: AnomalyEvent) { writer.anomaly(event) }
    func flowEnded(_ event: FlowEndEvent) { writer.flowEnded(event) }
    func dnp3Message(_ event: DNP3MessageEvent, fragment: borrowing Span<UInt8>) {
        writer.dnp3Message(event, fragment: fragment)
    }
    var receivesDNP3Messages: Bool { writer.receivesDNP3Messages }
    var writesRecordsAtAcknowledgment: Bool { writer.writesRecordsAtAcknowledgment }
    var receivesAlerts: Bool { writer.receivesAlerts }
    func baselineAlert(_ alert: Baseline.Alert, counters: FlowCounters?) {
        writer.baselineAlert(alert, counters: counters)
    }
    /// Windows closed so far (read under the sensor's lock).
    private(set) var windowsClosed = 0

    func summaryWindow(_ window: SummaryWindow) {
        windowsClosed += 1
        writer.summaryWindow(window)
    }
    func assetChanged(_ event: AssetEvent) {
        writer.assetChanged(event)
    }
}

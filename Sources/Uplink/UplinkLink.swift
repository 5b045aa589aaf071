// SPDX-License-Identifier: Apache-2.0
public import Foundation
public import Logging
import SummaryModel

/// The uplink's figures for the metrics endpoint: a copy, safe to read from any thread.
public struct UplinkFigures: Sendable, Equatable {
    public var spoolBatches = 0
    public var spoolBytes = 0
    public var batchesSent = 0
    public var bytesSent = 0
    public var uploadFailures = 0
    public var batchesRefused = 0
    public var batchesMerged = 0
    public var windowsDropped = 0
    public var alertsDropped = 0
    public init() {}
}

/// The sensor's end of the link: records become batches in the spool, and the spool is sent to the center oldest
/// first, one batch at a time; each batch is deleted when acknowledged (2xx), set aside when refused (4xx), and
/// retried after an exponential backoff with jitter otherwise (5xx, timeouts, network errors).
///
/// One task owns it (the uplink service, or `replay --center` on its own thread).
public final class UplinkLink: @unchecked Sendable {
    public let spool: Spool
    public let client: CenterClient?
    private let logger: Logger
    private var assembler = BatchAssembler()
    public private(set) var backoff: Backoff
    /// Wall-clock time before which no upload is tried (after a failure).
    private var notBefore = Date.distantPast

    /// Counters for metrics and the final report.
    public private(set) var batchesMade = 0
    public private(set) var batchesSent = 0
    public private(set) var bytesSent = 0
    public private(set) var uploadFailures = 0
    public private(set) var batchesRefused = 0
    /// Records lost because the spool could not be written (a full disk).
    public private(set) var spoolWriteFailures = 0
    public private(set) var lastError: String?
    private let figuresLock = NSLock()
    private var publishedFigures = UplinkFigures()

    /// The latest figures (updated after each batch made or sent).
    public var figures: UplinkFigures { figuresLock.withLock { publishedFigures } }

    private func publish() {
        var figures = UplinkFigures()
        figures.spoolBatches = spool.entries.count
        figures.spoolBytes = spool.totalBytes
        figures.batchesSent = batchesSent
        figures.bytesSent = bytesSent
        figures.uploadFailures = uploadFailures
        figures.batchesRefused = batchesRefused
        figures.batchesMerged = Int(clamping: spool.totals.batchesMerged)
        figures.windowsDropped = Int(clamping: spool.totals.windowsDropped)
        figures.alertsDropped = Int(clamping: spool.totals.alertsDropped)
        figuresLock.withLock { publishedFigures = figures }
    }

    public init(spool: Spool, client: CenterClient?, backoff: Backoff = Backoff(), logger: Logger) {
        self.spool = spool
        self.client = client
        self.backoff = backoff
        self.logger = logger
    }

    /// Adds one record; a completed batch goes to the spool.
    public func accept(_ record: UpstreamRecord) {
        if let content = assembler.add(record) { store(content) }
    }

    /// Spools what waits (shutdown, the end of a replay), and a report of losses no batch carries yet.
    public func flush() {
        if let content = assembler.cut() { store(content) }
        do {
            try spool.reportLosses(createdUs: Int64(Date().timeIntervalSince1970 * 1_000_000))
        } catch {
            spoolWriteFailures += 1
            lastError = error.description
            logger.error("loss report not spooled: \(error.description)")
        }
    }

    private func store(_ content: BatchContent) {
        defer { publish() }
        do {
            let entry = try spool.store(content, createdUs: Int64(Date().timeIntervalSince1970 * 1_000_000))
            batchesMade += 1
            logger.debug(
                "batch spooled",
                metadata: ["batch_id": "\(spool.settings.sensorID)/\(entry.sequence)", "bytes": "\(entry.bytes)"]
            )
        } catch {
            spoolWriteFailures += 1
            lastError = error.description
            logger.error("batch not spooled: \(error.description)")
        }
    }

    /// Whether a failure put uploads on hold until a later time.
    public var isBackingOff: Bool { Date() < notBefore }

    /// The time to wait before the next upload may be tried, in seconds (0 when it may be tried now).
    public var secondsUntilRetry: Double { max(0, notBefore.timeIntervalSinceNow) }

    /// Sends spooled batches, oldest first, until the spool is empty, an upload fails, or `deadline` passes.
    ///
    /// - Returns: whether the spool is empty.
    @discardableResult
    public func send(until deadline: Date = .distantFuture) async -> Bool {
        guard let client else { return spool.head == nil }
        defer { publish() }
        while let entry = spool.head, Date() < deadline, !isBackingOff, !Task.isCancelled {
            let body: [UInt8]
            do {
                body = try spool.body(of: entry)
            } catch {
                logger.error("\(error.description)")
                try? spool.reject(entry, reason: error.description)
                continue
            }
            let batchID = "\(spool.settings.sensorID)/\(entry.sequence)"
            switch await client.upload(body) {
            case .acknowledged(let status):
                spool.acknowledge(entry)
                batchesSent += 1
                bytesSent += body.count
                backoff.succeed()
                lastError = nil
                logger.debug("batch acknowledged", metadata: ["batch_id": "\(batchID)", "status": "\(status)"])
            case .refused(let status, let reason):
                batchesRefused += 1
                lastError = "batch \(batchID) refused (\(status)): \(reason)"
                logger.error(
                    "the center refused a batch; it is kept in \(spool.rejectedDirectory) and reported as lost",
                    metadata: ["batch_id": "\(batchID)", "status": "\(status)", "reason": "\(reason)"]
                )
                do {
                    // The center learns of the refused batch from the next batch made (the ledger is on disk); a
                    // report of its own now could be refused in turn, and so on.
                    try spool.reject(entry, reason: "\(status) \(reason)")
                } catch {
                    logger.error("\(error.description)")
                }
            case .retry(let reason):
                uploadFailures += 1
                let delay = backoff.fail()
                notBefore = Date().addingTimeInterval(delay)
                lastError = reason
                logger.warning(
                    "upload failed; retrying in \(String(format: "%.1f", delay)) s",
                    metadata: [
                        "batch_id": "\(batchID)", "reason": "\(reason)",
                        "spooled": "\(spool.entries.count)",
                    ]
                )
                return false
            }
        }
        return spool.head == nil
    }

    public func shutdown() async {
        await client?.shutdown()
    }
}

extension UplinkLink {
    /// Closes the HTTP client from synchronous code (the end of a replay).
    public func close() {
        guard let client else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            await client.shutdown()
            done.signal()
        }
        done.wait()
    }
}

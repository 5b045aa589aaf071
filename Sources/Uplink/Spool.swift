// SPDX-License-Identifier: Apache-2.0
import Crypto
import Foundation
public import SummaryModel
import SwiftProtobuf

/// A spool problem: one line naming the file and the cause.
public struct SpoolError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The store-and-forward spool: every batch is numbered, sealed and written here (written, fsynced, renamed) before
/// it is sent, and deleted only when the center acknowledges it.
///
/// Layout of the directory (mode 0700):
/// - `NNNNNNNNNNNNNNNNNNNN-START-LEVEL-FLAGS.batch`: one sealed batch (the HTTP body), by sequence number, with its
///   capture start time (µs), merge level and flags (`a` alerts, `r` routine, `x` replaces other batches);
/// - `state.json`: the next sequence number and the loss totals, so numbers never repeat across restarts;
/// - `losses.pb`: losses not yet reported upstream (a `Batch` holding only `losses`);
/// - `rejected/`: batches the center refused with a 4xx status, with a `.reason` file each;
/// - `.lock`: held (flock) by the one process using the spool.
///
/// At the quota (``Settings/quotaBytes``), the oldest batches are first merged into coarser windows
/// (``BatchMerger``), then routine batches are dropped oldest first, then alert batches lose their summaries, then
/// the oldest alert batches are dropped; every loss is counted in the totals and reported in the next batch. The
/// oldest batch (the one being sent) is never touched, so a batch the center may already hold is never changed.
/// Not thread-safe: one task owns it.
public final class Spool {
    public struct Settings: Sendable {
        public var directory: String
        /// Disk quota for the batches (256 MiB by default).
        public var quotaBytes: Int
        public var sensorID: String
        public var key: SensorKey
        public var compression: UplinkCompression
        public var sensorVersion: String

        public init(
            directory: String,
            quotaBytes: Int = 256 << 20,
            sensorID: String,
            key: SensorKey,
            compression: UplinkCompression = .zstd,
            sensorVersion: String
        ) {
            self.directory = directory
            self.quotaBytes = quotaBytes
            self.sensorID = sensorID
            self.key = key
            self.compression = compression
            self.sensorVersion = sensorVersion
        }
    }

    /// One spooled batch.
    public struct Entry: Sendable, Equatable {
        public var sequence: UInt64
        public var startUs: Int64
        public var coarsening: UInt32
        public var hasAlerts: Bool
        public var replacesOthers: Bool
        public var bytes: Int
        public var fileName: String {
            String(format: "%020llu", sequence) + "-\(startUs)-\(coarsening)-\(hasAlerts ? "a" : "r")"
                + (replacesOthers ? "x" : "") + ".batch"
        }

        init(sequence: UInt64, startUs: Int64, coarsening: UInt32, hasAlerts: Bool, replacesOthers: Bool, bytes: Int) {
            self.sequence = sequence
            self.startUs = startUs
            self.coarsening = coarsening
            self.hasAlerts = hasAlerts
            self.replacesOthers = replacesOthers
            self.bytes = bytes
        }

        init?(fileName: String, bytes: Int) {
            guard fileName.hasSuffix(".batch") else { return nil }
            let parts = fileName.dropLast(6).split(separator: "-")
            guard parts.count == 4, let sequence = UInt64(parts[0]), let start = Int64(parts[1]),
                let level = UInt32(parts[2]), let flags = parts[3].first, flags == "a" || flags == "r"
            else { return nil }
            self.init(
                sequence: sequence,
                startUs: start,
                coarsening: level,
                hasAlerts: flags == "a",
                replacesOthers: parts[3].contains("x"),
                bytes: bytes
            )
        }
    }

    /// Running totals kept in `state.json` and reported in every batch's health.
    public struct Totals: Codable, Sendable, Equatable {
        public var nextSequence: UInt64 = 1
        public var batchesMerged: UInt64 = 0
        public var windowsDropped: UInt64 = 0
        public var alertsDropped: UInt64 = 0
        public var batchesDropped: UInt64 = 0
        public var batchesRejected: UInt64 = 0
    }

    public let settings: Settings
    /// Spooled batches by sequence number, oldest first.
    public private(set) var entries: [Entry] = []
    public private(set) var totals = Totals()
    /// Losses waiting to be reported in the next batch.
    public private(set) var unreportedLosses: [Otsensor_Uplink_V1_Loss] = []
    private let lockDescriptor: Int32
    /// The health of the last batch that had one: a batch made without (a loss report) carries it.
    private var lastHealth: Otsensor_Uplink_V1_Health?

    private var statePath: String { settings.directory + "/state.json" }
    private var lossesPath: String { settings.directory + "/losses.pb" }
    public var rejectedDirectory: String { settings.directory + "/rejected" }

    /// Opens (or makes) the spool, takes its lock and reads what a previous run left.
    ///
    /// - Throws: ``SpoolError`` when the directory cannot be made or read, or another process holds it.
    public init(settings: Settings) throws(SpoolError) {
        self.settings = settings
        let manager = FileManager.default
        do {
            try manager.createDirectory(
                atPath: settings.directory + "/rejected",
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw SpoolError("\(settings.directory): cannot make the spool directory: \(error.localizedDescription)")
        }
        let fd = open(settings.directory + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError("\(settings.directory)/.lock: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw SpoolError("\(settings.directory) is in use by another otsensor process")
        }
        lockDescriptor = fd
        if let data = manager.contents(atPath: statePath) {
            guard let decoded = try? JSONDecoder().decode(Totals.self, from: data) else {
                throw SpoolError("\(statePath): not a spool state file")
            }
            totals = decoded
        }
        if let data = manager.contents(atPath: lossesPath), let batch = try? UplinkBatch(serializedBytes: data) {
            unreportedLosses = batch.losses
        }
        let names: [String]
        do {
            names = try manager.contentsOfDirectory(atPath: settings.directory)
        } catch {
            throw SpoolError("\(settings.directory): \(error.localizedDescription)")
        }
        for name in names {
            if name.hasPrefix(".tmp-") {
                // A write that a crash interrupted: never renamed, never sent.
                unlink(settings.directory + "/" + name)
                continue
            }
            let size = (try? manager.attributesOfItem(atPath: settings.directory + "/" + name)[.size] as? Int) ?? nil
            if let entry = Entry(fileName: name, bytes: size ?? 0) { entries.append(entry) }
        }
        entries.sort { $0.sequence < $1.sequence }
        // Files numbered past the schema's limit are not ours: left alone, not sent.
        entries.removeAll { $0.sequence > BatchEnvelope.maxSequence }
        // Numbers never go back, even if the state file is older than the batches (a crash between the two).
        if let last = entries.last, last.sequence >= totals.nextSequence { totals.nextSequence = last.sequence + 1 }
        totals.nextSequence = max(totals.nextSequence, 1)
        guard totals.nextSequence <= BatchEnvelope.maxSequence else {
            throw SpoolError("\(statePath): the next sequence number \(totals.nextSequence) is past the schema's limit")
        }
        removeReplacedLeftovers()
    }

    deinit {
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    /// Writes a batch that carries only the losses not yet reported (and the health), so that the center learns of
    /// them even when no other batch follows (the end of a replay, a quiet link). Nothing happens without losses.
    public func reportLosses(createdUs: Int64) throws(SpoolError) {
        var attempts = 0
        while !unreportedLosses.isEmpty && attempts < 3 {
            attempts += 1
            try store(BatchContent(), createdUs: createdUs)
        }
    }

    /// Bytes of all spooled batches.
    public var totalBytes: Int { entries.reduce(0) { $0 + $1.bytes } }

    /// The oldest batch: the next to send.
    public var head: Entry? { entries.first }

    /// The sealed batch's bytes (the HTTP body).
    public func body(of entry: Entry) throws(SpoolError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path(entry)) else {
            throw SpoolError("\(path(entry)): cannot read the spooled batch")
        }
        return Array(data)
    }

    // MARK: - Adding

    /// Numbers, seals and writes a batch with `content` and the losses not yet reported; then applies the quota.
    ///
    /// - Parameter createdUs: the wall-clock time (µs since the epoch).
    /// - Throws: ``SpoolError`` when the batch cannot be written (the disk is full): the content is then lost, and
    ///   counted by the caller.
    @discardableResult
    public func store(_ content: BatchContent, createdUs: Int64) throws(SpoolError) -> Entry {
        var batch = UplinkBatch()
        batch.windows = content.windows
        batch.alerts = content.alerts
        batch.assetChanges = content.assetChanges
        if let health = content.health { lastHealth = health }
        var health = content.health ?? lastHealth ?? Otsensor_Uplink_V1_Health()
        health.spoolBatches = UInt64(entries.count)
        health.spoolBytes = UInt64(totalBytes)
        health.spoolQuotaBytes = UInt64(settings.quotaBytes)
        health.batchesMerged = totals.batchesMerged
        health.windowsDropped = totals.windowsDropped
        health.alertsDropped = totals.alertsDropped
        health.batchesRejected = totals.batchesRejected
        batch.health = health
        let times =
            content.windows.flatMap { [$0.startUs, $0.endUs] } + content.alerts.map(\.timestampUs)
            + content.assetChanges.map(\.timestampUs)
        // A batch with no records (a loss report) covers the moment it was made.
        batch.startUs = times.filter { $0 > 0 }.min() ?? createdUs
        batch.endUs = times.max() ?? createdUs
        batch.createdUs = createdUs
        batch.losses = unreportedLosses
        let entry = try write(batch)
        if !unreportedLosses.isEmpty {
            unreportedLosses = []
            unlink(lossesPath)
        }
        try enforceQuota()
        return entry
    }

    /// Numbers, seals and durably writes `batch`, then records the next sequence number.
    private func write(_ batch: UplinkBatch) throws(SpoolError) -> Entry {
        var batch = batch
        batch.schemaVersion = BatchEnvelope.schemaVersion
        batch.sensorID = settings.sensorID
        batch.sensorVersion = settings.sensorVersion
        batch.sequence = totals.nextSequence
        let signed = BatchEnvelope.seal(batch, compression: settings.compression, key: settings.key)
        let bytes: [UInt8] = (try? signed.serializedBytes()) ?? []
        let entry = Entry(
            sequence: batch.sequence,
            startUs: batch.startUs,
            coarsening: batch.coarsening,
            hasAlerts: !batch.alerts.isEmpty,
            replacesOthers: !batch.replaces.isEmpty,
            bytes: bytes.count
        )
        do {
            try DurableFile.write(bytes, to: path(entry), mode: 0o600)
        } catch {
            throw SpoolError(error.description)
        }
        totals.nextSequence += 1
        try saveTotals()
        entries.append(entry)
        return entry
    }

    private func saveTotals() throws(SpoolError) {
        let data = (try? JSONEncoder().encode(totals)) ?? Data()
        do {
            try DurableFile.write(Array(data), to: statePath, mode: 0o600)
        } catch {
            throw SpoolError(error.description)
        }
    }

    /// Keeps the ledger short: one loss per reason, its sequence ranges joined and its counts added, however many
    /// batches were refused or dropped before the next batch reports them.
    private func consolidateLosses() {
        var byReason: [String: Otsensor_Uplink_V1_Loss] = [:]
        var order: [String] = []
        for loss in unreportedLosses {
            guard var merged = byReason[loss.reason] else {
                byReason[loss.reason] = loss
                order.append(loss.reason)
                continue
            }
            merged.sequences = BatchMerger.join(merged.sequences + loss.sequences)
            merged.windows = min(merged.windows &+ loss.windows, BatchEnvelope.maxCount)
            merged.pairs = min(merged.pairs &+ loss.pairs, BatchEnvelope.maxCount)
            merged.alerts = min(merged.alerts &+ loss.alerts, BatchEnvelope.maxCount)
            merged.assetChanges = min(merged.assetChanges &+ loss.assetChanges, BatchEnvelope.maxCount)
            byReason[loss.reason] = merged
        }
        unreportedLosses = order.compactMap { byReason[$0] }
    }

    private func saveLosses() throws(SpoolError) {
        consolidateLosses()
        var holder = UplinkBatch()
        holder.losses = unreportedLosses
        do {
            try DurableFile.write((try? holder.serializedBytes()) ?? [], to: lossesPath, mode: 0o600)
        } catch {
            throw SpoolError(error.description)
        }
    }

    // MARK: - After sending

    /// The center acknowledged the batch (2xx): it is deleted.
    public func acknowledge(_ entry: Entry) {
        remove(entry)
    }

    /// Refused batches kept for inspection; past this, the oldest go (they are reported lost either way).
    public static let maxRejectedBatches = 1_000

    /// The center refused the batch for good (4xx): it moves to `rejected/` with the reason, and its content is
    /// reported as lost (reason `rejected`) in the next batch. At most ``maxRejectedBatches`` are kept.
    public func reject(_ entry: Entry, reason: String) throws(SpoolError) {
        let opened = try? batch(in: entry)
        let target = rejectedDirectory + "/" + entry.fileName
        if rename(path(entry), target) != 0 { unlink(path(entry)) }
        try? DurableFile.write(Array((reason + "\n").utf8), to: target + ".reason", mode: 0o600)
        DurableFile.syncDirectory(settings.directory)
        entries.removeAll { $0.sequence == entry.sequence }
        totals.batchesRejected += 1
        let kept = ((try? FileManager.default.contentsOfDirectory(atPath: rejectedDirectory)) ?? [])
            .filter { $0.hasSuffix(".batch") }.sorted()
        for name in kept.dropLast(Self.maxRejectedBatches) {
            unlink(rejectedDirectory + "/" + name)
            unlink(rejectedDirectory + "/" + name + ".reason")
        }
        if let opened { recordLoss(of: opened, reason: "rejected") }
        try saveTotals()
        try saveLosses()
    }

    // MARK: - Quota

    /// Merges, then drops, until the batches fit the quota, in this order (never the oldest batch, which may be in
    /// flight):
    /// 1. batches, oldest first, are merged: their summaries into coarser windows, up to
    ///    ``BatchMerger/maxCoarsening`` times, their alerts kept whole;
    /// 2. routine batches are dropped, oldest first;
    /// 3. batches with alerts lose their summaries, oldest first;
    /// 4. batches with alerts are dropped, oldest first.
    /// Every loss is counted in ``totals`` and reported in the next batch.
    public func enforceQuota() throws(SpoolError) {
        while totalBytes > settings.quotaBytes {
            let candidates = entries.dropFirst().sorted { ($0.startUs, $0.sequence) < ($1.startUs, $1.sequence) }
            let routine = candidates.filter { !$0.hasAlerts }
            let mergeable = candidates.filter { $0.coarsening < BatchMerger.maxCoarsening }
            if mergeable.count >= 2 {
                try mergeBatches(Array(mergeable.prefix(BatchMerger.batchesPerMerge)))
                continue
            }
            if let oldest = routine.first {
                try drop(oldest)
                continue
            }
            let alerting = candidates.filter(\.hasAlerts)
            if let withSummaries = alerting.first(where: { (try? batch(in: $0))?.windows.isEmpty == false }),
                let batch = try? batch(in: withSummaries)
            {
                try stripSummaries(withSummaries, batch)
                continue
            }
            if let oldest = alerting.first {
                try drop(oldest)
                continue
            }
            return
        }
    }

    private func mergeBatches(_ group: [Entry]) throws(SpoolError) {
        var batches: [UplinkBatch] = []
        for entry in group {
            if let batch = try? batch(in: entry) {
                batches.append(batch)
            } else {
                // A damaged file cannot be merged; it is dropped and counted.
                try drop(entry)
                return
            }
        }
        let merged = BatchMerger.merge(batches)
        _ = try write(merged)
        for entry in group { remove(entry) }
        totals.batchesMerged += UInt64(group.count)
        try saveTotals()
    }

    private func stripSummaries(_ entry: Entry, _ batch: UplinkBatch) throws(SpoolError) {
        var stripped = batch
        stripped.windows = []
        stripped.replaces = BatchMerger.covered(by: batch)
        _ = try write(stripped)
        remove(entry)
        var lost = Otsensor_Uplink_V1_Loss()
        lost.reason = "quota"
        lost.windows = UInt64(batch.windows.count)
        lost.pairs = UInt64(batch.windows.reduce(0) { $0 + $1.pairs.count })
        unreportedLosses.append(lost)
        totals.windowsDropped += lost.windows
        try saveTotals()
        try saveLosses()
    }

    private func drop(_ entry: Entry) throws(SpoolError) {
        if let batch = try? batch(in: entry) {
            recordLoss(of: batch, reason: "quota")
        } else {
            var loss = Otsensor_Uplink_V1_Loss()
            loss.reason = "quota"
            loss.sequences = [BatchMerger.range(entry.sequence)]
            unreportedLosses.append(loss)
        }
        remove(entry)
        totals.batchesDropped += 1
        try saveTotals()
        try saveLosses()
    }

    private func recordLoss(of batch: UplinkBatch, reason: String) {
        var loss = Otsensor_Uplink_V1_Loss()
        loss.reason = reason
        loss.sequences = BatchMerger.covered(by: batch)
        loss.windows = UInt64(batch.windows.count)
        loss.pairs = UInt64(batch.windows.reduce(0) { $0 + $1.pairs.count })
        loss.alerts = UInt64(batch.alerts.count)
        loss.assetChanges = UInt64(batch.assetChanges.count)
        unreportedLosses.append(loss)
        // The losses that batch was carrying are still owed to the center.
        unreportedLosses.append(contentsOf: batch.losses)
        if reason == "quota" {
            totals.windowsDropped += loss.windows
            totals.alertsDropped += loss.alerts
        }
    }

    // MARK: - Files

    private func path(_ entry: Entry) -> String { settings.directory + "/" + entry.fileName }

    private func remove(_ entry: Entry) {
        unlink(path(entry))
        DurableFile.syncDirectory(settings.directory)
        entries.removeAll { $0.sequence == entry.sequence }
    }

    /// Reads back one of our own batches.
    public func batch(in entry: Entry) throws(BatchError) -> UplinkBatch {
        guard let data = FileManager.default.contents(atPath: path(entry)) else {
            throw .malformed("\(path(entry)) cannot be read")
        }
        let signed = try BatchEnvelope.parse(Array(data))
        return try BatchEnvelope.open(signed, publicKey: settings.key.privateKey.publicKey)
    }

    /// A crash after writing a merged batch but before deleting what it replaces leaves both; the replaced ones go.
    private func removeReplacedLeftovers() {
        let replaced = entries.filter(\.replacesOthers).flatMap { entry in
            (try? batch(in: entry)).map { $0.replaces } ?? []
        }
        for entry in entries where replaced.contains(where: { $0.first <= entry.sequence && entry.sequence <= $0.last })
        {
            remove(entry)
        }
    }
}

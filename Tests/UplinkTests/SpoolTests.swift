// SPDX-License-Identifier: Apache-2.0
import Foundation
import SummaryModel
import Testing
import Uplink

/// A fresh spool folder per test.
struct SpoolFolder: ~Copyable {
    let path: String
    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func open(quota: Int = 256 << 20, key: SensorKey) throws -> Spool {
        try Spool(
            settings: Spool.Settings(
                directory: path,
                quotaBytes: quota,
                sensorID: "plant-7",
                key: key,
                compression: .zstd,
                sensorVersion: "test"
            )
        )
    }
}

/// Batch content with `pairs` pair summaries in one window starting at `minute`, and `alerts` alerts.
/// With `newPairs`, each minute's pairs are new ones (a site whose pairs churn), so merging does not shrink them.
func content(minute: Int64, pairs: Int = 64, alerts: Int = 0, newPairs: Bool = false) -> BatchContent {
    var content = BatchContent()
    var window = Otsensor_Uplink_V1_Window()
    window.startUs = minute * 60_000_000
    window.endUs = (minute + 1) * 60_000_000
    for index in 0..<pairs {
        var pair = Otsensor_Uplink_V1_PairSummary()
        pair.appProto = "modbus"
        let host = newPairs ? Int(minute) * pairs + index : index
        pair.client = Data([10, UInt8((host >> 16) & 0xFF), UInt8((host >> 8) & 0xFF), UInt8(host & 0xFF)])
        pair.server = Data([10, 1, UInt8(index >> 8), UInt8(index & 0xFF)])
        pair.serverPort = 502
        pair.ipProtocol = 6
        pair.flows = 1
        pair.packetsToServer = UInt64(100 + minute)
        var function = Otsensor_Uplink_V1_FunctionCount()
        function.unitIdentifierPlusOne = 2
        function.functionCode = 3
        function.count = UInt64(50 + index)
        pair.functions = [function]
        var latency = Otsensor_Uplink_V1_Latency()
        latency.count = 50
        latency.minimum = 900 + minute
        latency.mean = 1000 + minute
        latency.maximum = 2000 + minute
        latency.p95 = 1500 + minute
        pair.latency = latency
        window.pairs.append(pair)
    }
    content.windows = [window]
    for index in 0..<alerts {
        var alert = Otsensor_Uplink_V1_Alert()
        alert.timestampUs = window.startUs + Int64(index)
        alert.signatureID = 4_100_001
        alert.signature = "test alert \(minute)/\(index)"
        alert.eve = Data(#"{"event_type":"alert","minute":\#(minute),"index":\#(index)}"#.utf8)
        content.alerts.append(alert)
    }
    return content
}

@Suite struct SpoolTests {
    // MARK: - valid

    @Test func numbersBatchesFromOneAndNeverRepeatsAcrossRestarts() throws {
        let folder = SpoolFolder()
        let key = SensorKey()
        do {
            let spool = try folder.open(key: key)
            for minute in 0..<3 { try spool.store(content(minute: Int64(minute)), createdUs: 1) }
            #expect(spool.entries.map(\.sequence) == [1, 2, 3])
            for entry in spool.entries { spool.acknowledge(entry) }
            #expect(spool.entries.isEmpty)
        }
        // A restart with an empty spool continues after the last number.
        let spool = try folder.open(key: key)
        let entry = try spool.store(content(minute: 3), createdUs: 1)
        #expect(entry.sequence == 4)
        // The sealed batch opens with the sensor's public key and says who and what it is.
        let signed = try BatchEnvelope.parse(try spool.body(of: entry))
        let batch = try BatchEnvelope.open(signed, publicKey: key.privateKey.publicKey)
        #expect(batch.sensorID == "plant-7")
        #expect(batch.sequence == 4)
        #expect(batch.schemaVersion == 1)
        #expect(batch.startUs == 180_000_000)
        #expect(batch.endUs == 240_000_000)
        #expect(batch.windows.first?.pairs.count == 64)
    }

    @Test func numbersGoOnFromTheBatchesWhenTheStateFileIsBehind() throws {
        let folder = SpoolFolder()
        let key = SensorKey()
        do {
            let spool = try folder.open(key: key)
            for minute in 0..<5 { try spool.store(content(minute: Int64(minute)), createdUs: 1) }
        }
        // A crash after a batch was renamed into place but before the state was: the files say 5.
        try Data(
            #"{"nextSequence":2,"batchesMerged":0,"windowsDropped":0,"alertsDropped":0,"batchesDropped":0,"batchesRejected":0}"#
                .utf8
        )
        .write(to: URL(fileURLWithPath: folder.path + "/state.json"))
        let spool = try folder.open(key: key)
        #expect(try spool.store(content(minute: 9), createdUs: 1).sequence == 6)
    }

    @Test func oneProcessAtATime() throws {
        let folder = SpoolFolder()
        let key = SensorKey()
        let first = try folder.open(key: key)
        #expect(throws: SpoolError.self) { _ = try folder.open(key: key) }
        _ = first
    }

    @Test func aHalfWrittenBatchIsRemovedAtStart() throws {
        let folder = SpoolFolder()
        let key = SensorKey()
        do {
            let spool = try folder.open(key: key)
            try spool.store(content(minute: 0), createdUs: 1)
        }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: folder.path + "/.tmp-99-00000000000000000002-0-0-r.batch"))
        let spool = try folder.open(key: key)
        #expect(spool.entries.map(\.sequence) == [1])
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(!names.contains { $0.hasPrefix(".tmp-") })
    }

    @Test func aRefusedBatchIsKeptAsideAndReportedAsLost() throws {
        let folder = SpoolFolder()
        let key = SensorKey()
        let spool = try folder.open(key: key)
        let first = try spool.store(content(minute: 0, alerts: 2), createdUs: 1)
        try spool.reject(first, reason: "409 sequence_reused")
        #expect(spool.entries.isEmpty)
        #expect(spool.totals.batchesRejected == 1)
        let kept = try FileManager.default.contentsOfDirectory(atPath: spool.rejectedDirectory)
        #expect(kept.contains(first.fileName))
        #expect(kept.contains(first.fileName + ".reason"))
        let next = try spool.store(content(minute: 1), createdUs: 1)
        let batch = try spool.batch(in: next)
        #expect(batch.losses.count == 1)
        #expect(batch.losses.first?.reason == "rejected")
        #expect(batch.losses.first?.alerts == 2)
        #expect(batch.losses.first?.windows == 1)
        #expect(batch.losses.first?.sequences.map { [$0.first, $0.last] } == [[1, 1]])
        #expect(batch.health.batchesRejected == 1)
    }

    // MARK: - limits

    /// A long outage: 600 one-minute batches (every tenth with alerts) into a quota that holds about 120.
    /// The spool merges summaries into coarser windows, then (when the pairs churn, so merging cannot shrink them)
    /// drops routine batches; every alert survives; and every number ever issued is accounted for: spooled, replaced
    /// by a spooled merge, or reported lost.
    @Test(arguments: [false, true])
    func aLongOutageMergesSummariesKeepsAlertsAndAccountsForEveryNumber(churn: Bool) throws {
        let folder = SpoolFolder()
        let key = SensorKey()
        let probe = try folder.open(key: key)
        let oneBatch = try probe.store(content(minute: 0), createdUs: 1).bytes
        probe.acknowledge(probe.entries[0])
        let quota = oneBatch * 120
        var alertsMade = 0
        var lossesReported: [Otsensor_Uplink_V1_Loss] = []
        do {
            let spool = try Spool(
                settings: Spool.Settings(
                    directory: folder.path + "/outage",
                    quotaBytes: quota,
                    sensorID: "plant-7",
                    key: key,
                    sensorVersion: "test"
                )
            )
            for minute in 1...600 {
                let alerts = minute % 10 == 0 ? 3 : 0
                alertsMade += alerts
                let entry = try spool.store(
                    content(minute: Int64(minute), alerts: alerts, newPairs: churn),
                    createdUs: 1
                )
                #expect(spool.totalBytes <= quota)
                _ = entry
            }
            #expect(spool.totals.batchesMerged > 0)
            // A steady site's hours fit once merged; a churning one's do not, and its oldest routine batches go.
            #expect((spool.totals.windowsDropped > 0) == churn)
            #expect(spool.totals.alertsDropped == 0)
            let batches = try spool.entries.map { try spool.batch(in: $0) }
            // Merged windows span many minutes.
            #expect(batches.contains { $0.coarsening >= 2 })
            #expect(batches.contains { ($0.windows.first.map { $0.endUs - $0.startUs } ?? 0) > 15 * 60_000_000 })
            // Every alert is in the spool.
            let alerts = batches.flatMap(\.alerts).map { String(decoding: $0.eve, as: UTF8.self) }
            #expect(alerts.count == alertsMade)
            #expect(Set(alerts).count == alertsMade)
            // What the center would learn: the losses in the spooled batches, and those the next batch carries.
            lossesReported += batches.flatMap(\.losses)
            lossesReported += spool.unreportedLosses
            var accounted = Set<UInt64>()
            for batch in batches {
                accounted.insert(batch.sequence)
                for range in batch.replaces { accounted.formUnion(range.first...range.last) }
            }
            for loss in lossesReported {
                for range in loss.sequences { accounted.formUnion(range.first...range.last) }
            }
            let issued = Set<UInt64>(1..<spool.totals.nextSequence)
            #expect(issued.subtracting(accounted).isEmpty)
            // The losses' window counts add up to the spool's total.
            #expect(lossesReported.reduce(0) { $0 + $1.windows } == spool.totals.windowsDropped)
            // The oldest batch (the one in flight) was never touched.
            #expect(spool.entries.first?.sequence == 1)
        }
    }

    @Test func alertsGoLastAndTheirLossIsCounted() throws {
        let folder = SpoolFolder()
        let key = SensorKey()
        let spool = try folder.open(quota: 1 << 20, key: key)
        // Alert batches alone, with large evidence: past the quota something must go.
        var made = 0
        for minute in 0..<40 {
            var batch = content(minute: Int64(minute), pairs: 1, alerts: 200)
            for index in batch.alerts.indices {
                batch.alerts[index].eve = Data((0..<400).map { _ in UInt8.random(in: 0x61...0x7A) })
            }
            made += 200
            try spool.store(batch, createdUs: 1)
            #expect(spool.totalBytes <= 1 << 20)
        }
        #expect(spool.totals.alertsDropped > 0)
        let left = try spool.entries.map { try spool.batch(in: $0) }.reduce(0) { $0 + $1.alerts.count }
        #expect(UInt64(left) + spool.totals.alertsDropped == UInt64(made))
    }
}

@Suite struct BatchMergerTests {
    @Test func addsCountsAndKeepsLatencyBounds() {
        var first = UplinkBatch()
        first.sequence = 3
        first.windows = content(minute: 0, pairs: 2).windows
        first.alerts = content(minute: 0, alerts: 1).alerts
        var second = UplinkBatch()
        second.sequence = 4
        second.windows = content(minute: 1, pairs: 2).windows
        var replaced = Otsensor_Uplink_V1_SequenceRange()
        replaced.first = 1
        replaced.last = 2
        second.replaces = [replaced]
        second.coarsening = 1
        let merged = BatchMerger.merge([second, first])
        #expect(merged.replaces.map { [$0.first, $0.last] } == [[1, 4]])
        #expect(merged.coarsening == 2)
        #expect(merged.windows.count == 1)
        let window = merged.windows[0]
        #expect(window.startUs == 0)
        #expect(window.endUs == 120_000_000)
        #expect(window.pairs.count == 2)
        let pair = window.pairs[0]
        #expect(pair.flows == 2)
        #expect(pair.packetsToServer == 100 + 101)
        #expect(pair.functions.count == 1)
        #expect(pair.functions[0].count == 100)
        #expect(pair.latency.count == 100)
        #expect(pair.latency.minimum == 900)
        #expect(pair.latency.maximum == 2001)
        #expect(pair.latency.p95 == 1501)
        // (1000 × 50 + 1001 × 50) / 100, rounded.
        #expect(pair.latency.mean == 1001)
        #expect(merged.alerts.count == 1)
    }
}

@Suite struct SpoolLimitTests {
    /// Many refusals in a row (a revoked sensor) leave one loss per reason in the ledger, with joined ranges.
    @Test func theLedgerStaysShortAcrossManyRefusals() throws {
        let folder = SpoolFolder()
        let spool = try folder.open(key: SensorKey())
        for minute in 0..<50 {
            let entry = try spool.store(content(minute: Int64(minute), pairs: 1, alerts: 1), createdUs: 1)
            try spool.reject(entry, reason: "403 revoked")
        }
        #expect(spool.unreportedLosses.count == 1)
        let loss = try #require(spool.unreportedLosses.first)
        #expect(loss.reason == "rejected")
        #expect(loss.sequences.map { [$0.first, $0.last] } == [[1, 50]])
        #expect(loss.alerts == 50)
        #expect(loss.windows == 50)
    }

    @Test func aStateFileOutOfRangeIsRefusedNotTrusted() throws {
        let folder = SpoolFolder()
        let key = SensorKey()
        do { _ = try folder.open(key: key) }
        try Data(
            #"{"nextSequence":18446744073709551615,"batchesMerged":0,"windowsDropped":0,"alertsDropped":0,"batchesDropped":0,"batchesRejected":0}"#
                .utf8
        )
        .write(to: URL(fileURLWithPath: folder.path + "/state.json"))
        #expect(throws: SpoolError.self) { _ = try folder.open(key: key) }
        try Data(
            #"{"nextSequence":0,"batchesMerged":0,"windowsDropped":0,"alertsDropped":0,"batchesDropped":0,"batchesRejected":0}"#
                .utf8
        )
        .write(to: URL(fileURLWithPath: folder.path + "/state.json"))
        // A file numbered past the limit is not ours: ignored.
        try Data([1]).write(to: URL(fileURLWithPath: folder.path + "/18446744073709551615-1-0-r.batch"))
        let spool = try folder.open(key: key)
        #expect(try spool.store(content(minute: 0), createdUs: 1).sequence == 1)
    }

    @Test func centerURLsAreCheckedBeforeUse() {
        #expect(CenterSettings(url: "https://center.example:8443", caFile: nil).problems.isEmpty)
        #expect(CenterSettings(url: "HTTPS://center.example:8443", caFile: nil).problems.isEmpty)
        #expect(!CenterSettings(url: "http://127.0.0.1:99999", caFile: nil).problems.isEmpty)
        #expect(!CenterSettings(url: "http://127.0.0.1:8443/?x=", caFile: nil).problems.isEmpty)
        #expect(!CenterSettings(url: "https://center.example:8443/v1/batches", caFile: nil).problems.isEmpty)
        #expect(!CenterSettings(url: "http://center.example:8443", caFile: nil).problems.isEmpty)
        #expect(!CenterSettings(url: "ftp://center.example", caFile: nil).problems.isEmpty)
    }
}

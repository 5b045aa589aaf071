// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorTestSupport
import SummaryModel
import Testing

/// The agent and the center as a user runs them: `otsensor replay --center` into `otsensor-center serve` over TLS on
/// loopback, then the center's own query commands.
@Suite(
    // One at a time: each test waits on processes, holding a thread of the test pool meanwhile.
    .serialized,
    .enabled(if: Executables.exist, "otsensor and otsensor-center are not built (swift build --build-tests)"),
    .enabled(if: Executables.hasOpenSSL, "openssl is missing (Packaging/setup-debian.sh --tests installs it)")
)
struct CenterEndToEndTests {
    // MARK: - What the agent reports, the center holds

    /// Captures the project ships (with their site's roles, so the rules raise alerts) and every shared capture.
    static var captures: [(path: String, config: String?)] {
        let own: [(String, String?)] = [
            ("modbus/attack-session.pcap", "modbus/attack-site.yaml"),
            ("dnp3/attack-dnp3.pcap", "dnp3/attack-site.yaml"),
            ("modbus/plant-session.pcap", nil),
            ("dnp3/plant-dnp3-udp.pcap", nil),
            ("baseline/modbus-register-scan.pcap", nil),
        ].map { (SharedData.projectCapture($0.0).path, $0.1.map { SharedData.projectCapture($0).path }) }
        var shared: [(String, String?)] = []
        if SharedData.hasPcaps {
            for folder in ["modbus", "dnp3", "mixed"] {
                let url = SharedData.pcapsDirectory.appendingPathComponent(folder)
                for name in ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
                where name.hasSuffix(".pcap") || name.hasSuffix(".pcapng") {
                    shared.append((url.appendingPathComponent(name).path, nil))
                }
            }
        }
        return own + shared
    }

    /// Each capture is replayed by its own sensor into one center; the center's alerts are the agent's EVE alert
    /// records, byte for byte as JSON, and its summaries carry each EVE summary's pair, window and counts.
    @Test func everyCapturesAlertsAndSummariesReachTheCenterUnchanged() throws {
        if !SharedData.hasPcaps {
            Issue.record("the shared captures are missing at \(SharedData.pcapsDirectory.path): only the project's run")
        }
        let scratch = Scratch("e2e-captures")
        let tls = try TLSFiles.make(in: scratch)
        let center = try CenterProcess(
            scratch: scratch,
            storeArguments: ["--data-dir", scratch.file("center")],
            tls: tls
        )
        var alertsSeen = 0
        var summariesSeen = 0
        for (index, capture) in Self.captures.enumerated() {
            let agent = try Agent("capture-\(index)", scratch: scratch)
            try center.enroll(agent.id, key: agent.publicKey)
            var arguments =
                ["replay", "--format", "eve", "--summaries", "--no-progress"] + agent.uplinkArguments(center)
            if let config = capture.config { arguments += ["--config", config] }
            let run = try Tool.run(Executables.otsensor, arguments + [capture.path])
            try #require(run.status == 0, "\(capture.path): \(run.error)")
            #expect(run.error.contains("center: "), "\(capture.path)")
            let records = run.output.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
            // Alerts: the same records.
            let expectedAlerts = records.filter { $0["event_type"] as? String == "alert" }.map(Self.canonical).sorted()
            let centerAlerts = try center.all("alerts", ["--sensor", agent.id]).compactMap { $0["eve"] }
                .map(Self.canonical).sorted()
            #expect(centerAlerts == expectedAlerts, "\(capture.path)")
            alertsSeen += centerAlerts.count
            // Summaries: one per pair and window, with the same counts.
            let expectedSummaries = records.filter { $0["event_type"] as? String == "summary" }.map(Self.summaryKey)
                .sorted()
            let centerSummaries = try center.all("summaries", ["--sensor", agent.id]).map(Self.summaryKey).sorted()
            #expect(centerSummaries == expectedSummaries, "\(capture.path)")
            summariesSeen += centerSummaries.count
            // Complete: no gaps.
            let sensor = try #require(try center.all("sensors").first { $0["id"] as? String == agent.id })
            #expect(Self.gapCount(sensor) == 0, "\(capture.path)")
        }
        #expect(alertsSeen > 20)
        #expect(summariesSeen > 20)
        #expect(center.stop() == 0)
    }

    // MARK: - Outages and crashes

    /// The center is down while the agent replays: the batches wait in the spool (exit status 1, said on stderr).
    /// The center comes back; the agent, started again and killed with SIGKILL over and over while it uploads,
    /// resends what it had not seen acknowledged. In the end the center holds every alert and summary exactly once.
    @Test func anOutageAndKilledUploadsLoseNothingAndStoreNothingTwice() throws {
        let scratch = Scratch("e2e-outage")
        let tls = try TLSFiles.make(in: scratch)
        let store = ["--data-dir", scratch.file("center")]
        let first = try CenterProcess(scratch: scratch, storeArguments: store, tls: tls)
        let ports = (first.ingestPort, first.apiPort)
        let agent = try Agent("outage-1", scratch: scratch)
        try first.enroll(agent.id, key: agent.publicKey)
        #expect(first.stop() == 0)

        // An hour of polling (60 windows) and an attack session (alerts), with the center down.
        let captures = [
            SharedData.projectCapture("baseline/modbus-normal.pcap").path,
            SharedData.projectCapture("modbus/attack-session.pcap").path,
        ]
        let config = SharedData.projectCapture("modbus/attack-site.yaml").path
        let replay = try Tool.run(
            Executables.otsensor,
            ["replay", "--format", "eve", "--summaries", "--no-progress", "--config", config, "--upload-timeout", "2"]
                + agent.uplinkArguments(first) + captures
        )
        #expect(replay.status == 1)
        #expect(replay.error.contains("not acknowledged yet, kept in \(agent.spool)"))
        let spooled = try Self.batchFiles(agent.spool)
        #expect(spooled.count > 10)
        let records = replay.output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        let expectedAlerts = records.filter { $0["event_type"] as? String == "alert" }.map(Self.canonical).sorted()
        let expectedSummaries = records.filter { $0["event_type"] as? String == "summary" }.map(Self.summaryKey)
            .sorted()
        #expect(expectedAlerts.count > 5)

        // The center is back on the same port; the agent sends its spool, and is killed while it does.
        let center = try CenterProcess(scratch: scratch, storeArguments: store, tls: tls, ports: ports)
        var kills = 0
        var killedMidway = 0
        while try Self.batchFiles(agent.spool).count > 0 && kills < 40 {
            let before = try Self.batchFiles(agent.spool).count
            let process = Process()
            process.executableURL = Executables.otsensor
            process.arguments = ["replay", "--upload-timeout", "30"] + agent.uplinkArguments(center)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Kill it once it has sent part of the spool (eight batches), in the middle of its uploads.
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning, Date() < deadline, try Self.batchFiles(agent.spool).count > before - 8 {
                usleep(500)
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
                let left = try Self.batchFiles(agent.spool).count
                if left > 0 && left < before { killedMidway += 1 }
            }
            process.waitUntilExit()
        }
        #expect(try Self.batchFiles(agent.spool).isEmpty)
        #expect(killedMidway > 0, "no SIGKILL landed while batches were being sent")
        let centerAlerts = try center.all("alerts", ["--sensor", agent.id]).compactMap { $0["eve"] }
            .map(Self.canonical).sorted()
        #expect(centerAlerts == expectedAlerts)
        let centerSummaries = try center.all("summaries", ["--sensor", agent.id]).map(Self.summaryKey).sorted()
        #expect(centerSummaries == expectedSummaries)
        let sensor = try #require(try center.all("sensors").first { $0["id"] as? String == agent.id })
        #expect(Self.gapCount(sensor) == 0)
        #expect(center.stop() == 0)
    }

    /// A long outage with a small spool quota: summaries merge into coarser windows and the oldest routine ones go,
    /// alerts all arrive, and the center is told what was lost, so the lost numbers are no gaps.
    @Test func theQuotaCoarsensSummariesKeepsAlertsAndReportsTheLoss() throws {
        let scratch = Scratch("e2e-quota")
        let agent = try Agent("quota-1", scratch: scratch)
        let config = scratch.file("otsensor.yaml")
        let site = try String(
            contentsOfFile: SharedData.projectCapture("modbus/attack-site.yaml").path,
            encoding: .utf8
        )
        try (site + "\nuplink:\n  spool-quota: 65536\n").write(toFile: config, atomically: true, encoding: .utf8)
        let tls = try TLSFiles.make(in: scratch)
        let store = ["--data-dir", scratch.file("center")]
        let first = try CenterProcess(scratch: scratch, storeArguments: store, tls: tls)
        let ports = (first.ingestPort, first.apiPort)
        try first.enroll(agent.id, key: agent.publicKey)
        #expect(first.stop() == 0)
        // One-second windows over an hour of polling: thousands of batches for a 64 KiB spool.
        let replay = try Tool.run(
            Executables.otsensor,
            [
                "replay", "--format", "eve", "--summaries", "--summary-window", "1", "--no-progress", "--config",
                config,
                "--upload-timeout", "1",
            ] + agent.uplinkArguments(first) + [
                SharedData.projectCapture("baseline/modbus-normal.pcap").path,
                SharedData.projectCapture("modbus/attack-session.pcap").path,
            ]
        )
        #expect(replay.status == 1)
        let state =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: agent.spool + "/state.json")))
            as? [String: Any]
        #expect((state?["batchesMerged"] as? Int ?? 0) > 0)
        let spoolBytes = try Self.batchFiles(agent.spool).reduce(0) { total, name in
            total + ((try FileManager.default.attributesOfItem(atPath: agent.spool + "/" + name)[.size] as? Int) ?? 0)
        }
        #expect(spoolBytes <= 65536)
        let records = replay.output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        let expectedAlerts = records.filter { $0["event_type"] as? String == "alert" }.map(Self.canonical).sorted()
        let windows = Set(records.compactMap { ($0["summary"] as? [String: Any])?["window_start"] as? String }).count

        let center = try CenterProcess(scratch: scratch, storeArguments: store, tls: tls, ports: ports)
        let send = try Tool.run(
            Executables.otsensor,
            ["replay", "--upload-timeout", "60"] + agent.uplinkArguments(center)
        )
        #expect(send.status == 0, "\(send.error)")
        let centerAlerts = try center.all("alerts", ["--sensor", agent.id]).compactMap { $0["eve"] }
            .map(Self.canonical).sorted()
        #expect(centerAlerts == expectedAlerts)
        let summaries = try center.all("summaries", ["--sensor", agent.id])
        // Coarser: fewer windows at the center than the agent closed, some longer than the agent's one second.
        let centerWindows = Set(summaries.compactMap { $0["window_start"] as? String }).count
        #expect(centerWindows < windows)
        #expect(summaries.contains { Self.seconds($0["window_end"]) - Self.seconds($0["window_start"]) > 60 })
        let sensor = try #require(try center.all("sensors").first { $0["id"] as? String == agent.id })
        #expect(Self.gapCount(sensor) == 0)
        #expect(center.stop() == 0)
    }

    // MARK: - Refusals

    /// A revoked sensor's batches get 403: the agent does not retry them, keeps them in `rejected/` with the
    /// reason, says so, and exits 1. Enrolled again (a new key), its next batch reports them lost (reason
    /// `rejected`), so the center shows a reported loss, not a gap.
    @Test func refusedBatchesAreKeptAsideAndReportedNotRetried() throws {
        let scratch = Scratch("e2e-refused")
        let tls = try TLSFiles.make(in: scratch)
        let center = try CenterProcess(
            scratch: scratch,
            storeArguments: ["--data-dir", scratch.file("center")],
            tls: tls
        )
        let agent = try Agent("refused-1", scratch: scratch)
        try center.enroll(agent.id, key: agent.publicKey)
        let capture = SharedData.projectCapture("modbus/attack-session.pcap").path
        let config = SharedData.projectCapture("modbus/attack-site.yaml").path
        let first = try Tool.run(
            Executables.otsensor,
            ["replay", "--format", "summary", "--no-progress", "--config", config] + agent.uplinkArguments(center)
                + [capture]
        )
        #expect(first.status == 0, "\(first.error)")
        #expect(try center.command(["sensor", "revoke", "--id", agent.id]).status == 0)
        let refused = try Tool.run(
            Executables.otsensor,
            ["replay", "--format", "summary", "--no-progress", "--config", config, "--upload-timeout", "30"]
                + agent.uplinkArguments(center) + [capture]
        )
        #expect(refused.status == 1)
        #expect(refused.error.contains("refused, kept in \(agent.spool)/rejected"), "\(refused.error)")
        let rejected = try FileManager.default.contentsOfDirectory(atPath: agent.spool + "/rejected")
        #expect(rejected.contains { $0.hasSuffix(".batch") })
        let reason = try rejected.first { $0.hasSuffix(".reason") }.map {
            try String(contentsOfFile: agent.spool + "/rejected/" + $0, encoding: .utf8)
        }
        #expect(reason?.hasPrefix("403") == true)
        // Every refused batch was tried once: nothing waits in the spool.
        #expect(try Self.batchFiles(agent.spool).isEmpty)
        let before = try center.all("alerts", ["--sensor", agent.id]).count
        // Enrolled again: the next upload carries the loss report.
        #expect(
            try center.command(["sensor", "add", "--id", agent.id, "--public-key", agent.publicKey, "--replace"])
                .status == 0
        )
        let send = try Tool.run(
            Executables.otsensor,
            ["replay", "--format", "summary", "--no-progress", "--config", config] + agent.uplinkArguments(center)
                + [capture]
        )
        #expect(send.status == 0, "\(send.error)")
        let sensor = try #require(try center.all("sensors").first { $0["id"] as? String == agent.id })
        #expect(Self.gapCount(sensor) == 0)
        let losses = sensor["losses"] as? [String: Any]
        let byReason = losses?["by_reason"] as? [String: Any]
        let rejectedLoss = byReason?["rejected"] as? [String: Any]
        #expect(Self.number(rejectedLoss?["batches"]) == rejected.filter { $0.hasSuffix(".batch") }.count)
        #expect(Self.number(rejectedLoss?["alerts"]) == before)
        #expect(try center.all("alerts", ["--sensor", agent.id]).count == 2 * before)
        #expect(center.stop() == 0)
    }

    // MARK: - PostgreSQL

    /// Two center processes on one PostgreSQL database (stateless ingest behind one store): each takes one sensor's
    /// batches, and either answers for both.
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["OTSENSOR_TEST_POSTGRES_URL"] != nil,
            "OTSENSOR_TEST_POSTGRES_URL is not set (Packaging/test.sh starts a PostgreSQL server and sets it)"
        )
    )
    func twoCentersShareOnePostgreSQLDatabase() throws {
        let base = ProcessInfo.processInfo.environment["OTSENSOR_TEST_POSTGRES_URL"] ?? ""
        let schema = "e2e_\(UInt32.random(in: 0...UInt32.max))"
        let store = ["--database", base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"]
        let scratch = Scratch("e2e-postgres")
        let tls = try TLSFiles.make(in: scratch)
        let first = try CenterProcess(scratch: scratch, storeArguments: store, tls: tls)
        let second = try CenterProcess(scratch: scratch, storeArguments: store, tls: tls)
        var expected: [String: [String]] = [:]
        for (agentName, capture, center) in [
            ("pg-modbus", "modbus/attack-session", first), ("pg-dnp3", "dnp3/attack-dnp3", second),
        ] {
            let agent = try Agent(agentName, scratch: scratch)
            try center.enroll(agent.id, key: agent.publicKey)
            let run = try Tool.run(
                Executables.otsensor,
                [
                    "replay", "--format", "eve", "--summaries", "--no-progress", "--config",
                    SharedData.projectCapture(String(capture.split(separator: "/")[0]) + "/attack-site.yaml").path,
                ] + agent.uplinkArguments(center) + [SharedData.projectCapture(capture + ".pcap").path]
            )
            try #require(run.status == 0, "\(run.error)")
            expected[agent.id] = run.output.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }.filter { $0["event_type"] as? String == "alert" }.map(Self.canonical).sorted()
        }
        for center in [first, second] {
            for (id, alerts) in expected {
                let stored = try center.all("alerts", ["--sensor", id]).compactMap { $0["eve"] }.map(Self.canonical)
                    .sorted()
                #expect(stored == alerts, "\(id)")
                #expect(!alerts.isEmpty)
            }
        }
        #expect(first.stop() == 0)
        #expect(second.stop() == 0)
    }

    // MARK: - Helpers

    static func batchFiles(_ spool: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: spool) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".batch") }
    }

    static func canonical(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// `2026-11-30T13:30:00.000000+0000` and `2026-11-30T13:30:00.000000Z`: the same instant, to the microsecond.
    static func instant(_ value: Any?) -> String { String((value as? String ?? "").prefix(26)) }

    static func seconds(_ value: Any?) -> Int {
        let text = value as? String ?? ""
        guard text.count >= 19 else { return 0 }
        let parts = text.prefix(19).split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        guard parts.count == 6 else { return 0 }
        return ((parts[2] * 24 + parts[3]) * 60 + parts[4]) * 60 + parts[5]
    }

    static func number(_ value: Any?) -> Int {
        if let value = value as? Int { return value }
        if let value = value as? String { return Int(value) ?? -1 }
        return value == nil ? 0 : -1
    }

    /// An EVE `summary` record or a center summary, as the fields both carry.
    static func summaryKey(_ item: [String: Any]) -> String {
        if let summary = item["summary"] as? [String: Any] {
            let functions = (summary["functions"] as? [[String: Any]] ?? []).reduce(0) { $0 + number($1["count"]) }
            return [
                instant(summary["window_start"]), item["src_ip"] as? String ?? "", item["dest_ip"] as? String ?? "",
                "\(number(item["dest_port"]))", item["app_proto"] as? String ?? "", "\(number(summary["flows"]))",
                "\(number(summary["pkts_toserver"]))", "\(number(summary["pkts_toclient"]))",
                "\(number(summary["bytes_toserver"]))", "\(number(summary["bytes_toclient"]))", "\(functions)",
            ].joined(separator: " ")
        }
        let pair = item["pair"] as? [String: Any] ?? [:]
        let functions = (pair["functions"] as? [[String: Any]] ?? []).reduce(0) { $0 + number($1["count"]) }
        return [
            instant(item["window_start"]), item["client"] as? String ?? "", item["server"] as? String ?? "",
            "\(number(item["server_port"]))", item["app_proto"] as? String ?? "", "\(number(item["flows"]))",
            "\(number(item["packets_to_server"]))", "\(number(item["packets_to_client"]))",
            "\(number(item["bytes_to_server"]))", "\(number(item["bytes_to_client"]))", "\(functions)",
        ].joined(separator: " ")
    }

    static func gapCount(_ sensor: [String: Any]) -> Int {
        if let gaps = sensor["gaps"] as? [String: Any] { return number(gaps["count"]) }
        if let gaps = sensor["gaps"] as? [Any] { return gaps.count }
        return number(sensor["gap_count"])
    }
}

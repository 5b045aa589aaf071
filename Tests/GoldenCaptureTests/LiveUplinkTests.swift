// SPDX-License-Identifier: Apache-2.0
import Foundation
import PacketCapture
import SensorTestSupport
import Testing

enum CenterExecutable {
    static var url: URL { OTSensorExecutable.url.deletingLastPathComponent().appendingPathComponent("otsensor-center") }
    static var exists: Bool { FileManager.default.isExecutableFile(atPath: url.path) }
}

/// The live sensor's uplink: `otsensor run` (as nobody, in the lab's namespace) sends its batches to a center in the
/// same namespace while traffic flows; at SIGTERM the last window's batch is sent before it exits, and the center
/// holds the same alerts and summaries as the sensor's EVE log.
@Suite(
    .serialized,
    .enabled(if: LiveLab.available && CenterExecutable.exists, Comment(rawValue: LiveLab.skipReason))
)
struct LiveUplinkTests {
    static var center: URL { CenterExecutable.url }

    static func canonical(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// `otsensor-center ARGS` (outside the namespace: it reads the database directly).
    static func centerCommand(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = center
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func items(_ kind: String, data: String, sensor: String) throws -> [[String: Any]] {
        let (status, output) = try centerCommand([
            kind, "--data-dir", data, "--sensor", sensor, "--format", "json", "--limit", "1000",
        ])
        guard status == 0, let page = (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any]
        else { throw LiveLab.Failure(description: "\(kind) failed: \(output)") }
        return page["items"] as? [[String: Any]] ?? []
    }

    @Test func theLiveSensorSendsItsAlertsAndSummariesAndFlushesAtSIGTERM() throws {
        let lab = try LiveLab()
        try LiveLab.run("ip", ["netns", "exec", lab.namespace, "ip", "link", "set", "lo", "up"])
        let data = lab.folder.appendingPathComponent("center").path
        let key = lab.folder.appendingPathComponent("sensor.key").path
        let spool = lab.folder.appendingPathComponent("spool").path
        // The key, and the center's enrollment.
        let keygen = Process()
        keygen.executableURL = OTSensorExecutable.url
        keygen.arguments = ["keygen", "--key", key]
        let keyOutput = Pipe()
        keygen.standardOutput = keyOutput
        try keygen.run()
        let publicKey = String(decoding: keyOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        keygen.waitUntilExit()
        #expect(
            try Self.centerCommand(["sensor", "add", "--data-dir", data, "--id", "live-1", "--public-key", publicKey])
                .status == 0
        )
        // The center, inside the namespace, on its loopback.
        let centerLog = lab.folder.appendingPathComponent("center.log")
        _ = FileManager.default.createFile(atPath: centerLog.path, contents: nil)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: LiveLab.tool("ip")!)
        server.arguments = [
            "netns", "exec", lab.namespace, Self.center.path, "serve", "--data-dir", data, "--listen", "127.0.0.1:0",
            "--api-listen", "127.0.0.1:0",
        ]
        server.standardError = try FileHandle(forWritingTo: centerLog)
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate(); server.waitUntilExit() } }
        var port = ""
        for _ in 0..<600 where port.isEmpty {
            let log = (try? String(contentsOf: centerLog, encoding: .utf8)) ?? ""
            if let match = log.firstMatch(of: /listening on [^ ]*:(\d+) \(ingest/) { port = String(match.1) }
            usleep(50_000)
        }
        try #require(!port.isEmpty, "the center did not start")

        let capture = SharedData.projectCapture("modbus/attack-session.pcap")
        let wire = try #require(try lab.wireCopy(of: capture))
        let sensor = try lab.startSensor([
            "--config", SharedData.projectCapture("modbus/attack-site.yaml").path, "--center",
            "http://127.0.0.1:\(port)",
            "--sensor-id", "live-1", "--key", key, "--spool", spool,
        ])
        try lab.send(wire)
        #expect(sensor.wait(seconds: 20) { sensor.records.contains { $0["event_type"] as? String == "alert" } })
        let (status, seconds) = sensor.stop()
        #expect(status == 0)
        #expect(seconds < 10)
        #expect(sensor.logText.contains("uplink stopped"))
        let records = sensor.records
        let expectedAlerts = records.filter { $0["event_type"] as? String == "alert" }.map(Self.canonical).sorted()
        #expect(expectedAlerts.count > 5)
        let alerts = try Self.items("alerts", data: data, sensor: "live-1").compactMap { $0["eve"] }.map(Self.canonical)
            .sorted()
        #expect(alerts == expectedAlerts)
        let summaries = try Self.items("summaries", data: data, sensor: "live-1")
        let expectedSummaries = records.filter { $0["event_type"] as? String == "summary" }
        #expect(summaries.count == expectedSummaries.count)
        #expect(
            summaries.reduce(0) { $0 + ($1["packets_to_server"] as? Int ?? 0) }
                == expectedSummaries.reduce(0) { $0 + ($1.int("summary.pkts_toserver") ?? 0) }
        )
        // Everything acknowledged: the spool holds no batch, and the center sees no gap.
        let left = try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".batch") }
        #expect(left.isEmpty)
        let sensors = try Self.items("sensors", data: data, sensor: "live-1")
        #expect((sensors.first?["gaps"] as? [String: Any])?["count"] as? Int == 0)
        #expect(
            ((sensors.first?["health"] as? [String: Any])?["interfaces"] as? [[String: Any]])?.first?["name"] as? String
                == lab.inside
        )
    }
}

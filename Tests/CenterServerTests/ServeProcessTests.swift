// SPDX-License-Identifier: Apache-2.0
import CenterServer
import Foundation
import SummaryModel
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The built `otsensor-center` executable, beside the test bundle (`swift build --build-tests`).
enum CenterExecutable {
    static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("otsensor-center")
    }

    static var exists: Bool { FileManager.default.isExecutableFile(atPath: url.path) }

    static func tool(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/bin/\(name)", "/usr/local/bin/\(name)"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}

/// `otsensor-center serve` as a process: TLS certificates made with openssl, a batch posted with curl.
@Suite(
    .enabled(if: CenterExecutable.exists, "the otsensor-center executable is not built"),
    .enabled(
        if: CenterExecutable.tool("openssl") != nil && CenterExecutable.tool("curl") != nil,
        "needs openssl and curl"
    )
)
struct ServeProcessTests {
    struct Run {
        var status: Int32
        var output: String
        var error: String
    }

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("center-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @discardableResult
    func run(_ executable: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData, as: UTF8.self)
        )
    }

    func center(_ arguments: [String]) throws -> Run { try run(CenterExecutable.url.path, arguments) }

    /// A CA, a server certificate for 127.0.0.1 and localhost, its renewal (CN=renewed), and a client certificate,
    /// all signed by the CA.
    func makeCertificates() throws {
        let openssl = try #require(CenterExecutable.tool("openssl"))
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try #require(
            try run(
                openssl,
                ["req", "-x509"] + ec + [
                    "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test sensors CA",
                ]
            )
            .status == 0
        )
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
            .write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        for name in ["server", "renewed", "client"] {
            try #require(
                try run(
                    openssl,
                    ["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"]
                ).status == 0
            )
            try #require(
                try run(
                    openssl,
                    [
                        "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                        "-out", "\(name).pem", "-days", "2", "-extfile", name == "client" ? "client.ext" : "server.ext",
                    ]
                ).status == 0
            )
        }
    }

    /// Starts `serve` and waits (at most 60 s) for the line naming both ports.
    final class Collected: Sendable {
        let text = Mutex("")
    }

    func serve(_ extra: [String]) throws -> (Process, ingest: Int, api: Int, stderr: Collected) {
        let process = Process()
        process.executableURL = CenterExecutable.url
        process.arguments =
            ["serve", "--data-dir", path("data"), "--listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0"] + extra
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        let collected = Collected()
        error.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            collected.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && process.isRunning {
            let text = collected.text.withLock { $0 }
            if let match = text.firstMatch(
                of: /listening on 127\.0\.0\.1:(\d+) \(ingest, [a-z ]+\) and 127\.0\.0\.1:(\d+) \(api\)/
            ),
                let ingest = Int(match.1), let api = Int(match.2)
            {
                return (process, ingest, api, collected)
            }
            usleep(20_000)
        }
        process.terminate()
        Issue.record("serve did not report its ports: \(collected.text.withLock { $0 })")
        throw CancellationError()
    }

    /// Sends SIGTERM and waits (at most 30 s) for the exit status.
    func stop(_ process: Process) -> Int32? {
        process.terminate()
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func curl(_ arguments: [String]) throws -> (exit: Int32, code: String, body: String) {
        let curl = try #require(CenterExecutable.tool("curl"))
        let result = try run(
            curl,
            ["-sS", "-o", path("reply.json"), "-w", "%{http_code}", "--max-time", "20"] + arguments
        )
        let body = (try? String(contentsOfFile: path("reply.json"), encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: path("reply.json"))
        return (result.status, result.output, body)
    }

    @Test func servesTLSAndMutualTLSAndStopsOnSIGTERM() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeCertificates()
        let key = SensorKey()
        let added = try center([
            "sensor", "add", "--data-dir", path("data"), "--id", "plant-1", "--public-key", key.publicKeyText,
        ])
        #expect(added.status == 0, "\(added.error)")
        for sequence in UInt64(1)...2 {
            let body: [UInt8] = try BatchEnvelope.seal(
                makeBatch(sensor: "plant-1", sequence: sequence),
                compression: .zstd,
                key: key
            )
            .serializedBytes()
            try Data(body).write(to: URL(fileURLWithPath: path("batch\(sequence).bin")))
        }
        let post = ["-X", "POST", "-H", "Content-Type: application/x-protobuf", "--cacert", path("ca.pem")]

        // TLS: the CA verifies the server; 201.
        let tls = try serve(["--tls-certificate", path("server.pem"), "--tls-key", path("server.key")])
        let stored = try curl(
            post + ["--data-binary", "@" + path("batch1.bin"), "https://127.0.0.1:\(tls.ingest)/v1/batches"]
        )
        #expect(stored.code == "201")
        #expect(JSON.parse(stored.body) == .object(["sequence": .integer(1), "status": "stored"]))
        let sensors = try curl(["http://127.0.0.1:\(tls.api)/v1/sensors"])
        #expect(sensors.code == "200")
        #expect(JSON.parse(sensors.body)?["items"]?.arrayValue?.first?["batches"] == .integer(1))
        // The query API is not on the sensors' port.
        #expect(try curl(["--cacert", path("ca.pem"), "https://127.0.0.1:\(tls.ingest)/v1/sensors"]).code == "404")
        #expect(stop(tls.0) == 0)

        // Mutual TLS: without a client certificate the handshake fails; with one, 201.
        let mutual = try serve([
            "--tls-certificate", path("server.pem"), "--tls-key", path("server.key"), "--client-ca", path("ca.pem"),
        ])
        let url = "https://127.0.0.1:\(mutual.ingest)/v1/batches"
        let refused = try curl(post + ["--data-binary", "@" + path("batch2.bin"), url])
        #expect(refused.exit != 0)
        #expect(refused.code == "000")
        let accepted = try curl(
            post + [
                "--cert", path("client.pem"), "--key", path("client.key"), "--data-binary", "@" + path("batch2.bin"),
                url,
            ]
        )
        #expect(accepted.code == "201")
        #expect(stop(mutual.0) == 0)
        #expect(mutual.stderr.text.withLock { $0 }.contains("(ingest, mutual tls)"))

        // The CLI reads the same database and prints the API's document.
        let cli = try center(["sensors", "--data-dir", path("data"), "--format", "json"])
        #expect(cli.status == 0)
        let document = try #require(JSON.parse(cli.output))
        #expect(document["items"]?.arrayValue?.first?["batches"] == .integer(2))
        #expect(document["items"]?.arrayValue?.first?["gaps"]?["count"] == .integer(0))
        let table = try center(["summaries", "--data-dir", path("data"), "--limit", "3"])
        let lines = table.output.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.first?.hasPrefix("WINDOW") == true)
        #expect(lines.last?.hasPrefix("more: --after ") == true)
    }

    /// The subject CN of the certificate the ingest listener presents, as curl reports it.
    func presentedName(_ port: Int) throws -> String? {
        let curl = try #require(CenterExecutable.tool("curl"))
        let result = try run(
            curl,
            ["-sS", "-v", "-o", "/dev/null", "--cacert", path("ca.pem"), "https://127.0.0.1:\(port)/v1/health"]
        )
        return result.error.firstMatch(of: /subject: CN=([a-z]+)/).map { String($0.1) }
    }

    func waitFor(_ text: String, in collected: Collected) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if collected.text.withLock({ $0.contains(text) }) { return true }
            usleep(20_000)
        }
        return false
    }

    @Test func sighupReloadsTheCertificateAndKeepsItWhenTheNewOneIsBad() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try makeCertificates()
        let serving = try serve(["--tls-certificate", path("server.pem"), "--tls-key", path("server.key")])
        #expect(try presentedName(serving.ingest) == "server")
        // Renewed in place, then SIGHUP: new connections get the new certificate.
        for suffix in ["pem", "key"] {
            try FileManager.default.removeItem(atPath: path("server.\(suffix)"))
            try FileManager.default.copyItem(atPath: path("renewed.\(suffix)"), toPath: path("server.\(suffix)"))
        }
        kill(serving.0.processIdentifier, SIGHUP)
        #expect(waitFor("SIGHUP: reloaded the TLS certificate and key", in: serving.stderr))
        #expect(try presentedName(serving.ingest) == "renewed")
        // A key that does not belong to the certificate: the running pair stays.
        try FileManager.default.removeItem(atPath: path("server.key"))
        try FileManager.default.copyItem(atPath: path("client.key"), toPath: path("server.key"))
        kill(serving.0.processIdentifier, SIGHUP)
        #expect(waitFor("SIGHUP: reload failed, the running certificate stays: tls-key:", in: serving.stderr))
        #expect(try presentedName(serving.ingest) == "renewed")
        #expect(stop(serving.0) == 0)

        // Plain HTTP on loopback: nothing to reload, and the center goes on.
        let plain = try serve([])
        kill(plain.0.processIdentifier, SIGHUP)
        #expect(waitFor("SIGHUP: nothing to reload", in: plain.stderr))
        #expect(try curl(["http://127.0.0.1:\(plain.ingest)/v1/health"]).code == "200")
        #expect(stop(plain.0) == 0)
    }

    @Test func configReadyIsTheUnitsStartCondition() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [(String, Int32, String)] = [
            (
                "listen: 0.0.0.0:8443\n", 1,
                "not ready: no tls-certificate and tls-key for the ingest listener on 0.0.0.0:8443"
            ),
            ("listen: 127.0.0.1:8443\n", 0, "ready: ingest on 127.0.0.1:8443 (plain http)"),
            ("tls-certificate: /c.pem\ntls-key: /c.key\n", 0, "ready: ingest on 0.0.0.0:8443 (tls)"),
        ]
        for (text, status, line) in cases {
            try text.write(toFile: path("center.yaml"), atomically: true, encoding: .utf8)
            let ready = try center(["config", "ready", "--config", path("center.yaml")])
            #expect(ready.status == status, "\(text)")
            #expect(ready.output == "\(path("center.yaml")): \(line)\n")
        }
        // Unreadable or invalid: 255, which systemd's ExecCondition treats as a failure, not a skip.
        try "listen: nowhere\n".write(toFile: path("center.yaml"), atomically: true, encoding: .utf8)
        let invalid = try center(["config", "ready", "--config", path("center.yaml")])
        #expect(invalid.status == 255)
        #expect(invalid.error.hasPrefix("otsensor-center: \(path("center.yaml")):1: listen"))
        let missing = try center(["config", "ready", "--config", path("absent.yaml")])
        #expect(missing.status == 255)
    }

    @Test func commandErrorsAreOneLineWithStatus2Or1() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = try center(["serve", "--data-dir", path("data"), "--listen", "0.0.0.0:0"])
        #expect(plain.status == 2)
        #expect(plain.error.hasPrefix("otsensor-center: listen: refusing plain HTTP on 0.0.0.0:0 (not loopback)"))
        let badKey = try center(["sensor", "add", "--data-dir", path("data"), "--id", "a", "--public-key", "nope"])
        #expect(badKey.status == 2)
        #expect(badKey.error == "otsensor-center: --public-key: not an Ed25519 public key (base64 of 32 octets)\n")
        // A folder with no database is a mistake (a mistyped --data-dir), not an empty center.
        let missing = try center(["alerts", "--data-dir", path("nowhere")])
        #expect(missing.status == 2)
        #expect(missing.error.hasPrefix("otsensor-center: no center database in \(path("nowhere"))"))
        #expect(!FileManager.default.fileExists(atPath: path("nowhere")))
        let key = SensorKey().publicKeyText
        #expect(
            try center(["sensor", "add", "--data-dir", path("data"), "--id", "real", "--public-key", key]).status == 0
        )
        let unknown = try center(["sensor", "revoke", "--data-dir", path("data"), "--id", "ghost"])
        #expect(unknown.status == 1)
        #expect(unknown.error == "otsensor-center: no sensor 'ghost' is enrolled\n")
        let filter = try center(["assets", "--data-dir", path("data"), "--severity", "1"])
        #expect(filter.status == 2)
        #expect(filter.error == "otsensor-center: --severity: not a filter of assets\n")
    }
}

/// Throughput of one center process (not a test: run with OTSENSOR_CENTER_BENCHMARK=1, and with
/// OTSENSOR_TEST_POSTGRES_URL for PostgreSQL).
///
/// Posts 2,000 sealed batches of 64 pair summaries over loopback
/// HTTP from 4 concurrent clients and writes the rate to standard error. No timed assertion.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["OTSENSOR_CENTER_BENCHMARK"] == "1",
        "benchmark: set OTSENSOR_CENTER_BENCHMARK=1"
    ),
    .enabled(if: CenterExecutable.exists, "the otsensor-center executable is not built")
)
struct IngestBenchmark {
    @Test func batchesPerSecond() async throws {
        let helper = try ServeProcessTests()
        defer { try? FileManager.default.removeItem(at: helper.directory) }
        var store: [String] = []
        var label = "sqlite"
        if let url = StoreKind.postgresURL {
            store = ["--database", url + "?sslmode=disable&schema=bench_\(UInt32.random(in: 0...UInt32.max))"]
            label = "postgresql"
        }
        let sensors = 4
        let perSensor = 500
        var bodies: [[[UInt8]]] = []
        for index in 0..<sensors {
            let key = SensorKey()
            let added = try helper.center(
                [
                    "sensor", "add", "--data-dir", helper.path("data"), "--id", "bench-\(index)", "--public-key",
                    key.publicKeyText,
                ]
                    + store
            )
            try #require(added.status == 0, "\(added.error)")
            bodies.append(
                try (1...perSensor).map { sequence in
                    try sealed(makeBatch(sensor: "bench-\(index)", sequence: UInt64(sequence), pairs: 64), key)
                }
            )
        }
        let server = try helper.serve(store)
        defer { _ = helper.stop(server.0) }
        let url = URL(string: "http://127.0.0.1:\(server.ingest)/v1/batches")!
        let start = ContinuousClock.now
        let created = try await withThrowingTaskGroup(of: Int.self) { group in
            for sensorBodies in bodies {
                group.addTask {
                    var created = 0
                    for body in sensorBodies {
                        var request = URLRequest(url: url)
                        request.httpMethod = "POST"
                        request.setValue("application/x-protobuf", forHTTPHeaderField: "Content-Type")
                        request.httpBody = Data(body)
                        let (_, response) = try await URLSession.shared.data(for: request)
                        if (response as? HTTPURLResponse)?.statusCode == 201 { created += 1 }
                    }
                    return created
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        #expect(created == sensors * perSensor)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        FileHandle.standardError.write(
            Data(
                "benchmark \(label): \(created) batches in \(seconds) s = \(Double(created) / seconds) batches/s\n".utf8
            )
        )
    }
}

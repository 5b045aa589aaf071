// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorTestSupport
import SummaryModel

/// The executables `swift build --build-tests` puts beside the test bundle.
enum Executables {
    static var folder: URL { URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent() }
    static var otsensor: URL { folder.appendingPathComponent("otsensor") }
    static var center: URL { folder.appendingPathComponent("otsensor-center") }
    static var exist: Bool {
        FileManager.default.isExecutableFile(atPath: otsensor.path)
            && FileManager.default.isExecutableFile(atPath: center.path)
    }
    static var hasOpenSSL: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }
}

struct ToolRun {
    var status: Int32
    var output: String
    var error: String
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(output.utf8)) }
}

enum Tool {
    /// Runs a tool to its end.
    @discardableResult
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> ToolRun {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes at once so neither fills up.
        let errorData = LockedData()
        let reader = Thread { errorData.set(error.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return ToolRun(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData.value, as: UTF8.self)
        )
    }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}

/// A scratch folder removed at the end.
final class Scratch {
    let path: String
    init(_ name: String) {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("otsensor-\(name)-\(UUID().uuidString)")
            .path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// A CA, a server certificate for 127.0.0.1 and localhost, and a client certificate, made with openssl.
struct TLSFiles {
    var ca: String
    var serverCertificate: String
    var serverKey: String
    var clientCertificate: String
    var clientKey: String

    static func make(in scratch: Scratch) throws -> TLSFiles {
        let openssl = URL(fileURLWithPath: "/usr/bin/openssl")
        let f = scratch.file
        func check(_ run: ToolRun) throws {
            if run.status != 0 { throw CenterFailure("openssl failed: \(run.error)") }
        }
        try check(
            Tool.run(
                openssl,
                [
                    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                    "-subj", "/CN=otsensor test CA", "-keyout", f("ca.key"), "-out", f("ca.pem"),
                ]
            )
        )
        for (name, subject, extensions) in [
            ("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            ("client", "/CN=plant-7", "extendedKeyUsage=clientAuth"),
        ] {
            try check(
                Tool.run(
                    openssl,
                    [
                        "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", subject,
                        "-keyout", f("\(name).key"), "-out", f("\(name).csr"),
                    ]
                )
            )
            try extensions.write(toFile: f("\(name).ext"), atomically: true, encoding: .utf8)
            try check(
                Tool.run(
                    openssl,
                    [
                        "x509", "-req", "-in", f("\(name).csr"), "-CA", f("ca.pem"), "-CAkey", f("ca.key"),
                        "-CAcreateserial", "-days", "2", "-extfile", f("\(name).ext"), "-out", f("\(name).pem"),
                    ]
                )
            )
        }
        return TLSFiles(
            ca: f("ca.pem"),
            serverCertificate: f("server.pem"),
            serverKey: f("server.key"),
            clientCertificate: f("client.pem"),
            clientKey: f("client.key")
        )
    }
}

struct CenterFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A running `otsensor-center serve`.
final class CenterProcess {
    let process = Process()
    let storeArguments: [String]
    let logPath: String
    private(set) var ingestPort = 0
    private(set) var apiPort = 0
    let tls: TLSFiles?

    /// Starts the center on free loopback ports and waits for its "listening on" line.
    init(
        scratch: Scratch,
        storeArguments: [String],
        tls: TLSFiles?,
        mutualTLS: Bool = false,
        extra: [String] = [],
        ports: (ingest: Int, api: Int) = (0, 0)
    ) throws {
        self.storeArguments = storeArguments
        self.tls = tls
        logPath = scratch.file("center-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = Executables.center
        var arguments =
            ["serve"] + storeArguments + [
                "--listen", "127.0.0.1:\(ports.ingest)", "--api-listen", "127.0.0.1:\(ports.api)",
            ]
        if let tls {
            arguments += ["--tls-certificate", tls.serverCertificate, "--tls-key", tls.serverKey]
            if mutualTLS { arguments += ["--client-ca", tls.ca] }
        }
        process.arguments = arguments + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let match = log.firstMatch(of: /listening on [^ ]*:(\d+) \(ingest[^)]*\) and [^ ]*:(\d+) \(api\)/) {
                ingestPort = Int(match.1) ?? 0
                apiPort = Int(match.2) ?? 0
                return
            }
            if !process.isRunning { throw CenterFailure("the center exited: \(log)") }
            usleep(20_000)
        }
        process.terminate()
        throw CenterFailure("the center did not start: \(log)")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    var url: String { "\(tls == nil ? "http" : "https")://127.0.0.1:\(ingestPort)" }

    /// SIGTERM, and the exit status.
    @discardableResult
    func stop() -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit { if process.isRunning { process.terminate(); process.waitUntilExit() } }

    /// `otsensor-center ARGS` against this center's store.
    func command(_ arguments: [String]) throws -> ToolRun {
        try Tool.run(Executables.center, arguments + storeArguments)
    }

    /// Enrolls a sensor's public key.
    func enroll(_ id: String, key: String) throws {
        let run = try command(["sensor", "add", "--id", id, "--public-key", key])
        if run.status != 0 { throw CenterFailure("sensor add failed: \(run.error)") }
    }

    /// Every row of a query, walking the pages.
    func all(_ kind: String, _ filters: [String] = []) throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        var after: String?
        repeat {
            let run = try command(
                [kind, "--format", "json", "--limit", "1000"] + filters + (after.map { ["--after", $0] } ?? [])
            )
            guard run.status == 0, let page = run.json as? [String: Any] else {
                throw CenterFailure("\(kind) failed (\(run.status)): \(run.error)")
            }
            items += page["items"] as? [[String: Any]] ?? []
            after = page["next"] as? String
        } while after != nil
        return items
    }
}

/// An agent identity: its key and spool.
struct Agent {
    let id: String
    let keyPath: String
    let spool: String
    let publicKey: String

    init(_ id: String, scratch: Scratch) throws {
        self.id = id
        keyPath = scratch.file("\(id).key")
        spool = scratch.file("\(id)-spool")
        let run = try Tool.run(Executables.otsensor, ["keygen", "--key", keyPath])
        guard run.status == 0 else { throw CenterFailure("keygen failed: \(run.error)") }
        publicKey = run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func uplinkArguments(_ center: CenterProcess) -> [String] {
        var arguments = ["--center", center.url, "--sensor-id", id, "--key", keyPath, "--spool", spool]
        if let tls = center.tls { arguments += ["--center-ca", tls.ca] }
        return arguments
    }
}

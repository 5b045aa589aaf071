// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import CenterServer
import Foundation
import Logging
import SummaryModel

/// The center's command line: `serve`, `sensor add|list|revoke`, and the queries.
///
/// Thin: each subcommand builds
/// settings and hands over to CenterServer.
@main
struct CenterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otsensor-center",
        abstract: "The OTSensor center: receives signed batches from sensors, stores them, answers queries.",
        version: "otsensor-center \(OTSensorRelease.version)",
        subcommands: [
            Serve.self, ConfigCommand.self, SensorCommand.self, QueryCommand<SensorsQuery>.self,
            QueryCommand<AlertsQuery>.self,
            QueryCommand<AssetsQuery>.self, QueryCommand<SummariesQuery>.self, QueryCommand<EventsQuery>.self,
        ]
    )

    /// Exit statuses: 0, 1 for runtime failures, 2 for usage and configuration errors (one line on stderr).
    static func main() async {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ConfigurationError {
            fail(error.description, status: 2)
        } catch let error as QueryError {
            fail(error.description, status: 2)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is ExitCode {
                exit(withError: error)
            } else if code == .validationFailure {
                fail(fullMessage(for: error), status: 2)
            } else {
                fail("\(error)", status: 1)
            }
        }
    }

    static func fail(_ message: String, status: Int32) -> Never {
        var line = message.split(separator: "\n").first.map(String.init) ?? message
        if line.hasPrefix("Error: ") { line.removeFirst("Error: ".count) }
        FileHandle.standardError.write(Data("otsensor-center: \(line)\n".utf8))
        Foundation.exit(status)
    }
}

/// Where the data is: the options every command that opens the store takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "A YAML configuration file (keys as the serve flags).")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Directory of the SQLite database (default /var/lib/otsensor/center).")
    var dataDirectory: String?

    @Option(name: .long, help: "A postgres://user[:password]@host:port/database URL (instead of SQLite).")
    var database: String?

    /// The file's settings with these flags over them.
    func settings(overrides: [(String, String?)] = []) throws -> CenterSettings {
        var settings = CenterSettings()
        if let config { settings = try CenterSettings.load(file: config) }
        for (key, value) in [("data-dir", dataDirectory), ("database", database)] + overrides {
            if let value { try settings.set(key, value) }
        }
        return settings
    }

    /// The store of a center that already exists: a SQLite data directory without its database is a mistake
    /// (a mistyped or forgotten --data-dir or --config), not an empty center.
    func existingStore() throws -> StoreLocation {
        let location = try settings().storeLocation
        if case .sqlite(let directory) = location,
            !FileManager.default.fileExists(atPath: directory + "/center.sqlite")
        {
            throw ValidationError(
                "no center database in \(directory) (give the center's --data-dir, --database or --config; `sensor add` and `serve` make one)"
            )
        }
        return location
    }

    var logger: Logger {
        var logger = Logger(label: "otsensor-center")
        logger.logLevel = .warning
        return logger
    }
}

// MARK: - serve

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive batches from sensors (ingest listener) and answer queries (API listener)."
    )

    @OptionGroup var store: StoreOptions

    @Option(help: "Ingest listener, host:port (default 0.0.0.0:8443; plain HTTP only on loopback).")
    var listen: String?

    @Option(name: .customLong("api-listen"), help: "Query API listener, host:port (default 127.0.0.1:8480).")
    var apiListen: String?

    @Option(name: .customLong("tls-certificate"), help: "PEM certificate chain of the ingest listener.")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of the ingest listener.")
    var tlsKey: String?

    @Option(name: .customLong("client-ca"), help: "PEM CA that must have signed the sensors' client certificates.")
    var clientCA: String?

    @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted (default 16777216).")
    var maxBodyBytes: String?

    func run() async throws {
        let settings = try store.settings(overrides: [
            ("listen", listen), ("api-listen", apiListen), ("tls-certificate", tlsCertificate), ("tls-key", tlsKey),
            ("client-ca", clientCA), ("max-body-bytes", maxBodyBytes),
        ])
        let logger = Logger(label: "otsensor-center")
        try await runCenter(settings, logger: logger)
    }
}

// MARK: - config ready

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the configuration file.",
        subcommands: [ConfigReady.self]
    )
}

/// `otsensor-center config ready`: whether the configuration lets sensors connect. The systemd unit runs it as its
/// `ExecCondition`, so an installed center without its TLS certificate is skipped at boot instead of failing.
struct ConfigReady: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ready",
        abstract: "Say whether the configuration names the ingest listener's TLS certificate and key.",
        discussion: """
            Exit status 0 when it does, or when the ingest listener is on loopback (plain HTTP is allowed there); \
            1 when it does not (one line says what is missing; systemd then skips the unit's start); 255 when the \
            configuration cannot be read (systemd then fails the start, so the mistake shows). The files themselves \
            are read by `serve`.
            """
    )

    @Option(name: .long, help: "The configuration file (default /etc/otsensor/center.yaml).")
    var config = "/etc/otsensor/center.yaml"

    func run() async throws {
        do {
            let settings = try CenterSettings.load(file: config)
            guard settings.tlsCertificate != nil || settings.listen.isLoopback else {
                print(
                    "\(config): not ready: no tls-certificate and tls-key for the ingest listener on \(settings.listen)"
                )
                throw ExitCode(1)
            }
            try settings.validate()
            let transport = settings.tlsCertificate == nil ? "plain http" : "tls"
            print("\(config): ready: ingest on \(settings.listen) (\(transport))")
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("otsensor-center: \(error.description)\n".utf8))
            throw ExitCode(255)
        }
    }
}

// MARK: - sensor add|list|revoke

struct SensorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensor",
        abstract: "Enroll, list and revoke sensors.",
        subcommands: [Add.self, List.self, Revoke.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Enroll a sensor with its public key (`otsensor keygen` prints it)."
        )
        @OptionGroup var store: StoreOptions
        @Option(help: "The sensor's id: 1 to 64 characters of A-Z a-z 0-9 . _ -")
        var id: String
        @Option(name: .customLong("public-key"), help: "The sensor's Ed25519 public key, base64.")
        var publicKey: String
        @Flag(help: "Give an enrolled or revoked id this new key (and lift the revocation).")
        var replace = false

        func validate() throws {
            guard SensorID.isValid(id) else {
                throw ValidationError("--id: '\(id)' is not 1 to 64 characters of A-Z a-z 0-9 . _ -")
            }
            guard SensorKey.publicKey(fromText: publicKey) != nil else {
                throw ValidationError("--public-key: not an Ed25519 public key (base64 of 32 octets)")
            }
        }

        func run() async throws {
            let location = try store.settings().storeLocation
            let key = publicKey.trimmingCharacters(in: .whitespacesAndNewlines)
            try await withCenterStore(location, logger: store.logger) { [id, replace] center in
                try await center.addSensor(id: id, publicKey: key, replace: replace)
            }
            print(replace ? "sensor \(id) enrolled (key replaced if it existed)" : "sensor \(id) enrolled")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List enrolled sensors and their keys.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let location = try store.existingStore()
            let sensors = try await withCenterStore(location, logger: store.logger) { try await $0.listSensors() }
            let rows =
                [["SENSOR", "ENROLLED", "REVOKED", "PUBLIC KEY"]]
                + sensors.map {
                    [
                        $0.id, RFC3339.format(microseconds: $0.enrolledMicroseconds),
                        $0.revokedMicroseconds.map { RFC3339.format(microseconds: $0) } ?? "-", $0.publicKey,
                    ]
                }
            let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                print(
                    row.enumerated().map { index, cell in
                        index == 3 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
                    }.joined(separator: "  ")
                )
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a sensor: its batches are refused (403); what it sent stays."
        )
        @OptionGroup var store: StoreOptions
        @Option(help: "The sensor's id.")
        var id: String

        func run() async throws {
            let location = try store.existingStore()
            try await withCenterStore(location, logger: store.logger) { [id] center in
                try await center.revokeSensor(id: id)
            }
            print("sensor \(id) revoked")
        }
    }
}

// MARK: - Queries

protocol QueryName: Sendable {
    static var kind: QueryKind { get }
    static var abstract: String { get }
}

enum SensorsQuery: QueryName {
    static let kind = QueryKind.sensors
    static let abstract = "Sensors: last batch, lag, gaps, losses, reused sequence numbers, health."
}

enum AlertsQuery: QueryName {
    static let kind = QueryKind.alerts
    static let abstract = "Alerts with their EVE records."
}

enum AssetsQuery: QueryName {
    static let kind = QueryKind.assets
    static let abstract = "The latest state of each asset."
}

enum SummariesQuery: QueryName {
    static let kind = QueryKind.summaries
    static let abstract = "Pair summaries, one per client/server pair and window."
}

enum EventsQuery: QueryName {
    static let kind = QueryKind.events
    static let abstract = "The center's own events (sequence_reused)."
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case json
    case table
}

/// `otsensor-center <kind> [filters] [--limit N] [--after CURSOR] [--format json|table]`: the same query as
/// `GET /v1/<kind>`, on the database directly.
struct QueryCommand<Name: QueryName>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Name.kind.rawValue, abstract: Name.abstract)
    }

    @OptionGroup var store: StoreOptions
    @Option(help: "From this time (RFC 3339 or Unix seconds), inclusive.") var since: String?
    @Option(help: "Until this time, exclusive.") var until: String?
    @Option(help: "Only this sensor.") var sensor: String?
    @Option(help: "Alerts this severe or more (1 to 3).") var severity: String?
    @Option(help: "Alerts by signature id (a number) or message text.") var signature: String?
    @Option(help: "Alerts with this ATT&CK for ICS technique (T0836).") var technique: String?
    @Option(help: "Summaries of this client address.") var client: String?
    @Option(help: "Summaries of this server address.") var server: String?
    @Option(name: .customLong("app-proto"), help: "Summaries of this protocol (modbus, dnp3).") var appProto: String?
    @Option(help: "Rows per page (1 to 1000, default 100).") var limit: String?
    @Option(help: "The cursor a previous page printed.") var after: String?
    @Option(help: "json (the API's document) or table.") var format: OutputFormat = .table

    func run() async throws {
        let given: [(String, String?)] = [
            ("since", since), ("until", until), ("sensor", sensor), ("severity", severity),
            ("signature", signature), ("technique", technique), ("client", client), ("server", server),
            ("app_proto", appProto), ("limit", limit), ("after", after),
        ]
        let parameters = given.compactMap { name, value in value.map { (name, $0) } }
        for (name, _) in parameters where !(Name.kind.filters + ["limit", "after"]).contains(name) {
            throw QueryError(
                "--\(name.replacingOccurrences(of: "_", with: "-")): not a filter of \(Name.kind.rawValue)"
            )
        }
        let filter = try QueryFilter(kind: Name.kind, parameters: parameters)
        let location = try store.existingStore()
        let page = try await withCenterStore(location, logger: store.logger) { try await $0.query(Name.kind, filter) }
        switch format {
        case .json: print(page.json.text)
        case .table: print(page.table(), terminator: "")
        }
    }
}

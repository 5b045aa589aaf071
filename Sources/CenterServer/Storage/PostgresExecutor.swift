// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// Where the PostgreSQL database is: `postgres://user[:password]@host[:port]/database[?sslmode=...&schema=...]`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, with the certificate checked against the system's roots.
        case prefer
        /// TLS always, with the certificate checked.
        case require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// The schema the center's tables live in (`search_path`); nil: the server's default (`public`).
    public var schema: String?

    /// The URL without the password, for logs.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)" + (schema.map { " (schema \($0))" } ?? "")
    }

    /// Parses a URL.
    ///
    /// - Throws: ``ConfigurationError`` naming what is wrong.
    public init(url text: String) throws(ConfigurationError) {
        guard let components = URLComponents(string: text),
            components.scheme == "postgres" || components.scheme == "postgresql"
        else {
            throw ConfigurationError("database: '\(text)' is not a postgres://user@host:port/database URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw ConfigurationError("database: the URL names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw ConfigurationError("database: the URL names no user (postgres://user@host/database)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw ConfigurationError("database: the URL names no database (postgres://user@host/database)")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        self.tls = .prefer
        self.schema = nil
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: item.value ?? "") else {
                    throw ConfigurationError("database: sslmode must be disable, prefer or require")
                }
                self.tls = mode
            case "schema":
                guard let schema = item.value, Self.isPlainName(schema) else {
                    throw ConfigurationError("database: schema must be a plain name ([a-z0-9_], at most 63)")
                }
                self.schema = schema
            default:
                throw ConfigurationError("database: unknown URL parameter '\(item.name)' (sslmode, schema)")
            }
        }
    }

    static func isPlainName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 63
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
            && !(text.utf8.first.map { $0 >= 0x30 && $0 <= 0x39 } ?? true)
    }

    var clientConfiguration: PostgresClient.Configuration {
        let tlsSetting: PostgresClient.Configuration.TLS =
            switch tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: user,
            password: password,
            database: database,
            tls: tlsSetting
        )
        if let schema {
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}

/// PostgreSQL through postgres-nio's pooled `PostgresClient`, which must be running (``run()``) while used.
final class PostgresExecutor: SQLExecutor {
    let dialect = SQLDialect.postgres
    let client: PostgresClient
    let location: PostgresLocation
    let logger: Logger
    /// How long one database operation may take before the request fails (and the sensor retries): a server that
    /// cannot be reached otherwise leaves leases waiting.
    static let operationTimeout: Duration = .seconds(30)
    /// An arbitrary constant: the advisory lock that serializes migrations across center processes.
    static let migrationLock: Int64 = 0x4F54_5345_4E53

    init(location: PostgresLocation, logger: Logger) {
        self.location = location
        self.logger = logger
        self.client = PostgresClient(configuration: location.clientConfiguration, backgroundLogger: logger)
    }

    func run() async {
        await client.run()
    }

    func query(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await withTimeout(Self.operationTimeout) {
            let rows = try await self.client.query(Self.query(statement), logger: self.logger)
            return try await Self.collect(rows)
        }
    }

    func write(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await query(statement)
    }

    func claimAndWrite(_ claim: SQLStatement, then rest: [SQLStatement]) async throws -> Bool {
        try await withTimeout(Self.operationTimeout) {
            try await self.client.withTransaction(logger: self.logger) { connection in
                // Another process storing the same (sensor, sequence) makes this INSERT wait for its commit, then do
                // nothing: the database decides who stores it.
                let claimed = try await Self.collect(connection.query(Self.query(claim), logger: self.logger))
                guard !claimed.isEmpty else { return false }
                for statement in rest {
                    try await connection.query(Self.query(statement), logger: self.logger)
                }
                return true
            }
        }
    }

    func migrate(_ migrations: [Migration]) async throws {
        try await withTimeout(Self.operationTimeout) {
            try await self.client.withTransaction(logger: self.logger) { connection in
                // Held until COMMIT: a second center starting at the same moment waits here, then sees the versions.
                try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(\(Self.migrationLock))"),
                    logger: self.logger
                )
                if let schema = self.location.schema {
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"),
                        logger: self.logger
                    )
                }
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_us BIGINT NOT NULL)",
                    logger: self.logger
                )
                let rows = try await Self.collect(
                    connection.query("SELECT version FROM schema_migrations", logger: self.logger)
                )
                let applied = Set(rows.compactMap { $0.int(0) })
                for migration in migrations where !applied.contains(migration.version) {
                    for sql in migration.postgres {
                        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: self.logger)
                    }
                    try await connection.query(
                        Self.query(
                            SQLStatement(
                                "INSERT INTO schema_migrations (version, applied_us) VALUES (?, ?)",
                                [.integer(migration.version), .integer(WallClock.microseconds())]
                            )
                        ),
                        logger: self.logger
                    )
                }
            }
        }
    }

    private static func query(_ statement: SQLStatement) -> PostgresQuery {
        var binds = PostgresBindings(capacity: statement.arguments.count)
        for value in statement.arguments {
            switch value {
            case .null: binds.appendNull()
            case .integer(let integer): binds.append(integer)
            case .real(let real): binds.append(real)
            // PostgreSQL's text cannot hold NUL; a signed batch with one is stored with U+FFFD instead of failing
            // (and being retried) for ever.
            case .text(let text):
                binds.append(text.contains("\u{0}") ? text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : text)
            }
        }
        return PostgresQuery(unsafeSQL: statement.numberedSQL, binds: binds)
    }

    private static func collect(_ rows: PostgresRowSequence) async throws -> [SQLRow] {
        var result: [SQLRow] = []
        for try await row in rows {
            var values: [SQLValue] = []
            for cell in row {
                values.append(try value(cell))
            }
            result.append(SQLRow(values: values))
        }
        return result
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2: return .integer(try cell.decode(Int64.self))
        case .float8, .float4: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
        default: return .null
        }
    }
}

/// Runs `body`, failing with ``StoreError/timedOut`` when it takes longer than `limit`.
func withTimeout<T: Sendable>(
    _ limit: Duration,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw StoreError.timedOut
        }
        return value
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import GRDB

/// SQLite through GRDB: a `DatabasePool` in WAL mode (readers do not wait for the writer), one writer at a time.
final class SQLiteExecutor: SQLExecutor {
    let dialect = SQLDialect.sqlite
    let pool: DatabasePool

    /// Opens (creating) the database file.
    ///
    /// - Throws: GRDB's error when the file cannot be opened.
    init(path: String) throws {
        var configuration = Configuration()
        // Another process (the CLI, a second center) may hold the write lock for a moment.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // WAL with synchronous=NORMAL is durable at each checkpoint and never corrupts (SQLite's WAL docs).
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try Self.open(path, configuration)
    }

    /// Opens the pool, waiting up to 10 s while another connection holds the lock. Opening switches the file to
    /// WAL, and SQLite answers that switch with SQLITE_BUSY at once, without the busy timeout, when another process
    /// (a second center, the CLI) is opening the same new file at that moment.
    private static func open(_ path: String, _ configuration: Configuration) throws -> DatabasePool {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && ContinuousClock.now < deadline
            {
                usleep(20_000)
            }
        }
    }

    func query(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await pool.read { db in try Self.rows(db, statement) }
    }

    func write(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await pool.write { db in try Self.rows(db, statement) }
    }

    func claimAndWrite(_ claim: SQLStatement, then rest: [SQLStatement]) async throws -> Bool {
        try await pool.write { db in
            guard try !Self.rows(db, claim).isEmpty else { return false }
            for statement in rest {
                try Self.statement(db, statement.sql).execute(arguments: Self.arguments(statement))
            }
            return true
        }
    }

    func migrate(_ migrations: [Migration]) async throws {
        try await pool.writeWithoutTransaction { db in
            // IMMEDIATE takes the write lock first, so two processes opening a new file migrate one after the other.
            try db.inTransaction(.immediate) {
                try db.execute(
                    sql:
                        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_us INTEGER NOT NULL)"
                )
                let applied = Set(try Int64.fetchAll(db, sql: "SELECT version FROM schema_migrations"))
                for migration in migrations where !applied.contains(migration.version) {
                    for sql in migration.sqlite { try db.execute(sql: sql) }
                    try db.execute(
                        sql: "INSERT INTO schema_migrations (version, applied_us) VALUES (?, ?)",
                        arguments: [migration.version, WallClock.microseconds()]
                    )
                }
                return .commit
            }
        }
    }

    private static func arguments(_ statement: SQLStatement) -> StatementArguments {
        StatementArguments(
            statement.arguments.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .null: nil
                case .integer(let integer): integer
                case .real(let real): real
                case .text(let text): text
                }
            }
        )
    }

    private static func rows(_ db: Database, _ statement: SQLStatement) throws -> [SQLRow] {
        let prepared = try Self.statement(db, statement.sql)
        let rows = try Row.fetchAll(prepared, arguments: arguments(statement))
        return rows.map { row in
            SQLRow(
                values: row.databaseValues.map { value in
                    switch value.storage {
                    case .null: .null
                    case .int64(let integer): .integer(integer)
                    case .double(let real): .real(real)
                    case .string(let text): .text(text)
                    case .blob(let data): .text(String(decoding: data, as: UTF8.self))
                    }
                }
            )
        }
    }

    /// A prepared statement: cached when its text is one of a bounded set, made afresh for the multi-row inserts,
    /// whose text changes with the row count (caching those grew the cache without bound).
    static func statement(_ db: Database, _ sql: String) throws -> Statement {
        sql.utf8.count > 2048 || sql.contains("), (")
            ? try db.makeStatement(sql: sql) : try db.cachedStatement(sql: sql)
    }
}

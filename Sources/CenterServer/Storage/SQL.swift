// SPDX-License-Identifier: Apache-2.0

/// The two SQL dialects the center speaks.
///
/// The statements are written once, in the subset SQLite 3.35+ and
/// PostgreSQL 12+ share (`ON CONFLICT`, `RETURNING`, window functions, `CAST`, `CASE`); only the migrations differ.
enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// A value bound to or read from a statement: the storage classes both databases share.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    var int64: Int64? {
        switch self {
        case .integer(let value): value
        case .real(let value): Int64(exactly: value.rounded())
        case .text(let text): Int64(text)
        case .null: nil
        }
    }

    var string: String? {
        switch self {
        case .text(let text): text
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .null: nil
        }
    }
}

extension SQLValue {
    /// An unsigned protobuf counter as a signed 64-bit column (values past 2^63 - 1, which no counter reaches, are
    /// clamped).
    static func unsigned(_ value: UInt64) -> SQLValue { .integer(Int64(clamping: value)) }
    static func optional(_ value: Int64?) -> SQLValue { value.map { .integer($0) } ?? .null }
    static func optional(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
}

/// One statement with `?` placeholders (`$1`, `$2` and so on for PostgreSQL) and its arguments.
struct SQLStatement: Sendable {
    var sql: String
    var arguments: [SQLValue]

    init(_ sql: String, _ arguments: [SQLValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    /// The SQL with `$n` placeholders.
    ///
    /// The center's statements never hold a `?` inside a literal.
    var numberedSQL: String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + arguments.count * 2)
        var number = 0
        for character in sql {
            if character == "?" {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// Multi-row `INSERT`s for `rows`, each at most `rowsPerStatement` rows (both databases cap the number of bound
    /// parameters: SQLite at 32,766 since 3.32, PostgreSQL at 65,535).
    static func insert(
        into table: String,
        columns: [String],
        rows: [[SQLValue]],
        suffix: String = ""
    ) -> [SQLStatement] {
        guard !rows.isEmpty else { return [] }
        let rowsPerStatement = max(1, 30_000 / max(1, columns.count))
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        var statements: [SQLStatement] = []
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + rowsPerStatement)
            let chunk = rows[start..<end]
            var sql = head
            sql += Array(repeating: tuple, count: chunk.count).joined(separator: ",")
            if !suffix.isEmpty { sql += " " + suffix }
            statements.append(SQLStatement(sql, chunk.flatMap { $0 }))
            start = end
        }
        return statements
    }
}

/// One result row, read by column position.
struct SQLRow: Sendable {
    var values: [SQLValue]

    subscript(_ index: Int) -> SQLValue { index < values.count ? values[index] : .null }
    func int(_ index: Int) -> Int64? { self[index].int64 }
    func text(_ index: Int) -> String? { self[index].string }
}

/// What the store logic needs from a database: reads, single writes, and one transaction that stores a batch.
protocol SQLExecutor: Sendable {
    var dialect: SQLDialect { get }

    /// Runs a read-only statement.
    func query(_ statement: SQLStatement) async throws -> [SQLRow]

    /// Runs one statement in its own transaction and returns the rows it returned (`RETURNING`).
    @discardableResult
    func write(_ statement: SQLStatement) async throws -> [SQLRow]

    /// Runs `claim` and, only when it returned a row, `rest`, all in one transaction. Returns whether the claim
    /// returned a row (the batch was new).
    func claimAndWrite(_ claim: SQLStatement, then rest: [SQLStatement]) async throws -> Bool

    /// Applies the migrations not applied yet, each in order and recorded in `schema_migrations`, safely when
    /// several processes start at once.
    func migrate(_ migrations: [Migration]) async throws
}

/// One schema version: its statements for each dialect.
struct Migration: Sendable {
    var version: Int64
    var sqlite: [String]
    var postgres: [String]

    func statements(for dialect: SQLDialect) -> [String] {
        dialect == .sqlite ? sqlite : postgres
    }
}

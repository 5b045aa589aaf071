// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Logging
import ServiceLifecycle

/// The store in SQLite: `<directory>/center.sqlite`, a GRDB `DatabasePool` in WAL mode.
///
/// One center process writes
/// at a time; the CLI may read and enroll sensors while it runs.
public final class SQLiteStore: CenterStore {
    public let database: CenterDatabase
    public let path: String

    /// Opens (creating the directory and the file) the database; call ``CenterStore/migrate()`` before use.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = (directory as NSString).appendingPathComponent("center.sqlite")
        database = CenterDatabase(sql: try SQLiteExecutor(path: path))
    }

    /// Nothing runs in the background: waits for the service group's shutdown.
    public func run() async throws {
        try? await gracefulShutdown()
    }
}

/// The store in PostgreSQL through postgres-nio's `PostgresClient`; several center processes may share one
/// database (each batch is one transaction, and the database keeps `(sensor, sequence)` unique).
public final class PostgresStore: CenterStore {
    public let database: CenterDatabase
    private let executor: PostgresExecutor

    public init(location: PostgresLocation, logger: Logger) {
        executor = PostgresExecutor(location: location, logger: logger)
        database = CenterDatabase(sql: executor)
    }

    /// Runs the client's connection pool until the task is cancelled or the service group shuts down.
    public func run() async throws {
        await executor.run()
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Logging
public import ServiceLifecycle
public import SummaryModel

/// The center's storage: enrolled sensors, stored batches and everything read from them.
///
/// Two implementations, ``SQLiteStore`` and ``PostgresStore``, run the same statements through ``CenterDatabase``;
/// all operations are written once, in extensions of this protocol. A store is a `Service`: PostgreSQL's client
/// pool runs in ``run()`` (SQLite's waits for shutdown). Use ``withCenterStore(_:logger:_:)`` for a scoped store.
public protocol CenterStore: Service {
    /// The database the operations run on.
    var database: CenterDatabase { get }
}

/// A store's database connection (opaque: what ``CenterStore``'s operations run on).
public struct CenterDatabase: Sendable {
    let sql: any SQLExecutor
}

/// An enrolled sensor.
public struct SensorRecord: Sendable, Equatable {
    public var id: String
    /// The Ed25519 public key, base64 of its 32 octets.
    public var publicKey: String
    public var enrolledMicroseconds: Int64
    public var revokedMicroseconds: Int64?
}

/// What storing a batch did.
public enum StoreOutcome: Sendable, Equatable {
    /// The batch is new and is now stored.
    case stored
    /// A batch with that sensor and sequence is already stored, with this digest (this one or another process
    /// stored it first).
    case exists(digest: String)
}

/// One sensor's sequence numbers: which are accounted for, and the gaps.
public struct Completeness: Sendable, Equatable {
    /// The highest sequence number stored or accounted for (0: none).
    public var highest: Int64
    /// Sequence numbers from 1 to `highest` that are neither stored, replaced nor reported lost, as ranges.
    public var gaps: [ClosedRange<Int64>]
    /// How many sequence numbers the gaps hold.
    public var missing: Int64 {
        gaps.reduce(0) { $0 + ($1.upperBound - $1.lowerBound + 1) }
    }
}

// MARK: - Sensors

extension CenterStore {
    /// Creates the tables or brings them to the current version (idempotent; safe when several processes start
    /// at once).
    public func migrate() async throws {
        try await database.sql.migrate(Schema.migrations)
    }

    public func sensor(id: String) async throws -> SensorRecord? {
        try await database.sql.query(
            SQLStatement("SELECT id, public_key, enrolled_us, revoked_us FROM sensors WHERE id = ?", [.text(id)])
        ).first.map(Self.sensorRecord)
    }

    public func listSensors() async throws -> [SensorRecord] {
        try await database.sql.query(
            SQLStatement("SELECT id, public_key, enrolled_us, revoked_us FROM sensors ORDER BY id")
        ).map(Self.sensorRecord)
    }

    private static func sensorRecord(_ row: SQLRow) -> SensorRecord {
        SensorRecord(
            id: row.text(0) ?? "",
            publicKey: row.text(1) ?? "",
            enrolledMicroseconds: row.int(2) ?? 0,
            revokedMicroseconds: row.int(3)
        )
    }

    /// Enrolls a sensor.
    ///
    /// With `replace`, an enrolled (or revoked) id gets the new key and is no longer revoked;
    /// without it, an enrolled id is refused.
    ///
    /// - Throws: ``StoreError/sensorExists(_:)``, or the database's error.
    public func addSensor(
        id: String,
        publicKey: String,
        replace: Bool = false,
        at now: Int64 = WallClock.microseconds()
    )
        async throws
    {
        let suffix =
            replace
            ? "ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, enrolled_us = excluded.enrolled_us, revoked_us = NULL"
            : "ON CONFLICT (id) DO NOTHING"
        let rows = try await database.sql.write(
            SQLStatement(
                "INSERT INTO sensors (id, public_key, enrolled_us, revoked_us) VALUES (?, ?, ?, NULL) \(suffix) RETURNING id",
                [.text(id), .text(publicKey), .integer(now)]
            )
        )
        if rows.isEmpty { throw StoreError.sensorExists(id) }
    }

    /// Revokes a sensor: its batches are refused from now on (403); what it sent stays.
    ///
    /// - Throws: ``StoreError/unknownSensor(_:)``, or the database's error.
    public func revokeSensor(id: String, at now: Int64 = WallClock.microseconds()) async throws {
        let rows = try await database.sql.write(
            SQLStatement(
                "UPDATE sensors SET revoked_us = COALESCE(revoked_us, ?) WHERE id = ? RETURNING id",
                [.integer(now), .text(id)]
            )
        )
        if rows.isEmpty { throw StoreError.unknownSensor(id) }
    }
}

// MARK: - Batches

extension CenterStore {
    /// The digest of the stored batch `sequence` of `sensor`, if there is one.
    public func digest(sensor: String, sequence: UInt64) async throws -> String? {
        guard let sequence = Int64(exactly: sequence) else { return nil }
        return try await database.sql.query(
            SQLStatement(
                "SELECT digest FROM batches WHERE sensor_id = ? AND sequence = ?",
                [.text(sensor), .integer(sequence)]
            )
        ).first?.text(0)
    }

    /// Stores a batch and everything in it in one transaction, unless a batch with its sensor and sequence is
    /// stored already (then nothing changes).
    ///
    /// The batch must have passed ``BatchRows/validate(_:)``.
    public func store(
        _ batch: UplinkBatch,
        digest: String,
        payloadBytes: Int,
        receivedAt: Int64 = WallClock.microseconds()
    ) async throws -> StoreOutcome {
        let rows = BatchRows(batch: batch, digest: digest, payloadBytes: payloadBytes, receivedAt: receivedAt)
        if try await database.sql.claimAndWrite(rows.claim, then: rows.statements()) {
            return .stored
        }
        let existing = try await self.digest(sensor: batch.sensorID, sequence: batch.sequence)
        return .exists(digest: existing ?? "")
    }

    /// Records a `sequence_reused` center event: a sensor sent a different batch under a stored sequence number.
    public func recordSequenceReused(
        sensor: String,
        sequence: UInt64,
        storedDigest: String,
        newDigest: String,
        at now: Int64 = WallClock.microseconds()
    ) async throws {
        try await database.sql.write(
            SQLStatement(
                "INSERT INTO center_events (kind, sensor_id, sequence, old_digest, new_digest, at_us) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    .text("sequence_reused"), .text(sensor), .unsigned(sequence), .text(storedDigest),
                    .text(newDigest), .integer(now),
                ]
            )
        )
    }

    /// How many rows each table holds (tests and `sensor list` use it).
    public func rowCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in [
            "sensors", "batches", "covered_ranges", "losses", "alerts", "windows", "summaries", "assets", "health",
            "center_events",
        ] {
            let rows = try await database.sql.query(SQLStatement("SELECT COUNT(*) FROM \(table)"))
            counts[table] = Int(rows.first?.int(0) ?? 0)
        }
        return counts
    }
}

// MARK: - Completeness

extension CenterStore {
    /// The sensor's gaps: sequence numbers up to the highest seen that no stored batch holds or accounts for.
    public func completeness(sensor: String) async throws -> Completeness {
        // Runs of consecutive stored sequence numbers ("gaps and islands"): sequence minus its rank is constant
        // along a run.
        let islands = try await database.sql.query(
            SQLStatement(
                """
                SELECT MIN(sequence), MAX(sequence) FROM (
                    SELECT sequence, sequence - ROW_NUMBER() OVER (ORDER BY sequence) AS run
                    FROM batches WHERE sensor_id = ?
                ) runs GROUP BY run
                """,
                [.text(sensor)]
            )
        )
        let covered = try await database.sql.query(
            SQLStatement(
                "SELECT first_sequence, last_sequence FROM covered_ranges WHERE sensor_id = ?",
                [.text(sensor)]
            )
        )
        var ranges: [ClosedRange<Int64>] = []
        for row in islands + covered {
            if let first = row.int(0), let last = row.int(1), first <= last { ranges.append(first...last) }
        }
        return Self.completeness(of: ranges)
    }

    /// The gaps between `ranges` from 1 to the highest number they hold.
    static func completeness(of ranges: [ClosedRange<Int64>]) -> Completeness {
        var gaps: [ClosedRange<Int64>] = []
        var next: Int64 = 1
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if range.lowerBound > next { gaps.append(next...(range.lowerBound - 1)) }
            if range.upperBound >= next { next = range.upperBound == .max ? .max : range.upperBound + 1 }
        }
        return Completeness(highest: next - 1, gaps: gaps)
    }
}

// MARK: - Scoped stores

/// Where the center keeps its data: SQLite in a directory, or a PostgreSQL database.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(directory: String)
    case postgres(PostgresLocation)

    public var description: String {
        switch self {
        case .sqlite(let directory): "sqlite \(directory)/center.sqlite"
        case .postgres(let location): location.description
        }
    }
}

/// Opens the store at `location` (creating and migrating it), runs `body` with it, and closes it.
public func withCenterStore<T: Sendable>(
    _ location: StoreLocation,
    logger: Logger,
    _ body: @Sendable (any CenterStore) async throws -> T
) async throws -> T {
    switch location {
    case .sqlite(let directory):
        let store = try SQLiteStore(directory: directory)
        try await store.migrate()
        return try await body(store)
    case .postgres(let postgres):
        let store = PostgresStore(location: postgres, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await store.run()
                return nil
            }
            defer { group.cancelAll() }
            try await store.migrate()
            return try await body(store)
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation

/// The center's tables, as numbered migrations applied at open (``SQLExecutor/migrate(_:)``).
///
/// Never edit a migration that shipped; add the next version.
/// Times are microseconds since the Unix epoch in 64-bit integers (both databases compare and index them cheaply);
/// JSON documents are text. Rows that belong to a batch carry its `(sensor_id, sequence)`.
enum Schema {
    static let migrations: [Migration] = [version1]

    /// Tables in version 1, written with `{ID}` for the auto-incrementing row id each dialect spells differently.
    private static let version1Tables = [
        """
        CREATE TABLE sensors (
            id TEXT PRIMARY KEY,
            public_key TEXT NOT NULL,
            enrolled_us BIGINT NOT NULL,
            revoked_us BIGINT
        )
        """,
        """
        CREATE TABLE batches (
            sensor_id TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            digest TEXT NOT NULL,
            received_us BIGINT NOT NULL,
            start_us BIGINT NOT NULL,
            end_us BIGINT NOT NULL,
            created_us BIGINT NOT NULL,
            payload_bytes BIGINT NOT NULL,
            coarsening BIGINT NOT NULL,
            sensor_version TEXT NOT NULL,
            windows BIGINT NOT NULL,
            pairs BIGINT NOT NULL,
            alerts BIGINT NOT NULL,
            asset_changes BIGINT NOT NULL,
            PRIMARY KEY (sensor_id, sequence)
        )
        """,
        // Sequence numbers a stored batch accounts for without holding them: `replaced` (merged into it) or `lost`
        // (dropped from the sensor's spool); one row per range.
        """
        CREATE TABLE covered_ranges (
            id {ID},
            sensor_id TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            kind TEXT NOT NULL,
            first_sequence BIGINT NOT NULL,
            last_sequence BIGINT NOT NULL
        )
        """,
        "CREATE INDEX covered_ranges_sensor ON covered_ranges (sensor_id, first_sequence)",
        // One row per `Batch.losses[]`.
        """
        CREATE TABLE losses (
            id {ID},
            sensor_id TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            reason TEXT NOT NULL,
            batches BIGINT NOT NULL,
            windows BIGINT NOT NULL,
            pairs BIGINT NOT NULL,
            alerts BIGINT NOT NULL,
            asset_changes BIGINT NOT NULL
        )
        """,
        "CREATE INDEX losses_sensor ON losses (sensor_id)",
        """
        CREATE TABLE alerts (
            id {ID},
            sensor_id TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            timestamp_us BIGINT NOT NULL,
            gid BIGINT NOT NULL,
            signature_id BIGINT NOT NULL,
            rev BIGINT NOT NULL,
            signature TEXT NOT NULL,
            category TEXT NOT NULL,
            severity BIGINT NOT NULL,
            src_ip TEXT NOT NULL,
            src_port BIGINT NOT NULL,
            dest_ip TEXT NOT NULL,
            dest_port BIGINT NOT NULL,
            proto TEXT NOT NULL,
            app_proto TEXT NOT NULL,
            techniques TEXT NOT NULL,
            eve TEXT NOT NULL
        )
        """,
        "CREATE INDEX alerts_time ON alerts (timestamp_us)",
        "CREATE INDEX alerts_sensor ON alerts (sensor_id, id)",
        """
        CREATE TABLE windows (
            id {ID},
            sensor_id TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            start_us BIGINT NOT NULL,
            end_us BIGINT NOT NULL,
            pairs BIGINT NOT NULL,
            pairs_not_summarized BIGINT NOT NULL,
            packets BIGINT NOT NULL,
            bytes BIGINT NOT NULL,
            flows BIGINT NOT NULL,
            active_flows BIGINT NOT NULL,
            modbus_transactions BIGINT NOT NULL,
            dnp3_messages BIGINT NOT NULL,
            anomalies BIGINT NOT NULL,
            alerts BIGINT NOT NULL,
            assets BIGINT NOT NULL,
            assets_not_tracked BIGINT NOT NULL
        )
        """,
        "CREATE INDEX windows_sensor ON windows (sensor_id, start_us)",
        """
        CREATE TABLE summaries (
            id {ID},
            sensor_id TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            window_start_us BIGINT NOT NULL,
            window_end_us BIGINT NOT NULL,
            app_proto TEXT NOT NULL,
            client TEXT NOT NULL,
            server TEXT NOT NULL,
            server_port BIGINT NOT NULL,
            ip_protocol BIGINT NOT NULL,
            flows BIGINT NOT NULL,
            packets_to_server BIGINT NOT NULL,
            packets_to_client BIGINT NOT NULL,
            bytes_to_server BIGINT NOT NULL,
            bytes_to_client BIGINT NOT NULL,
            pair TEXT NOT NULL
        )
        """,
        "CREATE INDEX summaries_time ON summaries (window_start_us)",
        "CREATE INDEX summaries_sensor ON summaries (sensor_id, id)",
        """
        CREATE TABLE assets (
            id {ID},
            sensor_id TEXT NOT NULL,
            address TEXT NOT NULL,
            macs TEXT NOT NULL,
            roles TEXT NOT NULL,
            unit_identifiers TEXT NOT NULL,
            dnp3_addresses TEXT NOT NULL,
            vendor TEXT NOT NULL,
            product_code TEXT NOT NULL,
            revision TEXT NOT NULL,
            product_name TEXT NOT NULL,
            model_name TEXT NOT NULL,
            first_seen_us BIGINT NOT NULL,
            last_seen_us BIGINT NOT NULL,
            last_change TEXT NOT NULL,
            last_change_us BIGINT NOT NULL,
            last_detail TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            UNIQUE (sensor_id, address)
        )
        """,
        """
        CREATE TABLE health (
            sensor_id TEXT PRIMARY KEY,
            sequence BIGINT NOT NULL,
            received_us BIGINT NOT NULL,
            health TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE center_events (
            id {ID},
            kind TEXT NOT NULL,
            sensor_id TEXT NOT NULL,
            sequence BIGINT NOT NULL,
            old_digest TEXT NOT NULL,
            new_digest TEXT NOT NULL,
            at_us BIGINT NOT NULL
        )
        """,
    ]

    private static let version1 = Migration(
        version: 1,
        sqlite: version1Tables.map { $0.replacingOccurrences(of: "{ID}", with: "INTEGER PRIMARY KEY AUTOINCREMENT") },
        postgres: version1Tables.map {
            $0.replacingOccurrences(of: "{ID}", with: "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
        }
    )
}

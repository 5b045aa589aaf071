// SPDX-License-Identifier: Apache-2.0
import Foundation

/// One page of a query's answer: `{"items": [...], "next": "CURSOR" | null}`.
public struct QueryPage: Sendable, Equatable {
    public var kind: QueryKind
    public var items: [JSON]
    /// Pass as `after` for the next page; nil on the last page.
    public var next: String?

    /// The document the HTTP API returns and `--format json` prints.
    public var json: JSON {
        .object(["items": .array(items), "next": .optional(next)])
    }
}

extension CenterStore {
    /// Answers a query: rows in a stable order (row id; sensor id for sensors), at most `filter.limit`.
    public func query(_ kind: QueryKind, _ filter: QueryFilter) async throws -> QueryPage {
        switch kind {
        case .sensors: try await sensors(filter)
        case .alerts: try await alerts(filter)
        case .assets: try await assets(filter)
        case .summaries: try await summaries(filter)
        case .events: try await events(filter)
        }
    }

    /// Runs `SELECT id, <columns> FROM table WHERE <conditions> AND id > after ORDER BY id LIMIT limit + 1` and
    /// makes the page.
    private func page(
        _ kind: QueryKind,
        table: String,
        columns: String,
        conditions: [(String, [SQLValue])],
        filter: QueryFilter,
        item: (SQLRow) -> JSON
    ) async throws -> QueryPage {
        var conditions = conditions
        if let after = filter.after, let id = Int64(after) { conditions.append(("id > ?", [.integer(id)])) }
        var sql = "SELECT id, \(columns) FROM \(table)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.map(\.0).joined(separator: " AND ") }
        sql += " ORDER BY id LIMIT \(filter.limit + 1)"
        let rows = try await database.sql.query(SQLStatement(sql, conditions.flatMap(\.1)))
        let pageRows = rows.prefix(filter.limit)
        let next =
            rows.count > filter.limit
            ? pageRows.last.flatMap { $0.int(0) }.map {
                Cursor.encode(kind: kind, key: String($0))
            } : nil
        return QueryPage(kind: kind, items: pageRows.map(item), next: next)
    }

    private static func timeConditions(_ column: String, _ filter: QueryFilter) -> [(String, [SQLValue])] {
        var conditions: [(String, [SQLValue])] = []
        if let since = filter.since { conditions.append(("\(column) >= ?", [.integer(since)])) }
        if let until = filter.until { conditions.append(("\(column) < ?", [.integer(until)])) }
        return conditions
    }

    private static func sensorCondition(_ filter: QueryFilter) -> [(String, [SQLValue])] {
        filter.sensor.map { [("sensor_id = ?", [.text($0)])] } ?? []
    }

    private static func time(_ value: Int64?) -> JSON {
        value.map { .string(RFC3339.format(microseconds: $0)) } ?? .null
    }

    /// `%text%` for LIKE, with the wildcard characters in `text` escaped by `\`.
    private static func likePattern(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
            escaped.append(character)
        }
        return "%" + escaped + "%"
    }

    // MARK: - Alerts

    private func alerts(_ filter: QueryFilter) async throws -> QueryPage {
        var conditions = Self.timeConditions("timestamp_us", filter) + Self.sensorCondition(filter)
        if let severity = filter.severity { conditions.append(("severity <= ?", [.integer(severity)])) }
        if let id = filter.signatureID { conditions.append(("signature_id = ?", [.integer(id)])) }
        if let text = filter.signatureText {
            conditions.append(("LOWER(signature) LIKE ? ESCAPE '\\'", [.text(Self.likePattern(text))]))
        }
        if let technique = filter.technique {
            conditions.append(("techniques LIKE ? ESCAPE '\\'", [.text(Self.likePattern("," + technique + ","))]))
        }
        return try await page(
            .alerts,
            table: "alerts",
            columns: """
                sensor_id, sequence, timestamp_us, gid, signature_id, rev, signature, category, severity, src_ip, \
                src_port, dest_ip, dest_port, proto, app_proto, techniques, eve
                """,
            conditions: conditions,
            filter: filter
        ) { row in
            .object([
                "id": .optional(row.int(0)),
                "sensor": .optional(row.text(1)),
                "sequence": .optional(row.int(2)),
                "timestamp": Self.time(row.int(3)),
                "gid": .optional(row.int(4)),
                "signature_id": .optional(row.int(5)),
                "rev": .optional(row.int(6)),
                "signature": .optional(row.text(7)),
                "category": .optional(row.text(8)),
                "severity": .optional(row.int(9)),
                "src_ip": .optional(row.text(10)),
                "src_port": .optional(row.int(11)),
                "dest_ip": .optional(row.text(12)),
                "dest_port": .optional(row.int(13)),
                "proto": .optional(row.text(14)),
                "app_proto": .optional(row.text(15)),
                "techniques": .array(
                    (row.text(16) ?? "").split(separator: ",").map { .string(String($0)) }
                ),
                "eve": .raw(row.text(17) ?? "null"),
            ])
        }
    }

    // MARK: - Assets

    private func assets(_ filter: QueryFilter) async throws -> QueryPage {
        try await page(
            .assets,
            table: "assets",
            columns: """
                sensor_id, address, macs, roles, unit_identifiers, dnp3_addresses, vendor, product_code, revision, \
                product_name, model_name, first_seen_us, last_seen_us, last_change, last_change_us, last_detail, \
                sequence
                """,
            conditions: Self.sensorCondition(filter),
            filter: filter
        ) { row in
            .object([
                "id": .optional(row.int(0)),
                "sensor": .optional(row.text(1)),
                "address": .optional(row.text(2)),
                "macs": .raw(row.text(3) ?? "[]"),
                "roles": .raw(row.text(4) ?? "[]"),
                "unit_identifiers": .raw(row.text(5) ?? "[]"),
                "dnp3_addresses": .raw(row.text(6) ?? "[]"),
                "identity": .object([
                    "vendor": .optional(row.text(7)),
                    "product_code": .optional(row.text(8)),
                    "revision": .optional(row.text(9)),
                    "product_name": .optional(row.text(10)),
                    "model_name": .optional(row.text(11)),
                ]),
                "first_seen": Self.time(row.int(12)),
                "last_seen": Self.time(row.int(13)),
                "last_change": .object([
                    "change": .optional(row.text(14)),
                    "time": Self.time(row.int(15)),
                    "detail": .optional(row.text(16)),
                    "sequence": .optional(row.int(17)),
                ]),
            ])
        }
    }

    // MARK: - Summaries

    private func summaries(_ filter: QueryFilter) async throws -> QueryPage {
        var conditions = Self.timeConditions("window_start_us", filter) + Self.sensorCondition(filter)
        if let client = filter.client { conditions.append(("client = ?", [.text(client)])) }
        if let server = filter.server { conditions.append(("server = ?", [.text(server)])) }
        if let appProto = filter.appProto { conditions.append(("app_proto = ?", [.text(appProto)])) }
        return try await page(
            .summaries,
            table: "summaries",
            columns: """
                sensor_id, sequence, window_start_us, window_end_us, app_proto, client, server, server_port, \
                ip_protocol, flows, packets_to_server, packets_to_client, bytes_to_server, bytes_to_client, pair
                """,
            conditions: conditions,
            filter: filter
        ) { row in
            .object([
                "id": .optional(row.int(0)),
                "sensor": .optional(row.text(1)),
                "sequence": .optional(row.int(2)),
                "window_start": Self.time(row.int(3)),
                "window_end": Self.time(row.int(4)),
                "app_proto": .optional(row.text(5)),
                "client": .optional(row.text(6)),
                "server": .optional(row.text(7)),
                "server_port": .optional(row.int(8)),
                "ip_protocol": .optional(row.int(9)),
                "flows": .optional(row.int(10)),
                "packets_to_server": .optional(row.int(11)),
                "packets_to_client": .optional(row.int(12)),
                "bytes_to_server": .optional(row.int(13)),
                "bytes_to_client": .optional(row.int(14)),
                "pair": .raw(row.text(15) ?? "{}"),
            ])
        }
    }

    // MARK: - Events

    private func events(_ filter: QueryFilter) async throws -> QueryPage {
        try await page(
            .events,
            table: "center_events",
            columns: "kind, sensor_id, sequence, old_digest, new_digest, at_us",
            conditions: Self.timeConditions("at_us", filter) + Self.sensorCondition(filter),
            filter: filter
        ) { row in
            .object([
                "id": .optional(row.int(0)),
                "kind": .optional(row.text(1)),
                "sensor": .optional(row.text(2)),
                "sequence": .optional(row.int(3)),
                "old_digest": .optional(row.text(4)),
                "new_digest": .optional(row.text(5)),
                "time": Self.time(row.int(6)),
            ])
        }
    }

    // MARK: - Sensors

    private func sensors(_ filter: QueryFilter) async throws -> QueryPage {
        var conditions: [(String, [SQLValue])] = []
        if let sensor = filter.sensor { conditions.append(("id = ?", [.text(sensor)])) }
        if let after = filter.after { conditions.append(("id > ?", [.text(after)])) }
        var sql = "SELECT id, enrolled_us, revoked_us FROM sensors"
        if !conditions.isEmpty { sql += " WHERE " + conditions.map(\.0).joined(separator: " AND ") }
        sql += " ORDER BY id LIMIT \(filter.limit + 1)"
        let rows = try await database.sql.query(SQLStatement(sql, conditions.flatMap(\.1)))
        var items: [JSON] = []
        for row in rows.prefix(filter.limit) {
            items.append(try await sensorStatus(id: row.text(0) ?? "", enrolled: row.int(1), revoked: row.int(2)))
        }
        let next =
            rows.count > filter.limit
            ? rows.prefix(filter.limit).last.flatMap { $0.text(0) }.map { Cursor.encode(kind: .sensors, key: $0) }
            : nil
        return QueryPage(kind: .sensors, items: items, next: next)
    }

    /// Largest number of gap ranges listed per sensor (the count covers them all).
    static var listedGapRanges: Int { 1000 }

    private func sensorStatus(id: String, enrolled: Int64?, revoked: Int64?) async throws -> JSON {
        let sensor = SQLValue.text(id)
        let totals = try await database.sql.query(
            SQLStatement("SELECT COUNT(*), MAX(received_us) FROM batches WHERE sensor_id = ?", [sensor])
        ).first
        let newest = try await database.sql.query(
            SQLStatement(
                "SELECT sequence, received_us, end_us FROM batches WHERE sensor_id = ? ORDER BY sequence DESC LIMIT 1",
                [sensor]
            )
        ).first
        let completeness = try await completeness(sensor: id)
        let losses = try await database.sql.query(
            SQLStatement(
                """
                SELECT reason, CAST(SUM(batches) AS BIGINT), CAST(SUM(windows) AS BIGINT), CAST(SUM(pairs) AS BIGINT),
                    CAST(SUM(alerts) AS BIGINT), CAST(SUM(asset_changes) AS BIGINT)
                FROM losses WHERE sensor_id = ? GROUP BY reason ORDER BY reason
                """,
                [sensor]
            )
        )
        let reused = try await database.sql.query(
            SQLStatement(
                "SELECT COUNT(*) FROM center_events WHERE sensor_id = ? AND kind = 'sequence_reused'",
                [sensor]
            )
        ).first?.int(0)
        let health = try await database.sql.query(
            SQLStatement("SELECT health FROM health WHERE sensor_id = ?", [sensor])
        ).first?.text(0)

        var lag: JSON = .null
        if let received = newest?.int(1), let end = newest?.int(2) {
            lag = .number((Double(received) - Double(end)) / 1_000_000)
        }
        let fields = ["batches", "windows", "pairs", "alerts", "asset_changes"]
        var total = [Int64](repeating: 0, count: fields.count)
        var byReason: [JSON.Member] = []
        for row in losses {
            let values = (0..<fields.count).map { row.int($0 + 1) ?? 0 }
            for index in values.indices {
                total[index] =
                    total[index].addingReportingOverflow(values[index]).overflow ? .max : total[index] + values[index]
            }
            byReason.append(
                JSON.Member(
                    row.text(0) ?? "",
                    .object(zip(fields, values).map { JSON.Member($0.0, .integer($0.1)) })
                )
            )
        }
        var lossMembers = zip(fields, total).map { JSON.Member($0.0, .integer($0.1)) }
        lossMembers.append(JSON.Member("by_reason", .object(byReason)))
        return .object([
            "id": .string(id),
            "enrolled_at": Self.time(enrolled),
            "revoked_at": Self.time(revoked),
            "last_seen": Self.time(totals?.int(1)),
            "last_sequence": .optional(newest?.int(0)),
            "batches": .integer(totals?.int(0) ?? 0),
            "lag_seconds": lag,
            "highest_sequence": .integer(completeness.highest),
            "gaps": .object([
                "count": .integer(completeness.missing),
                "ranges": .array(
                    completeness.gaps.prefix(Self.listedGapRanges).map {
                        .object(["first": .integer($0.lowerBound), "last": .integer($0.upperBound)])
                    }
                ),
            ]),
            "losses": .object(lossMembers),
            "sequence_reused": .integer(reused ?? 0),
            "health": health.map { .raw($0) } ?? .null,
        ])
    }
}

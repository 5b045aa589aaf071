// SPDX-License-Identifier: Apache-2.0
import Foundation
public import SummaryModel
import SwiftProtobuf

/// A batch as the statements that store it: the claim on `(sensor, sequence)`, then its rows.
public struct BatchRows: Sendable {
    let batch: UplinkBatch
    let digest: String
    let payloadBytes: Int
    let receivedAt: Int64

    /// Checks what the signature and the schema cannot: sequence numbers in range, and the ranges the batch
    /// accounts for (`replaces`, `losses`) are earlier numbers of the same sensor.
    ///
    /// - Throws: ``BatchError/invalid(_:)`` naming the field.
    public static func validate(_ batch: UplinkBatch) throws(BatchError) {
        guard batch.sequence <= UInt64(Int64.max) else { throw .invalid("sequence \(batch.sequence) is too large") }
        func check(_ range: UplinkSequenceRange, _ field: String) throws(BatchError) {
            guard range.first >= 1, range.first <= range.last, range.last < batch.sequence else {
                throw .invalid(
                    "\(field) range \(range.first)...\(range.last) is not within 1...\(batch.sequence - 1) (earlier batches)"
                )
            }
        }
        for range in batch.replaces { try check(range, "replaces") }
        for loss in batch.losses {
            for range in loss.sequences { try check(range, "losses") }
        }
    }

    var sensor: SQLValue { .text(batch.sensorID) }
    var sequence: SQLValue { .unsigned(batch.sequence) }

    /// `INSERT ... ON CONFLICT DO NOTHING RETURNING`: returns a row only when this batch is new.
    var claim: SQLStatement {
        SQLStatement(
            """
            INSERT INTO batches (sensor_id, sequence, digest, received_us, start_us, end_us, created_us, payload_bytes,
                coarsening, sensor_version, windows, pairs, alerts, asset_changes)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (sensor_id, sequence) DO NOTHING RETURNING sequence
            """,
            [
                sensor, sequence, .text(digest), .integer(receivedAt), .integer(batch.startUs), .integer(batch.endUs),
                .integer(batch.createdUs), .integer(Int64(payloadBytes)), .integer(Int64(batch.coarsening)),
                .text(batch.sensorVersion), .integer(Int64(batch.windows.count)),
                .integer(Int64(batch.windows.reduce(0) { $0 + $1.pairs.count })), .integer(Int64(batch.alerts.count)),
                .integer(Int64(batch.assetChanges.count)),
            ]
        )
    }

    /// Every row after the claim.
    func statements() -> [SQLStatement] {
        var statements: [SQLStatement] = []
        statements += coveredRanges()
        statements += losses()
        statements += windows()
        statements += summaries()
        statements += alerts()
        statements += assets()
        if batch.hasHealth { statements.append(health()) }
        return statements
    }

    // MARK: - Rows

    private func coveredRanges() -> [SQLStatement] {
        var rows: [[SQLValue]] = batch.replaces.map {
            [sensor, sequence, .text("replaced"), .unsigned($0.first), .unsigned($0.last)]
        }
        for loss in batch.losses {
            rows += loss.sequences.map { [sensor, sequence, .text("lost"), .unsigned($0.first), .unsigned($0.last)] }
        }
        return SQLStatement.insert(
            into: "covered_ranges",
            columns: ["sensor_id", "sequence", "kind", "first_sequence", "last_sequence"],
            rows: rows
        )
    }

    private func losses() -> [SQLStatement] {
        SQLStatement.insert(
            into: "losses",
            columns: ["sensor_id", "sequence", "reason", "batches", "windows", "pairs", "alerts", "asset_changes"],
            rows: batch.losses.map { loss in
                let batches = loss.sequences.reduce(UInt64(0)) { $0 &+ ($1.last - $1.first + 1) }
                return [
                    sensor, sequence, .text(loss.reason), .unsigned(batches), .unsigned(loss.windows),
                    .unsigned(loss.pairs), .unsigned(loss.alerts), .unsigned(loss.assetChanges),
                ]
            }
        )
    }

    private func windows() -> [SQLStatement] {
        SQLStatement.insert(
            into: "windows",
            columns: [
                "sensor_id", "sequence", "start_us", "end_us", "pairs", "pairs_not_summarized", "packets", "bytes",
                "flows", "active_flows", "modbus_transactions", "dnp3_messages", "anomalies", "alerts", "assets",
                "assets_not_tracked",
            ],
            rows: batch.windows.map { window in
                let counters = window.counters
                return [
                    sensor, sequence, .integer(window.startUs), .integer(window.endUs),
                    .integer(Int64(window.pairs.count)), .unsigned(window.pairsNotSummarized),
                    .unsigned(counters.packets), .unsigned(counters.bytes), .unsigned(counters.flows),
                    .unsigned(counters.activeFlows), .unsigned(counters.modbusTransactions),
                    .unsigned(counters.dnp3Messages), .unsigned(counters.anomalies), .unsigned(counters.alerts),
                    .unsigned(counters.assets), .unsigned(counters.assetsNotTracked),
                ]
            }
        )
    }

    private func summaries() -> [SQLStatement] {
        var rows: [[SQLValue]] = []
        for window in batch.windows {
            for pair in window.pairs {
                rows.append([
                    sensor, sequence, .integer(window.startUs), .integer(window.endUs), .text(pair.appProto),
                    .text(AddressText.format(pair.client)), .text(AddressText.format(pair.server)),
                    .integer(Int64(pair.serverPort)), .integer(Int64(pair.ipProtocol)), .unsigned(pair.flows),
                    .unsigned(pair.packetsToServer), .unsigned(pair.packetsToClient), .unsigned(pair.bytesToServer),
                    .unsigned(pair.bytesToClient), .text((try? pair.jsonString()) ?? "{}"),
                ])
            }
        }
        return SQLStatement.insert(
            into: "summaries",
            columns: [
                "sensor_id", "sequence", "window_start_us", "window_end_us", "app_proto", "client", "server",
                "server_port", "ip_protocol", "flows", "packets_to_server", "packets_to_client", "bytes_to_server",
                "bytes_to_client", "pair",
            ],
            rows: rows
        )
    }

    private func alerts() -> [SQLStatement] {
        SQLStatement.insert(
            into: "alerts",
            columns: [
                "sensor_id", "sequence", "timestamp_us", "gid", "signature_id", "rev", "signature", "category",
                "severity", "src_ip", "src_port", "dest_ip", "dest_port", "proto", "app_proto", "techniques", "eve",
            ],
            rows: batch.alerts.map { alert in
                [
                    sensor, sequence, .integer(alert.timestampUs), .integer(Int64(alert.gid)),
                    .unsigned(alert.signatureID), .integer(Int64(alert.rev)), .text(alert.signature),
                    .text(alert.category), .integer(Int64(alert.severity)), .text(alert.srcIp),
                    .integer(Int64(alert.srcPort)), .text(alert.destIp), .integer(Int64(alert.destPort)),
                    .text(alert.proto), .text(alert.appProto), .text(Self.techniqueList(alert.techniques)),
                    .text(Self.eveDocument(alert.eve)),
                ]
            }
        )
    }

    /// Techniques as `,T0836,T0855,` so a filter can match one with `LIKE '%,T0836,%'` in both databases.
    static func techniqueList(_ techniques: [String]) -> String {
        techniques.isEmpty ? "" : "," + techniques.joined(separator: ",") + ","
    }

    /// The EVE record as stored: the sensor's JSON when it parses, else its text as a JSON string (so every stored
    /// document is valid JSON and can be embedded in replies as is).
    static func eveDocument(_ eve: Data) -> String {
        guard !eve.isEmpty else { return "null" }
        let text = String(decoding: eve, as: UTF8.self)
        // Written again by the serializer: what a lenient parser accepted (a trailing comma, a byte order mark)
        // never reaches the API's strict clients.
        if let object = try? JSONSerialization.jsonObject(with: eve, options: [.fragmentsAllowed]),
            JSONSerialization.isValidJSONObject(object),
            let data = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .withoutEscapingSlashes]
            )
        {
            return String(decoding: data, as: UTF8.self)
        }
        return JSON.string(text).text
    }

    /// One upsert per change, in timestamp order: the latest change gives the asset's state; first and last seen
    /// widen whatever order batches arrive in.
    private func assets() -> [SQLStatement] {
        let stateColumns = [
            "macs", "roles", "unit_identifiers", "dnp3_addresses", "vendor", "product_code", "revision",
            "product_name", "model_name", "last_change", "last_change_us", "last_detail", "sequence",
        ]
        let columns = ["sensor_id", "address", "first_seen_us", "last_seen_us"] + stateColumns
        let newer = "excluded.last_change_us >= assets.last_change_us"
        let update =
            [
                "first_seen_us = CASE WHEN excluded.first_seen_us < assets.first_seen_us THEN excluded.first_seen_us ELSE assets.first_seen_us END",
                "last_seen_us = CASE WHEN excluded.last_seen_us > assets.last_seen_us THEN excluded.last_seen_us ELSE assets.last_seen_us END",
            ] + stateColumns.map { "\($0) = CASE WHEN \(newer) THEN excluded.\($0) ELSE assets.\($0) END" }
        let sql =
            "INSERT INTO assets (\(columns.joined(separator: ", "))) VALUES ("
            + Array(repeating: "?", count: columns.count).joined(separator: ", ")
            + ") ON CONFLICT (sensor_id, address) DO UPDATE SET " + update.joined(separator: ", ")
        let changes = batch.assetChanges.enumerated()
            .filter { $0.element.hasAsset && !$0.element.asset.address.isEmpty }
            .sorted { ($0.element.timestampUs, $0.offset) < ($1.element.timestampUs, $1.offset) }
            .map(\.element)
        return changes.map { change in
            let asset = change.asset
            let firstSeen = asset.firstSeenUs != 0 ? asset.firstSeenUs : change.timestampUs
            let lastSeen = asset.lastSeenUs != 0 ? asset.lastSeenUs : change.timestampUs
            return SQLStatement(
                sql,
                [
                    sensor, .text(AddressText.format(asset.address)), .integer(firstSeen), .integer(lastSeen),
                    .text(JSON.array(asset.macs.map { .string(AddressText.mac($0)) }).text),
                    .text(JSON.array(asset.roles.map { .string($0) }).text),
                    .text(JSON.array(asset.unitIdentifiers.map { .integer(Int64($0)) }).text),
                    .text(JSON.array(asset.dnp3Addresses.map { .integer(Int64($0)) }).text), .text(asset.vendor),
                    .text(asset.productCode), .text(asset.revision), .text(asset.productName), .text(asset.modelName),
                    .text(change.change), .integer(change.timestampUs), .text(change.detail), sequence,
                ]
            )
        }
    }

    /// The latest health per sensor: a batch that arrives late does not replace a newer one's.
    private func health() -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO health (sensor_id, sequence, received_us, health) VALUES (?, ?, ?, ?)
            ON CONFLICT (sensor_id) DO UPDATE SET sequence = excluded.sequence, received_us = excluded.received_us,
                health = excluded.health
            WHERE health.sequence < excluded.sequence
            """,
            [sensor, sequence, .integer(receivedAt), .text((try? batch.health.jsonString()) ?? "{}")]
        )
    }
}

/// The schema's range message, shorter.
public typealias UplinkSequenceRange = Otsensor_Uplink_V1_SequenceRange

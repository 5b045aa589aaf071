// SPDX-License-Identifier: Apache-2.0
import Foundation

extension QueryPage {
    /// The page as aligned columns (the CLI's `--format table`), with a last line `more: --after CURSOR` when
    /// there are more rows.
    public func table() -> String {
        let columns = Self.columns(kind)
        var rows = [columns.map(\.0)]
        for item in items {
            rows.append(columns.map { $0.1(item) })
        }
        var widths = [Int](repeating: 0, count: columns.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        var output = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                if index == row.count - 1 {
                    line += cell
                } else {
                    line += cell + String(repeating: " ", count: widths[index] - cell.count + 2)
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            output += line + "\n"
        }
        if let next { output += "more: --after \(next)\n" }
        return output
    }

    private static func text(_ value: JSON?) -> String {
        switch value {
        case .string(let text): text
        case .integer(let number): String(number)
        case .number(let number): String(format: "%.1f", number)
        case .bool(let flag): flag ? "yes" : "no"
        case .array(let values): values.map { text($0) }.joined(separator: ",")
        case .raw(let raw): text(JSON.parse(raw))
        case .null, .none: "-"
        case .object: "{…}"
        }
    }

    private static func field(_ keys: String...) -> (JSON) -> String {
        { item in
            var value: JSON? = item
            for key in keys {
                if case .raw(let raw) = value { value = JSON.parse(raw) }
                value = value?[key]
            }
            return text(value)
        }
    }

    private static func columns(_ kind: QueryKind) -> [(String, (JSON) -> String)] {
        switch kind {
        case .sensors:
            [
                ("SENSOR", field("id")), ("LAST SEEN", field("last_seen")), ("LAST SEQ", field("last_sequence")),
                ("BATCHES", field("batches")), ("LAG S", field("lag_seconds")), ("GAPS", field("gaps", "count")),
                ("LOST", field("losses", "batches")), ("REUSED", field("sequence_reused")),
                ("REVOKED", field("revoked_at")),
            ]
        case .alerts:
            [
                ("TIME", field("timestamp")), ("SENSOR", field("sensor")), ("SEV", field("severity")),
                ("SID", field("signature_id")), ("SRC", { field("src_ip")($0) + ":" + field("src_port")($0) }),
                ("DEST", { field("dest_ip")($0) + ":" + field("dest_port")($0) }),
                ("TECHNIQUES", field("techniques")), ("SIGNATURE", field("signature")),
            ]
        case .assets:
            [
                ("SENSOR", field("sensor")), ("ADDRESS", field("address")), ("ROLES", field("roles")),
                ("UNITS", field("unit_identifiers")), ("DNP3", field("dnp3_addresses")),
                ("VENDOR", field("identity", "vendor")), ("PRODUCT", field("identity", "product_name")),
                ("FIRST SEEN", field("first_seen")), ("LAST SEEN", field("last_seen")),
            ]
        case .summaries:
            [
                ("WINDOW", field("window_start")), ("SENSOR", field("sensor")), ("PROTO", field("app_proto")),
                ("CLIENT", field("client")), ("SERVER", { field("server")($0) + ":" + field("server_port")($0) }),
                ("FLOWS", field("flows")),
                ("PACKETS", { field("packets_to_server")($0) + "/" + field("packets_to_client")($0) }),
                ("BYTES", { field("bytes_to_server")($0) + "/" + field("bytes_to_client")($0) }),
            ]
        case .events:
            [
                ("TIME", field("time")), ("KIND", field("kind")), ("SENSOR", field("sensor")),
                ("SEQUENCE", field("sequence")), ("STORED DIGEST", { String(field("old_digest")($0).prefix(16)) }),
                ("NEW DIGEST", { String(field("new_digest")($0).prefix(16)) }),
            ]
        }
    }
}

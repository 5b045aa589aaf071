// SPDX-License-Identifier: Apache-2.0
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What can be asked for: the HTTP API's `GET /v1/<kind>` and the CLI's `otsensor-center <kind>`.
public enum QueryKind: String, Sendable, CaseIterable {
    case sensors
    case alerts
    case assets
    case summaries
    case events

    /// The filters each kind takes, besides `limit` and `after`.
    public var filters: [String] {
        switch self {
        case .sensors: ["sensor"]
        case .alerts: ["since", "until", "sensor", "severity", "signature", "technique"]
        case .assets: ["sensor"]
        case .summaries: ["since", "until", "sensor", "client", "server", "app_proto"]
        case .events: ["since", "until", "sensor"]
        }
    }
}

/// A query's filters and page, parsed and checked.
public struct QueryFilter: Sendable, Equatable {
    /// Rows per page when `limit` is not given, and the most a page holds.
    public static let defaultLimit = 100
    public static let maximumLimit = 1000

    /// Microseconds; `since` inclusive, `until` exclusive.
    public var since: Int64?
    public var until: Int64?
    public var sensor: String?
    /// 1 to 3: alerts this severe or more (severity <= N).
    public var severity: Int64?
    public var signatureID: Int64?
    /// Lowercased text matched as a substring of the signature message.
    public var signatureText: String?
    public var technique: String?
    public var client: String?
    public var server: String?
    public var appProto: String?
    public var limit: Int = QueryFilter.defaultLimit
    /// The cursor's row key.
    public var after: String?

    public init() {}

    /// Parses parameters (`name`, `value`), refusing names the kind does not take and bad values.
    ///
    /// - Throws: ``QueryError`` naming the parameter.
    public init(kind: QueryKind, parameters: [(String, String)]) throws(QueryError) {
        for (name, value) in parameters {
            switch name {
            case "limit":
                guard let limit = Int(value), (1...Self.maximumLimit).contains(limit) else {
                    throw QueryError("limit: '\(value)' is not a number from 1 to \(Self.maximumLimit)")
                }
                self.limit = limit
            case "after":
                after = try Cursor.decode(value, kind: kind)
            case _ where !kind.filters.contains(name):
                let accepted = (kind.filters + ["limit", "after"]).joined(separator: ", ")
                throw QueryError("\(name): not a filter of \(kind.rawValue) (it takes \(accepted))")
            case "since", "until":
                guard let time = RFC3339.parse(value) else {
                    throw QueryError("\(name): '\(value)' is neither an RFC 3339 time nor Unix seconds")
                }
                if name == "since" { since = time } else { until = time }
            case "sensor":
                guard SensorID.isValid(value) else { throw QueryError("sensor: '\(value)' is not a sensor id") }
                sensor = value
            case "severity":
                guard let severity = Int64(value), (1...3).contains(severity) else {
                    throw QueryError("severity: '\(value)' is not 1, 2 or 3")
                }
                self.severity = severity
            case "signature":
                guard !value.isEmpty else { throw QueryError("signature: empty") }
                if let id = Int64(value), id >= 0 { signatureID = id } else { signatureText = value.lowercased() }
            case "technique":
                guard !value.isEmpty, value.utf8.count <= 32,
                    value.utf8.allSatisfy({
                        ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2E
                    })
                else { throw QueryError("technique: '\(value)' is not a technique id (T0836)") }
                technique = value.uppercased()
            case "client", "server":
                guard let address = Self.canonicalAddress(value) else {
                    throw QueryError("\(name): '\(value)' is not an IPv4 or IPv6 address")
                }
                if name == "client" { client = address } else { server = address }
            case "app_proto":
                guard !value.isEmpty else { throw QueryError("app_proto: empty") }
                appProto = value
            default:
                throw QueryError("\(name): not a filter of \(kind.rawValue)")
            }
        }
        if let since, let until, since >= until {
            throw QueryError("since: must be before until")
        }
    }

    /// The address as the center writes it (so `::ffff:1` and `0:0::ffff:1` match the same rows).
    static func canonicalAddress(_ text: String) -> String? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return AddressText.format(Data(v4)) }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &v6) == 1 { return AddressText.format(Data(v6)) }
        return nil
    }
}

/// The opaque `next`/`after` cursor: the kind and the last row's key, base64url.
enum Cursor {
    static func encode(kind: QueryKind, key: String) -> String {
        Data("\(kind.rawValue):\(key)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String, kind: QueryKind) throws(QueryError) -> String {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let prefix = kind.rawValue + ":"
        guard let data = Data(base64Encoded: base64), let decoded = String(data: data, encoding: .utf8),
            decoded.hasPrefix(prefix)
        else { throw QueryError("after: not a cursor from a \(kind.rawValue) query") }
        let key = String(decoded.dropFirst(prefix.count))
        switch kind {
        case .sensors:
            guard SensorID.isValid(key) else { throw QueryError("after: not a cursor from a sensors query") }
        default:
            guard Int64(key) != nil else { throw QueryError("after: not a cursor from a \(kind.rawValue) query") }
        }
        return key
    }
}

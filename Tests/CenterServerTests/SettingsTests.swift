import Foundation
import Testing

// SPDX-License-Identifier: Apache-2.0
@testable import CenterServer

@Suite struct CompletenessTests {
    @Test func gapsBetweenRanges() {
        #expect(MemoryStore.completeness(of: []) == Completeness(highest: 0, gaps: []))
        #expect(MemoryStore.completeness(of: [1...2, 5...5, 3...3, 4...4]) == Completeness(highest: 5, gaps: []))
        #expect(MemoryStore.completeness(of: [1...1, 4...4, 7...7]) == Completeness(highest: 7, gaps: [2...3, 5...6]))
        #expect(MemoryStore.completeness(of: [3...9, 2...4]) == Completeness(highest: 9, gaps: [1...1]))
        #expect(MemoryStore.completeness(of: [1...10, 2...3, 12...12]).gaps == [11...11])
    }
}

/// Only to reach the protocol extension's static helper.
typealias MemoryStore = FailingStore

@Suite struct QueryFilterTests {
    @Test func parsesEveryFilter() throws {
        let filter = try QueryFilter(
            kind: .alerts,
            parameters: [
                ("since", "2025-11-30T09:00:00Z"), ("until", "1764496800.5"), ("sensor", "plant-1"),
                ("severity", "2"), ("signature", "Write"), ("technique", "t0836"), ("limit", "50"),
            ]
        )
        #expect(filter.since == baseTime)
        #expect(filter.until == 1_764_496_800_500_000)
        #expect(filter.severity == 2)
        #expect(filter.signatureText == "write")
        #expect(filter.signatureID == nil)
        #expect(filter.technique == "T0836")
        #expect(filter.limit == 50)
        #expect(try QueryFilter(kind: .alerts, parameters: [("signature", "2000001")]).signatureID == 2_000_001)
        #expect(try QueryFilter(kind: .summaries, parameters: [("client", "0:0::1")]).client == "::1")
        #expect(QueryFilter().limit == 100)
    }

    @Test(arguments: [
        (QueryKind.alerts, "limit", "0", "limit: '0' is not a number from 1 to 1000"),
        (.alerts, "limit", "1001", "limit: '1001' is not a number from 1 to 1000"),
        (.alerts, "severity", "4", "severity: '4' is not 1, 2 or 3"),
        (.alerts, "since", "yesterday", "since: 'yesterday' is neither an RFC 3339 time nor Unix seconds"),
        (
            .alerts, "client", "10.0.0.1",
            "client: not a filter of alerts (it takes since, until, sensor, severity, signature, technique, limit, after)"
        ),
        (.assets, "since", "1", "since: not a filter of assets (it takes sensor, limit, after)"),
        (.summaries, "server", "10.0.0.300", "server: '10.0.0.300' is not an IPv4 or IPv6 address"),
        (.alerts, "technique", "T08%", "technique: 'T08%' is not a technique id (T0836)"),
        (.alerts, "sensor", "a b", "sensor: 'a b' is not a sensor id"),
        (.events, "after", "garbage!", "after: not a cursor from a events query"),
    ])
    func refusesBadParameters(kind: QueryKind, name: String, value: String, message: String) {
        #expect(throws: QueryError(message)) { try QueryFilter(kind: kind, parameters: [(name, value)]) }
    }

    @Test func cursorRoundTripsAndIsBoundToItsKind() throws {
        let cursor = Cursor.encode(kind: .alerts, key: "42")
        #expect(try Cursor.decode(cursor, kind: .alerts) == "42")
        #expect(throws: QueryError.self) { try Cursor.decode(cursor, kind: .summaries) }
        #expect(!cursor.contains("=") && !cursor.contains("/") && !cursor.contains("+"))
    }

    @Test func timesPrintAsRFC3339InUTC() {
        #expect(RFC3339.format(microseconds: baseTime + 625_169) == "2025-11-30T09:00:00.625169Z")
        #expect(RFC3339.format(microseconds: -1) == "1969-12-31T23:59:59.999999Z")
        #expect(RFC3339.parse("2025-11-30T10:00:00.5+01:00") == baseTime + 500_000)
    }
}

@Suite struct SettingsTests {
    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("center-\(UUID().uuidString).yaml")
            .path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsEveryKey() throws {
        let path = try file(
            """
            listen: 0.0.0.0:9443
            api-listen: "[::1]:9480"
            data-dir: /srv/center
            database: postgres://center:secret@db.example:5433/otsensor?sslmode=require
            tls-certificate: /etc/otsensor/center.pem
            tls-key: /etc/otsensor/center.key
            client-ca: /etc/otsensor/sensors-ca.pem
            max-body-bytes: 1048576
            """
        )
        let settings = try CenterSettings.load(file: path)
        #expect(settings.listen == ListenAddress(host: "0.0.0.0", port: 9443))
        #expect(settings.apiListen == ListenAddress(host: "::1", port: 9480))
        #expect(settings.apiListen.isLoopback)
        #expect(settings.dataDirectory == "/srv/center")
        #expect(settings.maxBodyBytes == 1_048_576)
        #expect(settings.clientCA == "/etc/otsensor/sensors-ca.pem")
        guard case .postgres(let location) = try settings.storeLocation else {
            Issue.record("expected PostgreSQL")
            return
        }
        #expect(location.host == "db.example" && location.port == 5433 && location.user == "center")
        #expect(location.password == "secret" && location.database == "otsensor" && location.tls == .require)
        #expect(!location.description.contains("secret"))
        try settings.validate()
    }

    @Test func errorsNameTheKeyAndLine() throws {
        let unknown = try file("listen: 127.0.0.1:1\nlisten-port: 8443\n")
        #expect(
            throws: ConfigurationError(
                "\(unknown):2: unknown key 'listen-port' (known: \(CenterSettings.keys.joined(separator: ", ")))"
            )
        ) {
            try CenterSettings.load(file: unknown)
        }
        let badPort = try file("api-listen: 127.0.0.1:99999\n")
        #expect(throws: ConfigurationError("\(badPort):1: api-listen: '99999' is not a port (0 to 65535)")) {
            try CenterSettings.load(file: badPort)
        }
        let list = try file("data-dir:\n  - a\n")
        #expect(throws: ConfigurationError("\(list):1: data-dir: expected a single value")) {
            try CenterSettings.load(file: list)
        }
        let url = try file("database: mysql://x@y/z\n")
        #expect(
            throws: ConfigurationError(
                "\(url):1: database: 'mysql://x@y/z' is not a postgres://user@host:port/database URL"
            )
        ) {
            try CenterSettings.load(file: url)
        }
    }

    @Test func refusesPlainHTTPOffLoopbackAndHalfTLS() throws {
        var settings = CenterSettings()
        #expect(throws: ConfigurationError.self) { try settings.validate() }
        settings.listen = ListenAddress(host: "127.0.0.1", port: 0)
        try settings.validate()
        settings.tlsCertificate = "/x.pem"
        #expect(throws: ConfigurationError("tls-certificate and tls-key go together: give both or neither")) {
            try settings.validate()
        }
        settings.tlsCertificate = nil
        settings.clientCA = "/ca.pem"
        #expect(throws: ConfigurationError("client-ca needs tls-certificate and tls-key (mutual TLS is TLS)")) {
            try settings.validate()
        }
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// A listening address, `host:port` (`[v6]:port` for IPv6); port 0 picks a free port.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`.
    ///
    /// - Throws: ``ConfigurationError`` naming `key`.
    public init(parsing text: String, key: String) throws(ConfigurationError) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw ConfigurationError("\(key): '\(text)' is not [host]:port") }
            port = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            throw ConfigurationError("\(key): '\(text)' is not host:port")
        }
        guard !host.isEmpty else { throw ConfigurationError("\(key): '\(text)' names no host") }
        guard let number = Int(port), (0...65535).contains(number) else {
            throw ConfigurationError("\(key): '\(port)' is not a port (0 to 65535)")
        }
        self.host = String(host)
        self.port = number
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether the address is on the loopback interface only (127.0.0.0/8, ::1, localhost).
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, host, &v4) == 1 { return v4[0] == 127 }
        return false
    }
}

/// Everything `otsensor-center serve` needs; the file's keys and the flags have the same names.
public struct CenterSettings: Sendable, Equatable {
    /// The sensors' ingest listener.
    public var listen = ListenAddress(host: "0.0.0.0", port: 8443)
    /// The query API's listener (plain HTTP; loopback by default so analysts' queries stay off the sensors' port).
    public var apiListen = ListenAddress(host: "127.0.0.1", port: 8480)
    public var dataDirectory = "/var/lib/otsensor/center"
    /// A postgres:// URL; nil keeps the data in SQLite in ``dataDirectory``.
    public var database: String?
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// With it, sensors must present a client certificate signed by this CA (mutual TLS).
    public var clientCA: String?
    public var maxBodyBytes = Ingest.defaultMaxBodyBytes

    public init() {}

    /// The keys a configuration file may hold.
    public static let keys = [
        "listen", "api-listen", "data-dir", "database", "tls-certificate", "tls-key", "client-ca", "max-body-bytes",
    ]

    /// Sets one key from text (a file's value or a flag's).
    ///
    /// - Throws: ``ConfigurationError`` naming the key.
    public mutating func set(_ key: String, _ value: String) throws(ConfigurationError) {
        switch key {
        case "listen": listen = try ListenAddress(parsing: value, key: key)
        case "api-listen": apiListen = try ListenAddress(parsing: value, key: key)
        case "data-dir":
            guard !value.isEmpty else { throw ConfigurationError("data-dir: empty") }
            dataDirectory = value
        case "database":
            _ = try PostgresLocation(url: value)
            database = value
        case "tls-certificate": tlsCertificate = try Self.path(value, key)
        case "tls-key": tlsKey = try Self.path(value, key)
        case "client-ca": clientCA = try Self.path(value, key)
        case "max-body-bytes":
            guard let bytes = Int(value), bytes >= 1024, bytes <= 1 << 30 else {
                throw ConfigurationError("max-body-bytes: '\(value)' is not a size from 1024 to 1073741824 bytes")
            }
            maxBodyBytes = bytes
        default:
            throw ConfigurationError("unknown key '\(key)' (known: \(Self.keys.joined(separator: ", ")))")
        }
    }

    private static func path(_ value: String, _ key: String) throws(ConfigurationError) -> String {
        guard !value.isEmpty else { throw ConfigurationError("\(key): empty path") }
        return value
    }

    /// Reads a YAML configuration file: a mapping of ``keys`` to scalars.
    ///
    /// - Throws: ``ConfigurationError`` with the file, the line and the key.
    public static func load(
        file: String,
        into settings: CenterSettings = CenterSettings()
    ) throws(ConfigurationError)
        -> CenterSettings
    {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigurationError("\(file): cannot read the configuration file")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw ConfigurationError(
                "\(file): not YAML: \(String(describing: error).split(separator: "\n").first ?? "")"
            )
        }
        var settings = settings
        guard let node else { return settings }
        guard let mapping = node.mapping else {
            throw ConfigurationError("\(file): the configuration must be a mapping of keys to values")
        }
        for (key, value) in mapping {
            let line = key.mark.map { ":\($0.line)" } ?? ""
            guard let name = key.string else { throw ConfigurationError("\(file)\(line): a key is not text") }
            guard value.scalar != nil, let text = value.string else {
                throw ConfigurationError("\(file)\(line): \(name): expected a single value")
            }
            do {
                try settings.set(name, text)
            } catch {
                throw ConfigurationError("\(file)\(line): \(error.description)")
            }
        }
        return settings
    }

    /// Checks the combination: TLS files go in pairs, a client CA needs TLS, and the ingest listener serves plain
    /// HTTP only on loopback.
    ///
    /// - Throws: ``ConfigurationError``.
    public func validate() throws(ConfigurationError) {
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ConfigurationError("tls-certificate and tls-key go together: give both or neither")
        }
        if clientCA != nil && tlsCertificate == nil {
            throw ConfigurationError("client-ca needs tls-certificate and tls-key (mutual TLS is TLS)")
        }
        if tlsCertificate == nil && !listen.isLoopback {
            throw ConfigurationError(
                "listen: refusing plain HTTP on \(listen) (not loopback): give tls-certificate and tls-key, or listen on 127.0.0.1"
            )
        }
    }

    /// Where the data lives.
    public var storeLocation: StoreLocation {
        get throws(ConfigurationError) {
            if let database { return .postgres(try PostgresLocation(url: database)) }
            return .sqlite(directory: dataDirectory)
        }
    }
}

import Foundation
// SPDX-License-Identifier: Apache-2.0
import SummaryModel

#if canImport(Glibc)
    import Glibc
#endif

// MARK: - Errors

/// A configuration or command-line value that is wrong: one line naming the key (the CLI exits with status 2).
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A query parameter that is wrong (HTTP 400, CLI status 2).
public struct QueryError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Storage trouble that is not the database's own error.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The database did not answer in time.
    case timedOut
    /// `sensor add` for an id that is enrolled (without `replace`).
    case sensorExists(String)
    /// `sensor revoke` for an id that is not enrolled.
    case unknownSensor(String)

    public var description: String {
        switch self {
        case .timedOut: "the database did not answer in time"
        case .sensorExists(let id): "sensor '\(id)' is already enrolled (use --replace to give it a new key)"
        case .unknownSensor(let id): "no sensor '\(id)' is enrolled"
        }
    }
}

// MARK: - Time

/// Wall-clock time in microseconds since the Unix epoch (what the center stamps receptions and events with).
public enum WallClock {
    public static func microseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}

/// RFC 3339 times, as the center prints and reads them.
public enum RFC3339 {
    /// `2026-11-30T09:53:07.625169Z` (microseconds, UTC).
    public static func format(microseconds: Int64) -> String {
        let (seconds, fraction) = microseconds.quotientAndRemainder(dividingBy: 1_000_000)
        let wholeSeconds = fraction < 0 ? seconds - 1 : seconds
        let micros = fraction < 0 ? fraction + 1_000_000 : fraction
        var time = time_t(wholeSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec),
            Int(micros)
        )
    }

    /// Reads an RFC 3339 time (`2026-11-30T09:53:07Z`, with optional fraction and offset) or Unix seconds (`1764496387`,
    /// `1764496387.5`) as microseconds.
    public static func parse(_ text: String) -> Int64? {
        if let seconds = Double(text), seconds.isFinite, abs(seconds) < 1e11 {
            return Int64((seconds * 1_000_000).rounded())
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
        return nil
    }
}

// MARK: - Addresses

enum AddressText {
    /// An IPv4 or IPv6 address (4 or 16 octets, network order) as text; other lengths as hex, empty as "".
    static func format(_ bytes: Data) -> String {
        let octets = [UInt8](bytes)
        switch octets.count {
        case 4:
            return octets.map(String.init).joined(separator: ".")
        case 16:
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let ok = octets.withUnsafeBytes { raw in
                inet_ntop(AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
            }
            if ok { return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            return hex(octets)
        default:
            return hex(octets)
        }
    }

    static func hex(_ octets: [UInt8]) -> String {
        octets.map { String(format: "%02x", $0) }.joined()
    }

    /// A MAC address kept in the low 48 bits of an integer, as `aa:bb:cc:dd:ee:ff`.
    static func mac(_ value: UInt64) -> String {
        (0..<6).reversed().map { String(format: "%02x", (value >> (UInt64($0) * 8)) & 0xFF) }.joined(separator: ":")
    }
}

// MARK: - Sensor ids

public enum SensorID {
    /// Whether `id` is 1 to 64 characters of `[A-Za-z0-9._-]`.
    public static func isValid(_ id: String) -> Bool { BatchEnvelope.isValidSensorID(id) }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Logging

/// swift-log records as one JSON object per line on standard error (`logging: format: json`), for journald's
/// structured fields or a log shipper: `{"timestamp":…,"level":"info","label":"otsensor","message":…,` then the
/// metadata as string members.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let label: String
    private static let lock = NSLock()

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = "{\"timestamp\":\(Self.quoted(Self.now())),\"level\":\(Self.quoted(event.level.rawValue))"
        line += ",\"label\":\(Self.quoted(label)),\"message\":\(Self.quoted(event.message.description))"
        for key in merged.keys.sorted() {
            line += ",\(Self.quoted(key)):\(Self.value(merged[key]!))"
        }
        line += "}\n"
        Self.lock.lock()
        FileHandle.standardError.write(Data(line.utf8))
        Self.lock.unlock()
    }

    /// UTC, microseconds: `2026-11-30T16:42:30.123456Z`.
    static func now() -> String {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        var parts = tm()
        var seconds = time.tv_sec
        gmtime_r(&seconds, &parts)
        let micro = time.tv_nsec / 1000
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let fraction =
            String(micro).count < 6 ? String(repeating: "0", count: 6 - String(micro).count) + "\(micro)" : "\(micro)"
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(fraction)Z"
    }

    /// A metadata value as JSON: numbers and booleans given as such stay numbers, arrays stay arrays, the rest
    /// are strings.
    static func value(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): return quoted(text)
        case .stringConvertible(let item):
            if item is Int || item is Int64 || item is UInt64 || item is Bool { return item.description }
            if let number = item as? Double, number.isFinite { return item.description }
            return quoted(item.description)
        case .array(let items): return "[" + items.map(Self.value).joined(separator: ",") + "]"
        case .dictionary(let items):
            return "{" + items.keys.sorted().map { quoted($0) + ":" + Self.value(items[$0]!) }.joined(separator: ",")
                + "}"
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped.
    public static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case let control where control.value < 0x20 || control.value == 0x7F:
                let hex = String(control.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

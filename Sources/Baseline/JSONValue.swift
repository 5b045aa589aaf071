// SPDX-License-Identifier: Apache-2.0

/// A JSON document (RFC 8259) with object members kept in the order written, so that a model file reads the same
/// way every time it is written and a person's edits keep their place.
///
/// The model file is small and read once, so this is a plain tree; the packet path never sees it.
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// Integers are kept exact (every count and address in a model is an integer).
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.integer(let a), .number(let b)), (.number(let b), .integer(let a)): return Double(a) == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The member `key` of an object (the first, if a person wrote it twice; the parser refuses that).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for (name, value) in members where name == key { return value }
        return nil
    }
}

// MARK: - Writing

extension JSONValue {
    /// The document as text: two-space indentation, one member per line, except that objects and arrays of plain
    /// values that fit in `width` columns stay on one line (a block, a value range, a list of units).
    public func formatted(width: Int = 118) -> String {
        var out = ""
        write(into: &out, indent: 0, width: width)
        out += "\n"
        return out
    }

    private func write(into out: inout String, indent: Int, width: Int) {
        switch self {
        case .array(let items) where !items.isEmpty:
            // Only a flat value is tried on one line (compacting a whole subtree first would make printing
            // quadratic in depth).
            if isFlat {
                let inline = compact()
                if indent + inline.count <= width {
                    out += inline
                    return
                }
            }
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                item.write(into: &out, indent: indent + 2, width: width)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case .object(let members) where !members.isEmpty:
            if isFlat {
                let inline = compact()
                if indent + inline.count <= width {
                    out += inline
                    return
                }
            }
            out += "{\n"
            for (index, (name, value)) in members.enumerated() {
                out += String(repeating: " ", count: indent + 2) + Self.quoted(name) + ": "
                value.write(into: &out, indent: indent + 2, width: width)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        default:
            out += compact()
        }
    }

    /// Whether every member or element is a plain value (no nested object or array).
    private var isFlat: Bool {
        switch self {
        case .array(let items): return items.allSatisfy(\.isScalar)
        case .object(let members): return members.allSatisfy { $0.1.isScalar }
        default: return true
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array(let items): return items.isEmpty
        case .object(let members): return members.isEmpty
        default: return true
        }
    }

    /// The document on one line, with a space after each `:` and `,`.
    public func compact() -> String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return String(value)
        case .number(let value):
            guard value.isFinite else { return "null" }
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .string(let value): return Self.quoted(value)
        case .array(let items): return "[" + items.map { $0.compact() }.joined(separator: ", ") + "]"
        case .object(let members):
            return "{" + members.map { Self.quoted($0.0) + ": " + $0.1.compact() }.joined(separator: ", ") + "}"
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20 || c.value == 0x7F:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

// MARK: - Parsing

/// Why a JSON text could not be read: the line and column (1-based, in characters) and what was wrong.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(line):\(column): \(message)" }
    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }
}

extension JSONValue {
    /// The most nested arrays and objects accepted: a model is six levels deep; 64 leaves room for a person's
    /// additions and keeps a hostile file from exhausting the stack.
    public static let maxNesting = 64

    /// Reads a JSON text (RFC 8259): one value, surrounded by optional whitespace. Duplicate member names are
    /// refused, since the model's meaning would depend on which one a reader keeps.
    ///
    /// - Throws: ``JSONParseError`` with the line and column of the first problem.
    public init(parsing text: String) throws(JSONParseError) {
        var parser = Parser(bytes: Array(text.utf8))
        // A UTF-8 byte order mark may open the text (RFC 8259 §8.1 lets a reader ignore it).
        if parser.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { parser.index = 3 }
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("text after the JSON value") }
        self = value
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        func error(_ message: String) -> JSONParseError {
            var line = 1
            var lineStart = 0
            for position in 0..<min(index, bytes.count) where bytes[position] == UInt8(ascii: "\n") {
                line += 1
                lineStart = position + 1
            }
            // Columns count characters, not octets.
            let column =
                String(decoding: bytes[lineStart..<min(index, bytes.count)], as: UTF8.self).count + 1
            return JSONParseError(line: line, column: column, message: message)
        }

        mutating func skipWhitespace() {
            while index < bytes.count,
                bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
            {
                index += 1
            }
        }

        mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
            guard index < bytes.count else { throw error("the text ends where a value was expected") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                guard depth < JSONValue.maxNesting else {
                    throw error("more than \(JSONValue.maxNesting) nested objects and arrays")
                }
                index += 1
                var members: [(String, JSONValue)] = []
                var names: Set<String> = []
                skipWhitespace()
                if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object([])
                }
                while true {
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                        throw error("a member name in double quotes was expected")
                    }
                    let nameStart = index
                    let name = try string()
                    guard names.insert(name).inserted else {
                        index = nameStart
                        throw error("the member \"\(name)\" appears twice in one object")
                    }
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                        throw error("':' was expected after the member name")
                    }
                    index += 1
                    skipWhitespace()
                    members.append((name, try value(depth: depth + 1)))
                    skipWhitespace()
                    guard index < bytes.count else { throw error("the object is not closed with '}'") }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    guard bytes[index] == UInt8(ascii: "}") else { throw error("',' or '}' was expected") }
                    index += 1
                    return .object(members)
                }
            case UInt8(ascii: "["):
                guard depth < JSONValue.maxNesting else {
                    throw error("more than \(JSONValue.maxNesting) nested objects and arrays")
                }
                index += 1
                var items: [JSONValue] = []
                skipWhitespace()
                if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array([])
                }
                while true {
                    skipWhitespace()
                    items.append(try value(depth: depth + 1))
                    skipWhitespace()
                    guard index < bytes.count else { throw error("the array is not closed with ']'") }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    guard bytes[index] == UInt8(ascii: "]") else { throw error("',' or ']' was expected") }
                    index += 1
                    return .array(items)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return try number()
            default:
                throw error("a value was expected")
            }
        }

        mutating func literal(_ word: String) throws(JSONParseError) {
            for expected in word.utf8 {
                guard index < bytes.count, bytes[index] == expected else { throw error("'\(word)' was expected") }
                index += 1
            }
        }

        mutating func number() throws(JSONParseError) -> JSONValue {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            func digits(_ parser: inout Parser) -> Int {
                let from = parser.index
                while parser.index < parser.bytes.count,
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index])
                {
                    parser.index += 1
                }
                return parser.index - from
            }
            let integerDigits = digits(&self)
            guard integerDigits > 0 else { throw error("a digit was expected") }
            guard integerDigits == 1 || bytes[index - integerDigits] != UInt8(ascii: "0") else {
                index -= integerDigits
                throw error("a number may not start with 0")
            }
            var isInteger = true
            if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
                index += 1
                isInteger = false
                guard digits(&self) > 0 else { throw error("a digit was expected after '.'") }
            }
            if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
                index += 1
                isInteger = false
                if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                    index += 1
                }
                guard digits(&self) > 0 else { throw error("a digit was expected in the exponent") }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if isInteger, let value = Int64(text) { return .integer(value) }
            guard let value = Double(text), value.isFinite else {
                index = start
                throw error("the number \(text.count > 32 ? text.prefix(32) + "..." : text) is out of range")
            }
            return .number(value)
        }

        mutating func string() throws(JSONParseError) -> String {
            index += 1  // the opening quote
            // Most strings have no escape: decoded in one step.
            var end = index
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"),
                bytes[end] >= 0x20
            {
                end += 1
            }
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[index..<end], as: UTF8.self)
                index = end + 1
                return text
            }
            var scalars = String.UnicodeScalarView()
            var runStart = index
            func flush(_ parser: Parser, _ scalars: inout String.UnicodeScalarView, to end: Int) {
                scalars.append(contentsOf: String(decoding: parser.bytes[runStart..<end], as: UTF8.self).unicodeScalars)
            }
            while true {
                guard index < bytes.count else { throw error("the string is not closed") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    flush(self, &scalars, to: index)
                    index += 1
                    return String(scalars)
                }
                guard byte >= 0x20 else { throw error("a control character inside a string (write it as \\u00XX)") }
                guard byte == UInt8(ascii: "\\") else {
                    index += 1
                    continue
                }
                flush(self, &scalars, to: index)
                index += 1
                guard index < bytes.count else { throw error("the string is not closed") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800...0xDBFF).contains(code) {
                        // A surrogate pair (RFC 8259 §7).
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                            bytes[index + 1] == UInt8(ascii: "u")
                        else { throw error("a lone high surrogate in \\u escape") }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("a bad low surrogate") }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { throw error("a lone surrogate in \\u escape") }
                    scalars.append(scalar)
                default:
                    index -= 1
                    throw error("an unknown escape in a string")
                }
                runStart = index
            }
        }

        mutating func hex4() throws(JSONParseError) -> UInt32 {
            guard index + 4 <= bytes.count,
                bytes[index..<index + 4].allSatisfy({
                    ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66)
                }),
                let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else { throw error("four hex digits were expected after \\u") }
            index += 4
            return value
        }
    }
}

// SPDX-License-Identifier: Apache-2.0

extension Detection {
    /// Where something is in a rule file: 1-based line and column (in characters).
    public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var column: Int

        public init(file: String, line: Int, column: Int) {
            self.file = file
            self.line = line
            self.column = column
        }

        public var description: String { "\(file):\(line):\(column)" }
    }

    /// A problem in a rule file, at its place, in plain words: printed as `file:line:column: message`.
    public struct RuleError: Error, Hashable, Sendable, CustomStringConvertible {
        public var location: SourceLocation
        public var message: String

        public init(_ message: String, at location: SourceLocation) {
            self.location = location
            self.message = message
        }

        public var description: String { "\(location): \(message)" }
    }

    /// One logical rule line: physical lines joined where they end with a backslash (Suricata's continuation),
    /// each character remembering where it came from, so errors point into the file as written.
    struct LogicalLine {
        var text: [Character]
        var locations: [SourceLocation]

        func location(at index: Int) -> SourceLocation {
            if index < locations.count { return locations[index] }
            return locations.last.map { SourceLocation(file: $0.file, line: $0.line, column: $0.column + 1) }
                ?? SourceLocation(file: "", line: 0, column: 0)
        }
    }

    /// Splits a rule file into logical lines, dropping blank lines and `#` comments (Suricata's rule file format).
    static func logicalLines(of text: String, file: String) -> [LogicalLine] {
        var result: [LogicalLine] = []
        var current = LogicalLine(text: [], locations: [])
        var lineNumber = 0
        // Lines end at LF, CRLF (one Character in Swift) or CR.
        for physical in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            var characters = Array(physical)
            // A byte-order mark at the start of the file is not text.
            if lineNumber == 1 && characters.first == "\u{FEFF}" { characters.removeFirst() }
            // A comment or a blank line outside a rule is skipped whole, even when it ends in a backslash (as
            // Suricata's loader checks comments before continuations).
            if current.text.isEmpty {
                let first = characters.first { $0 != " " && $0 != "\t" }
                if first == nil || first == "#" { continue }
            }
            // A backslash continues the line even with spaces after it (Suricata trims them first).
            while let last = characters.last, last == " " || last == "\t" { characters.removeLast() }
            let continues = characters.last == "\\"
            if continues { characters.removeLast() }
            for (index, character) in characters.enumerated() {
                current.text.append(character)
                current.locations.append(SourceLocation(file: file, line: lineNumber, column: index + 1))
            }
            if continues { continue }
            let trimmed = current.text.drop { $0 == " " || $0 == "\t" }
            if !trimmed.isEmpty && trimmed.first != "#" { result.append(current) }
            current = LogicalLine(text: [], locations: [])
        }
        if !current.text.isEmpty { result.append(current) }
        return result
    }
}

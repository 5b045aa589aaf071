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
    /// each character remembering its line and column (compactly: a rule of 100 characters keeps 800 octets of
    /// positions), so errors point into the file as written.
    struct LogicalLine {
        var file: String
        var text: [Character]
        var lines: [Int32]
        var columns: [Int32]

        init(file: String, text: [Character] = [], lines: [Int32] = [], columns: [Int32] = []) {
            self.file = file
            self.text = text
            self.lines = lines
            self.columns = columns
        }

        func location(at index: Int) -> SourceLocation {
            if index < lines.count {
                return SourceLocation(file: file, line: Int(lines[index]), column: Int(columns[index]))
            }
            guard let line = lines.last, let column = columns.last else {
                return SourceLocation(file: file, line: 0, column: 0)
            }
            return SourceLocation(file: file, line: Int(line), column: Int(column) + 1)
        }
    }

    /// Splits a rule file into logical lines, dropping blank lines and `#` comments (Suricata's rule file format).
    /// Lines are handed to `body` one at a time, so a file of 100,000 rules never holds them all.
    static func forEachLogicalLine(of text: String, file: String, _ body: (LogicalLine) -> Void) {
        var current = LogicalLine(file: file)
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
                current.lines.append(Int32(truncatingIfNeeded: lineNumber))
                current.columns.append(Int32(truncatingIfNeeded: index + 1))
            }
            if continues { continue }
            let trimmed = current.text.drop { $0 == " " || $0 == "\t" }
            if !trimmed.isEmpty && trimmed.first != "#" { body(current) }
            current = LogicalLine(file: file)
        }
        if !current.text.isEmpty { body(current) }
    }
}

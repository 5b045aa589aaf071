// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorEngine
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Standard output as a record output.
final class StandardOutput: RecordOutput {
    /// Why writing failed (disk full, a closed pipe); later writes are dropped.
    private(set) var failure: String?
    /// Called before each write: clears a progress bar sharing the terminal.
    var beforeWrite: () -> Void = {}

    func write(_ bytes: [UInt8]) {
        guard failure == nil else { return }
        beforeWrite()
        do {
            try FileHandle.standardOutput.write(contentsOf: Data(bytes))
        } catch {
            failure = "\(error.localizedDescription)"
        }
    }
}

enum StandardError {
    /// While set, written text is collected here instead (a running sensor's reload logs it as structured lines).
    private static let collected = Mutex<[String]?>(nil)

    static func write(_ text: String) {
        let captured = collected.withLock { lines -> Bool in
            guard lines != nil else { return false }
            lines?.append(contentsOf: text.split(separator: "\n").map(String.init))
            return true
        }
        if !captured { try? FileHandle.standardError.write(contentsOf: Data(text.utf8)) }
    }

    /// Runs `body`, returning the lines it wrote to standard error instead of writing them.
    static func collecting<T>(_ body: () throws -> T) rethrows -> (T, [String]) {
        collected.withLock { $0 = [] }
        defer { collected.withLock { $0 = nil } }
        let result = try body()
        return (result, collected.withLock { $0 ?? [] })
    }

    static var isTerminal: Bool { isatty(2) == 1 }
}

enum Terminal {
    static var standardOutputIsTerminal: Bool { isatty(1) == 1 }

    /// Text for a terminal: control characters (in a rule's message, a path) shown as `\u{..}`, never sent raw.
    static func safe(_ text: String, keepingNewlines: Bool = false) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if keepingNewlines && scalar == "\n" {
                result.unicodeScalars.append(scalar)
            } else if (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
                || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
            {
                // Control characters, and the bidirectional overrides that reorder what a terminal shows.
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

// SPDX-License-Identifier: Apache-2.0
public import WireFormat

/// A reused byte buffer that writes compact JSON the way Suricata's JsonBuilder does: no whitespace, keys in the
/// order written, control characters escaped with lowercase `\u00xx` (suricata-eve.md §0). STYLE.md §13: EVE
/// output goes through this, not `JSONEncoder`.
public struct JSONBuffer: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next member of the current object or array needs a comma first.
    private var needsComma = false

    public init(capacity: Int = 1 << 16) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends one byte as it is.
    mutating func appendBytes(_ byte: UInt8) {
        bytes.append(byte)
    }

    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    // MARK: - Structure

    public mutating func beginObject() {
        separator()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func beginObject(_ key: String) {
        self.key(key)
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray(_ key: String) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    public mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        needsComma = false
    }

    private mutating func separator() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func key(_ key: String) {
        let comma = needsComma
        // Keys are our own ASCII literals (contiguous UTF-8): nothing to escape.
        let utf8 = key.utf8.span
        bytes.append(addingCapacity: utf8.count + 4) { output in
            if comma { output.append(0x2C) }  // ,
            output.append(0x22)
            for index in 0..<utf8.count { output.append(utf8[index]) }
            output.append(0x22)
            output.append(0x3A)  // :
        }
        needsComma = true
    }

    // MARK: - Members

    public mutating func member(_ key: String, _ value: Int) {
        self.key(key)
        appendDecimal(value)
    }

    public mutating func member(_ key: String, _ value: UInt64) {
        self.key(key)
        appendDecimal(value)
    }

    public mutating func member(_ key: String, _ value: Bool) {
        self.key(key)
        appendLiteral(value ? "true" : "false")
    }

    public mutating func member(_ key: String, _ value: String) {
        self.key(key)
        appendString(value)
    }

    /// A member whose value is a number with `fractionDigits` decimals, from an integer scaled by 10^digits.
    public mutating func member(_ key: String, scaled value: Int64, fractionDigits: Int) {
        self.key(key)
        var divisor: Int64 = 1
        for _ in 0..<fractionDigits { divisor *= 10 }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        appendDecimal(UInt64(magnitude / UInt64(divisor)))
        let fraction = magnitude % UInt64(divisor)
        if fraction != 0 {
            bytes.append(UInt8(ascii: "."))
            var digits = fractionDigits
            var remainder = fraction
            var trimmed = divisor / 10
            while digits > 0 {
                let digit = remainder / UInt64(trimmed)
                bytes.append(UInt8(ascii: "0") + UInt8(digit))
                remainder %= UInt64(trimmed)
                digits -= 1
                if remainder == 0 { break }
                trimmed /= 10
            }
        }
    }

    /// A floating-point member written as Rust's `f64` Display does, which Suricata uses (suricata-eve.md §0):
    /// the shortest digits that read back to the same value, no exponent, no `.0` on whole numbers. NaN and the
    /// infinities, which Suricata writes as the invalid JSON `NaN` and `inf`, are written as the strings `"NaN"`,
    /// `"inf"` and `"-inf"` so that the line stays valid JSON.
    public mutating func member(_ key: String, double value: Double) {
        self.key(key)
        if value.isNaN {
            appendString("NaN")
            return
        }
        if value.isInfinite {
            appendString(value < 0 ? "-inf" : "inf")
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            appendDecimal(Int(value))
            return
        }
        // Swift's description is the shortest round-trip form, with an exponent outside 1e-4 ..< 2^53; expand it.
        let text = value.description
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            appendLiteral(text)
            return
        }
        let exponent = Int(text[text.index(after: e)...]) ?? 0
        var mantissa = String(text[..<e])
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerDigits = String(parts[0])
        let fractionDigits = parts.count > 1 ? String(parts[1]) : ""
        var digits = integerDigits + fractionDigits
        var point = integerDigits.count + exponent
        if point <= 0 {
            digits = String(repeating: "0", count: 1 - point) + digits
            point = 1
        } else if point > digits.count {
            digits += String(repeating: "0", count: point - digits.count)
        }
        var integer = String(digits.prefix(point))
        var fraction = String(digits.dropFirst(point))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        while integer.count > 1 && integer.hasPrefix("0") { integer.removeFirst() }
        appendLiteral((negative ? "-" : "") + integer + (fraction.isEmpty ? "" : "." + fraction))
    }

    /// A member whose value is the bytes in standard base64 with padding (suricata-eve.md §0).
    public mutating func member(_ key: String, base64 value: borrowing Span<UInt8>) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        var index = 0
        while index < value.count {
            let b0 = UInt32(value[index])
            let b1 = index + 1 < value.count ? UInt32(value[index + 1]) : 0
            let b2 = index + 2 < value.count ? UInt32(value[index + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            bytes.append(Self.base64Digit(triple >> 18))
            bytes.append(Self.base64Digit(triple >> 12))
            bytes.append(index + 1 < value.count ? Self.base64Digit(triple >> 6) : UInt8(ascii: "="))
            bytes.append(index + 2 < value.count ? Self.base64Digit(triple) : UInt8(ascii: "="))
            index += 3
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func base64Digit(_ value: UInt32) -> UInt8 {
        let sixBits = UInt8(value & 0x3F)
        switch sixBits {
        case 0..<26: return UInt8(ascii: "A") + sixBits
        case 26..<52: return UInt8(ascii: "a") + sixBits - 26
        case 52..<62: return UInt8(ascii: "0") + sixBits - 52
        case 62: return UInt8(ascii: "+")
        default: return UInt8(ascii: "/")
        }
    }

    /// A member whose value is Suricata's "string from bytes": the bytes as a JSON string when they are UTF-8,
    /// otherwise bytes below 0x80 as characters and each other byte as the text `\xNN` (suricata-eve.md §0).
    public mutating func member(_ key: String, bytesAsString value: borrowing Span<UInt8>) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        var valid = true
        var index = 0
        // UTF-8 validation (RFC 3629 §4), without decoding into a String.
        while index < value.count {
            let lead = value[index]
            let length: Int
            switch lead {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: length = 0
            }
            if length == 0 || index + length > value.count {
                valid = false
                break
            }
            var continuationOK = true
            for k in 1..<max(length, 1) where value[index + k] & 0xC0 != 0x80 { continuationOK = false }
            if length == 3 && lead == 0xE0 && value[index + 1] < 0xA0 { continuationOK = false }
            if length == 3 && lead == 0xED && value[index + 1] > 0x9F { continuationOK = false }
            if length == 4 && lead == 0xF0 && value[index + 1] < 0x90 { continuationOK = false }
            if length == 4 && lead == 0xF4 && value[index + 1] > 0x8F { continuationOK = false }
            if !continuationOK {
                valid = false
                break
            }
            index += length
        }
        // At most 6 output bytes per input byte (\u00xx); one reservation, then plain writes.
        bytes.append(addingCapacity: value.count * 6 + 1) { output in
            for i in 0..<value.count {
                let byte = value[i]
                if valid || byte < 0x80 {
                    Self.writeEscaped(byte, to: &output)
                } else {
                    // The text \xNN inside a JSON string is written \\xNN.
                    output.append(UInt8(ascii: "\\"))
                    output.append(UInt8(ascii: "\\"))
                    output.append(UInt8(ascii: "x"))
                    output.append(Self.hexDigit(byte >> 4))
                    output.append(Self.hexDigit(byte & 0x0F))
                }
            }
            output.append(UInt8(ascii: "\""))
        }
    }

    /// A member whose value is an array of unsigned integers, `count` of them, each given by `value`.
    public mutating func member(_ key: String, integers count: Int, _ value: (Int) -> UInt64) {
        self.key(key)
        // At most 21 bytes per value ("18446744073709551615,"), plus the brackets.
        bytes.append(addingCapacity: count * 21 + 2) { output in
            output.append(UInt8(ascii: "["))
            for index in 0..<count {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeDecimal(value(index), to: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
        needsComma = true
    }

    private static func writeDecimal(_ value: UInt64, to output: inout OutputSpan<UInt8>) {
        var divisor: UInt64 = 1
        while value / divisor >= 10 { divisor *= 10 }
        var remaining = value
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8(remaining / divisor))
            remaining %= divisor
            divisor /= 10
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    @inline(__always)
    private static func writeEscaped(_ byte: UInt8, to output: inout OutputSpan<UInt8>) {
        // RFC 8259 §7, with Suricata's choices: the short forms for \b \t \n \f \r, lowercase \u00xx otherwise.
        if byte >= 0x20 && byte != 0x22 && byte != 0x5C {
            output.append(byte)
            return
        }
        output.append(0x5C)  // backslash
        switch byte {
        case 0x22, 0x5C: output.append(byte)
        case 0x08: output.append(0x62)  // b
        case 0x09: output.append(0x74)  // t
        case 0x0A: output.append(0x6E)  // n
        case 0x0C: output.append(0x66)  // f
        case 0x0D: output.append(0x72)  // r
        default:
            output.append(0x75)  // u
            output.append(0x30)
            output.append(0x30)
            output.append(hexDigit(byte >> 4))
            output.append(hexDigit(byte & 0x0F))
        }
    }

    /// A member whose value is the capture time in Suricata's format, in UTC: `2024-03-05T14:22:01.123456+0000`.
    public mutating func member(_ key: String, timestamp: CaptureTimestamp) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        appendTimestamp(timestamp)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Starts a member with a key and leaves the value to the caller (an array of numbers, say).
    public mutating func rawKey(_ key: String) {
        self.key(key)
        needsComma = false
    }

    /// A bare number inside an array.
    public mutating func element(_ value: Int) {
        separator()
        appendDecimal(value)
        needsComma = true
    }

    /// A bare string inside an array.
    public mutating func element(_ value: String) {
        separator()
        appendString(value)
        needsComma = true
    }

    // MARK: - Scalars

    public mutating func appendString(_ value: String) {
        var value = value
        value.makeContiguousUTF8()
        let utf8 = value.utf8.span
        bytes.append(addingCapacity: utf8.count * 6 + 2) { output in
            output.append(0x22)  // "
            for index in 0..<utf8.count { Self.writeEscaped(utf8[index], to: &output) }
            output.append(0x22)
        }
    }

    private mutating func appendLiteral(_ value: String) {
        for byte in value.utf8 { bytes.append(byte) }
    }

    @inline(__always)
    private mutating func appendEscaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
        case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
        case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
        case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
        case 0x00..<0x20:
            for c in "\\u00".utf8 { bytes.append(c) }
            appendHexByte(byte)
        default: bytes.append(byte)
        }
    }

    private mutating func appendHexByte(_ byte: UInt8) {
        let high = byte >> 4
        let low = byte & 0x0F
        bytes.append(high < 10 ? UInt8(ascii: "0") + high : UInt8(ascii: "a") + high - 10)
        bytes.append(low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10)
    }

    public mutating func appendDecimal(_ value: Int) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            appendDecimal(UInt64(value.magnitude))
        } else {
            appendDecimal(UInt64(value))
        }
    }

    public mutating func appendDecimal(_ value: UInt64) {
        bytes.append(addingCapacity: 20) { Self.writeDecimal(value, to: &$0) }  // UInt64.max has 20 digits
    }

    public mutating func appendTimestamp(_ timestamp: CaptureTimestamp) {
        let (year, month, day, hour, minute, second) = CivilTime.components(ofUnixSeconds: timestamp.seconds)
        appendPadded(year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        appendPadded(day, width: 2)
        bytes.append(UInt8(ascii: "T"))
        appendPadded(hour, width: 2)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(minute, width: 2)
        bytes.append(UInt8(ascii: ":"))
        appendPadded(second, width: 2)
        bytes.append(UInt8(ascii: "."))
        appendPadded(Int(timestamp.microseconds), width: 6)
        for c in "+0000".utf8 { bytes.append(c) }
    }

    public mutating func appendPadded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var remaining = max(value, 0)
        if remaining >= divisor * 10 {
            appendDecimal(remaining)
            return
        }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(remaining / divisor))
            remaining %= divisor
            divisor /= 10
        }
    }
}

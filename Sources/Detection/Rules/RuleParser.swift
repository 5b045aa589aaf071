// SPDX-License-Identifier: Apache-2.0
import ModbusTCP
import NetworkLayers

extension Detection {
    /// The rules of one file, and what was wrong with the rest.
    public struct RuleParseResult: Sendable {
        public var rules: [Rule] = []
        /// Rules that could not be parsed, one error each (the first problem found), at its place.
        public var errors: [RuleError] = []
        /// Rules accepted with a caveat (`drop` and `reject` act as `alert` on a passive sensor; a `subfunction`
        /// on a function other than 8 never matches, as in Suricata).
        public var warnings: [RuleError] = []
    }

    /// Parses a file of rules in Suricata's syntax: one rule per line, lines continued with a backslash, `#`
    /// comments. A hand-written scanner and recursive descent (STYLE.md §8); an unknown keyword or a malformed
    /// option is an error, never ignored.
    public static func parseRules(_ text: String, file: String) -> RuleParseResult {
        var result = RuleParseResult()
        forEachLogicalLine(of: text, file: file) { line in
            var parser = RuleLineParser(line: line)
            do throws(RuleError) {
                let rule = try parser.parse()
                if rule.action == .drop || rule.action == .reject {
                    result.warnings.append(
                        RuleError(
                            "'\(rule.action.rawValue)' acts as 'alert' on a passive sensor (sid \(rule.sid))",
                            at: rule.location
                        )
                    )
                }
                if let event = rule.appLayerEvent, !Detection.raisedEvents.contains(event),
                    !Detection.suricataOnlyEvents.contains(event)
                {
                    // Suricata skips a rule naming an event it does not know and loads the rest; so do we, aloud.
                    result.warnings.append(
                        RuleError(
                            "unknown event '\(event)'; this rule never matches (sid \(rule.sid))",
                            at: rule.location
                        )
                    )
                }
                if [.tcp, .udp, .ip].contains(rule.proto) && rule.modbus == nil && !rule.hasDNP3Keyword
                    && rule.appLayerEvent == nil
                {
                    result.warnings.append(
                        RuleError(
                            "a \(rule.proto.rawValue) rule without a modbus, dnp3 or app-layer-event keyword never matches: this sensor inspects Modbus and DNP3 messages (sid \(rule.sid))",
                            at: rule.location
                        )
                    )
                }
                if rule.modbus != nil && rule.flow?.toClient == true {
                    result.warnings.append(
                        RuleError(
                            "modbus: inspects requests, which run to_server; with flow:to_client this rule never matches (sid \(rule.sid))",
                            at: rule.location
                        )
                    )
                }
                if let modbus = rule.modbus, modbus.subfunction != nil, modbus.function != 8 {
                    // Suricata accepts it and compares only diagnostic sub-functions, so the rule never matches.
                    result.warnings.append(
                        RuleError(
                            "subfunction only matches function 8 (diagnostics); this rule never matches (sid \(rule.sid))",
                            at: rule.location
                        )
                    )
                }
                result.rules.append(rule)
            } catch {
                result.errors.append(error)
            }
        }
        return result
    }
}

extension Detection {
    /// An address group's value as a configuration file gives it (`"[10.0.0.0/8, !10.1.0.0/16]"`, `any`,
    /// `$HOME_NET`), with the rule header's syntax; errors point at `file:line`.
    public static func parseAddressGroup(_ text: String, file: String, line: Int) throws(RuleError) -> AddressSpec {
        let parser = RuleLineParser(line: groupLine(text, file: file, line: line))
        return try parser.address(text.trimmingSpaces, at: 0)
    }

    /// A port group's value (`"502"`, `"[502, 1000:1010]"`, `any`).
    public static func parsePortGroup(_ text: String, file: String, line: Int) throws(RuleError) -> PortSpec {
        let parser = RuleLineParser(line: groupLine(text, file: file, line: line))
        return try parser.ports(text.trimmingSpaces, at: 0)
    }

    private static func groupLine(_ text: String, file: String, line: Int) -> LogicalLine {
        let characters = Array(text.trimmingSpaces)
        return LogicalLine(
            file: file,
            text: characters,
            lines: Array(repeating: Int32(truncatingIfNeeded: line), count: characters.count),
            columns: characters.indices.map { Int32(truncatingIfNeeded: $0 + 1) }
        )
    }
}

/// Parses one logical rule line.
struct RuleLineParser {
    typealias Rule = Detection.Rule
    let line: Detection.LogicalLine
    private var index = 0

    init(line: Detection.LogicalLine) { self.line = line }

    private var text: [Character] { line.text }

    private func error(_ message: String, at position: Int) -> Detection.RuleError {
        Detection.RuleError(message, at: line.location(at: position))
    }

    private mutating func skipSpaces() {
        while index < text.count && (text[index] == " " || text[index] == "\t") { index += 1 }
    }

    // MARK: - Header

    /// The next header word: up to whitespace or `(`, with brackets kept together (`[1.2.3.4, 5.6.7.8]`).
    private mutating func headerWord() -> (String, Int)? {
        skipSpaces()
        let start = index
        var depth = 0
        while index < text.count {
            let character = text[index]
            if character == "[" { depth += 1 }
            if character == "]" { depth -= 1 }
            if depth == 0 && (character == " " || character == "\t" || character == "(") { break }
            index += 1
        }
        return index > start ? (String(text[start..<index]), start) : nil
    }

    mutating func parse() throws(Detection.RuleError) -> Rule {
        guard let (actionWord, actionAt) = headerWord() else { throw error("empty rule", at: 0) }
        guard let action = Detection.Action(rawValue: actionWord) else {
            throw error("unknown action '\(actionWord)' (alert, pass, drop or reject)", at: actionAt)
        }
        guard let (protoWord, protoAt) = headerWord() else { throw error("the rule ends after its action", at: index) }
        guard let proto = Detection.RuleProtocol(rawValue: protoWord) else {
            throw error("unknown protocol '\(protoWord)' (modbus, dnp3, tcp, udp or ip)", at: protoAt)
        }
        var fields: [(String, Int)] = []
        for _ in 0..<5 {
            guard let word = headerWord() else {
                throw error(
                    "the header needs source, source port, direction, destination and destination port",
                    at: index
                )
            }
            fields.append(word)
        }
        let source = try address(fields[0].0, at: fields[0].1)
        let sourcePorts = try ports(fields[1].0, at: fields[1].1)
        let bidirectional: Bool
        switch fields[2].0 {
        case "->": bidirectional = false
        case "<>": bidirectional = true
        default: throw error("the direction must be '->' or '<>', not '\(fields[2].0)'", at: fields[2].1)
        }
        let destination = try address(fields[3].0, at: fields[3].1)
        let destinationPorts = try ports(fields[4].0, at: fields[4].1)
        var rule = Rule(
            action: action,
            proto: proto,
            source: source,
            sourcePorts: sourcePorts,
            bidirectional: bidirectional,
            destination: destination,
            destinationPorts: destinationPorts,
            location: line.location(at: actionAt)
        )
        skipSpaces()
        guard index < text.count && text[index] == "(" else {
            throw error("expected '(' before the options", at: index)
        }
        index += 1
        try parseOptions(into: &rule)
        guard rule.sid != 0 else { throw error("the rule has no sid", at: actionAt) }
        return rule
    }

    /// The public function a name stands for: Suricata's EVE spelling or the specification's name in snake case,
    /// either case.
    static func modbusFunction(named word: String) -> UInt8? {
        let wanted = word.lowercased()
        for code in UInt8(1)...UInt8(127) {
            let function = Modbus.FunctionCode(code)
            if function.suricataName != "Unknown" && function.suricataName.lowercased() == wanted { return code }
            if let name = function.specificationName {
                let snake = String(name.lowercased().map { $0 == " " || $0 == "/" ? "_" : $0 })
                if snake == wanted { return code }
            }
        }
        return nil
    }

    /// Lists and negations inside one address or port field: real headers use two or three; a limit keeps a
    /// hostile file from exhausting the stack.
    static let maxNesting = 16

    func address(
        _ word: String,
        at position: Int,
        nesting: Int = 0
    ) throws(Detection.RuleError)
        -> Detection.AddressSpec
    {
        guard nesting <= Self.maxNesting else {
            throw error("lists and negations nest deeper than \(Self.maxNesting)", at: position)
        }
        if word == "any" { return .any }
        if word == "!any" { throw error("'!any' matches no address", at: position) }
        if word.hasPrefix("!") {
            return .negated(try address(String(word.dropFirst()), at: position + 1, nesting: nesting + 1))
        }
        if word.hasPrefix("$") {
            let name = String(word.dropFirst())
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw error("'\(word)' is not a variable name", at: position)
            }
            return .variable(name)
        }
        if word.hasPrefix("[") {
            guard word.hasSuffix("]") else { throw error("an address list must end with ']'", at: position) }
            var items: [Detection.AddressSpec] = []
            var offset = position + 1
            for part in splitList(String(word.dropFirst().dropLast())) {
                let trimmed = part.trimmingSpaces
                guard !trimmed.isEmpty else { throw error("an empty item in an address list", at: offset) }
                items.append(try address(trimmed, at: offset + part.leadingSpaces, nesting: nesting + 1))
                offset += part.count + 1
            }
            return .list(items)
        }
        guard let network = Self.parseNetwork(word) else {
            throw error(
                "'\(word)' is not an address, a network (address/prefix), a $VARIABLE, a list or any",
                at: position
            )
        }
        return .network(network)
    }

    func ports(_ word: String, at position: Int, nesting: Int = 0) throws(Detection.RuleError) -> Detection.PortSpec {
        guard nesting <= Self.maxNesting else {
            throw error("lists and negations nest deeper than \(Self.maxNesting)", at: position)
        }
        if word == "any" { return .any }
        if word == "!any" { throw error("'!any' matches no port", at: position) }
        if word.hasPrefix("!") {
            return .negated(try ports(String(word.dropFirst()), at: position + 1, nesting: nesting + 1))
        }
        if word.hasPrefix("$") { return .variable(String(word.dropFirst())) }
        if word.hasPrefix("[") {
            guard word.hasSuffix("]") else { throw error("a port list must end with ']'", at: position) }
            var items: [Detection.PortSpec] = []
            var offset = position + 1
            for part in splitList(String(word.dropFirst().dropLast())) {
                let trimmed = part.trimmingSpaces
                guard !trimmed.isEmpty else { throw error("an empty item in a port list", at: offset) }
                items.append(try ports(trimmed, at: offset + part.leadingSpaces, nesting: nesting + 1))
                offset += part.count + 1
            }
            return .list(items)
        }
        if let colon = word.firstIndex(of: ":") {
            let low = word[..<colon].isEmpty ? 0 : UInt16(word[..<colon])
            let high = word[word.index(after: colon)...].isEmpty ? 65535 : UInt16(word[word.index(after: colon)...])
            guard let low, let high, low <= high else {
                throw error("'\(word)' is not a port range (low:high, 0-65535)", at: position)
            }
            return .range(low, high)
        }
        guard let port = UInt16(word) else {
            throw error("'\(word)' is not a port (0-65535), a range, a list or any", at: position)
        }
        return .port(port)
    }

    /// Splits at top-level commas (nested brackets kept together).
    private func splitList(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "[" { depth += 1 }
            if character == "]" { depth -= 1 }
            if character == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    /// An IPv4 or IPv6 address with an optional `/prefix`.
    static func parseNetwork(_ word: String) -> Detection.Network? {
        var addressText = Substring(word)
        var prefix: Int?
        if let slash = word.firstIndex(of: "/") {
            addressText = word[..<slash]
            guard let length = Int(word[word.index(after: slash)...]) else { return nil }
            prefix = length
        }
        if let v4 = IPAddress.parseIPv4(addressText) {
            let length = prefix ?? 32
            guard (0...32).contains(length) else { return nil }
            return Detection.Network(address: IPAddress(ipv4: v4), prefixLength: length)
        }
        if let (high, low) = IPAddress.parseIPv6(addressText) {
            let length = prefix ?? 128
            guard (0...128).contains(length) else { return nil }
            return Detection.Network(address: IPAddress(ipv6High: high, low: low), prefixLength: length)
        }
        return nil
    }

    // MARK: - Options

    /// `name[:value];` pairs up to the closing parenthesis; `;` and `"` inside quoted values, and `\;` `\"` `\\`
    /// escapes, as Suricata allows.
    /// Options a rule takes once (Suricata refuses a second `sid`, `rev`, `msg`, `threshold`; a second `modbus:` or
    /// `app-layer-event` would silently replace the first here, so it is refused too).
    static let singleOptions: Set<String> = [
        "msg", "sid", "rev", "gid", "classtype", "priority", "flow", "modbus", "app-layer-event", "threshold",
        "detection_filter",
    ]

    private mutating func parseOptions(into rule: inout Rule) throws(Detection.RuleError) {
        var sticky: String?  // the sticky buffer contents apply to (`dnp3_data`)
        var seen: Set<String> = []
        while true {
            skipSpaces()
            guard index < text.count else { throw error("the options are not closed with ')'", at: index) }
            if text[index] == ")" {
                index += 1
                skipSpaces()
                guard index == text.count else { throw error("text after the closing ')'", at: index) }
                return
            }
            let nameStart = index
            while index < text.count && text[index] != ":" && text[index] != ";" && text[index] != ")" { index += 1 }
            let name = String(text[nameStart..<index]).trimmingSpaces
            guard !name.isEmpty else { throw error("an empty option", at: nameStart) }
            var value: String?
            var valueStart = index
            if index < text.count && text[index] == ":" {
                index += 1
                skipSpaces()
                valueStart = index
                var raw = ""
                var quoted = false
                while index < text.count {
                    let character = text[index]
                    if character == "\\" && index + 1 < text.count {
                        raw.append(character)
                        raw.append(text[index + 1])
                        index += 2
                        continue
                    }
                    if character == "\"" { quoted.toggle() }
                    if character == ";" && !quoted { break }
                    raw.append(character)
                    index += 1
                }
                guard !quoted else { throw error("a quoted value is not closed", at: valueStart) }
                value = raw.trimmingSpaces
            }
            guard index < text.count && text[index] == ";" else {
                throw error("option '\(name)' must end with ';'", at: index)
            }
            index += 1
            if Self.singleOptions.contains(name) {
                guard seen.insert(name).inserted else { throw error("'\(name)' is given twice", at: nameStart) }
            }
            try apply(name: name, value: value, at: nameStart, valueAt: valueStart, sticky: &sticky, to: &rule)
        }
    }

    private func number<T: FixedWidthInteger>(
        _ text: String?,
        _ option: String,
        at position: Int,
        as: T.Type = T.self
    ) throws(Detection.RuleError) -> T {
        guard let text, !text.isEmpty else { throw error("'\(option)' needs a number", at: position) }
        // Digits only: Swift's parser would take a sign ("+7", "-0").
        let isHex = text.lowercased().hasPrefix("0x")
        let digits = isHex ? text.dropFirst(2) : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ isHex ? $0.isHexDigit : $0.isASCII && $0.isNumber }) else {
            throw error("'\(option)' needs a number in range, not '\(text)'", at: position)
        }
        let parsed = isHex ? T(digits, radix: 16) : T(digits)
        guard let parsed else { throw error("'\(option)' needs a number in range, not '\(text)'", at: position) }
        return parsed
    }

    private mutating func apply(
        name: String,
        value: String?,
        at position: Int,
        valueAt: Int,
        sticky: inout String?,
        to rule: inout Rule
    ) throws(Detection.RuleError) {
        func requireValue() throws(Detection.RuleError) -> String {
            guard let value, !value.isEmpty else { throw error("'\(name)' needs a value", at: position) }
            return value
        }
        func noValue() throws(Detection.RuleError) {
            guard value == nil else { throw error("'\(name)' takes no value", at: valueAt) }
        }
        switch name {
        case "msg":
            rule.message = try quotedString(try requireValue(), at: valueAt)
        case "sid":
            rule.sid = try number(value, name, at: valueAt)
            guard rule.sid > 0 else { throw error("sid must be above 0", at: valueAt) }
        case "rev":
            rule.rev = try number(value, name, at: valueAt)
        case "gid":
            rule.gid = try number(value, name, at: valueAt)
        case "classtype":
            let classtype = try requireValue()
            guard classtype.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw error("'\(classtype)' is not a classtype name", at: valueAt)
            }
            rule.classtype = classtype
        case "priority":
            let priority: Int = try number(value, name, at: valueAt)
            guard (1...255).contains(priority) else { throw error("priority must be 1-255", at: valueAt) }
            rule.priority = priority
        case "reference":
            let reference = try requireValue()
            guard reference.contains(",") else { throw error("a reference is 'type,id'", at: valueAt) }
            rule.references.append(reference)
        case "metadata":
            for item in try requireValue().split(separator: ",", omittingEmptySubsequences: false) {
                let pair = item.trimmingSpaces
                guard !pair.isEmpty else { throw error("an empty metadata item", at: valueAt) }
                rule.metadata.append(pair)
            }
        case "flow":
            var flow = rule.flow ?? Detection.FlowOptions()
            for item in try requireValue().split(separator: ",", omittingEmptySubsequences: false) {
                switch item.trimmingSpaces {
                case "": throw error("an empty flow option", at: valueAt)
                case "to_server", "from_client": flow.toServer = true
                case "to_client", "from_server": flow.toClient = true
                case "established": flow.established = true
                case "not_established": flow.notEstablished = true
                case "stateless": break
                case let other: throw error("unknown flow option '\(other)'", at: valueAt)
                }
            }
            guard !(flow.toServer && flow.toClient) else {
                throw error("flow cannot be both to_server and to_client", at: valueAt)
            }
            guard !(flow.established && flow.notEstablished) else {
                throw error("flow cannot be both established and not_established", at: valueAt)
            }
            rule.flow = flow
        case "modbus":
            guard rule.proto == .modbus || rule.proto == .tcp else {
                throw error("'modbus' applies to modbus rules", at: position)
            }
            rule.modbus = try modbusMatch(try requireValue(), at: valueAt)
        case "dnp3_func", "dnp3.func":
            try requireDNP3(rule, name, at: position)
            for item in try requireValue().split(separator: ",", omittingEmptySubsequences: false) {
                guard !item.trimmingSpaces.isEmpty else { throw error("an empty function in \(name)", at: valueAt) }
                rule.dnp3Functions.append(try dnp3Function(item.trimmingSpaces, at: valueAt))
            }
        case "dnp3_ind", "dnp3.ind":
            try requireDNP3(rule, name, at: position)
            var conditions: [Detection.IndicatorCondition] = []
            for item in try requireValue().split(separator: ",", omittingEmptySubsequences: false) {
                var word = item.trimmingSpaces
                guard !word.isEmpty else { throw error("an empty indication in \(name)", at: valueAt) }
                let negated = word.hasPrefix("!")
                if negated { word.removeFirst() }
                if let mask = Self.indicatorNames[word] {
                    conditions.append(Detection.IndicatorCondition(mask: mask, negated: negated))
                } else if let mask: UInt16 = try? number(word, name, at: valueAt) {
                    conditions.append(Detection.IndicatorCondition(mask: mask, negated: negated))
                } else {
                    throw error("unknown internal indication '\(word)'", at: valueAt)
                }
            }
            rule.dnp3Indicators.append(conditions)
        case "dnp3_obj", "dnp3.obj":
            try requireDNP3(rule, name, at: position)
            let parts = try requireValue().split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw error("dnp3_obj is 'group,variation'", at: valueAt) }
            let group: UInt8 = try number(parts[0].trimmingSpaces, name, at: valueAt)
            let variation: UInt8 = try number(parts[1].trimmingSpaces, name, at: valueAt)
            rule.dnp3Objects.append([group, variation])
        case "dnp3_data", "dnp3.data":
            try requireDNP3(rule, name, at: position)
            try noValue()
            sticky = "dnp3_data"
        case "content":
            guard sticky == "dnp3_data" else {
                throw error("'content' must follow a buffer keyword (dnp3_data)", at: position)
            }
            var raw = try requireValue()
            let negated = raw.hasPrefix("!")
            if negated { raw = String(raw.dropFirst()).trimmingSpaces }
            var content = Detection.ContentMatch(
                bytes: try contentBytes(try quotedString(raw, at: valueAt), at: valueAt)
            )
            content.negated = negated
            guard !content.bytes.isEmpty else { throw error("an empty content", at: valueAt) }
            rule.dnp3Data.append(content)
        case "nocase", "offset", "depth", "distance", "within":
            guard !rule.dnp3Data.isEmpty else { throw error("'\(name)' must follow a content", at: position) }
            let last = rule.dnp3Data.count - 1
            var content = rule.dnp3Data[last]
            let length = content.bytes.count
            // Bounds as Suricata's (65,535 is larger than any fragment); each modifier once per content; absolute
            // (offset, depth) and relative (distance, within) do not mix on one content.
            func bounded(_ low: Int, _ high: Int) throws(Detection.RuleError) -> Int {
                let text = value ?? ""
                let negative = text.hasPrefix("-")
                let magnitude: Int = try number(negative ? String(text.dropFirst()) : text, name, at: valueAt)
                let result = negative ? -magnitude : magnitude
                guard result >= low && result <= high else {
                    throw error("'\(name)' must be from \(low) to \(high), not \(result)", at: valueAt)
                }
                return result
            }
            func once(_ present: Bool) throws(Detection.RuleError) {
                guard !present else { throw error("'\(name)' is given twice for one content", at: position) }
            }
            switch name {
            case "nocase":
                try noValue()
                try once(content.nocase)
                content.nocase = true
            case "offset":
                try once(content.offset != nil)
                content.offset = try bounded(0, 65_535)
            case "depth":
                try once(content.depth != nil)
                content.depth = try bounded(max(length, 1), 65_535)
            case "distance":
                try once(content.distance != nil)
                content.distance = try bounded(-65_535, 65_535)
            default:
                try once(content.within != nil)
                content.within = try bounded(max(length, 1), 65_535)
            }
            if (content.offset != nil || content.depth != nil) && (content.distance != nil || content.within != nil) {
                throw error("offset and depth (absolute) do not mix with distance and within (relative)", at: position)
            }
            rule.dnp3Data[last] = content
        case "app-layer-event":
            let event = try requireValue()
            let parts = event.split(separator: ".")
            guard parts.count == 2, ["modbus", "dnp3"].contains(String(parts[0])) else {
                throw error("app-layer-event is 'modbus.<event>' or 'dnp3.<event>', not '\(event)'", at: valueAt)
            }
            let name = event.lowercased()
            let proto = String(parts[0])
            guard rule.proto.rawValue == proto || [.tcp, .udp, .ip].contains(rule.proto) else {
                throw error("a \(rule.proto.rawValue) rule cannot match the \(proto) event '\(event)'", at: valueAt)
            }
            rule.appLayerEvent = name
        case "threshold":
            rule.threshold = try threshold(try requireValue(), detectionFilter: false, at: valueAt)
        case "detection_filter":
            rule.detectionFilter = try threshold(try requireValue(), detectionFilter: true, at: valueAt)
        default:
            throw error("unknown keyword '\(name)'", at: position)
        }
    }

    private func requireDNP3(_ rule: Rule, _ name: String, at position: Int) throws(Detection.RuleError) {
        guard rule.proto == .dnp3 || rule.proto == .tcp || rule.proto == .udp else {
            throw error("'\(name)' applies to dnp3 rules", at: position)
        }
    }

    /// A quoted string value with `\"`, `\;` and `\\` escapes.
    private func quotedString(_ raw: String, at position: Int) throws(Detection.RuleError) -> String {
        guard raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") else {
            throw error("expected a quoted string", at: position)
        }
        var result = ""
        var escaped = false
        for character in raw.dropFirst().dropLast() {
            if escaped {
                result.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// Content text with `|hex|` blocks.
    private func contentBytes(_ text: String, at position: Int) throws(Detection.RuleError) -> [UInt8] {
        var bytes: [UInt8] = []
        var inHex = false
        var pending = ""
        for character in text {
            if character == "|" {
                guard pending.isEmpty else { throw error("an odd number of hex digits in content", at: position) }
                inHex.toggle()
                continue
            }
            if inHex {
                if character == " " { continue }
                guard character.isHexDigit else {
                    throw error("'\(character)' is not a hex digit in content", at: position)
                }
                pending.append(character)
                if pending.count == 2 {
                    bytes.append(UInt8(pending, radix: 16) ?? 0)
                    pending = ""
                }
            } else {
                bytes.append(contentsOf: Array(String(character).utf8))
            }
        }
        guard !inHex else { throw error("a hex block in content is not closed with '|'", at: position) }
        return bytes
    }

    private func dnp3Function(_ word: String, at position: Int) throws(Detection.RuleError) -> UInt8 {
        if let code = Self.functionNames[word.lowercased()] { return code }
        if let code = UInt8(word) { return code }
        throw error("unknown DNP3 function '\(word)'", at: position)
    }

    private func threshold(
        _ text: String,
        detectionFilter: Bool,
        at position: Int
    ) throws(Detection.RuleError)
        -> Detection.Threshold
    {
        var kind: Detection.Threshold.Kind? = detectionFilter ? .detectionFilter : nil
        var track: Detection.Threshold.Track?
        var count: Int?
        var seconds: Int?
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let words = item.split(separator: " ").map(String.init)
            guard words.count == 2 else { throw error("'\(item.trimmingSpaces)' is not 'name value'", at: position) }
            switch words[0] {
            case "type" where !detectionFilter:
                guard let parsed = Detection.Threshold.Kind(rawValue: words[1]), parsed != .detectionFilter else {
                    throw error("threshold type is limit, threshold or both", at: position)
                }
                kind = parsed
            case "track":
                guard let parsed = Detection.Threshold.Track(rawValue: words[1]) else {
                    throw error("track is by_src, by_dst, by_rule or by_both", at: position)
                }
                track = parsed
            case "count":
                let parsed: UInt32 = try number(words[1], "count", at: position)
                count = Int(parsed)
            case "seconds":
                let parsed: UInt32 = try number(words[1], "seconds", at: position)
                seconds = Int(parsed)
            default:
                throw error(
                    "unknown \(detectionFilter ? "detection_filter" : "threshold") field '\(words[0])'",
                    at: position
                )
            }
        }
        guard let kind, let track, let count, let seconds, count > 0, seconds > 0 else {
            throw error(
                "\(detectionFilter ? "detection_filter" : "threshold") needs \(detectionFilter ? "" : "type, ")track, count and seconds (count and seconds above 0)",
                at: position
            )
        }
        return Detection.Threshold(kind: kind, track: track, count: count, seconds: seconds)
    }

    // MARK: - modbus:

    /// Suricata's `modbus:` grammar: `function [!]N|category [, subfunction N]`, `access read|write [table[,
    /// address R[, value R]]]`, and `unit R` alone or first; R is `N`, `N<>M`, `>N` or `<N`.
    private func modbusMatch(_ text: String, at position: Int) throws(Detection.RuleError) -> Detection.ModbusMatch {
        var match = Detection.ModbusMatch()
        var hasFunctionOrAccess = false
        for item in text.split(separator: ",") {
            let words = item.split(separator: " ").map(String.init)
            guard let keyword = words.first else { throw error("an empty modbus item", at: position) }
            switch keyword {
            case "unit":
                guard words.count == 2 else { throw error("'unit' takes one value", at: position) }
                guard match.unit == nil else { throw error("'unit' is given twice", at: position) }
                match.unit = try range(words[1], upTo: 255, at: position)
            case "function":
                guard words.count == 2 else { throw error("'function' takes one value", at: position) }
                guard !hasFunctionOrAccess else {
                    throw error("a modbus keyword names one function or one access", at: position)
                }
                hasFunctionOrAccess = true
                var word = words[1]
                if word.hasPrefix("!") {
                    match.functionNegated = true
                    word.removeFirst()
                }
                if let category = Detection.ModbusMatch.Category(rawValue: word) {
                    match.category = category
                } else if let code = UInt8(word), code < 128 {
                    match.function = code
                } else if let code = Self.modbusFunction(named: word) {
                    // Ours: a function by name, as EVE writes it (`RdHoldRegs`) or as the specification names it
                    // (`read_holding_registers`); Suricata takes numbers and categories only.
                    match.function = code
                } else {
                    throw error(
                        "'\(word)' is not a function code (0-127), a function name (RdHoldRegs, read_holding_registers) or a category (assigned, unassigned, public, user, reserved, all)",
                        at: position
                    )
                }
            case "subfunction":
                guard words.count == 2, let code = UInt16(words[1]) else {
                    throw error("'subfunction' takes a number (0-65535)", at: position)
                }
                guard match.function != nil, !match.functionNegated else {
                    throw error("subfunction follows a function number ('function 8, subfunction 4')", at: position)
                }
                match.subfunction = code
            case "access":
                guard !hasFunctionOrAccess else {
                    throw error("a modbus keyword names one function or one access", at: position)
                }
                hasFunctionOrAccess = true
                guard words.count == 2 || words.count == 3 else {
                    throw error("'access' is 'access read|write [table]'", at: position)
                }
                switch words[1] {
                case "read": match.accessWrite = false
                case "write": match.accessWrite = true
                default: throw error("access is read or write, not '\(words[1])'", at: position)
                }
                if words.count == 3 {
                    guard let table = Detection.ModbusMatch.Table(rawValue: words[2]) else {
                        throw error("'\(words[2])' is not a table (discretes, coils, input, holding)", at: position)
                    }
                    if match.accessWrite == true && (table == .discretes || table == .input) {
                        throw error("\(table.rawValue) are read-only: they cannot be written", at: position)
                    }
                    match.table = table
                }
            case "address":
                // As in Suricata, the table is optional: `access write, address 11` is any write that covers it.
                guard match.accessWrite != nil else { throw error("address follows an access", at: position) }
                guard words.count == 2 else { throw error("'address' takes one value", at: position) }
                guard match.address == nil else { throw error("'address' is given twice", at: position) }
                // 1-based: PDU addresses 0-65535 are rule addresses 1-65536.
                match.address = try range(words[1], upTo: 65_536, at: position)
            case "value":
                guard match.accessWrite == true, match.address != nil else {
                    throw error("value applies only to write access with an address", at: position)
                }
                guard words.count == 2 else { throw error("'value' takes one value", at: position) }
                guard match.value == nil else { throw error("'value' is given twice", at: position) }
                match.value = try range(words[1], upTo: 65_535, at: position)
            default:
                throw error("unknown modbus option '\(keyword)'", at: position)
            }
        }
        guard hasFunctionOrAccess || match.unit != nil else {
            throw error("modbus needs a function, an access or a unit", at: position)
        }
        return match
    }

    /// `N`, `N<>M` (exclusive: some value must lie strictly between), `>N` or `<N`, every number at most `limit`
    /// and written in digits (Suricata's `parse_range`).
    private func range(
        _ word: String,
        upTo limit: UInt64,
        at position: Int
    ) throws(Detection.RuleError)
        -> Detection.NumberRange
    {
        func value(_ text: Substring) throws(Detection.RuleError) -> UInt64 {
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt64(text) else {
                throw error("'\(word)' is not a number, N<>M, >N or <N", at: position)
            }
            guard value <= limit else { throw error("'\(word)': \(value) is above \(limit)", at: position) }
            return value
        }
        if word.hasPrefix(">") {
            let low = try value(word.dropFirst())
            guard low < limit else { throw error("'\(word)' leaves no value (at most \(limit))", at: position) }
            return .greater(low)
        }
        if word.hasPrefix("<") {
            let high = try value(word.dropFirst())
            guard high > 0 else { throw error("'\(word)' leaves no value", at: position) }
            return .less(high)
        }
        if let between = word.firstRange(of: "<>") {
            let low = try value(word[..<between.lowerBound])
            let high = try value(word[between.upperBound...])
            guard high > low + 1 else {
                throw error("'\(word)' leaves no value strictly between its ends", at: position)
            }
            return .between(low, high)
        }
        return .equal(try value(Substring(word)))
    }

    // MARK: - Names

    /// Suricata's DNP3 function names (detect-dnp3.c).
    static let functionNames: [String: UInt8] = [
        "confirm": 0, "read": 1, "write": 2, "select": 3, "operate": 4, "direct_operate": 5,
        "direct_operate_nr": 6, "immed_freeze": 7, "immed_freeze_nr": 8, "freeze_clear": 9, "freeze_clear_nr": 10,
        "freeze_at_time": 11, "freeze_at_time_nr": 12, "cold_restart": 13, "warm_restart": 14,
        "initialize_data": 15, "initialize_appl": 16, "start_appl": 17, "stop_appl": 18, "save_config": 19,
        "enable_unsolicited": 20, "disable_unsolicited": 21, "assign_class": 22, "delay_measure": 23,
        "record_current_time": 24, "open_file": 25, "close_file": 26, "delete_file": 27, "get_file_info": 28,
        "authenticate_file": 29, "abort_file": 30, "activate_config": 31, "authenticate_req": 32,
        "authenticate_err": 33, "response": 129, "unsolicited_response": 130, "authenticate_resp": 131,
    ]

    /// IIN bit names as Suricata's `dnp3_ind` accepts them.
    static let indicatorNames: [String: UInt16] = [
        "all_stations": 0x0100, "class_1_events": 0x0200, "class_2_events": 0x0400, "class_3_events": 0x0800,
        "need_time": 0x1000, "local_control": 0x2000, "device_trouble": 0x4000, "device_restart": 0x8000,
        "no_func_code_support": 0x0001, "object_unknown": 0x0002, "parameter_error": 0x0004,
        "event_buffer_overflow": 0x0008, "already_executing": 0x0010, "config_corrupt": 0x0020,
        "reserved_2": 0x0040, "reserved_1": 0x0080,
    ]
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }

    /// The number of leading spaces and tabs.
    var leadingSpaces: Int { prefix { $0 == " " || $0 == "\t" }.count }
}

extension Detection {
    /// The application-layer events the decoders raise (`app-layer-event:` names), Suricata's and ours.
    public static let raisedEvents: Set<String> = [
        "modbus.invalid_protocol_id", "modbus.invalid_length", "modbus.invalid_value", "modbus.invalid_function_code",
        "modbus.invalid_exception_code", "modbus.value_mismatch", "modbus.unsolicited_response", "modbus.flooded",
        "modbus.invalid_coil_value", "modbus.reserved_function_code", "modbus.unassigned_function_code",
        "modbus.truncated_adu_at_eof", "modbus.unanswered_request", "modbus.protocol_mismatch_on_modbus_port",
        "modbus.unverified_adu_discarded", "modbus.exception_flood",
        "dnp3.flooded", "dnp3.len_too_small", "dnp3.bad_link_crc", "dnp3.bad_transport_crc", "dnp3.unknown_object",
        "dnp3.malformed", "dnp3.too_many_points", "dnp3.too_many_objects", "dnp3.too_long_reassembly",
        "dnp3.no_start_bytes", "dnp3.truncated_link_frame", "dnp3.app_header_too_short",
        "dnp3.dir_bit_inconsistent_with_flow_side", "dnp3.protocol_mismatch_on_dnp3_port",
        "dnp3.too_many_reassemblies", "dnp3.transport_unexpected_segment", "dnp3.transport_out_of_sequence",
        "dnp3.transport_incomplete_fragment_discarded", "dnp3.transport_duplicate_segment",
        "dnp3.range_stop_lt_start", "dnp3.variation_zero_in_response", "dnp3.unanswered_request",
    ]

    /// Events Suricata names that no decoder here raises: a rule on one loads quietly (Suricata's own event rules
    /// keep their sids) and never matches.
    public static let suricataOnlyEvents: Set<String> = ["modbus.invalid_unit_identifier"]
}

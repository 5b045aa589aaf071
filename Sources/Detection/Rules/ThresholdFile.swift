// SPDX-License-Identifier: Apache-2.0

extension Detection {
    /// One line of a threshold file in the format of Suricata's `threshold.config`.
    public enum ThresholdDirective: Hashable, Sendable {
        /// How a `suppress` line chooses the alerts it removes.
        public enum SuppressTrack: String, Hashable, Sendable {
            case bySource = "by_src"
            case byDestination = "by_dst"
            case byEither = "by_either"
        }

        /// `threshold` (or `event_filter`) for `gid:sid`: replaces the rule's own `threshold` and
        /// `detection_filter`. `sid 0` means every rule of the generator, `gid 0, sid 0` every rule; such global
        /// lines apply only to rules that have no threshold of their own, as in Suricata.
        case threshold(gid: UInt32, sid: UInt32, Threshold, at: SourceLocation)
        /// `suppress` for `gid:sid`: no alert at all, or, with a track and addresses, none whose source
        /// (`by_src`), destination (`by_dst`) or either (`by_either`) is in `addresses`.
        case suppress(gid: UInt32, sid: UInt32, track: SuppressTrack?, addresses: AddressSpec?, at: SourceLocation)
    }

    /// Reads a threshold file: `threshold`, `event_filter` and `suppress` lines in Suricata's syntax
    /// (`threshold gen_id 1, sig_id 4100001, type limit, track by_src, count 1, seconds 60`,
    /// `suppress gen_id 1, sig_id 4100010, track by_src, ip 10.1.0.0/24`), `#` comments and blank lines ignored.
    /// `rate_filter` changes a rule's action on an inline sensor; on a passive sensor it is an error.
    ///
    /// - Throws: ``RuleError`` at the first malformed line.
    public static func parseThresholdFile(_ text: String, file: String) throws(RuleError) -> [ThresholdDirective] {
        var directives: [ThresholdDirective] = []
        // Lines end at LF, CRLF (one Character in Swift) or CR.
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let at = SourceLocation(file: file, line: offset + 1, column: line.count - trimmed.count + 1)
            let keyword = String(trimmed.prefix { $0 != " " && $0 != "\t" })
            var fields: [String: String] = [:]
            var order: [String] = []
            for item in splitTopLevel(trimmed.dropFirst(keyword.count)) {
                let words = item.split(separator: " ", maxSplits: 1).map { String($0).trimmingSpaces }
                guard words.count == 2, !words[1].isEmpty else {
                    throw RuleError("'\(item.trimmingSpaces)' is not 'name value'", at: at)
                }
                guard fields[words[0]] == nil else { throw RuleError("'\(words[0])' is given twice", at: at) }
                fields[words[0]] = words[1]
                order.append(words[0])
            }
            func number(_ name: String, _ range: ClosedRange<UInt64>) throws(RuleError) -> UInt64 {
                guard let text = fields[name] else { throw RuleError("'\(keyword)' needs \(name)", at: at) }
                guard let value = UInt64(text), range.contains(value) else {
                    throw RuleError(
                        "\(name) '\(text)' is not a number from \(range.lowerBound) to \(range.upperBound)",
                        at: at
                    )
                }
                return value
            }
            func only(_ allowed: [String]) throws(RuleError) {
                for name in order where !allowed.contains(name) {
                    throw RuleError("'\(keyword)' takes \(allowed.joined(separator: ", ")), not '\(name)'", at: at)
                }
            }
            switch keyword {
            case "threshold", "event_filter":
                try only(["gen_id", "sig_id", "type", "track", "count", "seconds"])
                let gid = UInt32(try number("gen_id", 0...UInt64(UInt32.max)))
                let sid = UInt32(try number("sig_id", 0...UInt64(UInt32.max)))
                guard let kindText = fields["type"], let kind = Threshold.Kind(rawValue: kindText),
                    kind != .detectionFilter
                else {
                    throw RuleError("type is limit, threshold or both", at: at)
                }
                guard let trackText = fields["track"], let track = Threshold.Track(rawValue: trackText) else {
                    throw RuleError("track is by_src, by_dst, by_rule or by_both", at: at)
                }
                let count = Int(try number("count", 1...1_000_000_000))
                let seconds = Int(try number("seconds", 1...31_536_000))
                directives.append(
                    .threshold(
                        gid: gid,
                        sid: sid,
                        Threshold(kind: kind, track: track, count: count, seconds: seconds),
                        at: at
                    )
                )
            case "suppress":
                try only(["gen_id", "sig_id", "track", "ip"])
                let gid = UInt32(try number("gen_id", 0...UInt64(UInt32.max)))
                let sid = UInt32(try number("sig_id", 0...UInt64(UInt32.max)))
                var track: ThresholdDirective.SuppressTrack?
                var addresses: AddressSpec?
                if let trackText = fields["track"] {
                    guard let parsed = ThresholdDirective.SuppressTrack(rawValue: trackText) else {
                        throw RuleError("a suppress track is by_src, by_dst or by_either", at: at)
                    }
                    guard let ip = fields["ip"] else { throw RuleError("a suppress with a track needs ip", at: at) }
                    track = parsed
                    addresses = try parseAddressGroup(ip, file: file, line: offset + 1)
                } else if fields["ip"] != nil {
                    throw RuleError("a suppress with ip needs a track (by_src, by_dst or by_either)", at: at)
                }
                directives.append(.suppress(gid: gid, sid: sid, track: track, addresses: addresses, at: at))
            case "rate_filter":
                throw RuleError("rate_filter changes actions on an inline sensor; this sensor is passive", at: at)
            default:
                throw RuleError("'\(keyword)' is not threshold, event_filter, suppress or rate_filter", at: at)
            }
        }
        return directives
    }

    /// Splits at the commas outside brackets, so `ip [10.0.0.0/8, 192.168.1.1]` stays one item.
    private static func splitTopLevel(_ text: Substring) -> [Substring] {
        var items: [Substring] = []
        var depth = 0
        var start = text.startIndex
        for index in text.indices {
            switch text[index] {
            case "[": depth += 1
            case "]": depth = max(depth - 1, 0)
            case "," where depth == 0:
                items.append(text[start..<index])
                start = text.index(after: index)
            default: break
            }
        }
        items.append(text[start...])
        return items.filter { !$0.allSatisfy { $0 == " " || $0 == "\t" } }
    }
}

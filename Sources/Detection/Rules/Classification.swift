// SPDX-License-Identifier: Apache-2.0

extension Detection {
    /// A rule classtype's description and default severity, as Suricata's `classification.config` defines them;
    /// alerts carry them as `category` and `severity`.
    public struct Classification: Hashable, Sendable {
        public var description: String
        public var priority: Int

        /// Suricata's standard classtypes, as its `classification.config` ships them (name, description and
        /// priority), and `protocol-anomaly`.
        public static let standard: [String: Classification] = {
            let table: [(String, String, Int)] = [
                ("not-suspicious", "Not Suspicious Traffic", 3), ("unknown", "Unknown Traffic", 3),
                ("bad-unknown", "Potentially Bad Traffic", 2),
                ("attempted-recon", "Attempted Information Leak", 2),
                ("successful-recon-limited", "Information Leak", 2),
                ("successful-recon-largescale", "Large Scale Information Leak", 2),
                ("attempted-dos", "Attempted Denial of Service", 2), ("successful-dos", "Denial of Service", 2),
                ("attempted-user", "Attempted User Privilege Gain", 1),
                ("unsuccessful-user", "Unsuccessful User Privilege Gain", 1),
                ("successful-user", "Successful User Privilege Gain", 1),
                ("attempted-admin", "Attempted Administrator Privilege Gain", 1),
                ("successful-admin", "Successful Administrator Privilege Gain", 1),
                ("rpc-portmap-decode", "Decode of an RPC Query", 2),
                ("shellcode-detect", "Executable code was detected", 1),
                ("string-detect", "A suspicious string was detected", 3),
                ("suspicious-filename-detect", "A suspicious filename was detected", 2),
                ("suspicious-login", "An attempted login using a suspicious username was detected", 2),
                ("system-call-detect", "A system call was detected", 2),
                ("tcp-connection", "A TCP connection was detected", 4),
                ("trojan-activity", "A Network Trojan was detected", 1),
                ("unusual-client-port-connection", "A client was using an unusual port", 2),
                ("network-scan", "Detection of a Network Scan", 3),
                ("denial-of-service", "Detection of a Denial of Service Attack", 2),
                ("non-standard-protocol", "Detection of a non-standard protocol or event", 2),
                ("protocol-command-decode", "Generic Protocol Command Decode", 3),
                ("web-application-activity", "access to a potentially vulnerable web application", 2),
                ("web-application-attack", "Web Application Attack", 1), ("misc-activity", "Misc activity", 3),
                ("misc-attack", "Misc Attack", 2), ("icmp-event", "Generic ICMP event", 3),
                ("inappropriate-content", "Inappropriate Content was Detected", 1),
                ("policy-violation", "Potential Corporate Privacy Violation", 1),
                ("default-login-attempt", "Attempt to login by a default username and password", 2),
                ("targeted-activity", "Targeted Malicious Activity was Detected", 1),
                ("exploit-kit", "Exploit Kit Activity Detected", 1),
                ("external-ip-check", "Device Retrieving External IP Address Detected", 2),
                ("domain-c2", "Domain Observed Used for C2 Detected", 1),
                ("pup-activity", "Possibly Unwanted Program Detected", 2),
                ("credential-theft", "Successful Credential Theft Detected", 1),
                ("social-engineering", "Possible Social Engineering Attempted", 2),
                ("coin-mining", "Crypto Currency Mining Activity Detected", 2),
                ("command-and-control", "Malware Command and Control Activity Detected", 1),
                ("protocol-anomaly", "Protocol Anomaly", 3),
            ]
            var classifications: [String: Classification] = [:]
            for (name, description, priority) in table {
                classifications[name] = Classification(description: description, priority: priority)
            }
            return classifications
        }()

        public init(description: String, priority: Int) {
            self.description = description
            self.priority = priority
        }
    }

    /// Reads a file in the format of Suricata's `classification.config`: one
    /// `config classification: name,description,priority` per line, `#` comments and blank lines ignored. The
    /// entries are returned by name; the caller lays them over ``Classification/standard``.
    ///
    /// - Throws: ``RuleError`` at the first malformed line (its line and column).
    public static func parseClassifications(
        _ text: String,
        file: String
    ) throws(RuleError)
        -> [String: Classification]
    {
        var table: [String: Classification] = [:]
        // Lines end at LF, CRLF (one Character in Swift) or CR.
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let column = line.count - trimmed.count + 1
            let at = SourceLocation(file: file, line: offset + 1, column: column)
            let prefix = "config classification:"
            guard trimmed.hasPrefix(prefix) else {
                throw RuleError("expected 'config classification: name,description,priority'", at: at)
            }
            let fields = trimmed.dropFirst(prefix.count).split(separator: ",", omittingEmptySubsequences: false)
                .map { String($0).trimmingSpaces }
            guard fields.count == 3, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw RuleError("a classification is 'name,description,priority'", at: at)
            }
            guard fields[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw RuleError("'\(fields[0])' is not a classtype name", at: at)
            }
            guard let priority = Int(fields[2]), (1...255).contains(priority) else {
                throw RuleError("priority '\(fields[2])' is not a number from 1 to 255", at: at)
            }
            table[fields[0]] = Classification(description: fields[1], priority: priority)
        }
        return table
    }

    /// What an alert says about the rule that raised it (Suricata's `alert` object).
    public struct AlertRule: Hashable, Sendable {
        public var action: Action
        public var gid: UInt32
        public var sid: UInt32
        public var rev: UInt32
        public var signature: String
        public var category: String
        public var severity: Int
        /// Rule metadata as key -> values (Suricata writes arrays of strings).
        public var metadata: [(key: String, values: [String])]

        /// What the alerts of `rule` say; category and severity from its classtype in `classifications` (and its
        /// own `priority`, which wins).
        public init(_ rule: Rule, classifications: [String: Classification] = Classification.standard) {
            action = rule.action
            gid = rule.gid
            sid = rule.sid
            rev = rule.rev
            signature = rule.message
            let classification = rule.classtype.flatMap { classifications[$0] }
            category = classification?.description ?? ""
            severity = rule.priority ?? classification?.priority ?? 3
            // Values grouped by key, keys in order of first appearance (a position index keeps this linear).
            var grouped: [(key: String, values: [String])] = []
            var position: [String: Int] = [:]
            for item in rule.metadata {
                let parts = item.split(separator: " ", maxSplits: 1)
                let key = String(parts.first ?? "")
                let value = parts.count > 1 ? String(parts[1]).trimmingSpaces : ""
                if let index = position[key] {
                    grouped[index].values.append(value)
                } else {
                    position[key] = grouped.count
                    grouped.append((key, [value]))
                }
            }
            metadata = grouped
        }

        /// An alert's rule from its parts (detectors that are not rules, such as the baseline, name themselves so).
        public init(
            action: Action = .alert,
            gid: UInt32,
            sid: UInt32,
            rev: UInt32,
            signature: String,
            category: String,
            severity: Int,
            metadata: [(key: String, values: [String])]
        ) {
            self.action = action
            self.gid = gid
            self.sid = sid
            self.rev = rev
            self.signature = signature
            self.category = category
            self.severity = severity
            self.metadata = metadata
        }

        public static func == (lhs: AlertRule, rhs: AlertRule) -> Bool {
            lhs.gid == rhs.gid && lhs.sid == rhs.sid && lhs.rev == rhs.rev
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(gid)
            hasher.combine(sid)
        }
    }
}

// SPDX-License-Identifier: Apache-2.0

extension Detection {
    /// A rule classtype's description and default severity, as Suricata's `classification.config` defines them;
    /// alerts carry them as `category` and `severity`.
    public struct Classification: Hashable, Sendable {
        public var description: String
        public var priority: Int

        /// Suricata's standard classtypes (its `classification.config`), the ones OT rules use.
        public static let standard: [String: Classification] = [
            "not-suspicious": .init(description: "Not Suspicious Traffic", priority: 3),
            "unknown": .init(description: "Unknown Traffic", priority: 3),
            "bad-unknown": .init(description: "Potentially Bad Traffic", priority: 2),
            "attempted-recon": .init(description: "Attempted Information Leak", priority: 2),
            "successful-recon-limited": .init(description: "Information Leak", priority: 2),
            "successful-recon-largescale": .init(description: "Large Scale Information Leak", priority: 2),
            "attempted-dos": .init(description: "Attempted Denial of Service", priority: 2),
            "successful-dos": .init(description: "Denial of Service", priority: 2),
            "attempted-user": .init(description: "Attempted User Privilege Gain", priority: 1),
            "unsuccessful-user": .init(description: "Unsuccessful User Privilege Gain", priority: 1),
            "successful-user": .init(description: "Successful User Privilege Gain", priority: 1),
            "attempted-admin": .init(description: "Attempted Administrator Privilege Gain", priority: 1),
            "successful-admin": .init(description: "Successful Administrator Privilege Gain", priority: 1),
            "protocol-command-decode": .init(description: "Generic Protocol Command Decode", priority: 3),
            "policy-violation": .init(description: "Potential Corporate Privacy Violation", priority: 1),
            "misc-activity": .init(description: "Misc activity", priority: 3),
            "misc-attack": .init(description: "Misc Attack", priority: 2),
            "network-scan": .init(description: "Detection of a Network Scan", priority: 3),
            "denial-of-service": .init(description: "Detection of a Denial of Service Attack", priority: 2),
            "non-standard-protocol": .init(description: "Detection of a non-standard protocol or event", priority: 2),
            "protocol-anomaly": .init(description: "Protocol Anomaly", priority: 3),
        ]
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

        public init(_ rule: Rule) {
            action = rule.action
            gid = rule.gid
            sid = rule.sid
            rev = rule.rev
            signature = rule.message
            let classification = rule.classtype.flatMap { Classification.standard[$0] }
            category = classification?.description ?? ""
            severity = rule.priority ?? classification?.priority ?? 3
            var grouped: [(key: String, values: [String])] = []
            for item in rule.metadata {
                let parts = item.split(separator: " ", maxSplits: 1)
                let key = String(parts.first ?? "")
                let value = parts.count > 1 ? String(parts[1]).trimmingSpaces : ""
                if let index = grouped.firstIndex(where: { $0.key == key }) {
                    grouped[index].values.append(value)
                } else {
                    grouped.append((key, [value]))
                }
            }
            metadata = grouped
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

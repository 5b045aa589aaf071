// SPDX-License-Identifier: Apache-2.0
public import NetworkLayers

extension Detection {
    /// Enforces `threshold:` and `detection_filter:` on capture time, as Suricata documents them:
    /// - `type limit`: at most `count` alerts per `seconds` per tracked key;
    /// - `type threshold`: one alert each time `count` matches have been seen within `seconds`;
    /// - `type both`: one alert per `seconds`, once `count` matches have been seen in it;
    /// - `detection_filter`: alerts only after `count` matches within `seconds`, then on every match.
    ///
    /// The tracked key is the source, the destination, both, or the rule alone. State is bounded: at most
    /// ``maxEntries`` keys; when full, expired windows are dropped, then the oldest until half the limit is left
    /// (counted in ``evicted``: an attacker spraying addresses loses old thresholds rather than growing memory or
    /// CPU).
    /// Matches held back are counted in ``suppressed``.
    public struct ThresholdState: Sendable {
        struct Key: Hashable {
            var rule: Int
            var first: IPAddress?
            var second: IPAddress?
        }

        struct Window {
            var start: Int64
            var span: Int64
            var count: Int
            var alerts: Int
        }

        /// Keys tracked at once: 65,536 windows of about 80 octets, 5 MB at most.
        public static let maxEntries = 65_536
        private var windows: [Key: Window] = [:]
        /// Matches that did not become alerts.
        public private(set) var suppressed = 0
        /// Windows dropped at the limit.
        public private(set) var evicted = 0

        public init() {}

        /// Whether a match of the rule at `index` becomes an alert now (capture time `microseconds`).
        public mutating func shouldAlert(
            rule index: Int,
            _ rule: Rule,
            source: IPAddress,
            destination: IPAddress,
            microseconds: Int64
        ) -> Bool {
            var allowed = true
            if let filter = rule.detectionFilter {
                allowed = admit(filter, rule: index, salt: 0, source, destination, microseconds)
            }
            if allowed, let threshold = rule.threshold {
                allowed = admit(threshold, rule: index, salt: 1, source, destination, microseconds)
            }
            if !allowed { suppressed += 1 }
            return allowed
        }

        private mutating func admit(
            _ threshold: Threshold,
            rule: Int,
            salt: Int,
            _ source: IPAddress,
            _ destination: IPAddress,
            _ now: Int64
        ) -> Bool {
            let key: Key
            switch threshold.track {
            case .bySource: key = Key(rule: rule * 2 + salt, first: source, second: nil)
            case .byDestination: key = Key(rule: rule * 2 + salt, first: destination, second: nil)
            case .byBoth: key = Key(rule: rule * 2 + salt, first: source, second: destination)
            case .byRule: key = Key(rule: rule * 2 + salt, first: nil, second: nil)
            }
            let span = Int64(threshold.seconds) * 1_000_000
            var window = windows[key] ?? Window(start: now, span: span, count: 0, alerts: 0)
            if now - window.start >= span || now < window.start {
                window = Window(start: now, span: span, count: 0, alerts: 0)
            }
            window.count += 1
            let alert: Bool
            switch threshold.kind {
            case .limit:
                alert = window.alerts < threshold.count
            case .threshold:
                alert = window.count % threshold.count == 0
            case .both:
                alert = window.count >= threshold.count && window.alerts == 0
            case .detectionFilter:
                alert = window.count > threshold.count
            }
            if alert { window.alerts += 1 }
            if windows[key] == nil && windows.count >= Self.maxEntries { prune(now) }
            windows[key] = window
            return alert
        }

        /// Drops expired windows, then, if more than half the limit is left, the oldest until half is: the next
        /// prune is at least `maxEntries / 2` new keys away, so a spray of addresses costs amortized O(log n) per
        /// match, never a scan of the table per packet.
        private mutating func prune(_ now: Int64) {
            let before = windows.count
            windows = windows.filter { now - $0.value.start < $0.value.span && now >= $0.value.start }
            if windows.count > Self.maxEntries / 2 {
                let newest = windows.sorted { $0.value.start > $1.value.start }.prefix(Self.maxEntries / 2)
                windows = Dictionary(uniqueKeysWithValues: newest.map { ($0.key, $0.value) })
            }
            evicted += before - windows.count
        }
    }
}

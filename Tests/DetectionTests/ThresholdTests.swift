// SPDX-License-Identifier: Apache-2.0
import Detection
import NetworkLayers
import Testing

/// `threshold` and `detection_filter` on capture time, as Suricata documents them.
@Suite struct ThresholdTests {
    static let a = IPAddress(ipv4: 0x0A00_0001)
    static let b = IPAddress(ipv4: 0x0A00_0002)

    func rule(_ options: String) throws -> Detection.Rule {
        let parsed = Detection.parseRules("alert dnp3 any any -> any any (\(options) sid:1;)", file: "t.rules")
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        return try #require(parsed.rules.first)
    }

    /// Which of `count` matches, one per second from `source`, become alerts.
    func alerts(
        _ rule: Detection.Rule,
        count: Int,
        every seconds: Int64 = 1,
        source: (Int) -> IPAddress = { _ in a }
    )
        -> [Int]
    {
        var state = Detection.ThresholdState()
        return (0..<count).filter {
            state.shouldAlert(
                rule: 0,
                rule,
                source: source($0),
                destination: Self.b,
                microseconds: Int64($0) * seconds * 1_000_000
            )
        }
    }

    @Test func limitAlertsAtMostCountTimesPerWindow() throws {
        let limit = try rule("threshold: type limit, track by_src, count 2, seconds 10;")
        #expect(alerts(limit, count: 25) == [0, 1, 10, 11, 20, 21])
        // Tracked per source: each source gets its own two.
        #expect(alerts(limit, count: 4, source: { $0 < 2 ? Self.a : Self.b }) == [0, 1, 2, 3])
    }

    @Test func thresholdAlertsEveryCountthMatch() throws {
        let threshold = try rule("threshold: type threshold, track by_rule, count 3, seconds 60;")
        #expect(alerts(threshold, count: 10) == [2, 5, 8])
    }

    @Test func bothAlertsOncePerWindowAfterCount() throws {
        let both = try rule("threshold: type both, track by_dst, count 3, seconds 5;")
        #expect(alerts(both, count: 12) == [2, 7])
    }

    @Test func detectionFilterAlertsAfterCountWithinTheWindow() throws {
        let filter = try rule("detection_filter: track by_src, count 3, seconds 60;")
        #expect(alerts(filter, count: 6) == [3, 4, 5])
        // Spread out beyond the window, the count never builds up.
        #expect(alerts(filter, count: 6, every: 61).isEmpty)
    }

    /// A spray of addresses four times the limit: the table never exceeds it, each prune keeps the newest half
    /// (so pruning is amortized, not a scan per packet), and what was forgotten is counted.
    @Test func stateIsBoundedUnderAnAddressSpray() throws {
        let limit = try rule("threshold: type limit, track by_src, count 1, seconds 3600;")
        let keys = 4 * Detection.ThresholdState.maxEntries
        var state = Detection.ThresholdState()
        for index in 0..<keys {
            _ = state.shouldAlert(
                rule: 0,
                limit,
                source: IPAddress(ipv4: UInt32(index)),
                destination: Self.b,
                microseconds: Int64(index)
            )
        }
        // Prunes at 1, 1.5, 2, 2.5, 3 and 3.5 times the limit, each forgetting half of it.
        #expect(state.evicted == 3 * Detection.ThresholdState.maxEntries)
        // The newest source is still tracked (its second match is held back); the first was forgotten.
        let time = Int64(keys)
        let newest = state.shouldAlert(
            rule: 0,
            limit,
            source: IPAddress(ipv4: UInt32(keys - 1)),
            destination: Self.b,
            microseconds: time
        )
        let first = state.shouldAlert(
            rule: 0,
            limit,
            source: IPAddress(ipv4: 0),
            destination: Self.b,
            microseconds: time
        )
        #expect(!newest)
        #expect(first)
    }
}

// SPDX-License-Identifier: Apache-2.0

/// The time a packet was captured, as the capture file or the kernel recorded it: seconds and microseconds since
/// the Unix epoch, UTC.
///
/// All protocol and detection timing uses this, never the wall clock, so replaying a capture is deterministic
/// (STYLE.md §5). Microsecond resolution is what pcap gives and what Suricata's EVE timestamps show.
///
/// Seconds are kept within ``validSeconds`` (1970-01-01 to 9999-12-31): a capture file can claim any 64-bit time
/// (pcapng timestamps are 64-bit counts of its own units), and every sum and difference of times must stay exact.
/// A value outside is clamped to the nearest end; the reader counts how often that happens.
public struct CaptureTimestamp: Hashable, Comparable, Sendable {
    /// The seconds a timestamp may hold: the Unix epoch to the last second of year 9999 (the largest year the
    /// EVE timestamp format writes in four digits).
    public static let validSeconds: ClosedRange<Int64> = 0...253_402_300_799

    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Microseconds within the second, 0..<1_000_000.
    public var microseconds: Int32

    /// Creates a timestamp; `microseconds` is normalised into 0..<1_000_000.
    @inlinable
    public init(seconds: Int64, microseconds: Int32) {
        var seconds = seconds
        var micros = Int64(microseconds)
        if micros < 0 || micros >= 1_000_000 {
            seconds &+= micros / 1_000_000
            micros %= 1_000_000
            if micros < 0 {
                micros += 1_000_000
                seconds &-= 1
            }
        }
        if seconds < Self.validSeconds.lowerBound {
            self.seconds = Self.validSeconds.lowerBound
            self.microseconds = 0
        } else if seconds > Self.validSeconds.upperBound {
            self.seconds = Self.validSeconds.upperBound
            self.microseconds = 999_999
        } else {
            self.seconds = seconds
            self.microseconds = Int32(micros)
        }
    }

    /// Microseconds since the epoch (saturating for absurd values).
    @inlinable
    public var totalMicroseconds: Int64 {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(Int64(microseconds)).overflow ? .max : scaled + Int64(microseconds)
    }

    /// The microseconds from `earlier` to `self` (negative if `earlier` is later).
    @inlinable
    public func microseconds(since earlier: CaptureTimestamp) -> Int64 {
        let (difference, overflow) = totalMicroseconds.subtractingReportingOverflow(earlier.totalMicroseconds)
        return overflow ? (seconds < earlier.seconds ? .min : .max) : difference
    }

    public static func < (lhs: CaptureTimestamp, rhs: CaptureTimestamp) -> Bool {
        (lhs.seconds, lhs.microseconds) < (rhs.seconds, rhs.microseconds)
    }

    /// The epoch itself; used before the first packet.
    public static let zero = CaptureTimestamp(seconds: 0, microseconds: 0)
}

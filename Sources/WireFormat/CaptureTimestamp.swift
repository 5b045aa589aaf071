// SPDX-License-Identifier: Apache-2.0

/// The time a packet was captured, as the capture file or the kernel recorded it: seconds and microseconds since
/// the Unix epoch, UTC.
///
/// All protocol and detection timing uses this, never the wall clock, so replaying a capture is deterministic
/// (STYLE.md §5). Microsecond resolution is what pcap gives and what Suricata's EVE timestamps show.
public struct CaptureTimestamp: Hashable, Comparable, Sendable {
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
        self.seconds = seconds
        self.microseconds = Int32(micros)
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

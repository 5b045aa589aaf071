// SPDX-License-Identifier: Apache-2.0
import Testing
import WireFormat

@Suite struct CaptureTimestampTests {
    // MARK: - Normalisation

    /// (seconds, microseconds) as given -> (seconds, microseconds) as stored.
    @Test(
        arguments: [
            ((10, 0), (10, 0)),
            ((10, 999_999), (10, 999_999)),
            ((10, 1_000_000), (11, 0)),
            ((10, 2_500_000), (12, 500_000)),
            ((10, -1), (9, 999_999)),
            ((10, -1_000_000), (9, 0)),
            ((10, -1_500_000), (8, 500_000)),
            ((1, -1), (0, 999_999)),
            ((0, Int32.max), (2147, 483_647)),
            ((3000, Int32.min), (852, 516_352)),
        ] as [((Int64, Int32), (Int64, Int32))]
    )
    func normalisesMicrosecondsIntoOneSecond(_ given: (Int64, Int32), _ stored: (Int64, Int32)) {
        let timestamp = CaptureTimestamp(seconds: given.0, microseconds: given.1)
        #expect(timestamp.seconds == stored.0)
        #expect(timestamp.microseconds == stored.1)
        #expect(timestamp.totalMicroseconds == given.0 * 1_000_000 + Int64(given.1))
    }

    @Test func normalisedValuesCompareEqual() {
        #expect(CaptureTimestamp(seconds: 1, microseconds: 1_000_000) == CaptureTimestamp(seconds: 2, microseconds: 0))
        #expect(
            CaptureTimestamp(seconds: 3, microseconds: -250_000) == CaptureTimestamp(seconds: 2, microseconds: 750_000)
        )
        #expect(CaptureTimestamp.zero == CaptureTimestamp(seconds: 0, microseconds: 0))
    }

    // MARK: - Ordering

    @Test func ordersBySecondsThenMicroseconds() {
        let a = CaptureTimestamp(seconds: 9, microseconds: 999_999)
        let b = CaptureTimestamp(seconds: 10, microseconds: 0)
        let c = CaptureTimestamp(seconds: 10, microseconds: 1)
        let d = CaptureTimestamp(seconds: 11, microseconds: 0)
        let e = CaptureTimestamp(seconds: 11, microseconds: 500_000)
        #expect(a < b)
        #expect(b < c)
        #expect(c < d)
        #expect(d < e)
        #expect(!(e < e))
        #expect(e <= e)
        #expect([e, c, a, d, b].sorted() == [a, b, c, d, e])
        #expect([e, c, a, d, b].max() == e)
    }

    // MARK: - Differences

    @Test(
        arguments: [
            ((10, 500_000), (9, 750_000), 750_000),
            ((9, 750_000), (10, 500_000), -750_000),
            ((1_704_067_200, 1), (1_704_067_200, 1), 0),
            ((1_704_067_260, 0), (1_704_067_200, 0), 60_000_000),
            ((1, 0), (0, 999_999), 1),
        ] as [((Int64, Int32), (Int64, Int32), Int64)]
    )
    func measuresMicrosecondsSinceAnEarlierTime(_ later: (Int64, Int32), _ earlier: (Int64, Int32), _ micros: Int64) {
        let laterTimestamp = CaptureTimestamp(seconds: later.0, microseconds: later.1)
        let earlierTimestamp = CaptureTimestamp(seconds: earlier.0, microseconds: earlier.1)
        #expect(laterTimestamp.microseconds(since: earlierTimestamp) == micros)
    }

    /// A capture can claim any 64-bit time; times are clamped to 1970...9999, so every difference stays exact.
    @Test func clampsTimesOutside1970To9999() {
        let farFuture = CaptureTimestamp(seconds: .max, microseconds: 0)
        let farPast = CaptureTimestamp(seconds: .min, microseconds: 0)
        #expect(farFuture.seconds == CaptureTimestamp.validSeconds.upperBound)
        #expect(farFuture.microseconds == 999_999)
        #expect(farPast == .zero)
        #expect(CaptureTimestamp(seconds: -1, microseconds: 999_999) == .zero)
        #expect(farFuture.totalMicroseconds == 253_402_300_799_999_999)
        #expect(farFuture.microseconds(since: farPast) == 253_402_300_799_999_999)
        #expect(farPast.microseconds(since: farFuture) == -253_402_300_799_999_999)
        // The last second of 9999 itself is kept.
        #expect(CaptureTimestamp(seconds: 253_402_300_799, microseconds: 5).microseconds == 5)
    }
}

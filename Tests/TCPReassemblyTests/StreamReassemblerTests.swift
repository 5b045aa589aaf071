// SPDX-License-Identifier: Apache-2.0
import TCPReassembly
import Testing
import WireFormat

@Suite struct StreamReassemblerTests {
    /// Bytes of one value, for segments whose content matters.
    static func filled(_ byte: UInt8, _ count: Int) -> [UInt8] { [UInt8](repeating: byte, count: count) }

    // MARK: - In order

    @Test func deliversAnInOrderSegmentAsARangeOfItsPayload() {
        var stream = StreamHarness()
        #expect(stream.segment(999, [], syn: true) == ActionValues())
        #expect(stream.segment(1000, [1, 2, 3, 4, 5]) == ActionValues(deliver: 0..<5))
        #expect(stream.segment(1005, [6, 7]) == ActionValues(deliver: 0..<2))
        #expect(stream.pieces == [.data([1, 2, 3, 4, 5, 6, 7])])
        #expect(stream.reassembler.statistics == statistics(segments: 3, deliveredBytes: 7))
        #expect(stream.reassembler.bufferedByteCount == 0)
        #expect(!stream.reassembler.isClosed)
        let nothingReady = stream.hasNothingReady()
        #expect(nothingReady)
    }

    @Test func expectsTheByteAfterTheSYN() {
        var stream = StreamHarness()
        #expect(stream.segment(5000, [], syn: true) == ActionValues())
        // The SYN occupies 5000: 5001 is the first data byte, in order and no pickup.
        #expect(stream.segment(5001, [1, 2, 3]) == ActionValues(deliver: 0..<3))
        #expect(stream.pieces == [.data([1, 2, 3])])
    }

    @Test func buffersDataThatSkipsTheByteAfterTheSYN() {
        var stream = StreamHarness()
        stream.segment(5000, [], syn: true)
        #expect(stream.segment(5002, [2, 3]) == ActionValues(anomalies: .outOfOrder))
        #expect(stream.reassembler.bufferedByteCount == 2)
        #expect(stream.segment(5001, [1]) == ActionValues(deliver: 0..<1, hasBufferedData: true))
        #expect(stream.pieces == [.data([1, 2, 3])])
    }

    @Test func deliversDataCarriedOnTheSYN() {
        var stream = StreamHarness()
        #expect(stream.segment(5000, [9, 8], syn: true) == ActionValues(deliver: 0..<2))
        #expect(stream.segment(5003, [7]) == ActionValues(deliver: 0..<1))
        #expect(stream.pieces == [.data([9, 8, 7])])
    }

    @Test func ignoresARetransmittedSYN() {
        var stream = StreamHarness()
        stream.segment(5000, [], syn: true)
        stream.segment(5001, [1, 2])
        #expect(stream.segment(5000, [], syn: true) == ActionValues())
        #expect(stream.segment(5003, [3]) == ActionValues(deliver: 0..<1))
        #expect(stream.pieces == [.data([1, 2, 3])])
    }

    @Test func marksAMidstreamPickupAndStartsThere() {
        var stream = StreamHarness()
        #expect(stream.segment(7000, [1, 2, 3]) == ActionValues(deliver: 0..<3, anomalies: .midstreamPickup))
        #expect(stream.segment(7003, [4]) == ActionValues(deliver: 0..<1))
        #expect(stream.pieces == [.data([1, 2, 3, 4])])
        #expect(stream.reassembler.statistics == statistics(segments: 2, deliveredBytes: 4))
    }

    // MARK: - Retransmission and overlap

    @Test func countsARetransmissionOfDeliveredBytesWithoutDeliveringIt() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        let bytes = streamBytes(10)
        stream.segment(1000, bytes)
        #expect(stream.segment(1000, bytes) == ActionValues(anomalies: .retransmission))
        #expect(stream.segment(1003, Array(bytes[3..<6])) == ActionValues(anomalies: .retransmission))
        // A pure acknowledgment carries nothing to retransmit.
        #expect(stream.segment(1010, []) == ActionValues())
        #expect(stream.pieces == [.data(bytes)])
        #expect(stream.reassembler.statistics == statistics(segments: 5, deliveredBytes: 10, retransmissions: 2))
    }

    @Test func deliversOnlyTheNewBytesOfAPartialOverlap() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        let bytes = streamBytes(15)
        stream.segment(1000, Array(bytes[0..<10]))
        #expect(stream.segment(1005, Array(bytes[5..<15])) == ActionValues(deliver: 5..<10, anomalies: .overlap))
        #expect(stream.pieces == [.data(bytes)])
        #expect(stream.reassembler.statistics == statistics(segments: 3, deliveredBytes: 15, overlaps: 1))
    }

    // MARK: - Snapshot length

    @Test func reportsBytesTheSnapshotCutAsAGapAfterTheDeliveredOnes() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        #expect(
            stream.segment(1000, [1, 2, 3, 4], declaredLength: 10)
                == ActionValues(deliver: 0..<4, gapAfter: 6, anomalies: .gap)
        )
        // The cut bytes count as passed: 1010 is next.
        #expect(stream.segment(1010, [5]) == ActionValues(deliver: 0..<1))
        #expect(stream.pieces == [.data([1, 2, 3, 4]), .gap(6), .data([5])])
        #expect(stream.reassembler.statistics == statistics(segments: 3, deliveredBytes: 5, gaps: 1, gapBytes: 6))
    }

    /// A cut-short segment that starts in delivered bytes and whose captured bytes all lie in them: nothing to
    /// deliver, and the declared bytes past the delivered ones are a gap; the range stays inside the payload.
    @Test func deliversNothingFromACutShortSegmentWhoseCapturedBytesWereDelivered() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        let bytes = streamBytes(10)
        stream.segment(1000, bytes)
        #expect(
            stream.segment(1000, Array(bytes[0..<4]), declaredLength: 20)
                == ActionValues(gapAfter: 10, anomalies: [.overlap, .gap])
        )
        #expect(stream.segment(1020, [0xEE]) == ActionValues(deliver: 0..<1))
        #expect(stream.pieces == [.data(bytes), .gap(10), .data([0xEE])])
        #expect(
            stream.reassembler.statistics
                == statistics(segments: 4, deliveredBytes: 11, overlaps: 1, gaps: 1, gapBytes: 10)
        )
    }

    // MARK: - Out of order

    @Test func buffersOutOfOrderSegmentsAndHandsThemBackInOrder() {
        var stream = StreamHarness()
        let bytes = streamBytes(15)
        stream.segment(999, [], syn: true)  // packet 1
        #expect(stream.segment(1005, Array(bytes[5..<10])) == ActionValues(anomalies: .outOfOrder))  // packet 2
        #expect(stream.reassembler.bufferedByteCount == 5)
        #expect(stream.segment(1010, Array(bytes[10..<15])) == ActionValues(anomalies: .outOfOrder))  // packet 3
        #expect(stream.reassembler.bufferedByteCount == 10)
        #expect(stream.popped.isEmpty)
        #expect(
            stream.segment(1000, Array(bytes[0..<5])) == ActionValues(deliver: 0..<5, hasBufferedData: true)
        )  // packet 4
        #expect(
            stream.popped == [
                .bytes(Array(bytes[5..<10]), timestamp: StreamHarness.timestamp(2), packetNumber: 2),
                .bytes(Array(bytes[10..<15]), timestamp: StreamHarness.timestamp(3), packetNumber: 3),
            ]
        )
        #expect(stream.pieces == [.data(bytes)])
        #expect(stream.reassembler.bufferedByteCount == 0)
        let nothingReady = stream.hasNothingReady()
        #expect(nothingReady)
        #expect(
            stream.reassembler.statistics == statistics(segments: 4, deliveredBytes: 15, outOfOrderSegments: 2)
        )
    }

    @Test func sortsSegmentsThatArriveInReverseOrder() {
        var stream = StreamHarness()
        let bytes = streamBytes(20)
        stream.segment(999, [], syn: true)
        stream.segment(1015, Array(bytes[15..<20]))
        stream.segment(1010, Array(bytes[10..<15]))
        stream.segment(1005, Array(bytes[5..<10]))
        #expect(stream.reassembler.bufferedByteCount == 15)
        stream.segment(1000, Array(bytes[0..<5]))
        #expect(stream.pieces == [.data(bytes)])
        #expect(stream.popped.map(\.packetNumber) == [4, 3, 2])
    }

    @Test func keepsTheFirstBytesWhenBufferedSegmentsOverlapWithDifferentData() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        stream.segment(1005, Self.filled(0x41, 5))  // packet 2: "AAAAA" at 1005..<1010
        #expect(
            stream.segment(1007, Self.filled(0x42, 5))  // packet 3: "BBBBB" at 1007..<1012
                == ActionValues(anomalies: [.outOfOrder, .overlap, .overlapMismatch])
        )
        #expect(stream.reassembler.bufferedByteCount == 7)
        stream.segment(1000, Self.filled(0x30, 5))
        #expect(
            stream.popped == [
                .bytes(Self.filled(0x41, 5), timestamp: StreamHarness.timestamp(2), packetNumber: 2),
                .bytes(Self.filled(0x42, 2), timestamp: StreamHarness.timestamp(3), packetNumber: 3),
            ]
        )
        #expect(stream.pieces == [.data(Self.filled(0x30, 5) + Self.filled(0x41, 5) + Self.filled(0x42, 2))])
        #expect(
            stream.reassembler.statistics
                == statistics(
                    segments: 4,
                    deliveredBytes: 12,
                    overlaps: 1,
                    overlapMismatches: 1,
                    outOfOrderSegments: 2
                )
        )
    }

    @Test func keepsBufferedBytesInsideALaterSegmentThatSurroundsThem() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        stream.segment(1005, Self.filled(0x41, 5))  // packet 2: "AAAAA" at 1005..<1010
        #expect(
            stream.segment(1003, Self.filled(0x42, 10))  // packet 3: "B" x 10 at 1003..<1013
                == ActionValues(anomalies: [.outOfOrder, .overlap, .overlapMismatch])
        )
        #expect(stream.reassembler.bufferedByteCount == 10)
        stream.segment(1000, Self.filled(0x30, 3))
        #expect(
            stream.popped == [
                .bytes(Self.filled(0x42, 2), timestamp: StreamHarness.timestamp(3), packetNumber: 3),
                .bytes(Self.filled(0x41, 5), timestamp: StreamHarness.timestamp(2), packetNumber: 2),
                .bytes(Self.filled(0x42, 3), timestamp: StreamHarness.timestamp(3), packetNumber: 3),
            ]
        )
        #expect(
            stream.bytes == Self.filled(0x30, 3) + Self.filled(0x42, 2) + Self.filled(0x41, 5) + Self.filled(0x42, 3)
        )
    }

    @Test func reportsAnOverlapWithoutMismatchWhenBufferedBytesAgree() {
        var stream = StreamHarness()
        let bytes = streamBytes(20)
        stream.segment(999, [], syn: true)
        stream.segment(1005, Array(bytes[5..<12]))
        #expect(stream.segment(1008, Array(bytes[8..<16])) == ActionValues(anomalies: [.outOfOrder, .overlap]))
        stream.segment(1000, Array(bytes[0..<5]))
        stream.segment(1016, Array(bytes[16..<20]))
        #expect(stream.pieces == [.data(bytes)])
        #expect(stream.reassembler.statistics.overlapMismatches == 0)
        #expect(stream.reassembler.statistics.overlaps == 1)
    }

    /// First wins also when the in-order segment comes second: it is handed on only up to the buffered bytes,
    /// which arrived first and stand; the difference is reported. (Otherwise a sender could hide bytes by sending
    /// them out of order and then "filling in" over them.)
    @Test func reportsAMismatchWhenAnInOrderSegmentCoversDifferentBufferedBytes() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        stream.segment(1005, Self.filled(0x41, 5))
        let inOrder = Self.filled(0x30, 5) + Self.filled(0x42, 5)
        #expect(
            stream.segment(1000, inOrder)
                == ActionValues(deliver: 0..<5, hasBufferedData: true, anomalies: [.overlap, .overlapMismatch])
        )
        #expect(stream.pieces == [.data(Self.filled(0x30, 5) + Self.filled(0x41, 5))])
        #expect(stream.reassembler.bufferedByteCount == 0)
        let nothingReady = stream.hasNothingReady()
        #expect(nothingReady)
    }

    // MARK: - Gaps from acknowledgments

    /// An acknowledgment at or past the end of the hole says the receiver has bytes the capture lost: they become
    /// a gap and the buffered bytes follow, whether the acknowledgment came before or after the buffered segment.
    @Test(arguments: [1010, 1012, 1015] as [UInt32], [true, false])
    func turnsAnAcknowledgedHoleIntoAGap(_ acknowledgment: UInt32, _ acknowledgmentFirst: Bool) {
        var stream = StreamHarness()
        let bytes = streamBytes(15)
        stream.segment(999, [], syn: true)
        stream.segment(1000, Array(bytes[0..<5]))
        // 1005..<1010 never reaches the capture.
        if acknowledgmentFirst {
            #expect(stream.acknowledgment(acknowledgment) == ActionValues())
            #expect(
                stream.segment(1010, Array(bytes[10..<15]))
                    == ActionValues(hasBufferedData: true, anomalies: .gap)
            )
        } else {
            #expect(stream.segment(1010, Array(bytes[10..<15])) == ActionValues(anomalies: .outOfOrder))
            #expect(stream.acknowledgment(acknowledgment) == ActionValues(hasBufferedData: true, anomalies: .gap))
        }
        #expect(stream.pieces == [.data(Array(bytes[0..<5])), .gap(5), .data(Array(bytes[10..<15]))])
        #expect(stream.reassembler.bufferedByteCount == 0)
        #expect(stream.reassembler.statistics.gaps == 1)
        #expect(stream.reassembler.statistics.gapBytes == 5)
    }

    @Test func waitsWhenTheAcknowledgmentStopsInsideTheHole() {
        var stream = StreamHarness()
        let bytes = streamBytes(15)
        stream.segment(999, [], syn: true)
        stream.segment(1000, Array(bytes[0..<5]))
        stream.segment(1010, Array(bytes[10..<15]))
        #expect(stream.acknowledgment(1007) == ActionValues())
        #expect(stream.reassembler.bufferedByteCount == 5)
        // The retransmission fills the hole after all.
        #expect(stream.segment(1005, Array(bytes[5..<10])) == ActionValues(deliver: 0..<5, hasBufferedData: true))
        #expect(stream.pieces == [.data(bytes)])
        #expect(stream.reassembler.statistics.gaps == 0)
    }

    @Test func ignoresAcknowledgmentsBeforeTheFirstSegmentAndBehindTheStream() {
        var stream = StreamHarness()
        #expect(stream.acknowledgment(5000) == ActionValues())
        stream.segment(999, [], syn: true)
        stream.segment(1000, [1, 2, 3])
        stream.segment(1010, [4])
        #expect(stream.acknowledgment(1002) == ActionValues())  // behind the next expected byte
        #expect(stream.acknowledgment(1003) == ActionValues())  // exactly the next expected byte
        #expect(stream.reassembler.bufferedByteCount == 1)
        #expect(stream.pieces == [.data([1, 2, 3])])
    }

    // MARK: - Limits

    @Test func flushesTheBufferAsAGapWhenTheByteLimitIsPassed() {
        var limits = TCPReassemblyLimits()
        limits.maxBufferedBytesPerDirection = 10
        var stream = StreamHarness(limits: limits)
        stream.segment(999, [], syn: true)
        #expect(stream.segment(1010, Self.filled(0xB0, 6)) == ActionValues(anomalies: .outOfOrder))  // packet 2
        #expect(
            stream.segment(1020, Self.filled(0xC0, 6))  // packet 3: 12 bytes buffered, 2 past the limit
                == ActionValues(hasBufferedData: true, anomalies: [.outOfOrder, .bufferOverflow, .gap])
        )
        #expect(
            stream.popped == [
                .gap(length: 10), .bytes(Self.filled(0xB0, 6), timestamp: StreamHarness.timestamp(2), packetNumber: 2),
            ]
        )
        #expect(stream.reassembler.bufferedByteCount == 6)
        #expect(
            stream.reassembler.statistics
                == statistics(
                    segments: 3,
                    deliveredBytes: 6,
                    outOfOrderSegments: 2,
                    gaps: 1,
                    gapBytes: 10,
                    bufferOverflows: 1
                )
        )
    }

    @Test func flushesTheBufferAsAGapWhenTheSegmentLimitIsPassed() {
        var limits = TCPReassemblyLimits()
        limits.maxBufferedSegmentsPerDirection = 2
        var stream = StreamHarness(limits: limits)
        stream.segment(999, [], syn: true)
        stream.segment(1002, [0x02])
        stream.segment(1004, [0x04])
        #expect(
            stream.segment(1006, [0x06])
                == ActionValues(hasBufferedData: true, anomalies: [.outOfOrder, .bufferOverflow, .gap])
        )
        #expect(stream.pieces == [.gap(2), .data([0x02])])
        #expect(stream.reassembler.bufferedByteCount == 2)
        #expect(stream.reassembler.statistics.bufferOverflows == 1)
    }

    @Test func buffersASegmentAtTheLookahead() {
        var limits = TCPReassemblyLimits()
        limits.maxSequenceLookahead = 100
        var stream = StreamHarness(limits: limits)
        stream.segment(999, [], syn: true)
        #expect(stream.segment(1100, [0x01]) == ActionValues(anomalies: .outOfOrder))  // 100 bytes ahead
        #expect(stream.reassembler.bufferedByteCount == 1)
        #expect(stream.pieces == [])
    }

    @Test func skipsToASegmentFartherAheadThanTheLookahead() {
        var limits = TCPReassemblyLimits()
        limits.maxSequenceLookahead = 100
        var stream = StreamHarness(limits: limits)
        stream.segment(999, [], syn: true)
        #expect(stream.segment(1101, [0x01]) == ActionValues(hasBufferedData: true, anomalies: .gap))  // 101 ahead
        #expect(stream.pieces == [.gap(101), .data([0x01])])
        #expect(stream.reassembler.bufferedByteCount == 0)
        #expect(stream.segment(1102, [0x02]) == ActionValues(deliver: 0..<1))
    }

    /// The skip goes to the first buffered segment; one beyond it stays buffered if it is now within the lookahead.
    @Test func skipsOnlyToTheFirstBufferedSegment() {
        var limits = TCPReassemblyLimits()
        limits.maxSequenceLookahead = 100
        var stream = StreamHarness(limits: limits)
        stream.segment(999, [], syn: true)
        stream.segment(1100, [0x01])
        #expect(stream.segment(1200, [0x02]) == ActionValues(hasBufferedData: true, anomalies: .gap))
        #expect(stream.pieces == [.gap(100), .data([0x01])])
        #expect(stream.reassembler.bufferedByteCount == 1)
        stream.finish()
        #expect(stream.pieces == [.gap(100), .data([0x01]), .gap(99), .data([0x02])])
    }

    /// A segment that starts before a buffered one and ends inside it adds only its head; that head too counts
    /// against the limit.
    @Test func holdsNoMoreThanTheByteLimitWhenANewSegmentEndsInsideABufferedOne() {
        var limits = TCPReassemblyLimits()
        limits.maxBufferedBytesPerDirection = 10
        var stream = StreamHarness(limits: limits)
        stream.segment(999, [], syn: true)
        stream.segment(1020, Self.filled(0xA0, 10))  // exactly at the limit
        #expect(stream.reassembler.bufferedByteCount == 10)
        let action = stream.segment(1015, Self.filled(0xA0, 10))  // 1015..<1025: a 5-byte head before 1020
        #expect(action.anomalies.contains(.bufferOverflow))
        #expect(stream.reassembler.bufferedByteCount <= 10)
        stream.finish()
        #expect(stream.pieces == [.gap(15), .data(Self.filled(0xA0, 15))])
    }

    /// Deterministic pseudo-random out-of-order segments, some overlapping: the buffer never holds more than its
    /// limit, and every byte it let go of is accounted for as delivered or as a gap.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func neverHoldsMoreThanTheByteLimit(_ seed: UInt64) {
        var limits = TCPReassemblyLimits()
        limits.maxBufferedBytesPerDirection = 32
        limits.maxBufferedSegmentsPerDirection = 4
        var stream = StreamHarness(limits: limits)
        var random = seed
        func next(_ bound: UInt64) -> UInt64 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (random >> 33) % bound
        }
        stream.segment(999, [], syn: true)
        var highest: UInt32 = 1000
        for _ in 0..<200 {
            let start = 1000 + UInt32(next(400))
            let length = 1 + Int(next(20))
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: Int(start) + $0) }  // byte = its sequence
            stream.segment(start, payload)
            highest = max(highest, start + UInt32(length))
            #expect(stream.reassembler.bufferedByteCount <= 32)
        }
        stream.finish()
        #expect(stream.reassembler.bufferedByteCount == 0)
        // Each delivered byte is the low byte of its own sequence number: nothing was misplaced.
        var sequence = 1000
        for piece in stream.pieces {
            switch piece {
            case .gap(let length):
                sequence += length
            case .data(let bytes):
                #expect(bytes == (0..<bytes.count).map { UInt8(truncatingIfNeeded: sequence + $0) })
                sequence += bytes.count
            }
        }
        #expect(sequence <= Int(highest))
    }

    // MARK: - Closing

    @Test func closesOnFINOnceEveryByteBeforeItArrived() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        #expect(stream.segment(1005, [6, 7, 8, 9, 10], fin: true) == ActionValues(anomalies: .outOfOrder))
        #expect(!stream.reassembler.isClosed)
        #expect(
            stream.segment(1000, [1, 2, 3, 4, 5]) == ActionValues(deliver: 0..<5, hasBufferedData: true, closed: true)
        )
        #expect(stream.reassembler.isClosed)
        #expect(stream.pieces == [.data(Array(1...10))])
        #expect(stream.segment(1010, [11]) == ActionValues(anomalies: .dataAfterClose))
        #expect(stream.pieces == [.data(Array(1...10))])
    }

    @Test func closesOnAnInOrderFIN() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        #expect(stream.segment(1000, [1, 2]) == ActionValues(deliver: 0..<2))
        #expect(stream.segment(1002, [3], fin: true) == ActionValues(deliver: 0..<1, closed: true))
        #expect(stream.reassembler.isClosed)
    }

    @Test func closesOnABareFINAfterTheLastByte() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        stream.segment(1000, [1, 2])
        #expect(stream.segment(1002, [], fin: true) == ActionValues(closed: true))
        #expect(stream.pieces == [.data([1, 2])])
    }

    @Test func closesOnRSTAndFlushesPendingAsGapsAndBytes() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        stream.segment(1000, [1, 2])
        stream.segment(1005, [6, 7, 8])  // packet 3
        stream.segment(1010, [11, 12])  // packet 4
        #expect(stream.reassembler.bufferedByteCount == 5)
        #expect(
            stream.segment(1012, [], rst: true) == ActionValues(hasBufferedData: true, anomalies: .gap, closed: true)
        )
        #expect(
            stream.popped == [
                .gap(length: 3), .bytes([6, 7, 8], timestamp: StreamHarness.timestamp(3), packetNumber: 3),
                .gap(length: 2), .bytes([11, 12], timestamp: StreamHarness.timestamp(4), packetNumber: 4),
            ]
        )
        #expect(stream.pieces == [.data([1, 2]), .gap(3), .data([6, 7, 8]), .gap(2), .data([11, 12])])
        #expect(stream.reassembler.isClosed)
        #expect(stream.reassembler.bufferedByteCount == 0)
        #expect(stream.reassembler.statistics.gaps == 2)
        #expect(stream.reassembler.statistics.gapBytes == 5)
    }

    @Test func finishFlushesPendingAsGapsAndBytes() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        stream.segment(1004, [5, 6])
        #expect(stream.finish() == ActionValues(hasBufferedData: true, anomalies: .gap, closed: true))
        #expect(stream.pieces == [.gap(4), .data([5, 6])])
        #expect(stream.reassembler.isClosed)
        #expect(stream.finish() == ActionValues(closed: true))
    }

    // MARK: - Sequence wrap-around

    @Test func deliversSegmentsThatStraddleTheSequenceWrap() {
        var stream = StreamHarness()
        let bytes = streamBytes(15)
        stream.segment(0xFFFF_FFF9, [], syn: true)  // the first data byte is 0xFFFFFFFA
        #expect(stream.segment(0xFFFF_FFFA, Array(bytes[0..<10])) == ActionValues(deliver: 0..<10))  // ends at 4
        #expect(stream.segment(0x0000_0004, Array(bytes[10..<15])) == ActionValues(deliver: 0..<5))
        #expect(stream.segment(0xFFFF_FFFE, Array(bytes[4..<8])) == ActionValues(anomalies: .retransmission))
        #expect(stream.pieces == [.data(bytes)])
    }

    @Test func buffersAcrossTheSequenceWrap() {
        var stream = StreamHarness()
        let bytes = streamBytes(30)
        stream.segment(0xFFFF_FFEF, [], syn: true)  // the first data byte is 0xFFFFFFF0
        #expect(stream.segment(0x0000_0002, Array(bytes[18..<30])) == ActionValues(anomalies: .outOfOrder))
        #expect(
            stream.segment(0xFFFF_FFF0, Array(bytes[0..<18])) == ActionValues(deliver: 0..<18, hasBufferedData: true)
        )
        #expect(stream.pieces == [.data(bytes)])
    }

    @Test func turnsAnAcknowledgedHoleAcrossTheWrapIntoAGap() {
        var stream = StreamHarness()
        stream.segment(0xFFFF_FFF0, [], syn: true)
        stream.segment(0xFFFF_FFF1, [1, 2, 3, 4, 5])  // next expected 0xFFFFFFF6
        stream.segment(0x0000_0004, [0xAA, 0xBB])  // 14 bytes missing before it
        #expect(stream.acknowledgment(0x0000_0006) == ActionValues(hasBufferedData: true, anomalies: .gap))
        #expect(stream.pieces == [.data([1, 2, 3, 4, 5]), .gap(14), .data([0xAA, 0xBB])])
    }

    /// An acknowledgment that was ahead once stays behind the stream once the stream passes it, even 2^31 bytes
    /// later, where modulo-2^32 comparison would put it ahead again: reordering then is still reordering.
    @Test func forgetsAnAcknowledgmentTheStreamHasPassed() {
        var stream = StreamHarness()
        stream.segment(999, [], syn: true)
        stream.segment(1000, [1, 2, 3, 4, 5])
        stream.segment(1010, [0x10])
        // 1005..<1010 never reaches the capture; the acknowledgment of 1010 says it was sent.
        #expect(stream.acknowledgment(1010) == ActionValues(hasBufferedData: true, anomalies: .gap))
        // 2^31 + 2^30 bytes pass in order (declared by headers, cut by the snapshot length).
        var sequence: UInt32 = 1011
        for _ in 0..<3 {
            stream.segment(sequence, [], declaredLength: 1 << 30)
            sequence &+= 1 << 30
        }
        #expect(stream.segment(sequence &+ 5, [0x20]) == ActionValues(anomalies: .outOfOrder))
        #expect(
            stream.segment(sequence, [0x11, 0x12, 0x13, 0x14, 0x15])
                == ActionValues(deliver: 0..<5, hasBufferedData: true)
        )
        #expect(
            stream.pieces == [
                .data([1, 2, 3, 4, 5]), .gap(5), .data([0x10]), .gap(3 << 30),
                .data([0x11, 0x12, 0x13, 0x14, 0x15, 0x20]),
            ]
        )
    }

    // MARK: - Chunking

    /// How a permutation run ends.
    enum Ending: String, Sendable, CaseIterable {
        /// The flow ends (`finish()`).
        case finish
        /// The segment carrying the stream's last byte has FIN set.
        case fin
    }

    /// The stream of the permutation tests starts 23 bytes before the sequence wraps.
    static let initialSequence: UInt32 = 0xFFFF_FFE8

    /// 40 bytes cut into 4 segments (7, 13, 9, 11 bytes), fed after the SYN in every one of the 24 orders, give
    /// the same stream as in-order delivery, with no gap and no anomaly other than reordering.
    @Test(arguments: permutations(of: 4), Ending.allCases)
    func reassemblesEveryOrderOfFourSegments(_ order: [Int], _ ending: Ending) {
        let bytes = streamBytes(40)
        let cuts = [0, 7, 20, 29, 40]
        var stream = StreamHarness()
        stream.segment(Self.initialSequence, [], syn: true)
        for index in order {
            let range = cuts[index]..<cuts[index + 1]
            let action = stream.segment(
                Self.initialSequence &+ 1 &+ UInt32(range.lowerBound),
                Array(bytes[range]),
                fin: ending == .fin && index == 3
            )
            #expect(action.anomalies.isSubset(of: .outOfOrder))
        }
        if ending == .finish { stream.finish() }
        #expect(stream.pieces == [.data(bytes)])
        #expect(stream.reassembler.isClosed)
        #expect(stream.reassembler.bufferedByteCount == 0)
        #expect(stream.reassembler.statistics.deliveredBytes == 40)
        #expect(stream.reassembler.statistics.gaps == 0)
    }

    /// Overlapping segments with the same bytes, in every order: the same stream, overlaps but no mismatch.
    @Test(arguments: permutations(of: 4))
    func reassemblesEveryOrderOfFourOverlappingSegments(_ order: [Int]) {
        let bytes = streamBytes(40)
        let ranges = [0..<12, 8..<20, 16..<30, 26..<40]
        var stream = StreamHarness()
        stream.segment(Self.initialSequence, [], syn: true)
        for index in order {
            let range = ranges[index]
            stream.segment(Self.initialSequence &+ 1 &+ UInt32(range.lowerBound), Array(bytes[range]))
        }
        stream.finish()
        #expect(stream.pieces == [.data(bytes)])
        #expect(stream.reassembler.statistics.deliveredBytes == 40)
        #expect(stream.reassembler.statistics.overlapMismatches == 0)
        #expect(stream.reassembler.statistics.gaps == 0)
    }

    /// Five segments with the middle one lost, the other four in every order, then the receiver's final
    /// acknowledgment (or the flow's end): the same stream, with exactly the lost bytes as a gap.
    @Test(arguments: permutations(of: 4), [true, false])
    func reassemblesEveryOrderAroundALostSegment(_ order: [Int], _ endWithAcknowledgment: Bool) {
        let bytes = streamBytes(50)
        let cuts = [0, 8, 19, 27, 38, 50]
        let arriving = [0, 1, 3, 4]  // segment 2 (19..<27) never reaches the capture
        var stream = StreamHarness()
        stream.segment(Self.initialSequence, [], syn: true)
        for position in order {
            let index = arriving[position]
            let range = cuts[index]..<cuts[index + 1]
            stream.segment(Self.initialSequence &+ 1 &+ UInt32(range.lowerBound), Array(bytes[range]))
        }
        if endWithAcknowledgment {
            stream.acknowledgment(Self.initialSequence &+ 1 &+ 50)
        } else {
            stream.finish()
        }
        #expect(stream.pieces == [.data(Array(bytes[0..<19])), .gap(8), .data(Array(bytes[27..<50]))])
        #expect(stream.reassembler.bufferedByteCount == 0)
        #expect(stream.reassembler.statistics.deliveredBytes == 42)
        #expect(stream.reassembler.statistics.gapBytes == 8)
    }
}

extension StreamReassembler.BufferedChunk {
    /// The packet number of a `.bytes` chunk; 0 for a gap.
    var packetNumber: UInt64 {
        if case .bytes(_, _, let number) = self { return number }
        return 0
    }
}

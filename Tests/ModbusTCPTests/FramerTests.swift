// SPDX-License-Identifier: Apache-2.0
import ModbusTCP
import SensorTestSupport
import Testing

/// What a framer produced from a stream, for comparing runs with different chunkings.
struct FramedOutput: Equatable {
    var adus: [[UInt8]] = []
    var provisional: [Bool] = []
    var invalidHeaders: [Modbus.InvalidHeader] = []
    var skipped = 0
    var notModbus = false
}

/// Feeds `chunks` to a framer and collects what it produced (NIO `ByteToMessageDecoderVerifier`'s idea).
func frame(
    _ chunks: [[UInt8]],
    carriesRequests: Bool = true,
    atStreamStart: Bool = true,
    gapBefore: Set<Int> = []
) -> FramedOutput {
    var framer = Modbus.Framer(carriesRequests: carriesRequests, atStreamStart: atStreamStart)
    var output = FramedOutput()
    for (index, chunk) in chunks.enumerated() {
        if gapBefore.contains(index) { framer.gap(length: 1) }
        var offset = 0
        loop: while true {
            let event = framer.next(in: chunk.span, offset: &offset)
            switch event {
            case .needMoreData: break loop
            case .adu(let range, let provisional):
                output.adus.append(Array(chunk[range]))
                output.provisional.append(provisional)
            case .bufferedADU(let provisional):
                output.adus.append(framer.bufferedADU)
                output.provisional.append(provisional)
                framer.releaseBufferedADU()
            case .invalidHeader(_, let problems): output.invalidHeaders.append(problems)
            case .skipped(let count): output.skipped += count
            case .notModbus: output.notModbus = true
            }
            #expect(offset <= chunk.count)
        }
    }
    return output
}

@Suite struct FramerTests {
    static let stream: [UInt8] = FrameBuilder.hex(
        """
        0001 0000 0006 01 03 0000 000a
        0002 0000 0006 01 01 0010 0008
        0003 0000 000b 01 10 0001 0002 04 000a 0102
        0004 0000 0002 01 07
        0005 0000 0006 ff 05 00ac ff00
        """
    )
    static let expectedADUs: [[UInt8]] = [
        FrameBuilder.hex("0001 0000 0006 01 03 0000 000a"),
        FrameBuilder.hex("0002 0000 0006 01 01 0010 0008"),
        FrameBuilder.hex("0003 0000 000b 01 10 0001 0002 04 000a 0102"),
        FrameBuilder.hex("0004 0000 0002 01 07"),
        FrameBuilder.hex("0005 0000 0006 ff 05 00ac ff00"),
    ]

    // MARK: - Chunking

    @Test func framesAllAtOnce() {
        let output = frame([Self.stream])
        #expect(output.adus == Self.expectedADUs)
        #expect(output.provisional == [false, false, false, false, false])
        #expect(output.skipped == 0)
    }

    @Test func framesByteByByte() {
        #expect(frame(Self.stream.map { [$0] }).adus == Self.expectedADUs)
    }

    @Test func framesOneADUPerChunk() {
        #expect(frame(Self.expectedADUs).adus == Self.expectedADUs)
    }

    /// Every split point of the stream into two chunks gives the same ADUs.
    @Test func framesAtEverySplitPoint() {
        for split in 1..<Self.stream.count {
            let output = frame([Array(Self.stream[..<split]), Array(Self.stream[split...])])
            #expect(output.adus == Self.expectedADUs, "split at \(split)")
        }
    }

    /// Random splits (a fixed-seed generator, so the test is repeatable).
    @Test func framesAtRandomSplits() {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<200 {
            var chunks: [[UInt8]] = []
            var start = 0
            while start < Self.stream.count {
                let length = Int(generator.next() % 17) + 1
                let end = min(start + length, Self.stream.count)
                chunks.append(Array(Self.stream[start..<end]))
                start = end
            }
            #expect(frame(chunks).adus == Self.expectedADUs)
        }
    }

    // MARK: - Resynchronisation

    @Test func findsTheFirstBoundaryAfterMidstreamPickup() {
        // The capture starts in the middle of an ADU: 5 bytes of its tail, then two whole ADUs.
        let chunk = FrameBuilder.hex("0a 0102 0304") + Self.expectedADUs[0] + Self.expectedADUs[1]
        let output = frame([chunk], atStreamStart: false)
        #expect(output.adus == [Self.expectedADUs[0], Self.expectedADUs[1]])
        #expect(output.skipped == 5)
        #expect(output.provisional == [false, false])
    }

    /// A capture that starts mid-stream on a device that splits every ADU in two at the same place: whatever the
    /// split point, the framer finds the first boundary and frames every ADU (found by the bad-input review:
    /// a header alone in its segment was never probed).
    @Test(arguments: 1..<12)
    func findsTheBoundaryWhenEveryADUIsSplitAtTheSamePlace(split: Int) {
        let adus = (0..<5).map { tid in FrameBuilder.be16(UInt16(tid)) + FrameBuilder.hex("0000 0006 01 03 0000 0002") }
        let chunks = adus.flatMap { [Array($0[..<split]), Array($0[split...])] }
        let output = frame(chunks, atStreamStart: false)
        #expect(output.adus == adus)
        #expect(!output.notModbus)
    }

    @Test func reportsAnInvalidLengthAndResynchronises() {
        // Length 0 (must not stall), then length 0x1000, then a valid ADU, each its own segment.
        let chunks = [
            FrameBuilder.hex("0001 0000 0000 ff 01 0130 0006"),
            FrameBuilder.hex("0001 0000 1000 ff 01 0130 0006"),
            FrameBuilder.hex("0002 0000 0006 ff 01 0130 0006"),
        ]
        let output = frame(chunks)
        #expect(output.invalidHeaders == [.length, .length])
        #expect(output.adus == [chunks[2]])
        #expect(!output.notModbus)
    }

    @Test func rejectsAnotherProtocolOnTheModbusPort() {
        let http = Array("GET / HTTP/1.1\r\nHost: plc\r\n\r\n".utf8)
        let output = frame([http])
        #expect(output.notModbus)
        #expect(output.adus.isEmpty)
    }

    @Test func givesUpOnBytesThatNeverFormAnADU() {
        // Mid-stream garbage: more than one maximum ADU of bytes without a plausible header.
        let garbage = [UInt8](repeating: 0xAA, count: 300)
        let output = frame([garbage], atStreamStart: false)
        #expect(output.notModbus)
    }

    @Test func marksADUsAfterAGapProvisionalUntilConfirmed() {
        var framer = Modbus.Framer(carriesRequests: true, atStreamStart: true)
        var offset = 0
        let first = Self.expectedADUs[0]
        let value1 = framer.next(in: first.span, offset: &offset)
        #expect(value1 == .adu(0..<12, provisional: false))
        framer.gap(length: 13)
        let second = Self.expectedADUs[1]
        offset = 0
        let value2 = framer.next(in: second.span, offset: &offset)
        #expect(value2 == .adu(0..<12, provisional: true))
        framer.confirm()
        offset = 0
        let value3 = framer.next(in: first.span, offset: &offset)
        #expect(value3 == .adu(0..<12, provisional: false))
    }

    @Test func overrulesACorruptedLengthThatTheStreamContradicts() {
        // A Read Coils response whose MBAP length says 71 but whose byte count says 4, alone in its segment.
        let chunk = FrameBuilder.hex("0001 0000 0047 01 01 01 55")
        let output = frame([chunk], carriesRequests: false)
        #expect(output.adus == [chunk])
    }

    @Test func acceptsAnOverlongLengthThatEndsWithTheSegment() {
        // Length 255 (one over the limit), as some vendors' FC 90 frames carry.
        let chunk = FrameBuilder.hex("0007 0000 00ff 00 5a") + [UInt8](repeating: 0x11, count: 253)
        let output = frame([chunk])
        #expect(output.adus == [chunk])
        #expect(output.invalidHeaders.isEmpty)
    }

    @Test func reportsAStreamEndingInsideAnADU() {
        var framer = Modbus.Framer(carriesRequests: true, atStreamStart: true)
        let head = Array(Self.expectedADUs[2].prefix(9))
        var offset = 0
        let value4 = framer.next(in: head.span, offset: &offset)
        #expect(value4 == .needMoreData)
        let value5 = framer.finish()
        #expect(value5)
        var clean = Modbus.Framer(carriesRequests: true, atStreamStart: true)
        offset = 0
        let whole = Self.expectedADUs[0]
        _ = clean.next(in: whole.span, offset: &offset)
        let value6 = clean.finish()
        #expect(!value6)
    }

    // MARK: - Limits

    @Test func holdsAtMostOneMaximumADUWhileWaiting() {
        var framer = Modbus.Framer(carriesRequests: true, atStreamStart: true)
        let header = FrameBuilder.hex("0001 0000 00fe 01 10")
        var offset = 0
        let value7 = framer.next(in: header.span, offset: &offset)
        #expect(value7 == .needMoreData)
        let body = [UInt8](repeating: 0, count: 400)
        offset = 0
        var events: [Modbus.FramerEvent] = []
        while true {
            let event = framer.next(in: body.span, offset: &offset)
            events.append(event)
            if event == .needMoreData { break }
            if case .bufferedADU = event {
                #expect(framer.bufferedADU.count == Modbus.Limits.maximumADUSize)
                framer.releaseBufferedADU()
            }
        }
        #expect(events.first == .bufferedADU(provisional: false))
    }
}

/// SplitMix64, for repeatable random splits.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// SPDX-License-Identifier: Apache-2.0
import DNP3
import Testing

/// The transport function's rules (IEEE 1815-2012 §8.2.1.3), each as a named anomaly.
@Suite struct TransportAssemblerTests {
    /// A link frame whose user data is the transport header `transport` followed by `application` octets.
    static func segment(_ transport: UInt8, _ application: [UInt8]) -> [UInt8] {
        LinkLayerTests.frame(control: 0x44, destination: 1, source: 10, userData: [transport] + application)
    }

    func feed(_ assembler: inout DNP3.Transport.Assembler, _ frame: [UInt8]) -> DNP3.Transport.Result {
        let view = DNP3.Link.UserData(frameStart: 0, count: Int(frame[2]) - 5)
        return assembler.segment(view, in: frame.span)
    }

    /// FIR and FIN in one frame: the fragment is read in place, nothing copied.
    @Test func aSingleSegmentFragmentStaysInItsFrame() {
        var assembler = DNP3.Transport.Assembler()
        let frame = Self.segment(0xC0, [0xC0, 0x01, 0x3C, 0x02, 0x06])
        let result = feed(&assembler, frame)
        #expect(result == DNP3.Transport.Result(anomaly: nil, fragment: .inFrame))
        #expect(assembler.fragment.isEmpty)
        #expect(!assembler.isRunning)
    }

    /// Three segments, the sequence wrapping 63 -> 0 -> 1, over several 16-octet blocks.
    @Test func assemblesSegmentsAcrossTheSequenceWrap() {
        var assembler = DNP3.Transport.Assembler()
        let parts = [
            Array(0..<40).map { UInt8($0) }, Array(40..<80).map { UInt8($0) }, Array(80..<90).map { UInt8($0) },
        ]
        #expect(feed(&assembler, Self.segment(0x40 | 63, parts[0])) == DNP3.Transport.Result())
        #expect(feed(&assembler, Self.segment(0x00, parts[1])) == DNP3.Transport.Result())
        #expect(feed(&assembler, Self.segment(0x80 | 1, parts[2])) == DNP3.Transport.Result(fragment: .assembled))
        #expect(assembler.fragment == parts.flatMap { $0 })
    }

    @Test func discardsASegmentWithoutFIRWhenNothingStarted() {
        var assembler = DNP3.Transport.Assembler()
        #expect(feed(&assembler, Self.segment(0x80 | 20, [1, 2, 3])).anomaly == .unexpectedSegment)
        #expect(!assembler.isRunning)
    }

    @Test func aNewFIRDiscardsTheFragmentUnderWay() {
        var assembler = DNP3.Transport.Assembler()
        _ = feed(&assembler, Self.segment(0x40 | 5, [1, 2, 3]))
        let result = feed(&assembler, Self.segment(0xC0 | 10, [9, 9]))
        #expect(result == DNP3.Transport.Result(anomaly: .incompleteFragmentDiscarded, fragment: .inFrame))
    }

    @Test func aSegmentOutOfSequenceDiscardsTheFragment() {
        var assembler = DNP3.Transport.Assembler()
        _ = feed(&assembler, Self.segment(0x40 | 5, [1, 2, 3]))
        #expect(feed(&assembler, Self.segment(0x80 | 7, [4])).anomaly == .outOfSequence)
        #expect(!assembler.isRunning)
    }

    /// A link retry of the FIN segment that completed a fragment is a duplicate, not an orphan, and delivers
    /// nothing twice.
    @Test func aRepeatOfTheCompletingSegmentIsADuplicate() {
        var assembler = DNP3.Transport.Assembler()
        _ = feed(&assembler, Self.segment(0x40 | 9, [1, 2, 3]))
        #expect(feed(&assembler, Self.segment(0x80 | 10, [4])) == DNP3.Transport.Result(fragment: .assembled))
        #expect(feed(&assembler, Self.segment(0x80 | 10, [4])) == DNP3.Transport.Result(anomaly: .duplicateSegment))
        #expect(feed(&assembler, Self.segment(0x80 | 20, [5])).anomaly == .unexpectedSegment)
    }

    @Test func aRepeatedSegmentIsIgnored() {
        var assembler = DNP3.Transport.Assembler()
        _ = feed(&assembler, Self.segment(0x40 | 5, [1, 2, 3]))
        #expect(feed(&assembler, Self.segment(0x00 | 5, [1, 2, 3])).anomaly == .duplicateSegment)
        #expect(feed(&assembler, Self.segment(0x80 | 6, [4])) == DNP3.Transport.Result(fragment: .assembled))
        #expect(assembler.fragment == [1, 2, 3, 4])
    }

    /// One past the size limit: the fragment is dropped and memory stays at the limit.
    @Test func dropsAFragmentPastTheSizeLimit() {
        var limits = DNP3.Transport.Limits()
        limits.maxFragmentSize = 100
        var assembler = DNP3.Transport.Assembler(limits: limits)
        let block = [UInt8](repeating: 7, count: 50)
        #expect(feed(&assembler, Self.segment(0x40, block)) == DNP3.Transport.Result())
        #expect(feed(&assembler, Self.segment(0x01, block)) == DNP3.Transport.Result())
        #expect(feed(&assembler, Self.segment(0x82, [1])).anomaly == .tooLongReassembly)
        #expect(!assembler.isRunning)
    }

    /// The segments after the one that broke the limit belong to the dropped fragment: discarded quietly (the
    /// one `too_long_reassembly` said it), not each reported as continuing nothing; the next FIR starts afresh.
    @Test func theRestOfAnOverLongFragmentIsDiscardedQuietly() {
        var limits = DNP3.Transport.Limits()
        limits.maxFragmentSize = 100
        var assembler = DNP3.Transport.Assembler(limits: limits)
        let block = [UInt8](repeating: 7, count: 60)
        #expect(feed(&assembler, Self.segment(0x40, block)) == DNP3.Transport.Result())
        #expect(feed(&assembler, Self.segment(0x01, block)).anomaly == .tooLongReassembly)
        #expect(feed(&assembler, Self.segment(0x02, block)) == DNP3.Transport.Result())
        #expect(feed(&assembler, Self.segment(0x83, block)) == DNP3.Transport.Result())
        #expect(feed(&assembler, Self.segment(0x84, block)).anomaly == .unexpectedSegment)
        #expect(feed(&assembler, Self.segment(0xC5, [1])) == DNP3.Transport.Result(fragment: .inFrame))
    }

    @Test func aFrameWithoutUserDataHasNoTransportHeader() {
        var assembler = DNP3.Transport.Assembler()
        let frame = LinkLayerTests.frame(control: 0xC0, destination: 1, source: 10, userData: [])
        #expect(feed(&assembler, frame).anomaly == .lengthTooSmall)
    }
}

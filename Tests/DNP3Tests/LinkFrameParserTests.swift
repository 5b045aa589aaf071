// SPDX-License-Identifier: Apache-2.0
import DNP3
import SensorTestSupport
import Testing

/// Collects what a frame parser made of a stream fed in `chunks`: each frame's bytes, and the events.
struct ParsedLink: Equatable {
    var frames: [[UInt8]] = []
    var badHeaders = 0
    var tooShort = 0
    var skipped = 0
}

func parseLink(_ chunks: [[UInt8]]) -> ParsedLink {
    var parser = DNP3.Link.FrameParser()
    var result = ParsedLink()
    for chunk in chunks {
        var offset = 0
        var steps = 0
        loop: while true {
            steps += 1
            #expect(steps <= chunk.count + 4, "the parser must make progress")
            switch parser.next(in: chunk.span, offset: &offset) {
            case .needMoreData: break loop
            case .frame(let start, let header): result.frames.append(Array(chunk[start..<(start + header.frameSize)]))
            case .bufferedFrame:
                result.frames.append(parser.bufferedFrame)
                parser.releaseBufferedFrame()
            case .badHeaderCRC: result.badHeaders += 1
            case .lengthTooSmall: result.tooShort += 1
            case .skipped(let count): result.skipped += count
            }
        }
    }
    return result
}

@Suite struct LinkFrameParserTests {
    /// Three real frames (iti-read_and_response.pcap): a read request, a 292-octet response (the largest frame),
    /// and the response's 26-octet last frame.
    static let frames: [[UInt8]] = [
        LinkLayerTests.readRequest,
        FrameBuilder.hex(
            "0564ff4401000a005aeb53c081000001020000090202020202022d3a0202020203020000090202020202020270da02020214010000090200000000020000e30b000002000000000200000000020000004dba000200000000020000000002000000007eae02000000000200000000150100000902d3420000000002000000000200000000020069ce00000002000000000200000000020000dd5e000002000000000200000000020000004dba001e0100000902000000000200000000cd6302000000000200000000020000000002f0030000000002000000000200000000020069ce00000002000000000a0200000902020217100202020202020228010000090200000058e4000200000000020000000002000000007eae020000000002000000004e72"
        ),
        FrameBuilder.hex("05641a4401000a00af5d9402000000000200000000020000000066420200000000f3b9"),
    ]
    static let stream = frames.flatMap { $0 }

    @Test func framesAStreamAllAtOnce() {
        #expect(parseLink([Self.stream]) == ParsedLink(frames: Self.frames))
    }

    /// Stray start octets before a frame, or a short fake header whose CRC holds and whose CRC octets are the
    /// real frame's first octets: the real frame is found at every split point, never hidden behind the octets
    /// given up (an evasion opendnp3 outstations are not fooled by: they advance one octet).
    @Test func aFrameBehindStrayOrFakeHeadersIsFoundAtEverySplitPoint() {
        // DIRECT_OPERATE of a CROB (g12v1 q17, index 7). The fake header 05 64 00 00 FC 76 05 64 has a valid CRC,
        // 18 C4, which is the real frame's LENGTH and control octets: the real start lies inside the fake header.
        let frame = FrameBuilder.hex("056418c40a0001003d3a c0c1050c011701070301e80300000000db07 000000ffff")
        let fake = FrameBuilder.hex("05 64 00 00 FC 76  # LENGTH 0, CRC over these and the real 05 64 is 18 C4")
        for prefix in [[0x05, 0x64] as [UInt8], [0x05], [0x05, 0x64, 0x05], fake] {
            let stream = prefix + frame
            #expect(parseLink([stream]).frames == [frame], "whole, prefix \(prefix)")
            for split in 1..<stream.count {
                let output = parseLink([Array(stream[..<split]), Array(stream[split...])])
                #expect(output.frames == [frame], "prefix \(prefix), split at \(split)")
            }
        }
    }

    @Test func framesAtEverySplitPoint() {
        for split in 1..<Self.stream.count {
            let output = parseLink([Array(Self.stream[..<split]), Array(Self.stream[split...])])
            #expect(output == ParsedLink(frames: Self.frames), "split at \(split)")
        }
    }

    @Test func framesOctetByOctet() {
        #expect(parseLink(Self.stream.map { [$0] }) == ParsedLink(frames: Self.frames))
    }

    @Test func skipsGarbageAndABannerBeforeTheFirstFrame() {
        let banner = Array("DNP3 gateway ready\r\n".utf8) + [0x05, 0x00, 0x64]
        let output = parseLink([banner + Self.stream])
        #expect(output.frames == Self.frames)
        #expect(output.skipped == banner.count)
    }

    @Test func resynchronisesAfterABadHeaderCRC() {
        var damaged = Self.frames[1]
        damaged[2] = 0xFE  // LENGTH changed: the header CRC fails, the length is not trusted
        let output = parseLink([Self.frames[0] + damaged + Self.frames[2]])
        #expect(output.frames == [Self.frames[0], Self.frames[2]])
        #expect(output.badHeaders == 1)
        #expect(output.skipped == damaged.count - 1)
    }

    @Test func reportsALengthBelowFive() {
        let short = LinkLayerTests.frame(control: 0xC4, destination: 1, source: 2, userData: [])
        var tooShort = short
        tooShort[2] = 4
        let crc = FrameBuilder.dnp3CRC(Array(tooShort[0..<8]))
        tooShort[8] = crc[0]
        tooShort[9] = crc[1]
        let output = parseLink([tooShort + Self.frames[0]])
        #expect(output.tooShort == 1)
        #expect(output.frames == [Self.frames[0]])
    }

    @Test func holdsAtMostOneLargestFrameWhileWaiting() {
        var parser = DNP3.Link.FrameParser()
        let big = Self.frames[1]
        let head = Array(big.prefix(200))
        var offset = 0
        let event = parser.next(in: head.span, offset: &offset)
        #expect(event == .needMoreData)
        #expect(parser.bufferedFrame.count == 200)
        let endedInsideAFrame = parser.finish()
        #expect(endedInsideAFrame)
    }
}

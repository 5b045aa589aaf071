// SPDX-License-Identifier: Apache-2.0
import DNP3
import SensorTestSupport
import Testing

/// The application header (IEEE 1815-2012 §4.2.2), object headers with every qualifier (§4.4.5) and the object
/// parser's extents, read contiguously and in place through a link frame's CRC blocks.
@Suite struct ApplicationLayerTests {
    typealias Application = DNP3.Application

    /// Parses every object block of `fragment` (a contiguous fragment).
    static func blocks(
        _ fragment: [UInt8],
        limits: Application.Limits = Application.Limits()
    ) throws -> (blocks: [Application.ObjectBlock], parser: Application.ObjectParser) {
        let view = DNP3.FragmentView.contiguous(count: fragment.count)
        let header = try Application.Header(parsing: fragment.span, view: view)
        var parser = Application.ObjectParser(header: header, limits: limits)
        var blocks: [Application.ObjectBlock] = []
        while let block = parser.next(in: fragment.span, view: view) { blocks.append(block) }
        return (blocks, parser)
    }

    // MARK: - Header

    struct HeaderCase: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let control: UInt8
        let function: UInt8
        let iin: UInt16
        let size: Int
        var testDescription: String { name }
    }

    static let headers = [
        HeaderCase(
            name: "READ request",
            bytes: FrameBuilder.hex(
                """
                C3  # control: FIR FIN, SEQ 3
                01  # function: READ
                """
            ),
            control: 0xC3,
            function: 1,
            iin: 0,
            size: 2
        ),
        HeaderCase(
            name: "response with IIN",
            bytes: FrameBuilder.hex(
                """
                E5  # control: FIR FIN CON, SEQ 5
                81  # function: RESPONSE
                90  # IIN1: device restart (0x80), need time (0x10)
                02  # IIN2: object unknown
                """
            ),
            control: 0xE5,
            function: 0x81,
            iin: 0x9002,
            size: 4
        ),
        HeaderCase(
            name: "unsolicited response",
            bytes: FrameBuilder.hex("F0 82 80 00  # FIR FIN CON UNS SEQ 0, UNSOLICITED_RESPONSE, IIN1.7"),
            control: 0xF0,
            function: 0x82,
            iin: 0x8000,
            size: 4
        ),
        HeaderCase(
            name: "undefined function code 0x70 is a request-sized header",
            bytes: FrameBuilder.hex("C1 70"),
            control: 0xC1,
            function: 0x70,
            iin: 0,
            size: 2
        ),
    ]

    @Test(arguments: headers) func header(_ fixture: HeaderCase) throws {
        let view = DNP3.FragmentView.contiguous(count: fixture.bytes.count)
        let header = try Application.Header(parsing: fixture.bytes.span, view: view)
        #expect(header.control.rawValue == fixture.control)
        #expect(header.functionCode.rawValue == fixture.function)
        #expect(header.iin.rawValue == fixture.iin)
        #expect(header.size == fixture.size)
    }

    @Test func controlBitsAndNames() throws {
        let control = Application.Control(rawValue: 0xF5)
        #expect(control.fir && control.fin && control.con && control.uns)
        #expect(control.sequence == 5)
        #expect(Application.FunctionCode.directOperate.name == "DIRECT_OPERATE")
        #expect(Application.FunctionCode(0x82).name == "UNSOLICITED_RESPONSE")
        #expect(Application.FunctionCode(0x70).name == nil)
        let iin = Application.InternalIndications(rawValue: 0x9002)
        let names = Application.InternalIndications.names.filter { iin.contains($0.0) }.map(\.1)
        #expect(names == ["device_restart", "need_time", "object_unknown"])
    }

    /// A response needs 4 octets; 2 or 3 are reported, never read past (Suricata PR #5063 read past them).
    @Test(arguments: 0...3) func aShortResponseIsAnErrorNotAnOverread(_ length: Int) {
        let bytes = Array([0xC0, 0x81, 0x00, 0x00].prefix(length)) as [UInt8]
        let view = DNP3.FragmentView.contiguous(count: bytes.count)
        let needed = length < 2 ? 2 : 4
        #expect(throws: DNP3.ParseError.applicationHeaderTooShort(length: length, needed: needed)) {
            _ = try Application.Header(parsing: bytes.span, view: view)
        }
    }

    // MARK: - Object headers, every qualifier

    struct ObjectCase: Sendable, CustomTestStringConvertible {
        let name: String
        let fragment: [UInt8]
        /// (group, variation, qualifier, start, stop, count, data octets, points)
        let expected: [[Int]]
        var testDescription: String { name }
    }

    static let objects = [
        ObjectCase(
            name: "0x00: 1-octet start-stop, g30v1 with data in a response",
            fragment: FrameBuilder.hex(
                """
                C0 81 00 00           # response, no IIN bits
                1E 01 00 00 01        # g30v1, q00, start 0, stop 1
                01 64 00 00 00        # flags ONLINE, value 100
                01 C8 00 00 00        # flags ONLINE, value 200
                """
            ),
            expected: [[30, 1, 0x00, 0, 1, 2, 10, 2]]
        ),
        ObjectCase(
            name: "0x01: 2-octet start-stop, READ names points without data",
            fragment: FrameBuilder.hex("C1 01  1E 02 01 0A 00 13 00  # g30v2 q01 10..19"),
            expected: [[30, 2, 0x01, 10, 19, 10, 0, 0]]
        ),
        ObjectCase(
            name: "0x06: all objects, four class reads (Zeek #421)",
            fragment: FrameBuilder.hex("C0 01  3C 02 06  3C 03 06  3C 04 06  3C 01 06"),
            expected: [
                [60, 2, 0x06, 0, 0, 0, 0, 0], [60, 3, 0x06, 0, 0, 0, 0, 0], [60, 4, 0x06, 0, 0, 0, 0, 0],
                [60, 1, 0x06, 0, 0, 0, 0, 0],
            ]
        ),
        ObjectCase(
            name: "0x07: 1-octet count, g50v1 time write",
            fragment: FrameBuilder.hex("C2 02  32 01 07 01  10 27 00 00 00 00  # g50v1 x1: 10000 ms"),
            expected: [[50, 1, 0x07, 0, 0, 1, 6, 1]]
        ),
        ObjectCase(
            name: "0x08: 2-octet count, g52v2 delay",
            fragment: FrameBuilder.hex("C2 81 00 00  34 02 08 01 00  2C 01  # g52v2 x1: 300 ms"),
            expected: [[52, 2, 0x08, 0, 0, 1, 2, 1]]
        ),
        ObjectCase(
            name: "0x17: 1-octet count with 1-octet indexes, g2v1 events",
            fragment: FrameBuilder.hex("C0 81 00 00  02 01 17 02  03 81  07 01  # index 3 state 0x81, index 7"),
            expected: [[2, 1, 0x17, 0, 0, 2, 4, 2]]
        ),
        ObjectCase(
            name: "0x28: 2-octet count with 2-octet indexes, CROB",
            fragment: FrameBuilder.hex(
                """
                C0 05                       # DIRECT_OPERATE
                0C 01 28 01 00              # g12v1, q28, count 1
                05 00                       # index 5
                41 01 64 00 00 00 64 00 00 00 00   # PULSE_ON CLOSE, count 1, on 100, off 100, status 0
                """
            ),
            expected: [[12, 1, 0x28, 0, 0, 1, 13, 1]]
        ),
        ObjectCase(
            name: "0x39: 4-octet count with 4-octet indexes, g41v2",
            fragment: FrameBuilder.hex("C0 05  29 02 39 01 00 00 00  09 00 00 00  E8 03 00"),
            expected: [[41, 2, 0x39, 0, 0, 1, 7, 1]]
        ),
        ObjectCase(
            name: "0x5B: free format with a 2-octet size prefix, g70v5 file block",
            fragment: FrameBuilder.hex("C0 01  46 05 5B 01  0A 00  01 00 00 00  02 00 00 80  41 42"),
            expected: [[70, 5, 0x5B, 0, 0, 1, 12, 1]]
        ),
        ObjectCase(
            name: "packed g1v1: 10 points in 2 octets",
            fragment: FrameBuilder.hex("C0 81 00 00  01 01 00 00 09  FF 01"),
            expected: [[1, 1, 0x00, 0, 9, 10, 2, 10]]
        ),
    ]

    @Test(arguments: objects) func objectHeaders(_ fixture: ObjectCase) throws {
        let (blocks, parser) = try Self.blocks(fixture.fragment)
        let got = blocks.map {
            [
                Int($0.header.group), Int($0.header.variation), Int($0.header.qualifier.rawValue),
                Int($0.header.start), Int($0.header.stop), $0.header.count, $0.data.count, $0.pointCount,
            ]
        }
        #expect(got == fixture.expected)
        #expect(parser.error == nil)
        #expect(parser.anomalies.isEmpty)
        #expect(parser.isComplete)
        #expect(parser.offset == fixture.fragment.count)
    }

    /// Every point's index comes from the range or from its index prefix.
    @Test func pointIndexesFromRangeAndPrefix() throws {
        func indexes(_ fragment: [UInt8]) throws -> [UInt64] {
            let (blocks, _) = try Self.blocks(fragment)
            let view = DNP3.FragmentView.contiguous(count: fragment.count)
            var result: [UInt64] = []
            for block in blocks {
                var cursor = Application.PointCursor(block)
                while let point = cursor.next(in: fragment.span, view: view) { result.append(point.index) }
            }
            return result
        }
        #expect(try indexes(Self.objects[0].fragment) == [0, 1])
        #expect(try indexes(Self.objects[5].fragment) == [3, 7])
        #expect(try indexes(Self.objects[9].fragment) == Array(0...9))
    }

    // MARK: - Malformed and limits

    /// A stop below the start (8-bit, and 32-bit where stop - start + 1 wraps to a plausible 2): reported, no
    /// count trusted, nothing read or allocated for it.
    @Test func stopBelowStartIsReportedAndStopsParsing() throws {
        for fragment in [
            FrameBuilder.hex("C0 01  01 02 00 05 02"),
            FrameBuilder.hex("C1 01  01 02 02 FF FF FF FF 00 00 00 00"),
        ] {
            let (blocks, parser) = try Self.blocks(fragment)
            #expect(blocks.count == 1)
            #expect(blocks.first?.header.count == 0)
            #expect(blocks.first?.pointCount == 0)
            #expect(parser.anomalies == [.rangeStopBeforeStart])
            #expect(
                parser.error == .rangeStopBeforeStart(start: blocks[0].header.start, stop: blocks[0].header.stop, at: 2)
            )
            #expect(!parser.isComplete)
        }
    }

    /// The "DNP3 zip bomb": 20 headers of zero-length octet strings declaring 65,536 objects each. Bounded by the
    /// octets, no points listed, two anomalies.
    @Test func zeroLengthObjectsDeclaringHugeCountsAreBounded() throws {
        var fragment: [UInt8] = [0xC0, 0x81, 0x00, 0x00]
        for _ in 0..<20 { fragment += [0x6E, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xFF] }
        let (blocks, parser) = try Self.blocks(fragment)
        #expect(blocks.count == 20)
        #expect(blocks.allSatisfy { $0.header.count == 65_536 && $0.pointCount == 0 && $0.data.isEmpty })
        #expect(parser.anomalies == [.variationZeroInResponse, .tooManyPoints])
    }

    @Test func moreObjectHeadersThanTheLimitAreReported() throws {
        var limits = Application.Limits()
        limits.maxObjectsPerFragment = 3
        let (blocks, parser) = try Self.blocks(
            FrameBuilder.hex("C0 01  3C 02 06  3C 03 06  3C 04 06  3C 01 06"),
            limits: limits
        )
        #expect(blocks.count == 3)
        #expect(parser.anomalies == [.tooManyObjects])
        #expect(!parser.isComplete)
    }

    @Test func anUnknownObjectWithDataStopsParsingButAReadOfOneDoesNot() throws {
        let response = try Self.blocks(
            FrameBuilder.hex("C0 81 00 00  63 01 00 00 00  FF  1E 01 00 00 00 01 00 00 00 00")
        )
        #expect(response.blocks.count == 1)
        #expect(response.parser.error == .unknownGroupVariation(group: 99, variation: 1, at: 4))
        #expect(response.parser.anomalies == [.unknownObject, .malformed])
        let read = try Self.blocks(FrameBuilder.hex("C0 01  63 01 06  3C 01 06"))
        #expect(read.blocks.count == 2)
        #expect(read.parser.anomalies == [.unknownObject])
        #expect(read.parser.error == nil)
    }

    @Test func reservedQualifiersAreErrors() throws {
        for qualifier: UInt8 in [0x0A, 0x0C, 0x0F, 0x70] {
            let (blocks, parser) = try Self.blocks([0xC0, 0x01, 0x1E, 0x01, qualifier, 0, 0])
            // Listed (group, variation, qualifier) as Zeek and tshark list it, with no range; parsing stops.
            #expect(
                blocks.map { [$0.header.group, $0.header.variation, $0.header.qualifier.rawValue] } == [
                    [30, 1, qualifier]
                ]
            )
            #expect(blocks.first?.header.count == 0)
            #expect(blocks.first?.pointCount == 0)
            #expect(parser.error == .reservedQualifier(qualifier, at: 4))
            #expect(parser.anomalies == [.malformed])
        }
    }

    /// Every prefix of a fragment either parses fewer objects or stops with an error: never a trap or an
    /// over-read, and never a point beyond the octets present.
    @Test(arguments: objects) func truncationSweep(_ fixture: ObjectCase) throws {
        let headerSize = fixture.fragment[1] >= 0x81 && fixture.fragment[1] <= 0x83 ? 4 : 2
        for length in headerSize..<fixture.fragment.count {
            let fragment = Array(fixture.fragment.prefix(length))
            let (blocks, parser) = try Self.blocks(fragment)
            #expect(
                parser.error != nil || blocks.count < fixture.expected.count
                    || blocks.last?.pointCount != fixture.expected.last?[7]
            )
            let view = DNP3.FragmentView.contiguous(count: fragment.count)
            for block in blocks {
                #expect(block.data.upperBound <= length)
                var cursor = Application.PointCursor(block)
                while let point = cursor.next(in: fragment.span, view: view) {
                    #expect(point.object.upperBound <= length)
                }
            }
        }
    }

    // MARK: - In place

    /// The same fragment read in place through a link frame (its CRC every 16 octets) and contiguously gives the
    /// same blocks and the same octets.
    @Test(arguments: objects) func inFrameAndContiguousViewsAgree(_ fixture: ObjectCase) throws {
        let frame = LinkLayerTests.frame(control: 0x44, destination: 1, source: 10, userData: [0xC0] + fixture.fragment)
        let userData = DNP3.Link.UserData(frameStart: 0, count: fixture.fragment.count + 1)
        let view = DNP3.FragmentView.inFrame(userData)
        #expect(view.count == fixture.fragment.count)
        for index in 0..<view.count { #expect(view.byte(index, in: frame.span) == fixture.fragment[index]) }
        let header = try Application.Header(parsing: frame.span, view: view)
        var parser = Application.ObjectParser(header: header)
        var inFrame: [Application.ObjectBlock] = []
        while let block = parser.next(in: frame.span, view: view) { inFrame.append(block) }
        #expect(inFrame == (try Self.blocks(fixture.fragment).blocks))
    }
}

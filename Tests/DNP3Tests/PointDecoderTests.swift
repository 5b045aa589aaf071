// SPDX-License-Identifier: Apache-2.0
import DNP3
import SensorTestSupport
import Testing

/// Records every field a decoder passes, as `name=value` strings.
///
/// Integers are decimal, floats as Swift prints them, strings quoted, base64 fields `hex:` followed by their octets.
/// It also keeps every range it was handed.
struct RecordingVisitor: DNP3.Objects.PointFieldVisitor {
    var fields: [String] = []
    var ranges: [Range<Int>] = []

    mutating func field(_ name: StaticString, _ value: UInt64) { fields.append("\(name)=\(value)") }
    mutating func field(_ name: StaticString, signed value: Int64) { fields.append("\(name)=\(value)") }
    mutating func field(_ name: StaticString, float value: Double) { fields.append("\(name)=\(value)") }

    mutating func field(
        _ name: StaticString,
        string range: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>
    ) {
        ranges.append(range)
        var octets: [UInt8] = []
        for index in range { octets.append(view.byte(index, in: bytes)) }
        fields.append("\(name)=\"\(String(decoding: octets, as: UTF8.self))\"")
    }

    mutating func field(
        _ name: StaticString,
        base64 range: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>
    ) {
        ranges.append(range)
        var text = "hex:"
        for index in range {
            let octet = view.byte(index, in: bytes)
            text += String(octet >> 4, radix: 16) + String(octet & 0x0F, radix: 16)
        }
        fields.append("\(name)=\(text)")
    }
}

/// One object inside a fragment, and every field its decoder must give.
struct PointFixture: Sendable, CustomTestStringConvertible {
    let name: String
    let group: UInt8
    let variation: UInt8
    /// The fragment (or just the object's octets).
    let bytes: [UInt8]
    /// Where the object lies in `bytes`.
    let object: Range<Int>
    let expected: [String]

    init(
        _ name: String,
        _ group: UInt8,
        _ variation: UInt8,
        _ hex: String,
        object: Range<Int>? = nil,
        _ expected: [String]
    ) {
        self.name = name
        self.group = group
        self.variation = variation
        self.bytes = FrameBuilder.hex(hex)
        self.object = object ?? 0..<bytes.count
        self.expected = expected
    }

    var testDescription: String { "g\(group)v\(variation) \(name)" }
}

/// The five flag bits every point type shares (bits 0-4), as recorded.
func f5(online: Int = 0, restart: Int = 0, commLost: Int = 0, remoteForced: Int = 0, localForced: Int = 0) -> [String] {
    [
        "online=\(online)", "restart=\(restart)", "comm_lost=\(commLost)", "remote_forced=\(remoteForced)",
        "local_forced=\(localForced)",
    ]
}

/// The point decoders, on real objects from the shared captures (the g70v3 and g50v3 values checked against tshark
/// 4.0) and on built ones where the captures hold only zeros, each read through a contiguous view and through a link
/// frame with its CRC blocks.
@Suite struct PointDecoderTests {
    // MARK: - Decoding through both kinds of view

    /// Decodes `object` of `fragment` through a contiguous view (the fragment 5 octets into a buffer) and, when it
    /// fits one frame, through the in-frame view of a link frame 3 octets into a buffer; both must agree.
    static func decode(
        _ group: UInt8,
        _ variation: UInt8,
        _ fragment: [UInt8],
        _ object: Range<Int>
    )
        -> (decoded: Bool, fields: [String])
    {
        let buffer: [UInt8] = [0xAA, 0xAA, 0xAA, 0xAA, 0xAA] + fragment
        let contiguous = DNP3.FragmentView.contiguous(start: 5, count: fragment.count)
        var first = RecordingVisitor()
        let decoded = DNP3.Objects.decodePoint(
            group: group,
            variation: variation,
            object: object,
            of: contiguous,
            in: buffer.span,
            into: &first
        )
        #expect(first.ranges.allSatisfy { $0.lowerBound >= object.lowerBound && $0.upperBound <= object.upperBound })
        if fragment.count <= 249 {
            let frame: [UInt8] =
                [0x55, 0x55, 0x55]
                + LinkLayerTests.frame(control: 0x44, destination: 1, source: 1024, userData: [0xC0] + fragment)
            let view = DNP3.FragmentView.inFrame(DNP3.Link.UserData(frameStart: 3, count: fragment.count + 1))
            var second = RecordingVisitor()
            let again = DNP3.Objects.decodePoint(
                group: group,
                variation: variation,
                object: object,
                of: view,
                in: frame.span,
                into: &second
            )
            #expect(again == decoded)
            #expect(second.fields == first.fields)
        }
        return (decoded, first.fields)
    }

    static func check(_ fixture: PointFixture) {
        let result = decode(fixture.group, fixture.variation, fixture.bytes, fixture.object)
        #expect(result.decoded)
        #expect(result.fields == fixture.expected)
    }

    // MARK: - Binary inputs, outputs and commands

    static let binaryFixtures: [PointFixture] = [
        PointFixture(
            "with flags",
            1,
            2,
            "a1  # flags: ONLINE, CHATTER_FILTER, STATE",
            f5(online: 1) + ["chatter_filter=1", "reserved=0", "state=1"]
        ),
        PointFixture(
            "event without time: Suricata puts the whole octet in state",
            2,
            1,
            "81  # flags: ONLINE, STATE",
            ["state=129"]
        ),
        PointFixture(
            "event with absolute time",
            2,
            2,
            """
            02            # flags: RESTART, state 0
            7b68e5cf8b01  # time 1700000000123 ms
            """,
            f5(restart: 1) + ["chatter_filter=0", "reserved=0", "state=0", "timestamp=1700000000123"]
        ),
        PointFixture(
            "event with relative time",
            2,
            3,
            """
            9c      # flags: COMM_LOST, REMOTE_FORCED, LOCAL_FORCED, STATE
            3412    # relative time 0x1234 ms
            """,
            f5(commLost: 1, remoteForced: 1, localForced: 1)
                + ["chatter_filter=0", "reserved=0", "state=1", "timestamp=4660"]
        ),
        PointFixture(
            "double-bit with flags",
            3,
            2,
            "a1  # flags: ONLINE, CHATTER_FILTER, state 2 (DETERMINED_ON)",
            f5(online: 1) + ["chatter_filter=1", "state=2"]
        ),
        PointFixture(
            "double-bit event without time",
            4,
            1,
            "41  # flags: ONLINE, state 1 (DETERMINED_OFF)",
            f5(online: 1) + ["chatter_filter=0", "state=1"]
        ),
        PointFixture(
            "double-bit event with absolute time",
            4,
            2,
            """
            c1            # flags: ONLINE, state 3 (INDETERMINATE)
            7b68e5cf8b01  # time 1700000000123 ms
            """,
            f5(online: 1) + ["chatter_filter=0", "state=3", "timestamp=1700000000123"]
        ),
        PointFixture(
            "double-bit event with relative time",
            4,
            3,
            """
            c1      # flags: ONLINE, state 3
            0201    # relative time 258 ms
            """,
            f5(online: 1) + ["chatter_filter=0", "state=3", "relative_time_ms=258"]
        ),
        PointFixture(
            "output status with flags",
            10,
            2,
            "81  # flags: ONLINE, STATE",
            f5(online: 1) + ["reserved0=0", "reserved1=0", "state=1"]
        ),
        PointFixture(
            "output event without time",
            11,
            1,
            "e0  # flags: reserved bits 5 and 6, STATE",
            f5() + ["reserved0=1", "reserved1=1", "state=1"]
        ),
        PointFixture(
            "output event with time",
            11,
            2,
            """
            01            # flags: ONLINE
            7b68e5cf8b01  # time 1700000000123 ms
            """,
            f5(online: 1) + ["reserved0=0", "reserved1=0", "state=0", "timestamp=1700000000123"]
        ),
        PointFixture(
            "command event without time",
            13,
            1,
            "02  # status 2 NO_SELECT, commanded state 0",
            ["status_code=2", "commanded_state=0"]
        ),
        PointFixture(
            "command event with time",
            13,
            2,
            """
            84            # status 4 NOT_SUPPORTED, commanded state 1
            7b68e5cf8b01  # time 1700000000123 ms
            """,
            ["status_code=4", "commanded_state=1", "timestamp=1700000000123"]
        ),
        PointFixture(
            "CROB of a real Direct Operate (iti-directoperate_and_response.pcap, frame 4)",
            12,
            1,
            """
            c0        # application control: FIR, FIN, sequence 0
            05        # DIRECT_OPERATE
            0c0128    # g12v1, qualifier 0x28 (2-octet count, 2-octet index prefix)
            0100      # count 1
            0000      # index 0
            03        # control code: LATCH_ON, TCC NUL
            01        # count 1
            64000000  # on-time 100 ms
            64000000  # off-time 100 ms
            00        # status SUCCESS
            """,
            object: 9..<20,
            [
                "op_type=3", "qu=0", "cr=0", "tcc=0", "count=1", "ontime=100", "offtime=100", "status_code=0",
                "reserved=0",
            ]
        ),
        PointFixture(
            "CROB close pulse with a reserved status bit",
            12,
            1,
            """
            41        # control code: PULSE_ON, TCC CLOSE
            05        # count 5
            e8030000  # on-time 1000 ms
            78563412  # off-time 0x12345678 ms
            84        # status 4 NOT_SUPPORTED, reserved bit set
            """,
            [
                "op_type=1", "qu=0", "cr=0", "tcc=1", "count=5", "ontime=1000", "offtime=305419896", "status_code=4",
                "reserved=1",
            ]
        ),
        PointFixture(
            "PCB with queue, clear and trip",
            12,
            2,
            """
            b4        # control code: LATCH_OFF, QU, CR, TCC TRIP
            00        # count 0
            00000000  # on-time 0
            ffffffff  # off-time 0xFFFFFFFF
            7f        # status 127 UNDEFINED
            """,
            [
                "op_type=4", "qu=1", "cr=1", "tcc=2", "count=0", "ontime=0", "offtime=4294967295", "status_code=127",
                "reserved=0",
            ]
        ),
    ]

    @Test(arguments: binaryFixtures)
    func decodesBinaryObjects(_ fixture: PointFixture) { Self.check(fixture) }

    // MARK: - Counters

    static let counterFixtures: [PointFixture] = [
        PointFixture(
            "32-bit with flag",
            20,
            1,
            """
            21        # flags: ONLINE, ROLLOVER
            efbeadde  # count 0xDEADBEEF
            """,
            f5(online: 1) + ["rollover=1", "discontinuity=0", "reserved0=0", "count=3735928559"]
        ),
        PointFixture(
            "16-bit delta with flag",
            20,
            4,
            """
            81      # flags: ONLINE, bit 7
            ffff    # count 65535
            """,
            f5(online: 1) + ["rollover=0", "reserved0=0", "reserved1=1", "count=65535"]
        ),
        PointFixture("16-bit without flag", 20, 6, "3412  # count 0x1234", ["count=4660"]),
        PointFixture("32-bit delta without flag", 20, 7, "01000080  # count 0x80000001", ["count=2147483649"]),
        PointFixture(
            "frozen 32-bit with flag and time",
            21,
            5,
            """
            41            # flags: ONLINE, DISCONTINUITY
            07000000      # count 7
            7b68e5cf8b01  # time of freeze 1700000000123 ms
            """,
            f5(online: 1) + ["rollover=0", "discontinuity=1", "reserved1=0", "count=7", "timestamp=1700000000123"]
        ),
        PointFixture(
            "frozen 16-bit delta with flag and time",
            21,
            8,
            """
            01            # flags: ONLINE
            0a00          # count 10
            7b68e5cf8b01  # time of freeze
            """,
            f5(online: 1) + ["rollover=0", "reserved0=0", "reserved1=0", "count=10", "timestamp=1700000000123"]
        ),
        PointFixture("frozen 16-bit without flag", 21, 12, "0200  # count 2", ["count=2"]),
        PointFixture(
            "event 16-bit with flag and time",
            22,
            6,
            """
            61            # flags: ONLINE, ROLLOVER, DISCONTINUITY
            0500          # count 5
            7b68e5cf8b01  # time
            """,
            f5(online: 1) + ["rollover=1", "discontinuity=1", "reserved0=0", "count=5", "timestamp=1700000000123"]
        ),
        PointFixture(
            "event 32-bit with flag and time: Suricata's names for bits 6 and 7",
            22,
            5,
            """
            c1            # flags: ONLINE, bits 6 and 7
            05000000      # count 5
            7b68e5cf8b01  # time
            """,
            f5(online: 1) + ["rollover=0", "reserved0=1", "reserved1=1", "count=5", "timestamp=1700000000123"]
        ),
        PointFixture(
            "frozen event 16-bit with flag: Suricata's names for bits 6 and 7",
            23,
            2,
            """
            41      # flags: ONLINE, bit 6
            0300    # count 3
            """,
            f5(online: 1) + ["rollover=0", "reserved0=1", "reserved1=0", "count=3"]
        ),
    ]

    @Test(arguments: counterFixtures)
    func decodesCounters(_ fixture: PointFixture) { Self.check(fixture) }

    // MARK: - Analog inputs and outputs

    static let analogFixtures: [PointFixture] = [
        PointFixture(
            "negative 32-bit with flag",
            30,
            1,
            """
            01        # flags: ONLINE
            c01dfeff  # value -123456
            """,
            f5(online: 1) + ["over_range=0", "reference_err=0", "reserved0=0", "value=-123456"]
        ),
        PointFixture(
            "negative 16-bit with flag",
            30,
            2,
            """
            61      # flags: ONLINE, OVER_RANGE, REFERENCE_ERR
            feff    # value -2
            """,
            f5(online: 1) + ["over_range=1", "reference_err=1", "reserved0=0", "value=-2"]
        ),
        PointFixture("32-bit without flag", 30, 3, "ffffff7f  # value 2147483647", ["value=2147483647"]),
        PointFixture("16-bit without flag", 30, 4, "0080  # value -32768", ["value=-32768"]),
        PointFixture(
            "single-precision with flag",
            30,
            5,
            """
            01        # flags: ONLINE
            0000c03f  # value 1.5
            """,
            f5(online: 1) + ["over_range=0", "reference_err=0", "reserved0=0", "value=1.5"]
        ),
        PointFixture(
            "double-precision with flag",
            30,
            6,
            """
            01                # flags: ONLINE
            00000000000002c0  # value -2.25
            """,
            f5(online: 1) + ["over_range=0", "reference_err=0", "reserved0=0", "value=-2.25"]
        ),
        PointFixture(
            "frozen 32-bit with time of freeze",
            31,
            3,
            """
            01            # flags: ONLINE
            fbffffff      # value -5
            7b68e5cf8b01  # time of freeze
            """,
            f5(online: 1) + ["over_range=0", "reference_err=0", "reserved0=0", "value=-5", "timestamp=1700000000123"]
        ),
        PointFixture("frozen 16-bit without flag", 31, 6, "fdff  # value -3", ["value=-3"]),
        PointFixture(
            "frozen double-precision with flag",
            31,
            8,
            """
            01                # flags: ONLINE
            00000000004a9340  # value 1234.5
            """,
            f5(online: 1) + ["over_range=0", "reference_err=0", "reserved0=0", "value=1234.5"]
        ),
        PointFixture(
            "single-precision event with time of a real unsolicited response (sv-dnp3-eve.pcap)",
            32,
            7,
            """
            fe            # application control: FIR, FIN, CON, UNS, sequence 14
            82            # UNSOLICITED_RESPONSE
            0000          # IIN
            200728        # g32v7, qualifier 0x28
            0100          # count 1
            0000          # index 0
            01            # flags: ONLINE
            0000803f      # value 1.0
            000000000000  # time 0
            """,
            object: 11..<22,
            f5(online: 1) + ["over_range=0", "reference_err=0", "reserved0=0", "value=1.0", "timestamp=0"]
        ),
        PointFixture(
            "double-precision event with time",
            32,
            8,
            """
            01                # flags: ONLINE
            00000000000002c0  # value -2.25
            7b68e5cf8b01      # time
            """,
            f5(online: 1) + [
                "over_range=0", "reference_err=0", "reserved0=0", "value=-2.25", "timestamp=1700000000123",
            ]
        ),
        PointFixture(
            "frozen event 16-bit with time",
            33,
            4,
            """
            03            # flags: ONLINE, RESTART
            feff          # value -2
            7b68e5cf8b01  # time
            """,
            f5(online: 1, restart: 1)
                + ["over_range=0", "reference_err=0", "reserved0=0", "value=-2", "timestamp=1700000000123"]
        ),
        PointFixture("deadband 16-bit", 34, 1, "e803  # 1000", ["deadband_value=1000"]),
        PointFixture("deadband 32-bit", 34, 2, "78563412  # 0x12345678", ["deadband_value=305419896"]),
        PointFixture("deadband single-precision", 34, 3, "000080be  # -0.25", ["deadband_value=-0.25"]),
        PointFixture(
            "output status 32-bit",
            40,
            1,
            """
            01        # flags: ONLINE
            fbffffff  # value -5
            """,
            f5(online: 1) + ["over_range=0", "reference_err=0", "reserved0=0", "value=-5"]
        ),
        PointFixture(
            "output status double-precision",
            40,
            4,
            """
            01                # flags: ONLINE
            00000000004a9340  # value 1234.5
            """,
            f5(online: 1) + ["over_range=0", "reference_err=0", "reserved0=0", "value=1234.5"]
        ),
        PointFixture(
            "16-bit output block of a real Direct Operate (iti-direct_operate_analog_output.pcap)",
            41,
            2,
            """
            c2        # application control: FIR, FIN, sequence 2
            05        # DIRECT_OPERATE
            290228    # g41v2, qualifier 0x28
            0100      # count 1
            0100      # index 1
            0000      # value 0
            00        # control status SUCCESS
            """,
            object: 9..<12,
            ["value=0", "control_status=0"]
        ),
        PointFixture(
            "negative 32-bit output block",
            41,
            1,
            """
            ffffffff  # value -1
            04        # control status NOT_SUPPORTED
            """,
            ["value=-1", "control_status=4"]
        ),
        PointFixture(
            "single-precision output block",
            41,
            3,
            """
            00004841  # value 12.5
            00        # control status SUCCESS
            """,
            ["value=12.5", "control_status=0"]
        ),
        PointFixture(
            "double-precision output block",
            41,
            4,
            """
            00000000000002c0  # value -2.25
            01                # control status TIMEOUT
            """,
            ["value=-2.25", "control_status=1"]
        ),
        PointFixture(
            "output event single-precision with time",
            42,
            7,
            """
            01            # flags: ONLINE
            00004841      # value 12.5
            7b68e5cf8b01  # time
            """,
            f5(online: 1) + ["over_range=0", "reference_err=0", "reserved0=0", "value=12.5", "timestamp=1700000000123"]
        ),
        PointFixture(
            "output command event 32-bit with time",
            43,
            3,
            """
            83            # status 3 FORMAT_ERROR, bit 7 set
            fbffffff      # commanded value -5
            7b68e5cf8b01  # time
            """,
            ["status_code=3", "reserved0=1", "commanded_value=-5", "timestamp=1700000000123"]
        ),
        PointFixture(
            "output command event double-precision",
            43,
            6,
            """
            00                # status SUCCESS
            00000000004a9340  # commanded value 1234.5
            """,
            ["status_code=0", "reserved0=0", "commanded_value=1234.5"]
        ),
    ]

    @Test(arguments: analogFixtures)
    func decodesAnalogObjects(_ fixture: PointFixture) { Self.check(fixture) }

    // MARK: - Times, device storage, registration, data set characteristics, integers, statistics, strings

    static let otherFixtures: [PointFixture] = [
        PointFixture(
            "last recorded time of a real LAN time sync (iti-lan_time_sync.pcap)",
            50,
            3,
            """
            ca            # application control: FIR, FIN, sequence 10
            02            # WRITE
            320307        # g50v3, qualifier 0x07 (1-octet count)
            01            # count 1
            9f0d83524c01  # time 0x014C52830D9F ms
            """,
            object: 6..<12,
            ["timestamp=1427313462687"]
        ),
        PointFixture("absolute time", 50, 1, "7b68e5cf8b01  # time", ["timestamp=1700000000123"]),
        PointFixture(
            "absolute time and interval",
            50,
            2,
            """
            7b68e5cf8b01  # time
            60ea0000      # interval 60000 ms
            """,
            ["timestamp=1700000000123", "interval=60000"]
        ),
        PointFixture(
            "indexed absolute time and long interval",
            50,
            4,
            """
            7b68e5cf8b01  # time
            0f000000      # interval count 15
            05            # interval units 5 (minutes)
            """,
            ["timestamp=1700000000123", "interval_count=15", "interval_units=5"]
        ),
        PointFixture("CTO synchronized", 51, 1, "7b68e5cf8b01  # time", ["timestamp=1700000000123"]),
        PointFixture("CTO unsynchronized", 51, 2, "000000000000  # time 0", ["timestamp=0"]),
        PointFixture("time delay coarse", 52, 1, "0a00  # 10 s", ["delay_secs=10"]),
        PointFixture("time delay fine", 52, 2, "f401  # 500 ms", ["delay_ms=500"]),
        PointFixture(
            "buffer fill status",
            81,
            1,
            """
            e4  # fill 100 %, overflow
            02  # group 2
            02  # variation 2
            """,
            ["fill_percentage=100", "overflow_state=1", "group=2", "variation=2"]
        ),
        PointFixture(
            "private registration object",
            83,
            1,
            """
            41424344  # vendor code "ABCD"
            0700      # object id 7
            0300      # length 3
            010203    # data
            """,
            ["data->vendor_code=\"ABCD\"", "object_id=7", "length=3", "data->data_objects=hex:010203"]
        ),
        PointFixture(
            "data set characteristics",
            86,
            2,
            "1b  # RD, WR, EV, DF",
            ["rd=1", "wr=1", "st=0", "ev=1", "df=1", "padding0=0", "padding1=0", "padding2=0"]
        ),
        PointFixture("unsigned 8-bit integer", 102, 1, "2a  # 42", ["value=42"]),
        PointFixture(
            "security statistic",
            121,
            1,
            """
            41        # flags: ONLINE, DISCONTINUITY
            0300      # association 3
            a0860100  # count 100000
            """,
            f5(online: 1) + ["reserved0=0", "discontinuity=1", "reserved1=0", "association_id=3", "count_value=100000"]
        ),
        PointFixture(
            "security statistic event without time",
            122,
            1,
            """
            21        # flags: ONLINE, bit 5
            0100      # association 1
            02000000  # count 2
            """,
            f5(online: 1) + ["reserved0=1", "discontinuity=0", "reserved1=0", "association_id=1", "count_value=2"]
        ),
        PointFixture(
            "security statistic event with time",
            122,
            2,
            """
            01            # flags: ONLINE
            0100          # association 1
            02000000      # count 2
            7b68e5cf8b01  # time
            """,
            f5(online: 1)
                + [
                    "reserved0=0", "discontinuity=0", "reserved1=0", "association_id=1", "count_value=2",
                    "timestamp=1700000000123",
                ]
        ),
        PointFixture("octet string", 110, 5, "68656c6c6f  # \"hello\"", ["value=\"hello\""]),
        PointFixture("octet string event", 111, 1, "41  # \"A\"", ["value=\"A\""]),
        PointFixture("virtual terminal output block", 112, 3, "4f4b0d  # \"OK\\r\"", ["value=\"OK\r\""]),
        PointFixture("virtual terminal event data", 113, 2, "6869  # \"hi\"", ["value=\"hi\""]),
        PointFixture(
            "device attribute UINT of a real data set exchange (iti-dataset_exchange.pcap)",
            0,
            213,
            """
            c5        # application control: FIR, FIN, sequence 5
            81        # RESPONSE
            0000      # IIN
            00d500    # g0v213 (number of outstation-defined data set prototypes), qualifier 0x00
            0000      # start 0, stop 0
            02        # data type UINT
            04        # length 4
            01000000  # value 1
            00d700    # g0v215 ...
            """,
            object: 9..<15,
            ["data_type=2", "length=4", "value=1"]
        ),
        PointFixture(
            "device attribute VSTR",
            0,
            242,
            """
            01          # data type VSTR
            05          # length 5
            312e322e33  # "1.2.3"
            """,
            ["data_type=1", "length=5", "value=\"1.2.3\""]
        ),
        PointFixture(
            "device attribute INT",
            0,
            203,
            """
            03    # data type INT
            02    # length 2
            feff  # value -2
            """,
            ["data_type=3", "length=2", "value=-2"]
        ),
        PointFixture(
            "device attribute FLT",
            0,
            204,
            """
            04        # data type FLT
            04        # length 4
            0000c03f  # value 1.5
            """,
            ["data_type=4", "length=4", "value=1.5"]
        ),
        PointFixture(
            "device attribute whose value runs past the object: value omitted",
            0,
            247,
            """
            01      # data type VSTR
            09      # length 9, but 3 octets follow
            616263  # "abc"
            """,
            ["data_type=1", "length=9"]
        ),
    ]

    @Test(arguments: otherFixtures)
    func decodesOtherObjects(_ fixture: PointFixture) { Self.check(fixture) }

    // MARK: - File-control (g70)

    static let fileFixtures: [PointFixture] = [
        PointFixture(
            "file command of a real file read (zeek-dnp3_file_read.pcap)",
            70,
            3,
            """
            ce                    # application control: FIR, FIN, sequence 14
            19                    # OPEN_FILE
            46035b                # g70v3, qualifier 0x5B (1-octet count, 2-octet size prefix)
            01                    # count 1
            2400                  # size 36
            1a00                  # file name offset 26
            0a00                  # file name size 10
            000000000000          # time of creation 0
            0000                  # permissions
            00000000              # authentication key
            00000000              # file size
            0100                  # operational mode 1 (READ)
            0004                  # maximum block size 1024
            0400                  # request id 4
            2e2f746573742e786d6c  # "./test.xml"
            """,
            object: 8..<44,
            [
                "filename_offset=26", "filename_size=10", "created=0", "permissions=0", "authentication_key=0",
                "file_size=0", "operational_mode=1", "maximum_block_size=1024", "request_id=4",
                "filename=\"./test.xml\"",
            ]
        ),
        PointFixture(
            "file command status of the real answer",
            70,
            4,
            """
            ce81 1000   # application header: RESPONSE, IIN
            46045b 01   # g70v4, qualifier 0x5B, count 1
            0d00        # size 13
            78563412    # file handle 0x12345678
            3e030000    # file size 830
            0004        # maximum block size 1024
            0400        # request id 4
            00          # status SUCCESS; no optional text
            """,
            object: 10..<23,
            [
                "file_handle=305419896", "file_size=830", "maximum_block_size=1024", "request_id=4", "status_code=0",
                "optional_text=\"\"",
            ]
        ),
        PointFixture(
            "file transport, the first 16 octets of a real last block (zeek-dnp3_file_read.pcap)",
            70,
            5,
            """
            78563412    # file handle
            00000080    # block 0, last block
            efbbbf      # UTF-8 byte order mark
            3c3f786d6c  # "<?xml"
            """,
            ["file_handle=305419896", "block_number=2147483648", "file_data=\"\u{FEFF}<?xml\""]
        ),
        PointFixture(
            "file transport status",
            70,
            6,
            """
            78563412  # file handle
            03000000  # block 3
            11        # status 17 (HANDLE EXPIRED)
            626164    # "bad"
            """,
            ["file_handle=305419896", "block_number=3", "status_code=17", "optional_text=\"bad\""]
        ),
        PointFixture(
            "file descriptor of a real directory listing (iti-file_list_directory.pcap)",
            70,
            7,
            """
            1400          # file name offset 20
            0300          # file name size 3
            0000          # file type 0 (directory)
            21000000      # file size 33
            78394c504c01  # time of creation 0x014C504C3978 ms
            ff01          # permissions 0o777
            0800          # request id 8
            62696e        # "bin"
            """,
            [
                "filename_offset=20", "filename_size=3", "file_type=0", "file_size=33",
                "created_timestamp=1427276315000", "permissions=511", "request_id=8", "filename=\"bin\"",
            ]
        ),
        PointFixture(
            "file specification string",
            70,
            8,
            "2a2e786d6c  # \"*.xml\"",
            ["file_specification=\"*.xml\""]
        ),
        PointFixture(
            "authentication",
            70,
            2,
            """
            0c00      # user name offset 12
            0400      # user name size 4
            1000      # password offset 16
            0300      # password size 3
            fecaadde  # authentication key 0xDEADCAFE
            726f6f74  # "root"
            666f6f    # "foo"
            """,
            [
                "username_offset=12", "username_size=4", "password_offset=16", "password_size=3",
                "authentication_key=3735931646", "username=\"root\"", "password=\"foo\"",
            ]
        ),
        PointFixture(
            "authentication whose user name points outside the object: user name omitted",
            70,
            2,
            """
            0c00      # user name offset 12
            0900      # user name size 9: past the end
            0c00      # password offset 12
            0300      # password size 3
            00000000  # authentication key
            666f6f    # "foo"
            """,
            [
                "username_offset=12", "username_size=9", "password_offset=12", "password_size=3",
                "authentication_key=0", "password=\"foo\"",
            ]
        ),
        PointFixture(
            "authentication whose offsets point into the fixed fields: both omitted",
            70,
            2,
            """
            0000      # user name offset 0
            0400      # user name size 4
            0200      # password offset 2
            0200      # password size 2
            00000000  # authentication key
            """,
            [
                "username_offset=0", "username_size=4", "password_offset=2", "password_size=2",
                "authentication_key=0",
            ]
        ),
        PointFixture(
            "file identifier (superseded)",
            70,
            1,
            """
            0300          # file name size 3
            01            # file type code
            02            # attribute code
            0100          # start record 1
            0900          # end record 9
            00100000      # file size 4096
            7b68e5cf8b01  # time of creation
            ff01          # permission
            04000000      # file id 4
            05000000      # owner id 5
            06000000      # group id 6
            07            # function code
            00            # status code
            616263        # "abc"
            0200          # data size 2
            7879          # "xy"
            """,
            [
                "filename_size=3", "filetype_code=1", "attribute_code=2", "start_record=1", "end_record=9",
                "file_size=4096", "created_timestamp=1700000000123", "permission=511", "file_id=4", "owner_id=5",
                "group_id=6", "file_function_code=7", "status_code=0", "filename=\"abc\"", "data_size=2",
                "data=\"xy\"",
            ]
        ),
    ]

    @Test(arguments: fileFixtures)
    func decodesFileControlObjects(_ fixture: PointFixture) { Self.check(fixture) }

    // MARK: - Secure authentication (g120)

    static let authenticationFixtures: [PointFixture] = [
        PointFixture(
            "challenge of a real critical-request challenge (iti-auth_control_challenge_response.pcap)",
            120,
            1,
            """
            c683 9000  # application header: AUTHENTICATE_RESPONSE, IIN
            78015b 01  # g120v1, qualifier 0x5B, count 1
            0c00       # size 12
            03000000   # challenge sequence number 3
            0000       # user 0
            04         # MAC algorithm 4 (HMAC-SHA-256 truncated to 16 octets)
            01         # reason 1 (CRITICAL)
            73746576   # challenge data
            """,
            object: 10..<22,
            ["csq=3", "usr=0", "mal=4", "reason=1", "data->challenge_data=hex:73746576"]
        ),
        PointFixture(
            "reply of the same exchange",
            120,
            2,
            """
            c620                              # application header: AUTHENTICATE_REQUEST
            78025b 01                         # g120v2, qualifier 0x5B, count 1
            1600                              # size 22
            03000000                          # challenge sequence number 3
            0100                              # user 1
            06fae1911a2cce2dda8abfece1cac8c4  # MAC value
            """,
            object: 8..<30,
            ["csq=3", "usr=1", "data->mac_value=hex:06fae1911a2cce2dda8abfece1cac8c4"]
        ),
        PointFixture(
            "aggressive mode request",
            120,
            3,
            """
            05000000  # challenge sequence number 5
            0100      # user 1
            """,
            ["csq=5", "user_number=1"]
        ),
        PointFixture(
            "session key status request of a real key change (iti-auth_change_session_keys.pcap)",
            120,
            4,
            """
            c120    # application header: AUTHENTICATE_REQUEST
            780407  # g120v4, qualifier 0x07
            01      # count 1
            0100    # user 1
            """,
            object: 6..<8,
            ["user_number=1"]
        ),
        PointFixture(
            "session key status of the same exchange",
            120,
            5,
            """
            c283 9000                         # application header: AUTHENTICATE_RESPONSE, IIN
            78055b 01                         # g120v5, qualifier 0x5B, count 1
            1f00                              # size 31
            02000000                          # key change sequence number 2
            0100                              # user 1
            01                                # key wrap algorithm 1 (AES-128)
            01                                # key status 1 (OK)
            04                                # MAC algorithm 4
            0400                              # challenge data length 4
            73746576                          # challenge data
            262761d733360e6338e3ca1e7d24f965  # MAC value
            """,
            object: 10..<41,
            [
                "ksq=2", "user_number=1", "key_wrap_alg=1", "key_status=1", "mal=4", "challenge_data_len=4",
                "data->challenge_data=hex:73746576", "data->mac_value=hex:262761d733360e6338e3ca1e7d24f965",
            ]
        ),
        PointFixture(
            "session key status whose challenge length runs past the object: data omitted",
            120,
            5,
            """
            02000000  # key change sequence number 2
            0100      # user 1
            01 01 04  # key wrap algorithm, key status, MAC algorithm
            0900      # challenge data length 9, but 4 octets follow
            73746576  # challenge data
            """,
            ["ksq=2", "user_number=1", "key_wrap_alg=1", "key_status=1", "mal=4", "challenge_data_len=9"]
        ),
        PointFixture(
            "session key change of the same exchange",
            120,
            6,
            """
            c220                # application header: AUTHENTICATE_REQUEST
            78065b 01           # g120v6, qualifier 0x5B, count 1
            4600                # size 70
            01000000            # key change sequence number 1
            0100                # user 1
            1930b6ff7ed86bceb5b383733d3362952f541c39124dbe85f913dae6cd0dbb72  # wrapped key data
            da19dc2b6e0e38b5f9496d3150b36698b74450e752898ce3212a802e9cafd7e7
            """,
            object: 8..<78,
            [
                "ksq=1", "usr=1",
                "data->wrapped_key_data=hex:1930b6ff7ed86bceb5b383733d3362952f541c39124dbe85f913dae6cd0dbb72"
                    + "da19dc2b6e0e38b5f9496d3150b36698b74450e752898ce3212a802e9cafd7e7",
            ]
        ),
        PointFixture(
            "error",
            120,
            7,
            """
            05000000      # challenge sequence number 5
            0100          # user 1
            0200          # association 2
            01            # error code 1 (AUTHENTICATION_FAILED)
            7b68e5cf8b01  # time of error
            6f6f7073      # "oops"
            """,
            [
                "sequence_number=5", "usr=1", "association_id=2", "error_code=1", "time_of_error=1700000000123",
                "error_text=\"oops\"",
            ]
        ),
        PointFixture(
            "user certificate",
            120,
            8,
            """
            02      # key change method
            01      # certificate type 1 (ID_CERTIFICATE)
            308201  # certificate
            """,
            ["key_change_method=2", "certificate_type=1", "data->certificate=hex:308201"]
        ),
        PointFixture("MAC", 120, 9, "aabbcc  # MAC value", ["data->mac_value=hex:aabbcc"]),
        PointFixture(
            "user status change",
            120,
            10,
            """
            03        # key change method
            01        # operation 1 (ADD)
            09000000  # status change sequence number 9
            0200      # user role 2
            6400      # expiry interval 100 days
            0300      # user name length 3
            0200      # public key length 2
            0100      # certification data length 1
            626f62    # "bob"
            abcd      # public key
            ef        # certification data
            """,
            [
                "key_change_method=3", "operation=1", "scs=9", "user_role=2", "user_role_expiry_interval=100",
                "username_len=3", "user_public_key_len=2", "certification_data_len=1", "username=\"bob\"",
                "data->user_public_key=hex:abcd", "data->certification_data=hex:ef",
            ]
        ),
        PointFixture(
            "update key change request",
            120,
            11,
            """
            03        # key change method
            0300      # user name length 3
            0400      # challenge length 4
            626f62    # "bob"
            01020304  # master challenge data
            """,
            [
                "key_change_method=3", "username_len=3", "master_challenge_data_len=4", "username=\"bob\"",
                "data->master_challenge_data=hex:01020304",
            ]
        ),
        PointFixture(
            "update key change reply",
            120,
            12,
            """
            07000000  # key change sequence number 7
            0200      # user 2
            0200      # challenge length 2
            a1a2      # challenge data
            """,
            ["ksq=7", "user_number=2", "challenge_data_len=2", "data->challenge_data=hex:a1a2"]
        ),
        PointFixture(
            "update key change",
            120,
            13,
            """
            07000000  # key change sequence number 7
            0200      # user 2
            0300      # encrypted update key length 3
            b1b2b3    # encrypted update key
            """,
            ["ksq=7", "user_number=2", "encrypted_update_key_len=3", "data->encrypted_update_key_data=hex:b1b2b3"]
        ),
        PointFixture("update key change signature", 120, 14, "c1c2  # signature", ["data->digital_signature=hex:c1c2"]),
        PointFixture("update key change confirmation", 120, 15, "d1d2  # MAC", ["data->mac=hex:d1d2"]),
    ]

    @Test(arguments: authenticationFixtures)
    func decodesAuthenticationObjects(_ fixture: PointFixture) { Self.check(fixture) }

    static var allFixtures: [PointFixture] {
        binaryFixtures + counterFixtures + analogFixtures + otherFixtures + fileFixtures + authenticationFixtures
    }

    // MARK: - Packed objects

    /// One packed point of `data` (contiguous view) as recorded.
    static func packed(_ group: UInt8, _ variation: UInt8, _ data: [UInt8], bit: Int) -> [String]? {
        var visitor = RecordingVisitor()
        let view = DNP3.FragmentView.contiguous(count: data.count)
        let decoded = DNP3.Objects.decodePackedPoint(
            group: group,
            variation: variation,
            bitOffset: bit,
            data: 0..<data.count,
            of: view,
            in: data.span,
            into: &visitor
        )
        return decoded ? visitor.fields : nil
    }

    @Test func decodesPackedPointsLeastSignificantBitFirst() {
        // g1v1: 0xA5 = 1010 0101, then one more octet holding bit 8.
        let states = (0..<9).map { Self.packed(1, 1, [0xA5, 0x01], bit: $0) }
        #expect(states == [1, 0, 1, 0, 0, 1, 0, 1, 1].map { ["state=\($0)"] })
        // g3v1: 0xE4 = 11 10 01 00: points 0-3 are 0, 1, 2, 3.
        #expect((0..<4).map { Self.packed(3, 1, [0xE4], bit: 2 * $0) } == [0, 1, 2, 3].map { ["state=\($0)"] })
        // g10v1, g80v1 (IIN bits) and g12v3 (pattern mask).
        #expect(Self.packed(10, 1, [0x02], bit: 1) == ["state=1"])
        #expect(Self.packed(80, 1, [0x00], bit: 0) == ["state=0"])
        #expect(Self.packed(12, 3, [0x80], bit: 7) == ["point=1"])
    }

    @Test func refusesPackedPointsOutsideTheirData() {
        #expect(Self.packed(1, 1, [0xFF], bit: 8) == nil)
        #expect(Self.packed(1, 1, [0xFF], bit: -1) == nil)
        #expect(Self.packed(1, 1, [], bit: 0) == nil)
        #expect(Self.packed(1, 2, [0xFF], bit: 0) == nil)  // g1v2 is not packed
    }

    @Test func packedObjectsAreNotDecodedAsWholeObjects() {
        for (group, variation) in [(1, 1), (3, 1), (10, 1), (12, 3), (80, 1)] as [(UInt8, UInt8)] {
            #expect(!Self.decode(group, variation, [0xFF], 0..<1).decoded)
        }
    }

    // MARK: - Bounds

    /// Every range shorter than a fixture's object, cut at the end, decodes to fewer fields (names a prefix of the
    /// full list) or to false with no fields; no read leaves the range, which here is the whole buffer.
    @Test(arguments: allFixtures)
    func staysInsideEveryShorterObject(_ fixture: PointFixture) {
        let full = Self.decode(fixture.group, fixture.variation, fixture.bytes, fixture.object)
        let fullNames = full.fields.map { $0.prefix { $0 != "=" } }
        let octets = Array(fixture.bytes[fixture.object])
        for length in 0..<octets.count {
            let bytes = Array(octets[0..<length])
            var visitor = RecordingVisitor()
            let decoded = DNP3.Objects.decodePoint(
                group: fixture.group,
                variation: fixture.variation,
                object: 0..<length,
                of: .contiguous(count: length),
                in: bytes.span,
                into: &visitor
            )
            let names = visitor.fields.map { $0.prefix { $0 != "=" } }
            #expect(names.count <= fullNames.count && Array(fullNames.prefix(names.count)) == names)
            if !decoded { #expect(visitor.fields.isEmpty) }
            #expect(visitor.ranges.allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= length })
            // The same object inside the original fragment, cut short: identical through both views.
            let cut = fixture.object.lowerBound..<(fixture.object.lowerBound + length)
            let inPlace = Self.decode(fixture.group, fixture.variation, fixture.bytes, cut)
            #expect(inPlace.decoded == decoded && inPlace.fields == visitor.fields)
        }
    }

    /// Random octets for every group and variation, at every length up to 40: decoding never traps and never
    /// hands out a range outside the object.
    @Test func neverLeavesTheObjectOnRandomInput() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var decodedCount = 0
        for group in 0...255 {
            for variation in 0...255 {
                let lengths = DNP3.Objects.layout(group: UInt8(group), variation: UInt8(variation)) == nil ? 1 : 40
                for length in 0..<lengths {
                    let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: next()) }
                    var visitor = RecordingVisitor()
                    if DNP3.Objects.decodePoint(
                        group: UInt8(group),
                        variation: UInt8(variation),
                        object: 0..<length,
                        of: .contiguous(count: length),
                        in: bytes.span,
                        into: &visitor
                    ) {
                        decodedCount += 1
                    }
                    #expect(visitor.ranges.allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= length })
                }
            }
        }
        #expect(decodedCount > 0)
    }

    @Test func refusesAnObjectRangeOutsideTheView() {
        let bytes: [UInt8] = [0x01, 0x02, 0x03]
        var visitor = RecordingVisitor()
        #expect(
            !DNP3.Objects.decodePoint(
                group: 30,
                variation: 4,
                object: 2..<4,
                of: .contiguous(count: 3),
                in: bytes.span,
                into: &visitor
            )
        )
        #expect(visitor.fields.isEmpty)
    }

    @Test func hasNoDecoderForClassDataSetsAndUnknownObjects() {
        for (group, variation) in [(60, 1), (85, 1), (87, 1), (88, 1), (91, 1), (100, 1), (99, 1), (30, 7), (1, 0)]
            as [(UInt8, UInt8)]
        {
            #expect(!Self.decode(group, variation, [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08], 0..<8).decoded)
        }
        // Octet strings of variation 0 name no length and carry no data.
        #expect(!Self.decode(110, 0, [0x41], 0..<1).decoded)
    }

    // MARK: - Free-format object sizes

    @Test func readsTheSizeOfDeviceAttributesAndRegistrationObjects() {
        // g0v242: VSTR of 5 octets at offset 2 of the view.
        let attribute = FrameBuilder.hex("ffff 01 05 312e322e33")
        let view = DNP3.FragmentView.contiguous(count: attribute.count)
        #expect(DNP3.Objects.variableObjectSize(group: 0, variation: 242, at: 2, of: view, in: attribute.span) == 7)
        // Only the data type left: no size.
        #expect(DNP3.Objects.variableObjectSize(group: 0, variation: 242, at: 8, of: view, in: attribute.span) == nil)
        #expect(DNP3.Objects.variableObjectSize(group: 0, variation: 242, at: 9, of: view, in: attribute.span) == nil)
        #expect(DNP3.Objects.variableObjectSize(group: 0, variation: 242, at: -1, of: view, in: attribute.span) == nil)
        // The declared length is reported even when it runs past the view; the caller checks it.
        let long = FrameBuilder.hex("01 ff 41")
        let longView = DNP3.FragmentView.contiguous(count: long.count)
        #expect(DNP3.Objects.variableObjectSize(group: 0, variation: 1, at: 0, of: longView, in: long.span) == 257)
        // g83v1: vendor code, object id, length 3.
        let registration = FrameBuilder.hex("41424344 0700 0300 010203")
        let registrationView = DNP3.FragmentView.contiguous(count: registration.count)
        #expect(
            DNP3.Objects.variableObjectSize(group: 83, variation: 1, at: 0, of: registrationView, in: registration.span)
                == 11
        )
        // Objects without a length of their own.
        for (group, variation) in [(0, 0), (70, 3), (120, 1), (85, 1), (30, 1)] as [(UInt8, UInt8)] {
            #expect(
                DNP3.Objects.variableObjectSize(group: group, variation: variation, at: 0, of: view, in: attribute.span)
                    == nil
            )
        }
    }

    // MARK: - Control codes

    @Test func namesControlOperationsTripCloseCodesAndStatuses() {
        #expect(DNP3.Objects.ControlOperation(controlCode: 0x41) == .pulseOn)
        #expect(DNP3.Objects.TripCloseCode(controlCode: 0x41) == .close)
        #expect(DNP3.Objects.TripCloseCode(controlCode: 0x81) == .trip)
        #expect(
            (0...5).map { DNP3.Objects.ControlOperation(rawValue: $0).name }
                == ["NUL", "PULSE_ON", "PULSE_OFF", "LATCH_ON", "LATCH_OFF", nil]
        )
        #expect((0...3).map { DNP3.Objects.TripCloseCode(rawValue: $0).name } == ["NUL", "CLOSE", "TRIP", "RESERVED"])
        #expect(DNP3.Objects.CommandStatus(statusOctet: 0x84) == .notSupported)
        #expect(
            (0...12).map { DNP3.Objects.CommandStatus(rawValue: $0).name }
                == [
                    "SUCCESS", "TIMEOUT", "NO_SELECT", "FORMAT_ERROR", "NOT_SUPPORTED", "ALREADY_ACTIVE",
                    "HARDWARE_ERROR", "LOCAL", "TOO_MANY_OPS", "NOT_AUTHORIZED", "AUTOMATION_INHIBIT",
                    "PROCESSING_LIMITED", "OUT_OF_RANGE",
                ]
        )
        #expect(DNP3.Objects.CommandStatus(rawValue: 126).name == "NON_PARTICIPATING")
        #expect(DNP3.Objects.CommandStatus(rawValue: 127).name == "UNDEFINED")
        #expect(DNP3.Objects.CommandStatus(rawValue: 50).name == nil)
    }
}

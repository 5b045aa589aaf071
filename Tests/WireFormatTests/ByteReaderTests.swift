// SPDX-License-Identifier: Apache-2.0
import Testing
import WireFormat

@Suite struct ByteReaderTests {
    // MARK: - Valid

    @Test func readsBigEndianIntegersFromTheFront() throws {
        let bytes: [UInt8] = [
            0x7F,  // UInt8 127
            0x01, 0x02,  // UInt16 0x0102
            0xDE, 0xAD, 0xBE, 0xEF,  // UInt32 0xDEADBEEF
            0xAA,  // one byte left over
        ]
        var reader = ByteReader()
        #expect(try reader.readUInt8(from: bytes.span) == 0x7F)
        #expect(reader.offset == 1)
        #expect(try reader.readUInt16BigEndian(from: bytes.span) == 0x0102)
        #expect(reader.offset == 3)
        #expect(try reader.readUInt32BigEndian(from: bytes.span) == 0xDEAD_BEEF)
        #expect(reader.offset == 7)
        #expect(reader.remaining(in: bytes.span) == 1)
    }

    @Test func startsAtTheGivenOffset() throws {
        let bytes: [UInt8] = [0x00, 0x00, 0x12, 0x34]
        var reader = ByteReader(offset: 2)
        #expect(try reader.readUInt16BigEndian(from: bytes.span) == 0x1234)
        #expect(reader.offset == 4)
        #expect(reader.remaining(in: bytes.span) == 0)
    }

    @Test func skipAndSliceReturnTheRangePassed() throws {
        let bytes = [UInt8](repeating: 0, count: 10)
        var reader = ByteReader(offset: 1)
        #expect(try reader.skip(3, in: bytes.span) == 1..<4)
        #expect(reader.offset == 4)
        #expect(try reader.slice(count: 5, in: bytes.span) == 4..<9)
        #expect(reader.offset == 9)
        #expect(try reader.skip(0, in: bytes.span) == 9..<9)
        #expect(reader.offset == 9)
    }

    @Test func restTakesEveryByteLeft() {
        let bytes = [UInt8](repeating: 0, count: 6)
        var reader = ByteReader(offset: 2)
        #expect(reader.rest(in: bytes.span) == 2..<6)
        #expect(reader.offset == 6)
        #expect(reader.rest(in: bytes.span) == 6..<6)
        #expect(reader.offset == 6)
    }

    @Test func restPastTheEndIsEmpty() {
        let bytes = [UInt8](repeating: 0, count: 3)
        var reader = ByteReader(offset: 5)
        #expect(reader.rest(in: bytes.span) == 5..<5)
        #expect(reader.offset == 5)
    }

    @Test func requireAcceptsExactlyTheBytesLeft() throws {
        let bytes = [UInt8](repeating: 0, count: 4)
        let reader = ByteReader(offset: 1)
        try reader.require(3, in: bytes.span)
        try reader.require(0, in: bytes.span)
        #expect(throws: WireError.truncated(at: 1, needed: 4, available: 3)) {
            try reader.require(4, in: bytes.span)
        }
    }

    // MARK: - Malformed: the exact truncation error

    @Test(arguments: ReadFixture.all)
    func rejectsReadsPastTheEnd(_ fixture: ReadFixture) {
        let bytes = [UInt8](repeating: 0xA5, count: fixture.count)
        var reader = ByteReader(offset: fixture.offset)
        #expect(throws: fixture.error) {
            try fixture.operation.run(on: &reader, bytes)
        }
        // A failed read leaves the cursor where it was.
        #expect(reader.offset == fixture.offset)
    }

    @Test(arguments: 0..<4)
    func rejectsEveryShortPrefixOfAUInt32(_ length: Int) {
        let bytes = [UInt8]([0x01, 0x02, 0x03, 0x04].prefix(length))
        var reader = ByteReader()
        #expect(throws: WireError.truncated(at: 0, needed: 4, available: length)) {
            try reader.readUInt32BigEndian(from: bytes.span)
        }
    }
}

// MARK: - Fixtures

/// One read that must fail: the span size, where the cursor starts, the read, and the exact error.
struct ReadFixture: Sendable, CustomTestStringConvertible {
    enum Operation: Sendable {
        case uint8
        case uint16
        case uint32
        case skip(Int)
        case slice(Int)
        case require(Int)

        func run(on reader: inout ByteReader, _ bytes: [UInt8]) throws(WireError) {
            switch self {
            case .uint8: _ = try reader.readUInt8(from: bytes.span)
            case .uint16: _ = try reader.readUInt16BigEndian(from: bytes.span)
            case .uint32: _ = try reader.readUInt32BigEndian(from: bytes.span)
            case .skip(let count): try reader.skip(count, in: bytes.span)
            case .slice(let count): _ = try reader.slice(count: count, in: bytes.span)
            case .require(let count): try reader.require(count, in: bytes.span)
            }
        }
    }

    var name: String
    var count: Int
    var offset: Int
    var operation: Operation
    var error: WireError
    var testDescription: String { name }

    static let all: [ReadFixture] = [
        ReadFixture(
            name: "UInt8 from an empty span",
            count: 0,
            offset: 0,
            operation: .uint8,
            error: .truncated(at: 0, needed: 1, available: 0)
        ),
        ReadFixture(
            name: "UInt8 at the end",
            count: 3,
            offset: 3,
            operation: .uint8,
            error: .truncated(at: 3, needed: 1, available: 0)
        ),
        ReadFixture(
            name: "UInt16 with one byte left",
            count: 5,
            offset: 4,
            operation: .uint16,
            error: .truncated(at: 4, needed: 2, available: 1)
        ),
        ReadFixture(
            name: "UInt32 with three bytes left",
            count: 5,
            offset: 2,
            operation: .uint32,
            error: .truncated(at: 2, needed: 4, available: 3)
        ),
        ReadFixture(
            name: "skip past the end",
            count: 8,
            offset: 3,
            operation: .skip(10),
            error: .truncated(at: 3, needed: 10, available: 5)
        ),
        ReadFixture(
            name: "slice one byte too long",
            count: 8,
            offset: 2,
            operation: .slice(7),
            error: .truncated(at: 2, needed: 7, available: 6)
        ),
        ReadFixture(
            name: "cursor beyond the end reports zero available",
            count: 4,
            offset: 10,
            operation: .uint8,
            error: .truncated(at: 10, needed: 1, available: 0)
        ),
        ReadFixture(
            name: "require more than the span holds",
            count: 14,
            offset: 0,
            operation: .require(20),
            error: .truncated(at: 0, needed: 20, available: 14)
        ),
    ]
}

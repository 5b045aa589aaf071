// SPDX-License-Identifier: Apache-2.0
import Testing
import WireFormat

@Suite struct ByteLoadsTests {
    static let bytes: [UInt8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xFF]

    @Test func loadsBigEndianIntegers() {
        let span = Self.bytes.span
        #expect(span.loadUInt16BigEndian(at: 0) == 0x0123)
        #expect(span.loadUInt16BigEndian(at: 7) == 0xEFFF)
        #expect(span.loadUInt32BigEndian(at: 1) == 0x2345_6789)
        #expect(span.loadUInt64BigEndian(at: 0) == 0x0123_4567_89AB_CDEF)
        #expect(span.loadUInt64BigEndian(at: 1) == 0x2345_6789_ABCD_EFFF)
    }

    @Test func loadsLittleEndianIntegers() {
        let span = Self.bytes.span
        #expect(span.loadUInt16LittleEndian(at: 0) == 0x2301)
        #expect(span.loadUInt32LittleEndian(at: 0) == 0x6745_2301)
        #expect(span.loadUInt32LittleEndian(at: 5) == 0xFFEF_CDAB)
    }
}

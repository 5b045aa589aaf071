// SPDX-License-Identifier: Apache-2.0
import TCPReassembly
import Testing

@Suite struct SequenceNumberTests {
    @Test(
        arguments: [
            (1000, 900, 100),
            (900, 1000, -100),
            (5, 0xFFFF_FFFB, 10),  // across the wrap
            (0xFFFF_FFFB, 5, -10),
            (0, 0, 0),
            (0x7FFF_FFFF, 0, Int(Int32.max)),
        ] as [(UInt32, UInt32, Int)]
    )
    func measuresDistanceModulo2To32(_ value: UInt32, _ other: UInt32, _ distance: Int) {
        #expect(SequenceNumber(value).distance(from: SequenceNumber(other)) == distance)
    }

    @Test func advancesAcrossTheWrap() {
        #expect(SequenceNumber(0xFFFF_FFFA).advanced(by: 10) == SequenceNumber(4))
        #expect(SequenceNumber(4).advanced(by: -10) == SequenceNumber(0xFFFF_FFFA))
        #expect(SequenceNumber(7).advanced(by: 0) == SequenceNumber(7))
    }
}

// SPDX-License-Identifier: Apache-2.0
import Testing
import WireFormat

@Suite struct WireErrorTests {
    @Test(
        arguments: [
            (
                WireError.truncated(at: 14, needed: 20, available: 6),
                "truncated at byte 14: needed 20 bytes, 6 available"
            ),
            (.invalidField(.ipVersion, value: 2, at: 14), "invalid IP version 2 at byte 14"),
            (.invalidField(.tcpDataOffset, value: 16, at: 46), "invalid TCP data offset 16 at byte 46"),
            (.unsupportedLinkType(147), "unsupported link type 147"),
            (.unsupportedEtherType(0x0806, at: 12), "unsupported EtherType 0x806 at byte 12"),
        ]
    )
    func describesTheFailureWithItsOffset(_ error: WireError, _ text: String) {
        #expect(error.description == text)
    }

    @Test func comparesOffsetsAndValues() {
        #expect(WireError.truncated(at: 0, needed: 2, available: 1) == .truncated(at: 0, needed: 2, available: 1))
        #expect(WireError.truncated(at: 0, needed: 2, available: 1) != .truncated(at: 1, needed: 2, available: 1))
        #expect(WireError.invalidField(.udpLength, value: 7, at: 38) != .invalidField(.udpLength, value: 6, at: 38))
    }
}

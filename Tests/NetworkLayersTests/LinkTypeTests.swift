// SPDX-License-Identifier: Apache-2.0
import NetworkLayers
import Testing

@Suite struct LinkTypeTests {
    @Test(
        arguments: [
            (0, "NULL"), (1, "EN10MB"), (12, "RAW"), (14, "RAW"), (101, "RAW"), (108, "LOOP"), (113, "LINUX_SLL"),
            (228, "IPV4"), (229, "IPV6"), (276, "LINUX_SLL2"),
        ]
    )
    func supportsTheDecodedLinkTypes(_ rawValue: Int, _ name: String) {
        let linkType = LinkType(rawValue: rawValue)
        #expect(linkType.isSupported)
        #expect(linkType.name == name)
    }

    @Test(arguments: [105, 127, 147, 192])
    func keepsAnUnknownLinkTypeWithItsNumber(_ rawValue: Int) {
        let linkType = LinkType(rawValue: rawValue)
        #expect(!linkType.isSupported)
        #expect(linkType.name == "DLT \(rawValue)")
        #expect(linkType.rawValue == rawValue)
    }
}

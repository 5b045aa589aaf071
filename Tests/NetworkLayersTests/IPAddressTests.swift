// SPDX-License-Identifier: Apache-2.0
import NetworkLayers
import Testing

@Suite struct IPAddressTests {
    // MARK: - Text forms

    @Test(
        arguments: [
            (IPAddress.v4(192, 168, 1, 10), "192.168.1.10"),
            (.v4(0, 0, 0, 0), "0.0.0.0"),
            (.v4(255, 255, 255, 255), "255.255.255.255"),
            (.v4(10, 0, 0, 1), "10.0.0.1"),
        ]
    )
    func printsIPv4DottedDecimal(_ address: IPAddress, _ text: String) {
        #expect(address.description == text)
    }

    /// RFC 5952 §4: lowercase hex, no leading zeros, the longest run of two or more zero groups compressed (the
    /// first on a tie), a single zero group never compressed.
    @Test(
        arguments: [
            (IPAddress(ipv6High: 0, low: 0), "::"),
            (IPAddress(ipv6High: 0, low: 1), "::1"),
            (IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 1), "2001:db8::1"),
            (IPAddress(ipv6High: 0x0001_0000_0000_0000, low: 0), "1::"),
            (IPAddress(ipv6High: 0xFE80_0000_0000_0000, low: 0x0000_0000_ABCD_EF01), "fe80::abcd:ef01"),
            // Two zero runs of the same length: the first is compressed.
            (IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 0x0001_0000_0000_0001), "2001:db8::1:0:0:1"),
            // Two zero runs, the second longer: the second is compressed.
            (IPAddress(ipv6High: 0x2001_0000_0000_0001, low: 0x0000_0000_0000_0001), "2001:0:0:1::1"),
            // A single zero group stays.
            (IPAddress(ipv6High: 0x2001_0DB8_0000_0001, low: 0x0001_0001_0001_0001), "2001:db8:0:1:1:1:1:1"),
            // No zero group.
            (
                IPAddress(ipv6High: 0x2001_0DB8_AAAA_BBBB, low: 0xCCCC_DDDD_EEEE_0001),
                "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1"
            ),
            // A zero run at the end.
            (IPAddress(ipv6High: 0x2001_0DB8_0001_0000, low: 0), "2001:db8:1::"),
        ]
    )
    func printsIPv6InRFC5952Form(_ address: IPAddress, _ text: String) {
        #expect(address.description == text)
    }

    // MARK: - Values

    @Test func keepsIPv4InTheLowBits() {
        let address = IPAddress(ipv4: 0xC0A8_010A)
        #expect(address.isIPv4)
        #expect(address.high == 0)
        #expect(address.low == 0xC0A8_010A)
    }

    @Test func distinguishesIPv4FromTheSameBitsInIPv6() {
        let v4 = IPAddress(ipv4: 1)
        let v6 = IPAddress(ipv6High: 0, low: 1)
        #expect(v4 != v6)
        #expect(v4 < v6)
        #expect(Set([v4, v6]).count == 2)
    }

    @Test func ordersIPv4BeforeIPv6ThenByValue() {
        let addresses = [
            IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 2),
            IPAddress.v4(10, 0, 0, 2),
            IPAddress(ipv6High: 0, low: 1),
            IPAddress.v4(10, 0, 0, 1),
            IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 1),
        ]
        #expect(
            addresses.sorted().map(\.description) == ["10.0.0.1", "10.0.0.2", "::1", "2001:db8::1", "2001:db8::2"]
        )
    }
}

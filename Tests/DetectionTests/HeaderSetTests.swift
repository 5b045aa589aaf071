// SPDX-License-Identifier: Apache-2.0
import Detection
import NetworkLayers
import Testing

/// Rule headers are compiled into flat sets of address and port ranges. Whatever the nesting of lists, negations
/// and variables, the compiled set must match exactly the addresses Suricata's reading of the header matches: a
/// list is its plain items (everything when there are none) minus its negated items; `!X` is everything but X.
@Suite struct HeaderSetTests {
    static let networks: [Detection.Network] = [
        .init(address: IPAddress(ipv4: 0x0A00_0000), prefixLength: 8),
        .init(address: IPAddress(ipv4: 0x0A01_0000), prefixLength: 16),
        .init(address: IPAddress(ipv4: 0x0A01_0005), prefixLength: 32),
        .init(address: IPAddress(ipv4: 0xC0A8_0000), prefixLength: 16),
        .init(address: IPAddress(ipv4: 0), prefixLength: 0),
        .init(address: IPAddress(ipv4: 0xFFFF_FFFF), prefixLength: 32),
        .init(address: IPAddress(ipv6High: 0xFD00_0000_0000_0000, low: 0), prefixLength: 8),
        .init(address: IPAddress(ipv6High: 0xFD00_0000_0000_0001, low: 0), prefixLength: 64),
        .init(address: IPAddress(ipv6High: 0, low: 1), prefixLength: 128),
    ]

    /// Addresses on and around every network's edges, and some others.
    static let addresses: [IPAddress] =
        [
            0x0A00_0000, 0x09FF_FFFF, 0x0AFF_FFFF, 0x0B00_0000, 0x0A01_0004, 0x0A01_0005, 0x0A01_0006, 0x0A01_FFFF,
            0xC0A8_0101, 0xC0A9_0000, 0, 0xFFFF_FFFF, 0x0808_0808,
        ].map { IPAddress(ipv4: $0) } + [
            IPAddress(ipv6High: 0xFD00_0000_0000_0001, low: 7), IPAddress(ipv6High: 0xFD12_0000_0000_0000, low: 0),
            IPAddress(ipv6High: 0xFE00_0000_0000_0000, low: 0), IPAddress(ipv6High: 0, low: 1),
            IPAddress(ipv6High: 0, low: 2), IPAddress(ipv6High: UInt64.max, low: UInt64.max),
        ]

    /// The reference: the header's meaning, evaluated directly on the tree.
    static func reference(_ spec: Detection.AddressSpec, _ address: IPAddress) -> Bool {
        switch spec {
        case .any: return true
        case .network(let network): return network.contains(address)
        case .list(let items):
            var plain = false
            var anyPlain = false
            for item in items {
                if case .negated(let inner) = item {
                    if reference(inner, address) { return false }
                } else {
                    plain = true
                    anyPlain = anyPlain || reference(item, address)
                }
            }
            return !plain || anyPlain
        case .negated(let inner): return !reference(inner, address)
        case .variable: return false
        }
    }

    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }

        mutating func spec(depth: Int) -> Detection.AddressSpec {
            switch depth == 0 ? next(2) : next(5) {
            case 0: return .network(HeaderSetTests.networks[next(HeaderSetTests.networks.count)])
            case 1: return next(8) == 0 ? .any : .network(HeaderSetTests.networks[next(HeaderSetTests.networks.count)])
            case 2: return .negated(spec(depth: depth - 1))
            default: return .list((0...next(4)).map { _ in spec(depth: depth - 1) })
            }
        }
    }

    @Test func compiledAddressSetsMatchTheHeadersMeaning() throws {
        let template = try #require(
            Detection.parseRules(#"alert dnp3 any any -> any any (msg:"h"; dnp3_func:read; sid:1;)"#, file: "t")
                .rules.first
        )
        let read: [UInt8] = [0xC1, 0x01, 0x3C, 0x01, 0x06]
        var generator = Generator(state: 42)
        var matched = 0
        var unmatched = 0
        for _ in 0..<300 {
            var rule = template
            rule.source = generator.spec(depth: 3)
            let set = try Detection.RuleSet(rules: [rule])
            for address in Self.addresses {
                let fired = try !RuleSetTests().fired(set, read, toServer: true, from: address).isEmpty
                let expected = Self.reference(rule.source, address)
                #expect(fired == expected, "\(rule.source) at \(address)")
                if expected { matched += 1 } else { unmatched += 1 }
            }
        }
        // Both outcomes are well represented.
        #expect(matched > 1000 && unmatched > 1000)
    }
}

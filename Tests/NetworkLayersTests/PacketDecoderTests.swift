// SPDX-License-Identifier: Apache-2.0
import NetworkLayers
import SensorTestSupport
import Testing
import WireFormat

@Suite struct PacketDecoderTests {
    // MARK: - Valid

    @Test(arguments: PacketFixture.valid)
    func decodesEveryHeaderOfTheFixture(_ fixture: PacketFixture) throws {
        let packet = try PacketDecoder.decode(fixture.bytes.span, linkType: fixture.linkType)
        #expect(PacketValues(packet) == fixture.expected)
        #expect(packet.payload.upperBound <= fixture.bytes.count)
        #expect(Array(fixture.bytes[packet.payload]) == fixture.payloadBytes)
        // Tag slots past vlanCount stay zero.
        let slots = [packet.vlanIdentifiers.0, packet.vlanIdentifiers.1, packet.vlanIdentifiers.2]
        #expect(slots.dropFirst(packet.vlanCount).allSatisfy { $0 == 0 })
    }

    @Test func excludesEthernetPaddingFromTheTCPPayload() throws {
        // A 54-byte frame padded to Ethernet's 60-byte minimum with zeros (IEEE 802.3 clause 3.2.8).
        let frame = FrameBuilder.tcpFrame(sequence: 1, payload: []) + [UInt8](repeating: 0, count: 6)
        let packet = try PacketDecoder.decode(frame.span, linkType: .ethernet)
        #expect(packet.payload == 54..<54)
        #expect(packet.declaredPayloadLength == 0)
        #expect(!packet.isPayloadTruncated)
        #expect(packet.ipPacketLength == 40)
    }

    @Test func keepsWhatArrivedOfAFrameCutShort() throws {
        // The IPv4 total length declares 100 payload bytes; the capture kept 7.
        let payload: [UInt8] = Array(1...100)
        let frame = Array(FrameBuilder.tcpFrame(sequence: 1, payload: payload).prefix(54 + 7))
        let packet = try PacketDecoder.decode(frame.span, linkType: .ethernet)
        #expect(packet.payload == 54..<61)
        #expect(packet.declaredPayloadLength == 100)
        #expect(packet.isPayloadTruncated)
        #expect(packet.ipPacketLength == 140)
        #expect(Array(frame[packet.payload]) == [1, 2, 3, 4, 5, 6, 7])
    }

    // MARK: - Malformed

    @Test(arguments: MalformedPacketFixture.all)
    func rejectsMalformedFrame(_ fixture: MalformedPacketFixture) {
        #expect(throws: fixture.error) {
            try PacketDecoder.decode(fixture.bytes.span, linkType: fixture.linkType)
        }
    }

    // MARK: - Truncation sweeps

    /// Every prefix of a 54-byte Ethernet/IPv4/TCP frame throws the truncation of the header it cuts.
    @Test(arguments: 0..<54)
    func rejectsEveryPrefixOfEthernetIPv4TCPHeaders(_ length: Int) {
        let frame = Array(FrameBuilder.tcpFrame(sequence: 1, payload: []).prefix(length))
        let expected: WireError =
            switch length {
            case ..<14: .truncated(at: 0, needed: 14, available: length)  // Ethernet header
            case ..<34: .truncated(at: 14, needed: 20, available: length - 14)  // IPv4 header
            default: .truncated(at: 34, needed: 20, available: length - 34)  // TCP header
            }
        #expect(throws: expected) {
            try PacketDecoder.decode(frame.span, linkType: .ethernet)
        }
    }

    /// Every prefix of QinQ-tagged Ethernet/IPv4/TCP headers (62 bytes) throws the truncation of the field it cuts.
    @Test(arguments: 0..<62)
    func rejectsEveryPrefixOfQinQTaggedHeaders(_ length: Int) {
        let packet = FrameBuilder.ipv4(protocol: 6, payload: FrameBuilder.tcp(sequence: 1, payload: []))
        let frame = Array(FrameBuilder.ethernet(vlans: [100, 200], etherType: 0x0800, payload: packet).prefix(length))
        let expected: WireError =
            switch length {
            case ..<14: .truncated(at: 0, needed: 14, available: length)  // MACs and outer TPID
            case ..<16: .truncated(at: 14, needed: 2, available: length - 14)  // outer TCI
            case ..<18: .truncated(at: 16, needed: 2, available: length - 16)  // inner TPID
            case ..<20: .truncated(at: 18, needed: 2, available: length - 18)  // inner TCI
            case ..<22: .truncated(at: 20, needed: 2, available: length - 20)  // EtherType
            case ..<42: .truncated(at: 22, needed: 20, available: length - 22)  // IPv4 header
            default: .truncated(at: 42, needed: 20, available: length - 42)  // TCP header
            }
        #expect(throws: expected) {
            try PacketDecoder.decode(frame.span, linkType: .ethernet)
        }
    }

    /// Every prefix of Ethernet/IPv6/Hop-by-Hop(16 bytes)/TCP headers (90 bytes) throws the truncation of the
    /// header it cuts, the extension header included.
    @Test(arguments: 0..<90)
    func rejectsEveryPrefixOfIPv6HeadersWithAnExtensionHeader(_ length: Int) {
        let hopByHop: [UInt8] = [
            6,  // next header: TCP
            1,  // header extension length 1: (1 + 1) * 8 = 16 bytes
            0x01, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  // PadN option, 12 bytes of padding
        ]
        let packet = FrameBuilder.ipv6(
            nextHeader: 0,
            extensionHeaders: hopByHop,
            payload: FrameBuilder.tcp(sequence: 1, payload: [])
        )
        let frame = Array(FrameBuilder.ethernet(etherType: 0x86DD, payload: packet).prefix(length))
        let expected: WireError =
            switch length {
            case ..<14: .truncated(at: 0, needed: 14, available: length)  // Ethernet header
            case ..<54: .truncated(at: 14, needed: 40, available: length - 14)  // IPv6 header
            case ..<62: .truncated(at: 54, needed: 8, available: length - 54)  // extension header's first 8 bytes
            case ..<70: .truncated(at: 54, needed: 16, available: length - 54)  // the rest of its 16 bytes
            default: .truncated(at: 70, needed: 20, available: length - 70)  // TCP header
            }
        #expect(throws: expected) {
            try PacketDecoder.decode(frame.span, linkType: .ethernet)
        }
    }

    /// For every valid fixture, every prefix shorter than its headers throws `.truncated`, at an offset inside the
    /// prefix, with exactly the bytes that remain after that offset available and more than those needed.
    @Test(arguments: PacketFixture.valid)
    func rejectsEveryPrefixShorterThanTheHeaders(_ fixture: PacketFixture) {
        for length in 0..<fixture.expected.payload.lowerBound {
            let prefix = Array(fixture.bytes.prefix(length))
            do {
                let packet = try PacketDecoder.decode(prefix.span, linkType: fixture.linkType)
                Issue.record("a \(length)-byte prefix decoded: payload \(packet.payload)")
            } catch {
                guard case .truncated(let offset, let needed, let available) = error else {
                    Issue.record("a \(length)-byte prefix threw \(error)")
                    continue
                }
                #expect(offset <= length, "prefix \(length)")
                #expect(offset + available == length, "prefix \(length)")
                #expect(needed > available, "prefix \(length)")
            }
        }
    }

    /// Prefixes that keep the headers and part of the payload decode, with the payload marked truncated.
    @Test func decodesEveryPrefixThatKeepsTheHeaders() throws {
        let frame = FrameBuilder.tcpFrame(sequence: 7, payload: [0xDE, 0xAD, 0xBE, 0xEF])
        for length in 54...58 {
            let prefix = Array(frame.prefix(length))
            let packet = try PacketDecoder.decode(prefix.span, linkType: .ethernet)
            #expect(packet.payload == 54..<length)
            #expect(packet.declaredPayloadLength == 4)
            #expect(packet.isPayloadTruncated == (length < 58))
            #expect(packet.sequenceNumber == 7)
        }
    }
}

// MARK: - Helpers

/// Everything ``DecodedPacket`` holds, as one `Equatable` value, so a fixture can state the whole expected parse.
struct PacketValues: Equatable, Sendable, CustomStringConvertible {
    var sourceMAC: UInt64? = nil
    var destinationMAC: UInt64? = nil
    var vlans: [UInt16] = []
    var ipVersion: UInt8
    var source: IPAddress
    var destination: IPAddress
    var ipProtocol: UInt8
    var transport: DecodedPacket.Transport
    var sourcePort: UInt16 = 0
    var destinationPort: UInt16 = 0
    var sequenceNumber: UInt32 = 0
    var acknowledgmentNumber: UInt32 = 0
    var tcpFlags: TCPFlags = []
    var payload: Range<Int>
    var declaredPayloadLength: Int
    var ipPacketLength: Int
    var isPayloadTruncated = false

    var description: String {
        "\(source):\(sourcePort) -> \(destination):\(destinationPort) \(transport) payload \(payload)"
    }
}

extension PacketValues {
    init(_ packet: DecodedPacket) {
        let tags = [packet.vlanIdentifiers.0, packet.vlanIdentifiers.1, packet.vlanIdentifiers.2]
        self.init(
            sourceMAC: packet.sourceMAC,
            destinationMAC: packet.destinationMAC,
            vlans: Array(tags.prefix(packet.vlanCount)),
            ipVersion: packet.ipVersion,
            source: packet.source,
            destination: packet.destination,
            ipProtocol: packet.ipProtocol,
            transport: packet.transport,
            sourcePort: packet.sourcePort,
            destinationPort: packet.destinationPort,
            sequenceNumber: packet.sequenceNumber,
            acknowledgmentNumber: packet.acknowledgmentNumber,
            tcpFlags: packet.tcpFlags,
            payload: packet.payload,
            declaredPayloadLength: packet.declaredPayloadLength,
            ipPacketLength: packet.ipPacketLength,
            isPayloadTruncated: packet.isPayloadTruncated
        )
    }
}

extension IPAddress {
    /// An IPv4 address from its dotted-decimal parts.
    static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> IPAddress {
        IPAddress(ipv4: UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d))
    }

    /// 2001:db8::`last`, the documentation prefix (RFC 3849).
    static func documentation(_ last: UInt64) -> IPAddress {
        IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: last)
    }
}

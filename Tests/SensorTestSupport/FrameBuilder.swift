// SPDX-License-Identifier: Apache-2.0
import DNP3

/// Builds frames for tests: Ethernet/IPv4/IPv6/TCP/UDP headers around a payload, with valid lengths (checksums
/// are left zero; the decoder does not check them).
public enum FrameBuilder {
    public static func ethernet(
        destination: [UInt8] = [0x02, 0, 0, 0, 0, 2],
        source: [UInt8] = [0x02, 0, 0, 0, 0, 1],
        vlans: [UInt16] = [],
        etherType: UInt16,
        payload: [UInt8]
    ) -> [UInt8] {
        var frame = destination + source
        for (index, vlan) in vlans.enumerated() {
            frame += be16(index == 0 && vlans.count > 1 ? 0x88A8 : 0x8100)
            frame += be16(vlan)
        }
        frame += be16(etherType)
        return frame + payload
    }

    public static func ipv4(
        source: [UInt8] = [10, 0, 0, 1],
        destination: [UInt8] = [10, 0, 0, 2],
        protocol ipProtocol: UInt8,
        options: [UInt8] = [],
        flagsAndFragmentOffset: UInt16 = 0x4000,
        payload: [UInt8],
        totalLengthOverride: Int? = nil
    ) -> [UInt8] {
        let headerLength = 20 + options.count
        var header: [UInt8] = [0x40 | UInt8(headerLength / 4), 0]
        header += be16(UInt16(totalLengthOverride ?? (headerLength + payload.count)))
        header += [0, 1] + be16(flagsAndFragmentOffset) + [64, ipProtocol, 0, 0]
        header += source + destination + options
        return header + payload
    }

    public static func ipv6(
        source: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1],
        destination: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2],
        nextHeader: UInt8,
        extensionHeaders: [UInt8] = [],
        payload: [UInt8]
    ) -> [UInt8] {
        var header: [UInt8] = [0x60, 0, 0, 0]
        header += be16(UInt16(extensionHeaders.count + payload.count))
        header += [nextHeader, 64]
        header += source + destination
        return header + extensionHeaders + payload
    }

    public static func tcp(
        sourcePort: UInt16 = 40000,
        destinationPort: UInt16 = 502,
        sequence: UInt32,
        acknowledgment: UInt32 = 0,
        flags: UInt8 = 0x18,
        options: [UInt8] = [],
        payload: [UInt8]
    ) -> [UInt8] {
        let headerLength = 20 + options.count
        var header = be16(sourcePort) + be16(destinationPort) + be32(sequence) + be32(acknowledgment)
        header += [UInt8(headerLength / 4) << 4, flags, 0xFF, 0xFF, 0, 0, 0, 0]
        return header + options + payload
    }

    public static func udp(sourcePort: UInt16 = 40000, destinationPort: UInt16 = 20000, payload: [UInt8]) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    /// An Ethernet/IPv4/TCP frame.
    public static func tcpFrame(
        clientToServer: Bool = true,
        sequence: UInt32,
        acknowledgment: UInt32 = 0,
        flags: UInt8 = 0x18,
        payload: [UInt8]
    ) -> [UInt8] {
        let segment = tcp(
            sourcePort: clientToServer ? 40000 : 502,
            destinationPort: clientToServer ? 502 : 40000,
            sequence: sequence,
            acknowledgment: acknowledgment,
            flags: flags,
            payload: payload
        )
        let packet = ipv4(
            source: clientToServer ? [10, 0, 0, 1] : [10, 0, 0, 2],
            destination: clientToServer ? [10, 0, 0, 2] : [10, 0, 0, 1],
            protocol: 6,
            payload: segment
        )
        return ethernet(
            destination: clientToServer ? [2, 0, 0, 0, 0, 2] : [2, 0, 0, 0, 0, 1],
            source: clientToServer ? [2, 0, 0, 0, 0, 1] : [2, 0, 0, 0, 0, 2],
            etherType: 0x0800,
            payload: packet
        )
    }

    public static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    public static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// Bytes from a hex string: whitespace is ignored, and `#` starts a comment that runs to the end of the line,
    /// so fixtures can be written one wire field per line.
    public static func hex(_ text: String) -> [UInt8] {
        var digits: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for character in code.utf8 {
                switch character {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(character - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digits.append(character - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digits.append(character - UInt8(ascii: "A") + 10)
                default: continue
                }
            }
        }
        precondition(digits.count % 2 == 0, "odd number of hex digits in a test fixture")
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}

extension FrameBuilder {
    /// A DNP3 link frame with valid CRCs (IEEE 1815-2012 §9.2.4): the header and every 16-octet block of user data
    /// followed by its CRC-16/DNP, low octet first.
    public static func dnp3Frame(control: UInt8, destination: UInt16, source: UInt16, userData: [UInt8]) -> [UInt8] {
        var header: [UInt8] = [0x05, 0x64, UInt8(truncatingIfNeeded: userData.count + 5), control]
        header += [UInt8(destination & 0xFF), UInt8(destination >> 8), UInt8(source & 0xFF), UInt8(source >> 8)]
        var frame = header + dnp3CRC(header)
        var start = 0
        while start < userData.count {
            let block = Array(userData[start..<min(start + 16, userData.count)])
            frame += block + dnp3CRC(block)
            start += 16
        }
        return frame
    }

    /// The CRC-16/DNP of `bytes`, low octet first.
    public static func dnp3CRC(_ bytes: [UInt8]) -> [UInt8] {
        let value = DNP3.Link.CRC.compute(bytes.span, 0..<bytes.count)
        return [UInt8(value & 0xFF), UInt8(value >> 8)]
    }
}

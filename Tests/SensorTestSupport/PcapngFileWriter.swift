// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// Writes pcapng files (one section, one interface, enhanced packet blocks; pcapng draft §4.1, §4.2, §4.3), so
/// tests can check that pcapng reads the same as pcap without shipping another tool's output.
public enum PcapngFileWriter {
    /// Writes `frames`; `timestamps` (microseconds since the epoch, as the 64-bit pcapng field) default to
    /// 2024-01-01 plus one millisecond per frame.
    public static func write(_ frames: [[UInt8]], linkType: UInt16 = 1, timestamps: [UInt64]? = nil, to url: URL) throws
    {
        var data = [UInt8]()
        // Section Header Block: type, length, byte-order magic, version 1.0, section length unknown (-1).
        let shb = le32(0x1A2B_3C4D) + le16(1) + le16(0) + [UInt8](repeating: 0xFF, count: 8)
        data += block(type: 0x0A0D_0D0A, body: shb)
        // Interface Description Block: link type, reserved, snapshot length; microsecond resolution (default).
        data += block(type: 0x0000_0001, body: le16(linkType) + le16(0) + le32(65535))
        for (index, frame) in frames.enumerated() {
            let micros = timestamps?[index] ?? UInt64(1_704_067_200) * 1_000_000 + UInt64(index) * 1000
            var body = le32(0) + le32(UInt32(micros >> 32)) + le32(UInt32(micros & 0xFFFF_FFFF))
            body += le32(UInt32(frame.count)) + le32(UInt32(frame.count)) + frame
            while body.count % 4 != 0 { body.append(0) }
            data += block(type: 0x0000_0006, body: body)
        }
        try Data(data).write(to: url)
    }

    static func block(type: UInt32, body: [UInt8]) -> [UInt8] {
        let length = UInt32(12 + body.count)
        return le32(type) + le32(length) + body + le32(length)
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }
}

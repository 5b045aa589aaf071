// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// Writes classic pcap files (little-endian, v2.4, microsecond timestamps) for tests that need a capture on disk.
public enum PcapFileWriter {
    /// Writes `frames` with link type `linkType` and timestamps `start + index × interval` (microseconds,
    /// default one millisecond).
    public static func write(
        _ frames: [[UInt8]],
        linkType: UInt32 = 1,
        snapshotLength: UInt32 = 65535,
        originalLengths: [Int]? = nil,
        interval: Int = 1000,
        to url: URL
    ) throws {
        var data = [UInt8]()
        data += le32(0xA1B2_C3D4) + le16(2) + le16(4) + le32(0) + le32(0) + le32(snapshotLength) + le32(linkType)
        for (index, frame) in frames.enumerated() {
            let micros = UInt64(index * interval)
            data += le32(1_704_067_200 + UInt32(micros / 1_000_000)) + le32(UInt32(micros % 1_000_000))
            data += le32(UInt32(frame.count)) + le32(UInt32(originalLengths?[index] ?? frame.count))
            data += frame
        }
        try Data(data).write(to: url)
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }

    /// A fresh temporary file URL.
    public static func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "otsensor-\(getpid())-\(UUID().uuidString)-\(name)"
        )
    }
}

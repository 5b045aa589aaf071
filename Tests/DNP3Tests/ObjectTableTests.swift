// SPDX-License-Identifier: Apache-2.0
import DNP3
import Testing

/// The object table (IEEE 1815-2012 Annex A): sizes, packing, variation 0, free-format objects, names.
@Suite struct ObjectTableTests {
    typealias Layout = DNP3.Objects.Layout

    /// The groups Annex A defines.
    static let standardGroups: [UInt8] = [
        0, 1, 2, 3, 4, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33, 34, 40, 41, 42, 43, 50, 51, 52, 60, 70, 80, 81,
        82, 83, 85, 86, 87, 88, 90, 91, 100, 101, 102, 110, 111, 112, 113, 120, 121, 122,
    ]

    /// Groups whose variation 0 means "any variation" in a request.
    static let groupsWithVariationZero: [UInt8] = [
        1, 2, 3, 4, 10, 11, 13, 20, 21, 22, 23, 30, 31, 32, 33, 34, 40, 42, 43, 101, 102, 110, 111, 113, 121, 122,
    ]

    static func layout(_ group: UInt8, _ variation: UInt8) -> Layout? {
        DNP3.Objects.layout(group: group, variation: variation)
    }

    @Test func givesTheSizeOfFixedObjects() {
        let sizes: [(UInt8, UInt8, Int)] = [
            (1, 2, 1), (2, 1, 1), (2, 2, 7), (2, 3, 3), (3, 2, 1), (4, 1, 1), (4, 2, 7), (4, 3, 3), (10, 2, 1),
            (11, 1, 1), (11, 2, 7), (12, 1, 11), (12, 2, 11), (13, 1, 1), (13, 2, 7),
            (20, 1, 5), (20, 2, 3), (20, 3, 5), (20, 4, 3), (20, 5, 4), (20, 6, 2), (20, 7, 4), (20, 8, 2),
            (21, 1, 5), (21, 2, 3), (21, 5, 11), (21, 6, 9), (21, 7, 11), (21, 8, 9), (21, 9, 4), (21, 10, 2),
            (21, 11, 4), (21, 12, 2), (22, 1, 5), (22, 5, 11), (22, 6, 9), (23, 1, 5), (23, 8, 9),
            (30, 1, 5), (30, 2, 3), (30, 3, 4), (30, 4, 2), (30, 5, 5), (30, 6, 9),
            (31, 1, 5), (31, 3, 11), (31, 4, 9), (31, 5, 4), (31, 6, 2), (31, 7, 5), (31, 8, 9),
            (32, 1, 5), (32, 2, 3), (32, 3, 11), (32, 4, 9), (32, 5, 5), (32, 6, 9), (32, 7, 11), (32, 8, 15),
            (33, 8, 15), (34, 1, 2), (34, 2, 4), (34, 3, 4),
            (40, 1, 5), (40, 2, 3), (40, 3, 5), (40, 4, 9), (41, 1, 5), (41, 2, 3), (41, 3, 5), (41, 4, 9),
            (42, 3, 11), (42, 8, 15), (43, 1, 5), (43, 4, 9), (43, 8, 15),
            (50, 1, 6), (50, 2, 10), (50, 3, 6), (50, 4, 11), (51, 1, 6), (51, 2, 6), (52, 1, 2), (52, 2, 2),
            (81, 1, 3), (86, 2, 1), (101, 1, 2), (101, 2, 4), (101, 3, 8), (102, 1, 1),
            (120, 3, 6), (120, 4, 2), (121, 1, 7), (122, 1, 7), (122, 2, 13),
        ]
        for (group, variation, size) in sizes {
            #expect(Self.layout(group, variation) == .fixed(size: size), "g\(group)v\(variation)")
        }
    }

    @Test func packsBinaryObjectsInBits() {
        #expect(Self.layout(1, 1) == .packed(bits: 1))
        #expect(Self.layout(3, 1) == .packed(bits: 2))
        #expect(Self.layout(10, 1) == .packed(bits: 1))
        #expect(Self.layout(12, 3) == .packed(bits: 1))
        #expect(Self.layout(80, 1) == .packed(bits: 1))
    }

    @Test func sizesOctetStringsAndVirtualTerminalObjectsByVariation() {
        for group: UInt8 in [110, 111, 112, 113] {
            for variation: UInt8 in 1...255 { #expect(Self.layout(group, variation) == .sizeFromVariation) }
        }
    }

    @Test func variationZeroAndClassObjectsCarryNoData() {
        for group in Self.groupsWithVariationZero { #expect(Self.layout(group, 0) == Layout.none, "g\(group)v0") }
        for variation: UInt8 in 1...4 { #expect(Self.layout(60, variation) == Layout.none) }
        // Groups without an "any variation": commands, times, class, files, IIN, data sets, authentication.
        for group: UInt8 in [0, 12, 41, 50, 51, 52, 60, 70, 80, 81, 82, 83, 85, 86, 87, 88, 90, 91, 100, 120] {
            #expect(Self.layout(group, 0) == nil, "g\(group)v0")
        }
        // A virtual terminal block of variation 0 is a block of length 0, as a real master writes them
        // (iti-write_vto_empty_string.pcap): sized by its variation like the others.
        #expect(Self.layout(112, 0) == .sizeFromVariation)
    }

    @Test func freeFormatObjectsAreVariable() {
        for variation: UInt8 in 1...255 { #expect(Self.layout(0, variation) == .variable) }
        for variation: UInt8 in 1...8 { #expect(Self.layout(70, variation) == .variable) }
        for (group, variation) in [
            (82, 1), (83, 1), (83, 2), (85, 1), (86, 1), (86, 3), (87, 1), (88, 1), (90, 1), (91, 1),
        ]
            as [(UInt8, UInt8)]
        {
            #expect(Self.layout(group, variation) == .variable, "g\(group)v\(variation)")
        }
        for variation: UInt8 in [1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] {
            #expect(Self.layout(120, variation) == .variable)
        }
    }

    @Test func knowsNothingOutsideTheStandard() {
        for (group, variation) in [
            (99, 1), (1, 3), (2, 4), (10, 3), (12, 4), (20, 9), (21, 13), (30, 7), (32, 9), (34, 4), (41, 5),
            (50, 5), (52, 3), (60, 0), (60, 5), (70, 9), (80, 2), (102, 2), (120, 16), (121, 2), (122, 3), (255, 255),
        ] as [(UInt8, UInt8)] {
            #expect(Self.layout(group, variation) == nil, "g\(group)v\(variation)")
            #expect(DNP3.Objects.name(group: group, variation: variation) == nil, "g\(group)v\(variation)")
        }
        for group in 0...255 where !Self.standardGroups.contains(UInt8(group)) {
            #expect(DNP3.Objects.name(group: UInt8(group)) == nil)
            #expect((0...255).allSatisfy { Self.layout(UInt8(group), UInt8($0)) == nil })
        }
    }

    @Test func namesEveryStandardGroupAndVariation() {
        for group in Self.standardGroups { #expect(DNP3.Objects.name(group: group) != nil, "g\(group)") }
        // Every layout has a name, except group 0 variations outside attribute set 0's list.
        for group in Self.standardGroups where group != 0 {
            for variation in 0...255 where Self.layout(group, UInt8(variation)) != nil {
                #expect(DNP3.Objects.name(group: group, variation: UInt8(variation)) != nil, "g\(group)v\(variation)")
            }
        }
        #expect(DNP3.Objects.name(group: 1, variation: 1) == "Binary Input - Packed Format")
        #expect(DNP3.Objects.name(group: 1, variation: 0) == "Binary Input - Any Variation")
        #expect(DNP3.Objects.name(group: 30, variation: 1) == "Analog Input - 32-bit With Flag")
        #expect(DNP3.Objects.name(group: 12, variation: 1) == "Binary Output Command - Control Relay Output Block")
        #expect(DNP3.Objects.name(group: 60, variation: 2) == "Class Objects - Class 1 Data")
        #expect(DNP3.Objects.name(group: 70, variation: 5) == "File-control - File Transport")
        #expect(DNP3.Objects.name(group: 110, variation: 17) == "Octet String - Sized by Variation")
        #expect(DNP3.Objects.name(group: 120, variation: 1) == "Authentication - Challenge")
        #expect(
            DNP3.Objects.name(group: 0, variation: 242) == "Device Attributes - Device Manufacturer's Software Version"
        )
        #expect(DNP3.Objects.name(group: 0, variation: 251) == nil)
        #expect(DNP3.Objects.name(group: 0, variation: 100) == nil)
        #expect(DNP3.Objects.name(group: 32) == "Analog Input Event")
    }

    /// The decoders read exactly the octets the table gives: a fixed object of the table's size decodes, one octet
    /// less does not.
    @Test func decodersAgreeWithTheTableSizes() {
        var checked = 0
        for group in Self.standardGroups {
            for variation in 0...255 {
                guard case .fixed(let size) = Self.layout(group, UInt8(variation)) else { continue }
                let zeros = [UInt8](repeating: 0, count: size)
                var visitor = RecordingVisitor()
                let decoded = DNP3.Objects.decodePoint(
                    group: group,
                    variation: UInt8(variation),
                    object: 0..<size,
                    of: .contiguous(count: size),
                    in: zeros.span,
                    into: &visitor
                )
                guard decoded else {
                    // Only the binary-coded decimals have no decoder.
                    #expect(group == 101, "g\(group)v\(variation) has no decoder")
                    continue
                }
                checked += 1
                var short = RecordingVisitor()
                #expect(
                    !DNP3.Objects.decodePoint(
                        group: group,
                        variation: UInt8(variation),
                        object: 0..<(size - 1),
                        of: .contiguous(count: size),
                        in: zeros.span,
                        into: &short
                    ),
                    "g\(group)v\(variation)"
                )
            }
        }
        #expect(checked > 90)
    }
}

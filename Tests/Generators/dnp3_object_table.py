#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes Sources/DNP3/Objects/Generated/ObjectTable.swift from the table below.

The table is a transcription of the object library of IEEE 1815-2012 Annex A (group and variation numbers, object
sizes, names), as public implementations reflect it: Suricata's scripts/dnp3-gen/dnp3-objects.yaml (field widths),
opendnp3's object model (generation/.../objects/groups/*.scala: sizes, "any variation" entries, free-format
objects), stepfunc/dnp3 (g70 file objects) and Wireshark's epan/dissectors/packet-dnp.c (device attribute
variations). Names follow the Annex A pattern "<group name> - <variation name>".

Run from the package root:  python3 Tests/Generators/dnp3_object_table.py
"""

import pathlib

OUT = pathlib.Path(__file__).resolve().parents[2] / "Sources/DNP3/Objects/Generated/ObjectTable.swift"

# Layout shorthands.
ANY = "none"          # variation 0, "any variation": no data
NONE = "none"
VAR = "variable"
BYVAR = "sizeFromVariation"


def fixed(n):
    return f"fixed:{n}"


def packed(bits):
    return f"packed:{bits}"


# (group, clause in Annex A, group name, [(variation, layout, variation name)])
# Variation None means "every variation 1...255" (g0, g110-g113).
GROUPS = [
    (0, "A.1", "Device Attributes", [(None, VAR, None)]),
    (1, "A.2", "Binary Input", [
        (0, ANY, "Any Variation"),
        (1, packed(1), "Packed Format"),
        (2, fixed(1), "With Flags"),
    ]),
    (2, "A.3", "Binary Input Event", [
        (0, ANY, "Any Variation"),
        (1, fixed(1), "Without Time"),
        (2, fixed(7), "With Absolute Time"),
        (3, fixed(3), "With Relative Time"),
    ]),
    (3, "A.4", "Double-bit Binary Input", [
        (0, ANY, "Any Variation"),
        (1, packed(2), "Packed Format"),
        (2, fixed(1), "With Flags"),
    ]),
    (4, "A.5", "Double-bit Binary Input Event", [
        (0, ANY, "Any Variation"),
        (1, fixed(1), "Without Time"),
        (2, fixed(7), "With Absolute Time"),
        (3, fixed(3), "With Relative Time"),
    ]),
    (10, "A.6", "Binary Output", [
        (0, ANY, "Any Variation"),
        (1, packed(1), "Packed Format"),
        (2, fixed(1), "Output Status With Flags"),
    ]),
    (11, "A.7", "Binary Output Event", [
        (0, ANY, "Any Variation"),
        (1, fixed(1), "Status Without Time"),
        (2, fixed(7), "Status With Time"),
    ]),
    (12, "A.8", "Binary Output Command", [
        (1, fixed(11), "Control Relay Output Block"),
        (2, fixed(11), "Pattern Control Block"),
        (3, packed(1), "Pattern Mask"),
    ]),
    (13, "A.9", "Binary Output Command Event", [
        (0, ANY, "Any Variation"),
        (1, fixed(1), "Command Status Without Time"),
        (2, fixed(7), "Command Status With Time"),
    ]),
    (20, "A.10", "Counter", [
        (0, ANY, "Any Variation"),
        (1, fixed(5), "32-bit With Flag"),
        (2, fixed(3), "16-bit With Flag"),
        (3, fixed(5), "32-bit With Flag, Delta"),
        (4, fixed(3), "16-bit With Flag, Delta"),
        (5, fixed(4), "32-bit Without Flag"),
        (6, fixed(2), "16-bit Without Flag"),
        (7, fixed(4), "32-bit Without Flag, Delta"),
        (8, fixed(2), "16-bit Without Flag, Delta"),
    ]),
    (21, "A.11", "Frozen Counter", [
        (0, ANY, "Any Variation"),
        (1, fixed(5), "32-bit With Flag"),
        (2, fixed(3), "16-bit With Flag"),
        (3, fixed(5), "32-bit With Flag, Delta"),
        (4, fixed(3), "16-bit With Flag, Delta"),
        (5, fixed(11), "32-bit With Flag and Time"),
        (6, fixed(9), "16-bit With Flag and Time"),
        (7, fixed(11), "32-bit With Flag and Time, Delta"),
        (8, fixed(9), "16-bit With Flag and Time, Delta"),
        (9, fixed(4), "32-bit Without Flag"),
        (10, fixed(2), "16-bit Without Flag"),
        (11, fixed(4), "32-bit Without Flag, Delta"),
        (12, fixed(2), "16-bit Without Flag, Delta"),
    ]),
    (22, "A.12", "Counter Event", [
        (0, ANY, "Any Variation"),
        (1, fixed(5), "32-bit With Flag"),
        (2, fixed(3), "16-bit With Flag"),
        (3, fixed(5), "32-bit With Flag, Delta"),
        (4, fixed(3), "16-bit With Flag, Delta"),
        (5, fixed(11), "32-bit With Flag and Time"),
        (6, fixed(9), "16-bit With Flag and Time"),
        (7, fixed(11), "32-bit With Flag and Time, Delta"),
        (8, fixed(9), "16-bit With Flag and Time, Delta"),
    ]),
    (23, "A.13", "Frozen Counter Event", [
        (0, ANY, "Any Variation"),
        (1, fixed(5), "32-bit With Flag"),
        (2, fixed(3), "16-bit With Flag"),
        (3, fixed(5), "32-bit With Flag, Delta"),
        (4, fixed(3), "16-bit With Flag, Delta"),
        (5, fixed(11), "32-bit With Flag and Time"),
        (6, fixed(9), "16-bit With Flag and Time"),
        (7, fixed(11), "32-bit With Flag and Time, Delta"),
        (8, fixed(9), "16-bit With Flag and Time, Delta"),
    ]),
    (30, "A.14", "Analog Input", [
        (0, ANY, "Any Variation"),
        (1, fixed(5), "32-bit With Flag"),
        (2, fixed(3), "16-bit With Flag"),
        (3, fixed(4), "32-bit Without Flag"),
        (4, fixed(2), "16-bit Without Flag"),
        (5, fixed(5), "Single-precision, Floating-point With Flag"),
        (6, fixed(9), "Double-precision, Floating-point With Flag"),
    ]),
    (31, "A.15", "Frozen Analog Input", [
        (0, ANY, "Any Variation"),
        (1, fixed(5), "32-bit With Flag"),
        (2, fixed(3), "16-bit With Flag"),
        (3, fixed(11), "32-bit With Time-of-Freeze"),
        (4, fixed(9), "16-bit With Time-of-Freeze"),
        (5, fixed(4), "32-bit Without Flag"),
        (6, fixed(2), "16-bit Without Flag"),
        (7, fixed(5), "Single-precision, Floating-point With Flag"),
        (8, fixed(9), "Double-precision, Floating-point With Flag"),
    ]),
    (32, "A.16", "Analog Input Event", [
        (0, ANY, "Any Variation"),
        (1, fixed(5), "32-bit Without Time"),
        (2, fixed(3), "16-bit Without Time"),
        (3, fixed(11), "32-bit With Time"),
        (4, fixed(9), "16-bit With Time"),
        (5, fixed(5), "Single-precision, Floating-point Without Time"),
        (6, fixed(9), "Double-precision, Floating-point Without Time"),
        (7, fixed(11), "Single-precision, Floating-point With Time"),
        (8, fixed(15), "Double-precision, Floating-point With Time"),
    ]),
    (33, "A.17", "Frozen Analog Input Event", [
        (0, ANY, "Any Variation"),
        (1, fixed(5), "32-bit Without Time"),
        (2, fixed(3), "16-bit Without Time"),
        (3, fixed(11), "32-bit With Time"),
        (4, fixed(9), "16-bit With Time"),
        (5, fixed(5), "Single-precision, Floating-point Without Time"),
        (6, fixed(9), "Double-precision, Floating-point Without Time"),
        (7, fixed(11), "Single-precision, Floating-point With Time"),
        (8, fixed(15), "Double-precision, Floating-point With Time"),
    ]),
    (34, "A.18", "Analog Input Reporting Deadband", [
        (0, ANY, "Any Variation"),
        (1, fixed(2), "16-bit"),
        (2, fixed(4), "32-bit"),
        (3, fixed(4), "Single-precision, Floating-point"),
    ]),
    (40, "A.19", "Analog Output Status", [
        (0, ANY, "Any Variation"),
        (1, fixed(5), "32-bit With Flag"),
        (2, fixed(3), "16-bit With Flag"),
        (3, fixed(5), "Single-precision, Floating-point With Flag"),
        (4, fixed(9), "Double-precision, Floating-point With Flag"),
    ]),
    (41, "A.20", "Analog Output", [
        (1, fixed(5), "32-bit"),
        (2, fixed(3), "16-bit"),
        (3, fixed(5), "Single-precision, Floating-point"),
        (4, fixed(9), "Double-precision, Floating-point"),
    ]),
    (42, "A.21", "Analog Output Event", [
        (0, ANY, "Any Variation"),
        (1, fixed(5), "32-bit Without Time"),
        (2, fixed(3), "16-bit Without Time"),
        (3, fixed(11), "32-bit With Time"),
        (4, fixed(9), "16-bit With Time"),
        (5, fixed(5), "Single-precision, Floating-point Without Time"),
        (6, fixed(9), "Double-precision, Floating-point Without Time"),
        (7, fixed(11), "Single-precision, Floating-point With Time"),
        (8, fixed(15), "Double-precision, Floating-point With Time"),
    ]),
    (43, "A.22", "Analog Output Command Event", [
        (0, ANY, "Any Variation"),
        (1, fixed(5), "32-bit Without Time"),
        (2, fixed(3), "16-bit Without Time"),
        (3, fixed(11), "32-bit With Time"),
        (4, fixed(9), "16-bit With Time"),
        (5, fixed(5), "Single-precision, Floating-point Without Time"),
        (6, fixed(9), "Double-precision, Floating-point Without Time"),
        (7, fixed(11), "Single-precision, Floating-point With Time"),
        (8, fixed(15), "Double-precision, Floating-point With Time"),
    ]),
    (50, "A.23", "Time and Date", [
        (1, fixed(6), "Absolute Time"),
        (2, fixed(10), "Absolute Time and Interval"),
        (3, fixed(6), "Absolute Time at Last Recorded Time"),
        (4, fixed(11), "Indexed Absolute Time and Long Interval"),
    ]),
    (51, "A.24", "Time and Date CTO", [
        (1, fixed(6), "Absolute Time, Synchronized"),
        (2, fixed(6), "Absolute Time, Unsynchronized"),
    ]),
    (52, "A.25", "Time Delay", [
        (1, fixed(2), "Coarse"),
        (2, fixed(2), "Fine"),
    ]),
    (60, "A.26", "Class Objects", [
        (1, NONE, "Class 0 Data"),
        (2, NONE, "Class 1 Data"),
        (3, NONE, "Class 2 Data"),
        (4, NONE, "Class 3 Data"),
    ]),
    (70, "A.27", "File-control", [
        (1, VAR, "File Identifier"),
        (2, VAR, "Authentication"),
        (3, VAR, "File Command"),
        (4, VAR, "File Command Status"),
        (5, VAR, "File Transport"),
        (6, VAR, "File Transport Status"),
        (7, VAR, "File Descriptor"),
        (8, VAR, "File Specification String"),
    ]),
    (80, "A.28", "Internal Indications", [
        (1, packed(1), "Packed Format"),
    ]),
    (81, "A.29", "Device Storage", [
        (1, fixed(3), "Buffer Fill Status"),
    ]),
    (82, "A.30", "Device Profile", [
        (1, VAR, "Functions and Indexes"),
    ]),
    (83, "A.31", "Data Set Registration", [
        (1, VAR, "Private Registration Object"),
        (2, VAR, "Private Registration Object Descriptor"),
    ]),
    (85, "A.32", "Data Set Prototype", [
        (1, VAR, "With UUID"),
    ]),
    (86, "A.33", "Data Set Descriptor", [
        (1, VAR, "Data Set Contents"),
        (2, fixed(1), "Characteristics"),
        (3, VAR, "Point Index Attributes"),
    ]),
    (87, "A.34", "Data Set", [
        (1, VAR, "Present Value"),
    ]),
    (88, "A.35", "Data Set Event", [
        (1, VAR, "Snapshot"),
    ]),
    (90, "A.36", "Application Identifier", [
        (1, VAR, "Name of Application"),
    ]),
    (91, "A.37", "Status of Requested Operation", [
        (1, VAR, "Active Configuration"),
    ]),
    (100, "A.38", "Floating-point", [
        (1, VAR, "Short Floating-point"),
        (2, VAR, "Long Floating-point"),
        (3, VAR, "Extended Floating-point"),
    ]),
    (101, "A.39", "Binary-coded Decimal Integer", [
        (0, ANY, "Any Variation"),
        (1, fixed(2), "Small"),
        (2, fixed(4), "Medium"),
        (3, fixed(8), "Large"),
    ]),
    (102, "A.40", "Unsigned Integer", [
        (0, ANY, "Any Variation"),
        (1, fixed(1), "8-bit"),
    ]),
    (110, "A.41", "Octet String", [(0, ANY, "Any Variation"), (None, BYVAR, "Sized by Variation")]),
    (111, "A.42", "Octet String Event", [(0, ANY, "Any Variation"), (None, BYVAR, "Sized by Variation")]),
    # Variation 0 is a block of length 0: seen written by a real master (iti-write_vto_empty_string.pcap).
    (112, "A.43", "Virtual Terminal Output Block", [(0, BYVAR, "Empty Block"), (None, BYVAR, "Sized by Variation")]),
    (113, "A.44", "Virtual Terminal Event Data", [(0, ANY, "Any Variation"), (None, BYVAR, "Sized by Variation")]),
    (120, "A.45", "Authentication", [
        (1, VAR, "Challenge"),
        (2, VAR, "Reply"),
        (3, fixed(6), "Aggressive Mode Request"),
        (4, fixed(2), "Session Key Status Request"),
        (5, VAR, "Session Key Status"),
        (6, VAR, "Session Key Change"),
        (7, VAR, "Error"),
        (8, VAR, "User Certificate"),
        (9, VAR, "Message Authentication Code"),
        (10, VAR, "User Status Change"),
        (11, VAR, "Update Key Change Request"),
        (12, VAR, "Update Key Change Reply"),
        (13, VAR, "Update Key Change"),
        (14, VAR, "Update Key Change Signature"),
        (15, VAR, "Update Key Change Confirmation"),
    ]),
    (121, "A.46", "Security Statistic", [
        (0, ANY, "Any Variation"),
        (1, fixed(7), "32-bit With Flag"),
    ]),
    (122, "A.47", "Security Statistic Event", [
        (0, ANY, "Any Variation"),
        (1, fixed(7), "32-bit With Flag"),
        (2, fixed(13), "32-bit With Flag and Time"),
    ]),
]

# Device attribute variations of the standard attribute set 0 (g0v196-g0v255). Variations 196-208 come from the
# technical bulletins that extended the 2012 set; 251 and 253 are not assigned.
DEVICE_ATTRIBUTES = {
    196: "Configuration ID",
    197: "Configuration Version",
    198: "Configuration Build Date",
    199: "Configuration Last Change Date",
    200: "Configuration Signature",
    201: "Configuration Signature Algorithm",
    202: "Master Resource ID (mRID)",
    203: "Device Location Altitude",
    204: "Device Location Longitude",
    205: "Device Location Latitude",
    206: "User-assigned Secondary Operator Name",
    207: "User-assigned Primary Operator Name",
    208: "User-assigned System Name",
    209: "Secure Authentication Version",
    210: "Number of Security Statistics per Association",
    211: "Identification of Support for User-specific Attributes",
    212: "Number of Master-defined Data Set Prototypes",
    213: "Number of Outstation-defined Data Set Prototypes",
    214: "Number of Master-defined Data Sets",
    215: "Number of Outstation-defined Data Sets",
    216: "Maximum Number of Binary Output Objects per Request",
    217: "Local Timing Accuracy",
    218: "Duration of Time Accuracy",
    219: "Support for Analog Output Events",
    220: "Maximum Analog Output Index",
    221: "Number of Analog Outputs",
    222: "Support for Binary Output Events",
    223: "Maximum Binary Output Index",
    224: "Number of Binary Outputs",
    225: "Support for Frozen Counter Events",
    226: "Support for Frozen Counters",
    227: "Support for Counter Events",
    228: "Maximum Counter Index",
    229: "Number of Counter Points",
    230: "Support for Frozen Analog Inputs",
    231: "Support for Analog Input Events",
    232: "Maximum Analog Input Index",
    233: "Number of Analog Input Points",
    234: "Support for Double-bit Binary Input Events",
    235: "Maximum Double-bit Binary Input Index",
    236: "Number of Double-bit Binary Input Points",
    237: "Support for Binary Input Events",
    238: "Maximum Binary Input Index",
    239: "Number of Binary Input Points",
    240: "Maximum Transmit Fragment Size",
    241: "Maximum Receive Fragment Size",
    242: "Device Manufacturer's Software Version",
    243: "Device Manufacturer's Hardware Version",
    244: "User-assigned Owner Name",
    245: "User-assigned Location Name",
    246: "User-assigned ID Code/Number",
    247: "User-assigned Device Name",
    248: "Device Serial Number",
    249: "DNP3 Subset and Conformance",
    250: "Device Manufacturer's Product Name and Model",
    252: "Device Manufacturer's Name",
    254: "Non-specific All Attributes Request",
    255: "List of Attribute Variations",
}


def swift_layout(code):
    if code == "none":
        return "Layout.none"  # spelled out: a bare `.none` in an optional context would be Optional.none
    if code == "variable":
        return ".variable"
    if code == "sizeFromVariation":
        return ".sizeFromVariation"
    kind, n = code.split(":")
    return f".fixed(size: {n})" if kind == "fixed" else f".packed(bits: {n})"


def main():
    lines = []
    w = lines.append
    w("// SPDX-License-Identifier: Apache-2.0")
    w("//")
    w("// Generated from the object library of IEEE 1815-2012 Annex A, as transcribed in")
    w("// Tests/Generators/dnp3_object_table.py (sources: Suricata scripts/dnp3-gen/dnp3-objects.yaml, opendnp3's")
    w("// object model, stepfunc/dnp3, Wireshark epan/dissectors/packet-dnp.c). Do not edit: change the table there")
    w("// and run `python3 Tests/Generators/dnp3_object_table.py` from the package root.")
    w("")
    w("extension DNP3.Objects {")
    w("    /// How the objects of `group`/`variation` occupy the octets after an object header (IEEE 1815-2012")
    w("    /// Annex A), or nil when the standard defines no such group and variation.")
    w("    ///")
    w("    /// Variation 0 (\"any variation\", used in requests) is ``Layout/none`` for every group whose Annex A clause")
    w("    /// defines it. Group 0 is ``Layout/variable`` for every variation 1-255: attribute sets other than 0 define")
    w("    /// their own variations, and every attribute carries its data type and length.")
    w("    public static func layout(group: UInt8, variation: UInt8) -> Layout? {")
    w("        switch group {")
    for group, clause, gname, entries in GROUPS:
        w(f"        case {group}:  // Annex {clause} {gname}")
        explicit = [(v, l) for v, l, _ in entries if v is not None]
        every = [l for v, l, _ in entries if v is None]
        if not explicit and every:
            w(f"            return variation == 0 ? nil : {swift_layout(every[0])}")
            continue
        w("            switch variation {")
        for v, l in explicit:
            w(f"            case {v}: return {swift_layout(l)}")
        if every:
            w(f"            default: return {swift_layout(every[0])}")
        else:
            w("            default: return nil")
        w("            }")
    w("        default:")
    w("            return nil")
    w("        }")
    w("    }")
    w("")
    w("    /// The Annex A name of the group (\"Binary Input\", \"Analog Output Event\"), or nil for a group the standard")
    w("    /// does not define.")
    w("    public static func name(group: UInt8) -> String? {")
    w("        switch group {")
    for group, clause, gname, _ in GROUPS:
        w(f"        case {group}: \"{gname}\"")
    w("        default: nil")
    w("        }")
    w("    }")
    w("")
    w("    /// The Annex A name of the group and variation (\"Binary Input - Packed Format\", \"Analog Input - 32-bit")
    w("    /// With Flag\"), or nil when the standard names none (including group 0 variations outside attribute set 0's")
    w("    /// standard list, which ``layout(group:variation:)`` still accepts).")
    w("    public static func name(group: UInt8, variation: UInt8) -> String? {")
    w("        switch group {")
    for group, clause, gname, entries in GROUPS:
        w(f"        case {group}:")
        w("            switch variation {")
        if group == 0:
            for v, n in sorted(DEVICE_ATTRIBUTES.items()):
                w(f"            case {v}: \"{gname} - {n}\"")
            w("            default: nil")
        else:
            every = [n for v, _, n in entries if v is None]
            for v, _, n in entries:
                if v is not None:
                    w(f"            case {v}: \"{gname} - {n}\"")
            if every:
                w(f"            default: \"{gname} - {every[0]}\"")
            else:
                w("            default: nil")
        w("            }")
    w("        default: nil")
    w("        }")
    w("    }")
    w("}")
    OUT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

// SPDX-License-Identifier: Apache-2.0
//
// Generated from the object library of IEEE 1815-2012 Annex A, as transcribed in
// Tests/Generators/dnp3_object_table.py (sources: Suricata scripts/dnp3-gen/dnp3-objects.yaml, opendnp3's
// object model, stepfunc/dnp3, Wireshark epan/dissectors/packet-dnp.c). Do not edit: change the table there
// and run `python3 Tests/Generators/dnp3_object_table.py` from the package root.

extension DNP3.Objects {
    /// How the objects of `group`/`variation` occupy the octets after an object header (IEEE 1815-2012
    /// Annex A), or nil when the standard defines no such group and variation.
    ///
    /// Variation 0 ("any variation", used in requests) is ``Layout/none`` for every group whose Annex A clause
    /// defines it. Group 0 is ``Layout/variable`` for every variation 1-255: attribute sets other than 0 define
    /// their own variations, and every attribute carries its data type and length.
    public static func layout(group: UInt8, variation: UInt8) -> Layout? {
        switch group {
        case 0:  // Annex A.1 Device Attributes
            return variation == 0 ? nil : .variable
        case 1:  // Annex A.2 Binary Input
            switch variation {
            case 0: return Layout.none
            case 1: return .packed(bits: 1)
            case 2: return .fixed(size: 1)
            default: return nil
            }
        case 2:  // Annex A.3 Binary Input Event
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 1)
            case 2: return .fixed(size: 7)
            case 3: return .fixed(size: 3)
            default: return nil
            }
        case 3:  // Annex A.4 Double-bit Binary Input
            switch variation {
            case 0: return Layout.none
            case 1: return .packed(bits: 2)
            case 2: return .fixed(size: 1)
            default: return nil
            }
        case 4:  // Annex A.5 Double-bit Binary Input Event
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 1)
            case 2: return .fixed(size: 7)
            case 3: return .fixed(size: 3)
            default: return nil
            }
        case 10:  // Annex A.6 Binary Output
            switch variation {
            case 0: return Layout.none
            case 1: return .packed(bits: 1)
            case 2: return .fixed(size: 1)
            default: return nil
            }
        case 11:  // Annex A.7 Binary Output Event
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 1)
            case 2: return .fixed(size: 7)
            default: return nil
            }
        case 12:  // Annex A.8 Binary Output Command
            switch variation {
            case 1: return .fixed(size: 11)
            case 2: return .fixed(size: 11)
            case 3: return .packed(bits: 1)
            default: return nil
            }
        case 13:  // Annex A.9 Binary Output Command Event
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 1)
            case 2: return .fixed(size: 7)
            default: return nil
            }
        case 20:  // Annex A.10 Counter
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 5)
            case 4: return .fixed(size: 3)
            case 5: return .fixed(size: 4)
            case 6: return .fixed(size: 2)
            case 7: return .fixed(size: 4)
            case 8: return .fixed(size: 2)
            default: return nil
            }
        case 21:  // Annex A.11 Frozen Counter
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 5)
            case 4: return .fixed(size: 3)
            case 5: return .fixed(size: 11)
            case 6: return .fixed(size: 9)
            case 7: return .fixed(size: 11)
            case 8: return .fixed(size: 9)
            case 9: return .fixed(size: 4)
            case 10: return .fixed(size: 2)
            case 11: return .fixed(size: 4)
            case 12: return .fixed(size: 2)
            default: return nil
            }
        case 22:  // Annex A.12 Counter Event
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 5)
            case 4: return .fixed(size: 3)
            case 5: return .fixed(size: 11)
            case 6: return .fixed(size: 9)
            case 7: return .fixed(size: 11)
            case 8: return .fixed(size: 9)
            default: return nil
            }
        case 23:  // Annex A.13 Frozen Counter Event
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 5)
            case 4: return .fixed(size: 3)
            case 5: return .fixed(size: 11)
            case 6: return .fixed(size: 9)
            case 7: return .fixed(size: 11)
            case 8: return .fixed(size: 9)
            default: return nil
            }
        case 30:  // Annex A.14 Analog Input
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 4)
            case 4: return .fixed(size: 2)
            case 5: return .fixed(size: 5)
            case 6: return .fixed(size: 9)
            default: return nil
            }
        case 31:  // Annex A.15 Frozen Analog Input
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 11)
            case 4: return .fixed(size: 9)
            case 5: return .fixed(size: 4)
            case 6: return .fixed(size: 2)
            case 7: return .fixed(size: 5)
            case 8: return .fixed(size: 9)
            default: return nil
            }
        case 32:  // Annex A.16 Analog Input Event
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 11)
            case 4: return .fixed(size: 9)
            case 5: return .fixed(size: 5)
            case 6: return .fixed(size: 9)
            case 7: return .fixed(size: 11)
            case 8: return .fixed(size: 15)
            default: return nil
            }
        case 33:  // Annex A.17 Frozen Analog Input Event
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 11)
            case 4: return .fixed(size: 9)
            case 5: return .fixed(size: 5)
            case 6: return .fixed(size: 9)
            case 7: return .fixed(size: 11)
            case 8: return .fixed(size: 15)
            default: return nil
            }
        case 34:  // Annex A.18 Analog Input Reporting Deadband
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 2)
            case 2: return .fixed(size: 4)
            case 3: return .fixed(size: 4)
            default: return nil
            }
        case 40:  // Annex A.19 Analog Output Status
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 5)
            case 4: return .fixed(size: 9)
            default: return nil
            }
        case 41:  // Annex A.20 Analog Output
            switch variation {
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 5)
            case 4: return .fixed(size: 9)
            default: return nil
            }
        case 42:  // Annex A.21 Analog Output Event
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 11)
            case 4: return .fixed(size: 9)
            case 5: return .fixed(size: 5)
            case 6: return .fixed(size: 9)
            case 7: return .fixed(size: 11)
            case 8: return .fixed(size: 15)
            default: return nil
            }
        case 43:  // Annex A.22 Analog Output Command Event
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 5)
            case 2: return .fixed(size: 3)
            case 3: return .fixed(size: 11)
            case 4: return .fixed(size: 9)
            case 5: return .fixed(size: 5)
            case 6: return .fixed(size: 9)
            case 7: return .fixed(size: 11)
            case 8: return .fixed(size: 15)
            default: return nil
            }
        case 50:  // Annex A.23 Time and Date
            switch variation {
            case 1: return .fixed(size: 6)
            case 2: return .fixed(size: 10)
            case 3: return .fixed(size: 6)
            case 4: return .fixed(size: 11)
            default: return nil
            }
        case 51:  // Annex A.24 Time and Date CTO
            switch variation {
            case 1: return .fixed(size: 6)
            case 2: return .fixed(size: 6)
            default: return nil
            }
        case 52:  // Annex A.25 Time Delay
            switch variation {
            case 1: return .fixed(size: 2)
            case 2: return .fixed(size: 2)
            default: return nil
            }
        case 60:  // Annex A.26 Class Objects
            switch variation {
            case 1: return Layout.none
            case 2: return Layout.none
            case 3: return Layout.none
            case 4: return Layout.none
            default: return nil
            }
        case 70:  // Annex A.27 File-control
            switch variation {
            case 1: return .variable
            case 2: return .variable
            case 3: return .variable
            case 4: return .variable
            case 5: return .variable
            case 6: return .variable
            case 7: return .variable
            case 8: return .variable
            default: return nil
            }
        case 80:  // Annex A.28 Internal Indications
            switch variation {
            case 1: return .packed(bits: 1)
            default: return nil
            }
        case 81:  // Annex A.29 Device Storage
            switch variation {
            case 1: return .fixed(size: 3)
            default: return nil
            }
        case 82:  // Annex A.30 Device Profile
            switch variation {
            case 1: return .variable
            default: return nil
            }
        case 83:  // Annex A.31 Data Set Registration
            switch variation {
            case 1: return .variable
            case 2: return .variable
            default: return nil
            }
        case 85:  // Annex A.32 Data Set Prototype
            switch variation {
            case 1: return .variable
            default: return nil
            }
        case 86:  // Annex A.33 Data Set Descriptor
            switch variation {
            case 1: return .variable
            case 2: return .fixed(size: 1)
            case 3: return .variable
            default: return nil
            }
        case 87:  // Annex A.34 Data Set
            switch variation {
            case 1: return .variable
            default: return nil
            }
        case 88:  // Annex A.35 Data Set Event
            switch variation {
            case 1: return .variable
            default: return nil
            }
        case 90:  // Annex A.36 Application Identifier
            switch variation {
            case 1: return .variable
            default: return nil
            }
        case 91:  // Annex A.37 Status of Requested Operation
            switch variation {
            case 1: return .variable
            default: return nil
            }
        case 100:  // Annex A.38 Floating-point
            switch variation {
            case 1: return .variable
            case 2: return .variable
            case 3: return .variable
            default: return nil
            }
        case 101:  // Annex A.39 Binary-coded Decimal Integer
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 2)
            case 2: return .fixed(size: 4)
            case 3: return .fixed(size: 8)
            default: return nil
            }
        case 102:  // Annex A.40 Unsigned Integer
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 1)
            default: return nil
            }
        case 110:  // Annex A.41 Octet String
            switch variation {
            case 0: return Layout.none
            default: return .sizeFromVariation
            }
        case 111:  // Annex A.42 Octet String Event
            switch variation {
            case 0: return Layout.none
            default: return .sizeFromVariation
            }
        case 112:  // Annex A.43 Virtual Terminal Output Block
            switch variation {
            case 0: return .sizeFromVariation
            default: return .sizeFromVariation
            }
        case 113:  // Annex A.44 Virtual Terminal Event Data
            switch variation {
            case 0: return Layout.none
            default: return .sizeFromVariation
            }
        case 120:  // Annex A.45 Authentication
            switch variation {
            case 1: return .variable
            case 2: return .variable
            case 3: return .fixed(size: 6)
            case 4: return .fixed(size: 2)
            case 5: return .variable
            case 6: return .variable
            case 7: return .variable
            case 8: return .variable
            case 9: return .variable
            case 10: return .variable
            case 11: return .variable
            case 12: return .variable
            case 13: return .variable
            case 14: return .variable
            case 15: return .variable
            default: return nil
            }
        case 121:  // Annex A.46 Security Statistic
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 7)
            default: return nil
            }
        case 122:  // Annex A.47 Security Statistic Event
            switch variation {
            case 0: return Layout.none
            case 1: return .fixed(size: 7)
            case 2: return .fixed(size: 13)
            default: return nil
            }
        default:
            return nil
        }
    }

    /// The Annex A name of the group ("Binary Input", "Analog Output Event"), or nil for a group the standard
    /// does not define.
    public static func name(group: UInt8) -> String? {
        switch group {
        case 0: "Device Attributes"
        case 1: "Binary Input"
        case 2: "Binary Input Event"
        case 3: "Double-bit Binary Input"
        case 4: "Double-bit Binary Input Event"
        case 10: "Binary Output"
        case 11: "Binary Output Event"
        case 12: "Binary Output Command"
        case 13: "Binary Output Command Event"
        case 20: "Counter"
        case 21: "Frozen Counter"
        case 22: "Counter Event"
        case 23: "Frozen Counter Event"
        case 30: "Analog Input"
        case 31: "Frozen Analog Input"
        case 32: "Analog Input Event"
        case 33: "Frozen Analog Input Event"
        case 34: "Analog Input Reporting Deadband"
        case 40: "Analog Output Status"
        case 41: "Analog Output"
        case 42: "Analog Output Event"
        case 43: "Analog Output Command Event"
        case 50: "Time and Date"
        case 51: "Time and Date CTO"
        case 52: "Time Delay"
        case 60: "Class Objects"
        case 70: "File-control"
        case 80: "Internal Indications"
        case 81: "Device Storage"
        case 82: "Device Profile"
        case 83: "Data Set Registration"
        case 85: "Data Set Prototype"
        case 86: "Data Set Descriptor"
        case 87: "Data Set"
        case 88: "Data Set Event"
        case 90: "Application Identifier"
        case 91: "Status of Requested Operation"
        case 100: "Floating-point"
        case 101: "Binary-coded Decimal Integer"
        case 102: "Unsigned Integer"
        case 110: "Octet String"
        case 111: "Octet String Event"
        case 112: "Virtual Terminal Output Block"
        case 113: "Virtual Terminal Event Data"
        case 120: "Authentication"
        case 121: "Security Statistic"
        case 122: "Security Statistic Event"
        default: nil
        }
    }

    /// The Annex A name of the group and variation ("Binary Input - Packed Format", "Analog Input - 32-bit
    /// With Flag"), or nil when the standard names none (including group 0 variations outside attribute set 0's
    /// standard list, which ``layout(group:variation:)`` still accepts).
    public static func name(group: UInt8, variation: UInt8) -> String? {
        switch group {
        case 0:
            switch variation {
            case 196: "Device Attributes - Configuration ID"
            case 197: "Device Attributes - Configuration Version"
            case 198: "Device Attributes - Configuration Build Date"
            case 199: "Device Attributes - Configuration Last Change Date"
            case 200: "Device Attributes - Configuration Signature"
            case 201: "Device Attributes - Configuration Signature Algorithm"
            case 202: "Device Attributes - Master Resource ID (mRID)"
            case 203: "Device Attributes - Device Location Altitude"
            case 204: "Device Attributes - Device Location Longitude"
            case 205: "Device Attributes - Device Location Latitude"
            case 206: "Device Attributes - User-assigned Secondary Operator Name"
            case 207: "Device Attributes - User-assigned Primary Operator Name"
            case 208: "Device Attributes - User-assigned System Name"
            case 209: "Device Attributes - Secure Authentication Version"
            case 210: "Device Attributes - Number of Security Statistics per Association"
            case 211: "Device Attributes - Identification of Support for User-specific Attributes"
            case 212: "Device Attributes - Number of Master-defined Data Set Prototypes"
            case 213: "Device Attributes - Number of Outstation-defined Data Set Prototypes"
            case 214: "Device Attributes - Number of Master-defined Data Sets"
            case 215: "Device Attributes - Number of Outstation-defined Data Sets"
            case 216: "Device Attributes - Maximum Number of Binary Output Objects per Request"
            case 217: "Device Attributes - Local Timing Accuracy"
            case 218: "Device Attributes - Duration of Time Accuracy"
            case 219: "Device Attributes - Support for Analog Output Events"
            case 220: "Device Attributes - Maximum Analog Output Index"
            case 221: "Device Attributes - Number of Analog Outputs"
            case 222: "Device Attributes - Support for Binary Output Events"
            case 223: "Device Attributes - Maximum Binary Output Index"
            case 224: "Device Attributes - Number of Binary Outputs"
            case 225: "Device Attributes - Support for Frozen Counter Events"
            case 226: "Device Attributes - Support for Frozen Counters"
            case 227: "Device Attributes - Support for Counter Events"
            case 228: "Device Attributes - Maximum Counter Index"
            case 229: "Device Attributes - Number of Counter Points"
            case 230: "Device Attributes - Support for Frozen Analog Inputs"
            case 231: "Device Attributes - Support for Analog Input Events"
            case 232: "Device Attributes - Maximum Analog Input Index"
            case 233: "Device Attributes - Number of Analog Input Points"
            case 234: "Device Attributes - Support for Double-bit Binary Input Events"
            case 235: "Device Attributes - Maximum Double-bit Binary Input Index"
            case 236: "Device Attributes - Number of Double-bit Binary Input Points"
            case 237: "Device Attributes - Support for Binary Input Events"
            case 238: "Device Attributes - Maximum Binary Input Index"
            case 239: "Device Attributes - Number of Binary Input Points"
            case 240: "Device Attributes - Maximum Transmit Fragment Size"
            case 241: "Device Attributes - Maximum Receive Fragment Size"
            case 242: "Device Attributes - Device Manufacturer's Software Version"
            case 243: "Device Attributes - Device Manufacturer's Hardware Version"
            case 244: "Device Attributes - User-assigned Owner Name"
            case 245: "Device Attributes - User-assigned Location Name"
            case 246: "Device Attributes - User-assigned ID Code/Number"
            case 247: "Device Attributes - User-assigned Device Name"
            case 248: "Device Attributes - Device Serial Number"
            case 249: "Device Attributes - DNP3 Subset and Conformance"
            case 250: "Device Attributes - Device Manufacturer's Product Name and Model"
            case 252: "Device Attributes - Device Manufacturer's Name"
            case 254: "Device Attributes - Non-specific All Attributes Request"
            case 255: "Device Attributes - List of Attribute Variations"
            default: nil
            }
        case 1:
            switch variation {
            case 0: "Binary Input - Any Variation"
            case 1: "Binary Input - Packed Format"
            case 2: "Binary Input - With Flags"
            default: nil
            }
        case 2:
            switch variation {
            case 0: "Binary Input Event - Any Variation"
            case 1: "Binary Input Event - Without Time"
            case 2: "Binary Input Event - With Absolute Time"
            case 3: "Binary Input Event - With Relative Time"
            default: nil
            }
        case 3:
            switch variation {
            case 0: "Double-bit Binary Input - Any Variation"
            case 1: "Double-bit Binary Input - Packed Format"
            case 2: "Double-bit Binary Input - With Flags"
            default: nil
            }
        case 4:
            switch variation {
            case 0: "Double-bit Binary Input Event - Any Variation"
            case 1: "Double-bit Binary Input Event - Without Time"
            case 2: "Double-bit Binary Input Event - With Absolute Time"
            case 3: "Double-bit Binary Input Event - With Relative Time"
            default: nil
            }
        case 10:
            switch variation {
            case 0: "Binary Output - Any Variation"
            case 1: "Binary Output - Packed Format"
            case 2: "Binary Output - Output Status With Flags"
            default: nil
            }
        case 11:
            switch variation {
            case 0: "Binary Output Event - Any Variation"
            case 1: "Binary Output Event - Status Without Time"
            case 2: "Binary Output Event - Status With Time"
            default: nil
            }
        case 12:
            switch variation {
            case 1: "Binary Output Command - Control Relay Output Block"
            case 2: "Binary Output Command - Pattern Control Block"
            case 3: "Binary Output Command - Pattern Mask"
            default: nil
            }
        case 13:
            switch variation {
            case 0: "Binary Output Command Event - Any Variation"
            case 1: "Binary Output Command Event - Command Status Without Time"
            case 2: "Binary Output Command Event - Command Status With Time"
            default: nil
            }
        case 20:
            switch variation {
            case 0: "Counter - Any Variation"
            case 1: "Counter - 32-bit With Flag"
            case 2: "Counter - 16-bit With Flag"
            case 3: "Counter - 32-bit With Flag, Delta"
            case 4: "Counter - 16-bit With Flag, Delta"
            case 5: "Counter - 32-bit Without Flag"
            case 6: "Counter - 16-bit Without Flag"
            case 7: "Counter - 32-bit Without Flag, Delta"
            case 8: "Counter - 16-bit Without Flag, Delta"
            default: nil
            }
        case 21:
            switch variation {
            case 0: "Frozen Counter - Any Variation"
            case 1: "Frozen Counter - 32-bit With Flag"
            case 2: "Frozen Counter - 16-bit With Flag"
            case 3: "Frozen Counter - 32-bit With Flag, Delta"
            case 4: "Frozen Counter - 16-bit With Flag, Delta"
            case 5: "Frozen Counter - 32-bit With Flag and Time"
            case 6: "Frozen Counter - 16-bit With Flag and Time"
            case 7: "Frozen Counter - 32-bit With Flag and Time, Delta"
            case 8: "Frozen Counter - 16-bit With Flag and Time, Delta"
            case 9: "Frozen Counter - 32-bit Without Flag"
            case 10: "Frozen Counter - 16-bit Without Flag"
            case 11: "Frozen Counter - 32-bit Without Flag, Delta"
            case 12: "Frozen Counter - 16-bit Without Flag, Delta"
            default: nil
            }
        case 22:
            switch variation {
            case 0: "Counter Event - Any Variation"
            case 1: "Counter Event - 32-bit With Flag"
            case 2: "Counter Event - 16-bit With Flag"
            case 3: "Counter Event - 32-bit With Flag, Delta"
            case 4: "Counter Event - 16-bit With Flag, Delta"
            case 5: "Counter Event - 32-bit With Flag and Time"
            case 6: "Counter Event - 16-bit With Flag and Time"
            case 7: "Counter Event - 32-bit With Flag and Time, Delta"
            case 8: "Counter Event - 16-bit With Flag and Time, Delta"
            default: nil
            }
        case 23:
            switch variation {
            case 0: "Frozen Counter Event - Any Variation"
            case 1: "Frozen Counter Event - 32-bit With Flag"
            case 2: "Frozen Counter Event - 16-bit With Flag"
            case 3: "Frozen Counter Event - 32-bit With Flag, Delta"
            case 4: "Frozen Counter Event - 16-bit With Flag, Delta"
            case 5: "Frozen Counter Event - 32-bit With Flag and Time"
            case 6: "Frozen Counter Event - 16-bit With Flag and Time"
            case 7: "Frozen Counter Event - 32-bit With Flag and Time, Delta"
            case 8: "Frozen Counter Event - 16-bit With Flag and Time, Delta"
            default: nil
            }
        case 30:
            switch variation {
            case 0: "Analog Input - Any Variation"
            case 1: "Analog Input - 32-bit With Flag"
            case 2: "Analog Input - 16-bit With Flag"
            case 3: "Analog Input - 32-bit Without Flag"
            case 4: "Analog Input - 16-bit Without Flag"
            case 5: "Analog Input - Single-precision, Floating-point With Flag"
            case 6: "Analog Input - Double-precision, Floating-point With Flag"
            default: nil
            }
        case 31:
            switch variation {
            case 0: "Frozen Analog Input - Any Variation"
            case 1: "Frozen Analog Input - 32-bit With Flag"
            case 2: "Frozen Analog Input - 16-bit With Flag"
            case 3: "Frozen Analog Input - 32-bit With Time-of-Freeze"
            case 4: "Frozen Analog Input - 16-bit With Time-of-Freeze"
            case 5: "Frozen Analog Input - 32-bit Without Flag"
            case 6: "Frozen Analog Input - 16-bit Without Flag"
            case 7: "Frozen Analog Input - Single-precision, Floating-point With Flag"
            case 8: "Frozen Analog Input - Double-precision, Floating-point With Flag"
            default: nil
            }
        case 32:
            switch variation {
            case 0: "Analog Input Event - Any Variation"
            case 1: "Analog Input Event - 32-bit Without Time"
            case 2: "Analog Input Event - 16-bit Without Time"
            case 3: "Analog Input Event - 32-bit With Time"
            case 4: "Analog Input Event - 16-bit With Time"
            case 5: "Analog Input Event - Single-precision, Floating-point Without Time"
            case 6: "Analog Input Event - Double-precision, Floating-point Without Time"
            case 7: "Analog Input Event - Single-precision, Floating-point With Time"
            case 8: "Analog Input Event - Double-precision, Floating-point With Time"
            default: nil
            }
        case 33:
            switch variation {
            case 0: "Frozen Analog Input Event - Any Variation"
            case 1: "Frozen Analog Input Event - 32-bit Without Time"
            case 2: "Frozen Analog Input Event - 16-bit Without Time"
            case 3: "Frozen Analog Input Event - 32-bit With Time"
            case 4: "Frozen Analog Input Event - 16-bit With Time"
            case 5: "Frozen Analog Input Event - Single-precision, Floating-point Without Time"
            case 6: "Frozen Analog Input Event - Double-precision, Floating-point Without Time"
            case 7: "Frozen Analog Input Event - Single-precision, Floating-point With Time"
            case 8: "Frozen Analog Input Event - Double-precision, Floating-point With Time"
            default: nil
            }
        case 34:
            switch variation {
            case 0: "Analog Input Reporting Deadband - Any Variation"
            case 1: "Analog Input Reporting Deadband - 16-bit"
            case 2: "Analog Input Reporting Deadband - 32-bit"
            case 3: "Analog Input Reporting Deadband - Single-precision, Floating-point"
            default: nil
            }
        case 40:
            switch variation {
            case 0: "Analog Output Status - Any Variation"
            case 1: "Analog Output Status - 32-bit With Flag"
            case 2: "Analog Output Status - 16-bit With Flag"
            case 3: "Analog Output Status - Single-precision, Floating-point With Flag"
            case 4: "Analog Output Status - Double-precision, Floating-point With Flag"
            default: nil
            }
        case 41:
            switch variation {
            case 1: "Analog Output - 32-bit"
            case 2: "Analog Output - 16-bit"
            case 3: "Analog Output - Single-precision, Floating-point"
            case 4: "Analog Output - Double-precision, Floating-point"
            default: nil
            }
        case 42:
            switch variation {
            case 0: "Analog Output Event - Any Variation"
            case 1: "Analog Output Event - 32-bit Without Time"
            case 2: "Analog Output Event - 16-bit Without Time"
            case 3: "Analog Output Event - 32-bit With Time"
            case 4: "Analog Output Event - 16-bit With Time"
            case 5: "Analog Output Event - Single-precision, Floating-point Without Time"
            case 6: "Analog Output Event - Double-precision, Floating-point Without Time"
            case 7: "Analog Output Event - Single-precision, Floating-point With Time"
            case 8: "Analog Output Event - Double-precision, Floating-point With Time"
            default: nil
            }
        case 43:
            switch variation {
            case 0: "Analog Output Command Event - Any Variation"
            case 1: "Analog Output Command Event - 32-bit Without Time"
            case 2: "Analog Output Command Event - 16-bit Without Time"
            case 3: "Analog Output Command Event - 32-bit With Time"
            case 4: "Analog Output Command Event - 16-bit With Time"
            case 5: "Analog Output Command Event - Single-precision, Floating-point Without Time"
            case 6: "Analog Output Command Event - Double-precision, Floating-point Without Time"
            case 7: "Analog Output Command Event - Single-precision, Floating-point With Time"
            case 8: "Analog Output Command Event - Double-precision, Floating-point With Time"
            default: nil
            }
        case 50:
            switch variation {
            case 1: "Time and Date - Absolute Time"
            case 2: "Time and Date - Absolute Time and Interval"
            case 3: "Time and Date - Absolute Time at Last Recorded Time"
            case 4: "Time and Date - Indexed Absolute Time and Long Interval"
            default: nil
            }
        case 51:
            switch variation {
            case 1: "Time and Date CTO - Absolute Time, Synchronized"
            case 2: "Time and Date CTO - Absolute Time, Unsynchronized"
            default: nil
            }
        case 52:
            switch variation {
            case 1: "Time Delay - Coarse"
            case 2: "Time Delay - Fine"
            default: nil
            }
        case 60:
            switch variation {
            case 1: "Class Objects - Class 0 Data"
            case 2: "Class Objects - Class 1 Data"
            case 3: "Class Objects - Class 2 Data"
            case 4: "Class Objects - Class 3 Data"
            default: nil
            }
        case 70:
            switch variation {
            case 1: "File-control - File Identifier"
            case 2: "File-control - Authentication"
            case 3: "File-control - File Command"
            case 4: "File-control - File Command Status"
            case 5: "File-control - File Transport"
            case 6: "File-control - File Transport Status"
            case 7: "File-control - File Descriptor"
            case 8: "File-control - File Specification String"
            default: nil
            }
        case 80:
            switch variation {
            case 1: "Internal Indications - Packed Format"
            default: nil
            }
        case 81:
            switch variation {
            case 1: "Device Storage - Buffer Fill Status"
            default: nil
            }
        case 82:
            switch variation {
            case 1: "Device Profile - Functions and Indexes"
            default: nil
            }
        case 83:
            switch variation {
            case 1: "Data Set Registration - Private Registration Object"
            case 2: "Data Set Registration - Private Registration Object Descriptor"
            default: nil
            }
        case 85:
            switch variation {
            case 1: "Data Set Prototype - With UUID"
            default: nil
            }
        case 86:
            switch variation {
            case 1: "Data Set Descriptor - Data Set Contents"
            case 2: "Data Set Descriptor - Characteristics"
            case 3: "Data Set Descriptor - Point Index Attributes"
            default: nil
            }
        case 87:
            switch variation {
            case 1: "Data Set - Present Value"
            default: nil
            }
        case 88:
            switch variation {
            case 1: "Data Set Event - Snapshot"
            default: nil
            }
        case 90:
            switch variation {
            case 1: "Application Identifier - Name of Application"
            default: nil
            }
        case 91:
            switch variation {
            case 1: "Status of Requested Operation - Active Configuration"
            default: nil
            }
        case 100:
            switch variation {
            case 1: "Floating-point - Short Floating-point"
            case 2: "Floating-point - Long Floating-point"
            case 3: "Floating-point - Extended Floating-point"
            default: nil
            }
        case 101:
            switch variation {
            case 0: "Binary-coded Decimal Integer - Any Variation"
            case 1: "Binary-coded Decimal Integer - Small"
            case 2: "Binary-coded Decimal Integer - Medium"
            case 3: "Binary-coded Decimal Integer - Large"
            default: nil
            }
        case 102:
            switch variation {
            case 0: "Unsigned Integer - Any Variation"
            case 1: "Unsigned Integer - 8-bit"
            default: nil
            }
        case 110:
            switch variation {
            case 0: "Octet String - Any Variation"
            default: "Octet String - Sized by Variation"
            }
        case 111:
            switch variation {
            case 0: "Octet String Event - Any Variation"
            default: "Octet String Event - Sized by Variation"
            }
        case 112:
            switch variation {
            case 0: "Virtual Terminal Output Block - Empty Block"
            default: "Virtual Terminal Output Block - Sized by Variation"
            }
        case 113:
            switch variation {
            case 0: "Virtual Terminal Event Data - Any Variation"
            default: "Virtual Terminal Event Data - Sized by Variation"
            }
        case 120:
            switch variation {
            case 1: "Authentication - Challenge"
            case 2: "Authentication - Reply"
            case 3: "Authentication - Aggressive Mode Request"
            case 4: "Authentication - Session Key Status Request"
            case 5: "Authentication - Session Key Status"
            case 6: "Authentication - Session Key Change"
            case 7: "Authentication - Error"
            case 8: "Authentication - User Certificate"
            case 9: "Authentication - Message Authentication Code"
            case 10: "Authentication - User Status Change"
            case 11: "Authentication - Update Key Change Request"
            case 12: "Authentication - Update Key Change Reply"
            case 13: "Authentication - Update Key Change"
            case 14: "Authentication - Update Key Change Signature"
            case 15: "Authentication - Update Key Change Confirmation"
            default: nil
            }
        case 121:
            switch variation {
            case 0: "Security Statistic - Any Variation"
            case 1: "Security Statistic - 32-bit With Flag"
            default: nil
            }
        case 122:
            switch variation {
            case 0: "Security Statistic Event - Any Variation"
            case 1: "Security Statistic Event - 32-bit With Flag"
            case 2: "Security Statistic Event - 32-bit With Flag and Time"
            default: nil
            }
        default: nil
        }
    }
}

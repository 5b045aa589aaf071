// SPDX-License-Identifier: Apache-2.0

extension Modbus {
    /// A Modbus function code: the first PDU byte, kept exactly as sent (MB §5, §6).
    ///
    /// An open struct, not a closed enum: user-defined, reserved and unknown codes stay lossless and print as
    /// numbers. Bit 0x80 marks an exception response (MB §7); ``function`` is the code with it cleared.
    public struct FunctionCode: RawRepresentable, Hashable, Sendable, Comparable {
        public var rawValue: UInt8
        @inlinable
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        @inlinable
        public init(_ rawValue: UInt8) { self.rawValue = rawValue }

        public static let readCoils = FunctionCode(0x01)  // MB §6.1
        public static let readDiscreteInputs = FunctionCode(0x02)  // MB §6.2
        public static let readHoldingRegisters = FunctionCode(0x03)  // MB §6.3
        public static let readInputRegisters = FunctionCode(0x04)  // MB §6.4
        public static let writeSingleCoil = FunctionCode(0x05)  // MB §6.5
        public static let writeSingleRegister = FunctionCode(0x06)  // MB §6.6
        public static let readExceptionStatus = FunctionCode(0x07)  // MB §6.7 (serial line only)
        public static let diagnostics = FunctionCode(0x08)  // MB §6.8 (serial line only)
        public static let getCommEventCounter = FunctionCode(0x0B)  // MB §6.9 (serial line only)
        public static let getCommEventLog = FunctionCode(0x0C)  // MB §6.10 (serial line only)
        public static let writeMultipleCoils = FunctionCode(0x0F)  // MB §6.11
        public static let writeMultipleRegisters = FunctionCode(0x10)  // MB §6.12
        public static let reportServerID = FunctionCode(0x11)  // MB §6.13 (serial line only)
        public static let readFileRecord = FunctionCode(0x14)  // MB §6.14
        public static let writeFileRecord = FunctionCode(0x15)  // MB §6.15
        public static let maskWriteRegister = FunctionCode(0x16)  // MB §6.16
        public static let readWriteMultipleRegisters = FunctionCode(0x17)  // MB §6.17
        public static let readFIFOQueue = FunctionCode(0x18)  // MB §6.18
        public static let encapsulatedInterfaceTransport = FunctionCode(0x2B)  // MB §6.19-§6.21

        public static func < (lhs: FunctionCode, rhs: FunctionCode) -> Bool { lhs.rawValue < rhs.rawValue }

        /// Whether bit 0x80 is set: in a response, an exception response (MB §7).
        @inlinable
        public var isException: Bool { rawValue & 0x80 != 0 }

        /// The function this code refers to, with the exception bit cleared.
        @inlinable
        public var function: FunctionCode { FunctionCode(rawValue & 0x7F) }

        /// Where the code sits in the code space of MB §5.
        public var category: Category {
            let code = rawValue
            if code == 0 || code >= 0x80 { return .none }
            switch code {
            case 1...8, 11, 12, 15...17, 20...24, 43: return .publicAssigned
            case 65...72, 100...110: return .userDefined
            // MB Annex A: reserved for legacy products (9, 10, 13, 14, 18, 19) and for vendors or future use
            // (41, 42, 90, 91, 125-127).
            case 9, 10, 13, 14, 18, 19, 41, 42, 90, 91, 125...127: return .reserved
            default: return .publicUnassigned
            }
        }

        /// The code space of MB §5.1.
        public enum Category: Sendable, Hashable {
            /// Defined by the specification.
            case publicAssigned
            /// Public space, not yet assigned.
            case publicUnassigned
            /// User-defined ranges 65-72 and 100-110.
            case userDefined
            /// Reserved (legacy products, vendors).
            case reserved
            /// 0, or 128 and above (not a valid request code).
            case none
        }

        /// What the function reads or writes (sawp-modbus `AccessType`, which Suricata logs).
        public var access: Access {
            switch function.rawValue {
            case 1: [.read, .coils]
            case 2: [.read, .discretes]
            case 3: [.read, .holding]
            case 4: [.read, .input]
            case 5: [.write, .coils, .single]
            case 6: [.write, .holding, .single]
            case 15: [.write, .coils, .multiple]
            case 16: [.write, .holding, .multiple]
            case 22: [.write, .holding]
            case 23: [.read, .write, .holding, .multiple]
            default: []
            }
        }

        /// Read/write access kinds and tables.
        public struct Access: OptionSet, Sendable, Hashable {
            public var rawValue: UInt8
            public init(rawValue: UInt8) { self.rawValue = rawValue }
            public static let read = Access(rawValue: 1 << 0)
            public static let write = Access(rawValue: 1 << 1)
            public static let discretes = Access(rawValue: 1 << 2)
            public static let coils = Access(rawValue: 1 << 3)
            public static let input = Access(rawValue: 1 << 4)
            public static let holding = Access(rawValue: 1 << 5)
            public static let single = Access(rawValue: 1 << 6)
            public static let multiple = Access(rawValue: 1 << 7)
        }

        /// The name the specification gives the function (with the exception bit cleared), or nil for codes it
        /// does not name.
        public var specificationName: String? {
            switch function.rawValue {
            case 1: "Read Coils"
            case 2: "Read Discrete Inputs"
            case 3: "Read Holding Registers"
            case 4: "Read Input Registers"
            case 5: "Write Single Coil"
            case 6: "Write Single Register"
            case 7: "Read Exception Status"
            case 8: "Diagnostics"
            case 11: "Get Comm Event Counter"
            case 12: "Get Comm Event Log"
            case 15: "Write Multiple Coils"
            case 16: "Write Multiple Registers"
            case 17: "Report Server ID"
            case 20: "Read File Record"
            case 21: "Write File Record"
            case 22: "Mask Write Register"
            case 23: "Read/Write Multiple Registers"
            case 24: "Read FIFO Queue"
            case 43: "Encapsulated Interface Transport"
            default: nil
            }
        }

        /// The spelling Suricata writes in EVE `function_code` (sawp-modbus `FunctionCode` names).
        public var suricataName: String {
            switch function.rawValue {
            case 1: "RdCoils"
            case 2: "RdDiscreteInputs"
            case 3: "RdHoldRegs"
            case 4: "RdInputRegs"
            case 5: "WrSingleCoil"
            case 6: "WrSingleReg"
            case 7: "RdExcStatus"
            case 8: "Diagnostic"
            case 9: "Program484"
            case 10: "Poll484"
            case 11: "GetCommEventCtr"
            case 12: "GetCommEventLog"
            case 13: "ProgramController"
            case 14: "PollController"
            case 15: "WrMultCoils"
            case 16: "WrMultRegs"
            case 17: "ReportServerID"
            case 18: "Program884"
            case 19: "ResetCommLink"
            case 20: "RdFileRec"
            case 21: "WrFileRec"
            case 22: "MaskWrReg"
            case 23: "RdWrMultRegs"
            case 24: "RdFIFOQueue"
            case 43: "MEI"
            default: "Unknown"
            }
        }
    }
}

extension Modbus.FunctionCode: CustomStringConvertible {
    /// "3 (Read Holding Registers)", "0x83 (exception, Read Holding Registers)", "90 (reserved)".
    public var description: String {
        let base = "\(rawValue)"
        if isException {
            return "\(base) (exception to \(function.description))"
        }
        if let name = specificationName { return "\(base) (\(name))" }
        switch category {
        case .userDefined: return "\(base) (user-defined)"
        case .reserved: return "\(base) (reserved)"
        case .publicUnassigned: return "\(base) (unassigned)"
        default: return base
        }
    }
}

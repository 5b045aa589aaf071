// SPDX-License-Identifier: Apache-2.0

extension Modbus {
    /// A Modbus exception code: the one data byte of an exception response (MB §7).
    public struct ExceptionCode: RawRepresentable, Hashable, Sendable, Comparable {
        public var rawValue: UInt8
        @inlinable
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        @inlinable
        public init(_ rawValue: UInt8) { self.rawValue = rawValue }

        public static let illegalFunction = ExceptionCode(0x01)
        public static let illegalDataAddress = ExceptionCode(0x02)
        public static let illegalDataValue = ExceptionCode(0x03)
        public static let serverDeviceFailure = ExceptionCode(0x04)
        public static let acknowledge = ExceptionCode(0x05)
        public static let serverDeviceBusy = ExceptionCode(0x06)
        /// Not in V1.1b3's table but sent by older devices ("negative acknowledge", Modicon PI-MBUS-300).
        public static let negativeAcknowledge = ExceptionCode(0x07)
        public static let memoryParityError = ExceptionCode(0x08)
        public static let gatewayPathUnavailable = ExceptionCode(0x0A)
        public static let gatewayTargetDeviceFailedToRespond = ExceptionCode(0x0B)

        public static func < (lhs: ExceptionCode, rhs: ExceptionCode) -> Bool { lhs.rawValue < rhs.rawValue }

        /// Whether the code is one MB §7 (or PI-MBUS-300, for 7) defines.
        public var isKnown: Bool {
            switch rawValue {
            case 1...8, 10, 11: true
            default: false
            }
        }

        /// The specification's name, upper case as the spec's table writes it (e.g. `ILLEGAL DATA ADDRESS`).
        public var specificationName: String? {
            switch rawValue {
            case 1: "ILLEGAL FUNCTION"
            case 2: "ILLEGAL DATA ADDRESS"
            case 3: "ILLEGAL DATA VALUE"
            case 4: "SERVER DEVICE FAILURE"
            case 5: "ACKNOWLEDGE"
            case 6: "SERVER DEVICE BUSY"
            case 7: "NEGATIVE ACKNOWLEDGE"
            case 8: "MEMORY PARITY ERROR"
            case 10: "GATEWAY PATH UNAVAILABLE"
            case 11: "GATEWAY TARGET DEVICE FAILED TO RESPOND"
            default: nil
            }
        }

        /// The spelling Suricata writes in EVE `exception.code` (sawp-modbus `ExceptionCode`).
        public var suricataName: String {
            switch rawValue {
            case 1: "IllegalFunction"
            case 2: "IllegalDataAddr"
            case 3: "IllegalDataValue"
            case 4: "ServerDeviceFail"
            case 5: "Ack"
            case 6: "ServerDeviceBusy"
            case 7: "NegAck"
            case 8: "MemParityErr"
            case 10: "GatewayPathUnavailable"
            case 11: "GatewayTargetFailToResp"
            default: "Unknown"
            }
        }
    }

    /// Names of the Diagnostics (FC 8) sub-functions (MB §6.8.1), as Suricata spells them.
    public static func diagnosticSuricataName(_ subfunction: UInt16) -> String {
        switch subfunction {
        case 0: "RetQueryData"
        case 1: "RestartCommOpt"
        case 2: "RetDiagReg"
        case 3: "ChangeInputDelimiter"
        case 4: "ForceListenOnlyMode"
        case 10: "ClearCtrDiagReg"
        case 11: "RetBusMsgCount"
        case 12: "RetBusCommErrCount"
        case 13: "RetBusExcErrCount"
        case 14: "RetServerMsgCount"
        case 15: "RetServerNoRespCount"
        case 16: "RetServerNAKCount"
        case 17: "RetServerBusyCount"
        case 18: "RetBusCharOverrunCount"
        case 19: "RetOverrunErrCount"
        case 20: "ClearOverrunCounterFlag"
        case 21: "GetClearPlusStats"
        default: "Reserved"
        }
    }

    /// Whether a Diagnostics sub-function is defined (MB §6.8.1: 0-4, 10-18, 20; 19 and 21+ are reserved, though
    /// Suricata also names 19 and 21).
    public static func isKnownDiagnostic(_ subfunction: UInt16) -> Bool {
        switch subfunction {
        case 0...4, 10...21: true
        default: false
        }
    }

    /// Names of the MEI types of FC 43 (MB §6.19-§6.21), as Suricata spells them.
    public static func meiSuricataName(_ meiType: UInt8) -> String {
        switch meiType {
        case 13: "CANOpenGenRefReqResp"
        case 14: "RdDevId"
        default: "Unknown"
        }
    }
}

extension Modbus.ExceptionCode: CustomStringConvertible {
    public var description: String {
        if let name = specificationName { return "\(rawValue) (\(name))" }
        return "\(rawValue) (unknown)"
    }
}

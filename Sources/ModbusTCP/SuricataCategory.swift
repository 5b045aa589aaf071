// SPDX-License-Identifier: Apache-2.0

extension Modbus.Message {
    /// Suricata's `category` for a message (suricata-eve.md §1.6): every code sawp names is `PUBLIC_ASSIGNED`,
    /// except 8 and 43, whose category follows the sub-function or MEI type; others by the code's range. The EVE
    /// writer logs it, and the `modbus: function <category>` rule keyword matches it.
    public var suricataCategory: String {
        let code = functionCode
        let function = code.function.rawValue
        if code.suricataName != "Unknown" {
            switch (function, fields) {
            case (8, .diagnostic(let subfunction, _)):
                return Modbus.diagnosticSuricataName(subfunction) == "Reserved" ? "RESERVED" : "PUBLIC_ASSIGNED"
            case (8, _):
                return "NONE"
            case (43, .exception), (43, .none):
                return "NONE"
            case (43, _):
                guard let meiType else { return "NONE" }
                return Modbus.meiSuricataName(meiType) == "Unknown" ? "RESERVED" : "PUBLIC_ASSIGNED"
            default:
                return "PUBLIC_ASSIGNED"
            }
        }
        return code.suricataCategoryOfCode ?? "NONE"
    }

    /// The MEI type byte of a function 43 message, if present.
    public var meiType: UInt8? {
        switch fields {
        case .readDeviceIdentificationRequest, .readDeviceIdentificationResponse: 14
        case .mei(let meiType, _): meiType
        default: nil
        }
    }
}

extension Modbus.FunctionCode {
    /// Suricata's category as the code alone decides it, or nil for 8 and 43, whose category follows the
    /// sub-function or MEI type of the message (``Modbus/Message/suricataCategory``).
    public var suricataCategoryOfCode: String? {
        if suricataName != "Unknown" {
            let function = function.rawValue
            return function == 8 || function == 43 ? nil : "PUBLIC_ASSIGNED"
        }
        if isException { return "NONE" }
        switch rawValue {
        case 0: return "NONE"
        case 41, 42, 90, 91, 125...127: return "RESERVED"
        case 65...72, 100...110: return "USER_DEFINED"
        default: return "PUBLIC_UNASSIGNED"
        }
    }
}

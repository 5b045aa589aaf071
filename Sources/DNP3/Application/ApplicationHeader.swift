// SPDX-License-Identifier: Apache-2.0

extension DNP3.Application {
    /// The application control octet (IEEE 1815-2012 §4.2.2.4, Figure 4-3).
    ///
    /// ```
    ///   7     6     5     4     3 2 1 0
    /// +-----+-----+-----+-----+---------+
    /// | FIR | FIN | CON | UNS |   SEQ   |
    /// +-----+-----+-----+-----+---------+
    /// ```
    public struct Control: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// FIR: the first fragment of a message.
        public var fir: Bool { rawValue & 0x80 != 0 }
        /// FIN: the final fragment of a message.
        public var fin: Bool { rawValue & 0x40 != 0 }
        /// CON: the receiver must confirm the fragment.
        public var con: Bool { rawValue & 0x20 != 0 }
        /// UNS: an unsolicited response, or the confirm of one.
        public var uns: Bool { rawValue & 0x10 != 0 }
        /// SEQ: the 4-bit application sequence number, 0...15.
        public var sequence: UInt8 { rawValue & 0x0F }
    }

    /// The application function code (IEEE 1815-2012 §4.2.2.5, Table 4-1). Codes 0-33 are requests from a master,
    /// 129-131 responses from an outstation; the rest are reserved. Names are the ones Zeek and ICSNPP log.
    public struct FunctionCode: RawRepresentable, Hashable, Sendable, Comparable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public init(_ rawValue: UInt8) { self.rawValue = rawValue }
        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

        public static let confirm = FunctionCode(0x00)
        public static let read = FunctionCode(0x01)
        public static let write = FunctionCode(0x02)
        public static let select = FunctionCode(0x03)
        public static let operate = FunctionCode(0x04)
        public static let directOperate = FunctionCode(0x05)
        public static let directOperateNoResponse = FunctionCode(0x06)
        public static let immediateFreeze = FunctionCode(0x07)
        public static let immediateFreezeNoResponse = FunctionCode(0x08)
        public static let freezeClear = FunctionCode(0x09)
        public static let freezeClearNoResponse = FunctionCode(0x0A)
        public static let freezeAtTime = FunctionCode(0x0B)
        public static let freezeAtTimeNoResponse = FunctionCode(0x0C)
        public static let coldRestart = FunctionCode(0x0D)
        public static let warmRestart = FunctionCode(0x0E)
        public static let initializeData = FunctionCode(0x0F)
        public static let initializeApplication = FunctionCode(0x10)
        public static let startApplication = FunctionCode(0x11)
        public static let stopApplication = FunctionCode(0x12)
        public static let saveConfiguration = FunctionCode(0x13)
        public static let enableUnsolicited = FunctionCode(0x14)
        public static let disableUnsolicited = FunctionCode(0x15)
        public static let assignClass = FunctionCode(0x16)
        public static let delayMeasure = FunctionCode(0x17)
        public static let recordCurrentTime = FunctionCode(0x18)
        public static let openFile = FunctionCode(0x19)
        public static let closeFile = FunctionCode(0x1A)
        public static let deleteFile = FunctionCode(0x1B)
        public static let getFileInformation = FunctionCode(0x1C)
        public static let authenticateFile = FunctionCode(0x1D)
        public static let abortFile = FunctionCode(0x1E)
        public static let activateConfiguration = FunctionCode(0x1F)
        public static let authenticationRequest = FunctionCode(0x20)
        public static let authenticationRequestNoAck = FunctionCode(0x21)
        public static let response = FunctionCode(0x81)
        public static let unsolicitedResponse = FunctionCode(0x82)
        public static let authenticationResponse = FunctionCode(0x83)

        /// Whether the code is one an outstation sends (129-131): the header then carries the IIN.
        public var isResponse: Bool { rawValue >= 0x81 && rawValue <= 0x83 }
        /// Whether the code is a request defined by the standard (0-33).
        public var isRequest: Bool { rawValue <= 0x21 }
        /// Whether the code is defined at all.
        public var isDefined: Bool { isRequest || isResponse }

        /// Whether the request's object headers are followed by object data (§4.4, and the function
        /// descriptions in §5.1): READ, the freezes without a time, the restarts, the unsolicited controls, class
        /// assignment and the time-measurement requests name objects without carrying them. Free-format objects
        /// (qualifier 0x5B) carry their data whatever the function.
        public var requestCarriesObjectData: Bool {
            switch rawValue {
            case 0x00, 0x01, 0x07, 0x08, 0x09, 0x0A, 0x0D, 0x0E, 0x14, 0x15, 0x16, 0x17, 0x18: false
            default: true
            }
        }

        /// The name (Zeek's and ICSNPP's spelling), or nil for a reserved code.
        public var name: String? {
            switch rawValue {
            case 0x00: "CONFIRM"
            case 0x01: "READ"
            case 0x02: "WRITE"
            case 0x03: "SELECT"
            case 0x04: "OPERATE"
            case 0x05: "DIRECT_OPERATE"
            case 0x06: "DIRECT_OPERATE_NR"
            case 0x07: "IMMED_FREEZE"
            case 0x08: "IMMED_FREEZE_NR"
            case 0x09: "FREEZE_CLEAR"
            case 0x0A: "FREEZE_CLEAR_NR"
            case 0x0B: "FREEZE_AT_TIME"
            case 0x0C: "FREEZE_AT_TIME_NR"
            case 0x0D: "COLD_RESTART"
            case 0x0E: "WARM_RESTART"
            case 0x0F: "INITIALIZE_DATA"
            case 0x10: "INITIALIZE_APPL"
            case 0x11: "START_APPL"
            case 0x12: "STOP_APPL"
            case 0x13: "SAVE_CONFIG"
            case 0x14: "ENABLE_UNSOLICITED"
            case 0x15: "DISABLE_UNSOLICITED"
            case 0x16: "ASSIGN_CLASS"
            case 0x17: "DELAY_MEASURE"
            case 0x18: "RECORD_CURRENT_TIME"
            case 0x19: "OPEN_FILE"
            case 0x1A: "CLOSE_FILE"
            case 0x1B: "DELETE_FILE"
            case 0x1C: "GET_FILE_INFO"
            case 0x1D: "AUTHENTICATE_FILE"
            case 0x1E: "ABORT_FILE"
            case 0x1F: "ACTIVATE_CONFIG"
            case 0x20: "AUTHENTICATE_REQ"
            case 0x21: "AUTHENTICATE_ERR"
            case 0x81: "RESPONSE"
            case 0x82: "UNSOLICITED_RESPONSE"
            case 0x83: "AUTHENTICATE_RESP"
            default: nil
            }
        }
    }

    /// The internal indications (IEEE 1815-2012 §4.2.2.7, Table 4-2 and 4-3), as one 16-bit value
    /// `IIN1 << 8 | IIN2`, the form Suricata's `dnp3_ind` keyword and Zeek's `iin` field use.
    public struct InternalIndications: OptionSet, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        public static let allStations = Self(rawValue: 0x0100)  // IIN1.0
        public static let class1Events = Self(rawValue: 0x0200)  // IIN1.1
        public static let class2Events = Self(rawValue: 0x0400)  // IIN1.2
        public static let class3Events = Self(rawValue: 0x0800)  // IIN1.3
        public static let needTime = Self(rawValue: 0x1000)  // IIN1.4
        public static let localControl = Self(rawValue: 0x2000)  // IIN1.5
        public static let deviceTrouble = Self(rawValue: 0x4000)  // IIN1.6
        public static let deviceRestart = Self(rawValue: 0x8000)  // IIN1.7
        public static let noFunctionCodeSupport = Self(rawValue: 0x0001)  // IIN2.0
        public static let objectUnknown = Self(rawValue: 0x0002)  // IIN2.1
        public static let parameterError = Self(rawValue: 0x0004)  // IIN2.2
        public static let eventBufferOverflow = Self(rawValue: 0x0008)  // IIN2.3
        public static let alreadyExecuting = Self(rawValue: 0x0010)  // IIN2.4
        public static let configurationCorrupt = Self(rawValue: 0x0020)  // IIN2.5
        public static let reserved2 = Self(rawValue: 0x0040)  // IIN2.6
        public static let reserved1 = Self(rawValue: 0x0080)  // IIN2.7

        /// Every bit's name as Suricata writes it in `iin.indicators` and accepts in `dnp3_ind`, from IIN1.7 down
        /// to IIN2.0 (Suricata 7's order, suricata-eve.md §2.5).
        public static let names: [(InternalIndications, String)] = [
            (.deviceRestart, "device_restart"), (.deviceTrouble, "device_trouble"),
            (.localControl, "local_control"), (.needTime, "need_time"), (.class3Events, "class_3_events"),
            (.class2Events, "class_2_events"), (.class1Events, "class_1_events"), (.allStations, "all_stations"),
            (.reserved1, "reserved_1"), (.reserved2, "reserved_2"), (.configurationCorrupt, "config_corrupt"),
            (.alreadyExecuting, "already_executing"), (.eventBufferOverflow, "event_buffer_overflow"),
            (.parameterError, "parameter_error"), (.objectUnknown, "object_unknown"),
            (.noFunctionCodeSupport, "no_func_code_support"),
        ]

        /// IIN1, the first octet on the wire.
        public var iin1: UInt8 { UInt8(rawValue >> 8) }
        /// IIN2, the second octet on the wire.
        public var iin2: UInt8 { UInt8(rawValue & 0xFF) }
    }

    /// The application header (IEEE 1815-2012 §4.2.2, Figures 4-1 and 4-2): the control octet and the function
    /// code, and in a response the two IIN octets.
    ///
    /// ```
    /// request:  +---------+---------------+
    ///           | CONTROL | FUNCTION CODE |
    ///           +---------+---------------+
    /// response: +---------+---------------+------+------+
    ///           | CONTROL | FUNCTION CODE | IIN1 | IIN2 |
    ///           +---------+---------------+------+------+
    /// ```
    public struct Header: Hashable, Sendable {
        public var control: Control
        public var functionCode: FunctionCode
        /// The internal indications; zero in a request, or in a response too short to carry them.
        public var iin: InternalIndications
        /// The header's size: 2 for a request, 4 for a response.
        public var size: Int

        /// The smallest request header.
        public static let requestSize = 2
        /// The smallest response header (with the IIN).
        public static let responseSize = 4

        /// Reads the header at the start of `view`. Whether it is a response is decided by the function code
        /// (129-131), not by the link DIR bit, which an attacker or a broken stack can set either way.
        ///
        /// - Throws: ``DNP3/ParseError/applicationHeaderTooShort(length:needed:)`` when the fragment is shorter
        ///   than 2 octets, or than 4 for a response (a response without IIN).
        public init(parsing bytes: borrowing Span<UInt8>, view: DNP3.FragmentView) throws(DNP3.ParseError) {
            guard view.count >= Self.requestSize else {
                throw .applicationHeaderTooShort(length: view.count, needed: Self.requestSize)
            }
            control = Control(rawValue: view.byte(0, in: bytes))
            functionCode = FunctionCode(view.byte(1, in: bytes))
            if functionCode.isResponse {
                guard view.count >= Self.responseSize else {
                    throw .applicationHeaderTooShort(length: view.count, needed: Self.responseSize)
                }
                iin = InternalIndications(
                    rawValue: UInt16(view.byte(2, in: bytes)) << 8 | UInt16(view.byte(3, in: bytes))
                )
                size = Self.responseSize
            } else {
                iin = []
                size = Self.requestSize
            }
        }
    }
}

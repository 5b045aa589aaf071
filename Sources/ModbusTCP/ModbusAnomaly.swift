// SPDX-License-Identifier: Apache-2.0

extension Modbus {
    /// Suricata's `error_flags` for one message (sawp-modbus `ErrorFlags`, logged in EVE in this order).
    public struct ErrorFlags: OptionSet, Sendable, Hashable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// A value out of range: quantity 0 or over the limit, a coil value other than 0x0000/0xFF00, a byte
        /// count that does not agree.
        public static let dataValue = ErrorFlags(rawValue: 1 << 0)
        /// A length that does not fit: MBAP length outside 2..254, a PDU shorter or longer than its function
        /// needs.
        public static let dataLength = ErrorFlags(rawValue: 1 << 1)
        /// An exception code that is not defined.
        public static let exceptionCode = ErrorFlags(rawValue: 1 << 2)
        /// A request with function code 0 or 0x80 and above.
        public static let functionCode = ErrorFlags(rawValue: 1 << 3)
        /// The MBAP protocol identifier is not 0.
        public static let protocolIdentifier = ErrorFlags(rawValue: 1 << 4)

        /// `DATA_VALUE | DATA_LENGTH`, or `NONE`, as Suricata writes it.
        public var suricataDescription: String {
            if isEmpty { return "NONE" }
            var parts: [String] = []
            if contains(.dataValue) { parts.append("DATA_VALUE") }
            if contains(.dataLength) { parts.append("DATA_LENGTH") }
            if contains(.exceptionCode) { parts.append("EXC_CODE") }
            if contains(.functionCode) { parts.append("FUNC_CODE") }
            if contains(.protocolIdentifier) { parts.append("PROTO_ID") }
            return parts.joined(separator: " | ")
        }
    }

    /// A finding about one message or one direction's stream, named as Suricata names the event where it has a
    /// name (`modbus.<name>` in rules, `anomaly.event` in EVE), and in the same form where it has none.
    public struct Anomaly: RawRepresentable, Hashable, Sendable, Comparable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        // Suricata's ModbusEvent names (rust/src/modbus/modbus.rs).
        /// MBAP protocol identifier not 0.
        public static let invalidProtocolID = Anomaly(rawValue: "invalid_protocol_id")
        /// MBAP length outside 2..254, or a PDU whose length does not fit its function: shorter than it needs, or
        /// longer (bytes inside the MBAP length that the function does not use; the MBAP length still frames).
        public static let invalidLength = Anomaly(rawValue: "invalid_length")
        /// A field value out of range.
        public static let invalidValue = Anomaly(rawValue: "invalid_value")
        /// A request with function code 0 or 0x80 and above.
        public static let invalidFunctionCode = Anomaly(rawValue: "invalid_function_code")
        /// An exception code that is not defined.
        public static let invalidExceptionCode = Anomaly(rawValue: "invalid_exception_code")
        /// A response that does not fit its request (quantity, byte count, echoed address or value).
        public static let valueMismatch = Anomaly(rawValue: "value_mismatch")
        /// A response with no request waiting for it.
        public static let unsolicitedResponse = Anomaly(rawValue: "unsolicited_response")
        /// Too many requests waiting for responses in one flow.
        public static let flooded = Anomaly(rawValue: "flooded")

        // Ours, in the same form.
        /// Write Single Coil value other than 0x0000 or 0xFF00 (MB §6.5).
        public static let invalidCoilValue = Anomaly(rawValue: "invalid_coil_value")
        /// A request with a code the specification reserves (MB Annex A), reported once per flow and code.
        public static let reservedFunctionCode = Anomaly(rawValue: "reserved_function_code")
        /// A request with a public code not yet assigned, reported once per flow and code.
        public static let unassignedFunctionCode = Anomaly(rawValue: "unassigned_function_code")
        /// The stream ended (FIN, RST, end of capture) inside an ADU.
        public static let truncatedADUAtEOF = Anomaly(rawValue: "truncated_adu_at_eof")
        /// A request never answered within the response timeout, or by the end of the flow.
        public static let unansweredRequest = Anomaly(rawValue: "unanswered_request")
        /// The bytes on a Modbus port never formed a Modbus ADU: not Modbus; decoding stops for the flow.
        public static let protocolMismatchOnModbusPort = Anomaly(rawValue: "protocol_mismatch_on_modbus_port")
        /// After a capture gap, bytes that looked like an ADU were never confirmed by a matching request or
        /// response, so they were not reported as a transaction.
        public static let unverifiedADUDiscarded = Anomaly(rawValue: "unverified_adu_discarded")

        /// Many exception responses on one connection within a short capture time (the engine's limit): the
        /// trace a function-code or address scan leaves, or a master misconfigured for its device.
        public static let exceptionFlood = Anomaly(rawValue: "exception_flood")

        public static func < (lhs: Anomaly, rhs: Anomaly) -> Bool { lhs.rawValue < rhs.rawValue }
    }
}

// SPDX-License-Identifier: Apache-2.0

extension DNP3.Objects {
    /// The operation type: the low four bits of a CROB's or PCB's control code (IEEE 1815-2012 Annex A.8.1,
    /// group 12 variation 1).
    ///
    /// ```
    ///   7   6    5    4    3 2 1 0
    /// +-------+----+----+---------+
    /// |  TCC  | CR | QU | op type |
    /// +-------+----+----+---------+
    /// ```
    public struct ControlOperation: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        @inlinable
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The operation type of a whole control code octet (its low four bits).
        @inlinable
        public init(controlCode: UInt8) { self.rawValue = controlCode & 0x0F }

        /// NUL: no operation (only the trip-close code, if any, acts).
        public static let nul = ControlOperation(rawValue: 0)
        /// PULSE_ON: active for the on-time, then inactive for the off-time, `count` times.
        public static let pulseOn = ControlOperation(rawValue: 1)
        /// PULSE_OFF: the inverse of PULSE_ON; the standard marks it non-interoperable.
        public static let pulseOff = ControlOperation(rawValue: 2)
        /// LATCH_ON: set the output active.
        public static let latchOn = ControlOperation(rawValue: 3)
        /// LATCH_OFF: set the output inactive.
        public static let latchOff = ControlOperation(rawValue: 4)

        /// The standard's name (`PULSE_ON`, ...), or nil for the undefined codes 5-15.
        public var name: String? {
            switch rawValue {
            case 0: "NUL"
            case 1: "PULSE_ON"
            case 2: "PULSE_OFF"
            case 3: "LATCH_ON"
            case 4: "LATCH_OFF"
            default: nil
            }
        }
    }

    /// The trip-close code (TCC): bits 6-7 of a CROB's or PCB's control code, which output of a complementary
    /// two-output point to operate (IEEE 1815-2012 Annex A.8.1).
    public struct TripCloseCode: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        @inlinable
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The trip-close code of a whole control code octet (its top two bits).
        @inlinable
        public init(controlCode: UInt8) { self.rawValue = controlCode >> 6 }

        /// NUL: the point's default output.
        public static let nul = TripCloseCode(rawValue: 0)
        /// CLOSE: the close output.
        public static let close = TripCloseCode(rawValue: 1)
        /// TRIP: the trip output.
        public static let trip = TripCloseCode(rawValue: 2)
        /// Reserved (3).
        public static let reserved = TripCloseCode(rawValue: 3)

        /// The standard's name (`NUL`, `CLOSE`, `TRIP`, `RESERVED`), or nil for a value above 3.
        public var name: String? {
            switch rawValue {
            case 0: "NUL"
            case 1: "CLOSE"
            case 2: "TRIP"
            case 3: "RESERVED"
            default: nil
            }
        }
    }

    /// The status code of a control object (CROB, PCB, analog output block) and of command events (g13, g43):
    /// the low seven bits of its status octet (IEEE 1815-2012 Annex A.8.1, control status codes table).
    ///
    /// Codes 13-18 come from the DNP3 technical bulletins that followed the 2012 text, as stepfunc/dnp3 lists
    /// them; 127 is opendnp3's UNDEFINED.
    public struct CommandStatus: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        @inlinable
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The status code of a whole status octet (its low seven bits; bit 7 is reserved).
        @inlinable
        public init(statusOctet: UInt8) { self.rawValue = statusOctet & 0x7F }

        public static let success = CommandStatus(rawValue: 0)
        public static let timeout = CommandStatus(rawValue: 1)
        public static let noSelect = CommandStatus(rawValue: 2)
        public static let formatError = CommandStatus(rawValue: 3)
        public static let notSupported = CommandStatus(rawValue: 4)
        public static let alreadyActive = CommandStatus(rawValue: 5)
        public static let hardwareError = CommandStatus(rawValue: 6)
        public static let local = CommandStatus(rawValue: 7)
        public static let tooManyOperations = CommandStatus(rawValue: 8)
        public static let notAuthorized = CommandStatus(rawValue: 9)
        public static let automationInhibit = CommandStatus(rawValue: 10)
        public static let processingLimited = CommandStatus(rawValue: 11)
        public static let outOfRange = CommandStatus(rawValue: 12)
        public static let downstreamLocal = CommandStatus(rawValue: 13)
        public static let alreadyComplete = CommandStatus(rawValue: 14)
        public static let blocked = CommandStatus(rawValue: 15)
        public static let canceled = CommandStatus(rawValue: 16)
        public static let blockedOtherMaster = CommandStatus(rawValue: 17)
        public static let downstreamFail = CommandStatus(rawValue: 18)
        public static let nonParticipating = CommandStatus(rawValue: 126)
        public static let undefined = CommandStatus(rawValue: 127)

        /// The name the text output writes (`SUCCESS`, `NO_SELECT`, ...), or nil for a reserved code.
        public var name: String? {
            switch rawValue {
            case 0: "SUCCESS"
            case 1: "TIMEOUT"
            case 2: "NO_SELECT"
            case 3: "FORMAT_ERROR"
            case 4: "NOT_SUPPORTED"
            case 5: "ALREADY_ACTIVE"
            case 6: "HARDWARE_ERROR"
            case 7: "LOCAL"
            case 8: "TOO_MANY_OPS"
            case 9: "NOT_AUTHORIZED"
            case 10: "AUTOMATION_INHIBIT"
            case 11: "PROCESSING_LIMITED"
            case 12: "OUT_OF_RANGE"
            case 13: "DOWNSTREAM_LOCAL"
            case 14: "ALREADY_COMPLETE"
            case 15: "BLOCKED"
            case 16: "CANCELLED"
            case 17: "BLOCKED_OTHER_MASTER"
            case 18: "DOWNSTREAM_FAIL"
            case 126: "NON_PARTICIPATING"
            case 127: "UNDEFINED"
            default: nil
            }
        }
    }
}

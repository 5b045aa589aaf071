// SPDX-License-Identifier: Apache-2.0

extension Modbus {
    /// Spec limits and the sensor's own bounds, each with its source.
    public struct Limits: Sendable, Equatable {
        /// MBAP length field range: the unit identifier plus a PDU of 1..253 bytes (MB-TCP §3.1.3: "the maximum
        /// size of a MODBUS PDU is 253 bytes"; the length counts the unit identifier and the PDU).
        public static let minimumMBAPLength = 2
        public static let maximumMBAPLength = 254
        /// The MBAP header is 7 bytes (MB-TCP §3.1.3), so the largest ADU is 7 + 253 = 260 bytes.
        public static let mbapHeaderSize = 7
        public static let maximumADUSize = 260

        /// Quantity limits from the function descriptions (MB §6.1-§6.17).
        public static let maxReadBits = 2000  // 0x07D0, FC 1 and 2
        public static let maxReadRegisters = 125  // 0x7D, FC 3, 4 and the read part of 23
        public static let maxWriteCoils = 1968  // 0x7B0, FC 15
        public static let maxWriteRegisters = 123  // 0x7B, FC 16
        public static let maxReadWriteWriteRegisters = 121  // 0x79, the write part of FC 23
        public static let maxFIFOCount = 31  // FC 24 (MB §6.18)

        /// Requests waiting for a response per flow before the flow is flagged `modbus.flooded` and the oldest is
        /// given up. 500 is Suricata's `MODBUS_MAX_TX` / DNP3 flood threshold.
        public var maxPendingTransactionsPerFlow: Int = 500
        /// Capture-time microseconds after which an unanswered request is reported as unanswered. Modbus/TCP
        /// clients typically time out after 1-5 s (MB-TCP §4.3.1.3 leaves it to the implementation); 10 s
        /// leaves room for slow gateways.
        public var responseTimeoutMicroseconds: Int64 = 10_000_000
        /// Bytes a direction may carry before its first valid ADU; past this, a flow on a Modbus port whose
        /// bytes never formed an ADU is reported as not Modbus. One maximum-size ADU plus a header is enough to
        /// find a boundary in real Modbus traffic.
        public var maxUnconfirmedBytesPerDirection: Int = 267

        public init() {}
    }
}

// SPDX-License-Identifier: Apache-2.0
import ModbusTCP
import NetworkLayers
import TCPReassembly
import WireFormat

/// Per-flow Modbus state: a framer per direction, request/response pairing, and which non-public function codes
/// were already reported in this flow (so a vendor's own code is reported once, not per request).
struct ModbusFlowState {
    var framers: (Modbus.Framer, Modbus.Framer)
    var tracker: Modbus.TransactionTracker
    /// Bit per function code 0..127 already reported as reserved or unassigned.
    var reportedCodes: (UInt64, UInt64) = (0, 0)
    var transactions = 0

    init(limits: Modbus.Limits, toServerAtStart: Bool, toClientAtStart: Bool) {
        framers = (
            Modbus.Framer(carriesRequests: true, atStreamStart: toServerAtStart, limits: limits),
            Modbus.Framer(carriesRequests: false, atStreamStart: toClientAtStart, limits: limits)
        )
        tracker = Modbus.TransactionTracker(limits: limits)
    }

    mutating func markReported(_ code: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(code & 63)
        if code < 64 {
            if reportedCodes.0 & bit != 0 { return false }
            reportedCodes.0 |= bit
        } else {
            if reportedCodes.1 & bit != 0 { return false }
            reportedCodes.1 |= bit
        }
        return true
    }
}

/// One flow's state: identity, counters, TCP reassembly per direction, and the application layer.
struct Flow {
    var context: FlowContext
    var hash: UInt64
    /// Creation order, for a deterministic order of flow records at the end of a capture.
    var sequence: Int
    var firstTimestamp: CaptureTimestamp
    var lastTimestamp: CaptureTimestamp
    var packets: (Int, Int) = (0, 0)
    var bytes: (Int, Int) = (0, 0)
    var tcpFlags: (TCPFlags, TCPFlags) = ([], [])
    var isTCP: Bool
    var streams: (StreamReassembler, StreamReassembler)
    /// Whether each direction's stream began with a SYN we saw.
    var sawStart: (Bool, Bool) = (false, false)
    var started: (Bool, Bool) = (false, false)
    /// Closed by RST or FIN in both directions; the flow lingers for late packets.
    var isClosed = false
    var isModbus: Bool
    var modbus: ModbusFlowState?
    /// The flow's bytes are not Modbus: decoding stopped (kept outside `modbus` so that checking it copies nothing).
    var modbusRejected = false
    var gaps = 0

    init(
        context: FlowContext,
        hash: UInt64,
        sequence: Int,
        timestamp: CaptureTimestamp,
        isTCP: Bool,
        isModbus: Bool,
        reassembly: TCPReassemblyLimits
    ) {
        self.context = context
        self.hash = hash
        self.sequence = sequence
        self.firstTimestamp = timestamp
        self.lastTimestamp = timestamp
        self.isTCP = isTCP
        self.isModbus = isModbus
        self.streams = (StreamReassembler(limits: reassembly), StreamReassembler(limits: reassembly))
    }
}

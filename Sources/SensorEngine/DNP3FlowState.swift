// SPDX-License-Identifier: Apache-2.0
import DNP3
import NetworkLayers
import WireFormat

/// A DNP3 request waiting for its response (paired by application sequence and link addresses).
struct DNP3PendingRequest {
    var sequence: UInt8
    var functionCode: DNP3.Application.FunctionCode
    /// The request's link source (the master) and destination (the outstation).
    var source: UInt16
    var destination: UInt16
    var timestamp: CaptureTimestamp
    var packetNumber: UInt64
}

/// A DNP3 record waiting for the peer's acknowledgment of its last octet: records are written at the packet that
/// acknowledges the data, as Suricata's stream engine (IDS mode) parses application data once it is
/// acknowledged, so `pcap_cnt` and `timestamp` agree with Suricata's. The fragment's octets are copied into the
/// flow's reused arena.
struct DNP3DeferredRecord {
    var event: DNP3MessageEvent
    /// Where the fragment's octets lie in ``DNP3FlowState/deferredOctets``.
    var octets: Range<Int>
    /// The stream position the acknowledgment must reach.
    var acknowledgmentNeeded: UInt32
}

/// A response whose first fragment answered a request and whose further fragments are still to come.
struct DNP3Continuation {
    var outstation: UInt16
    var master: UInt16
    var nextSequence: UInt8
    var request: DNP3RequestReference
}

/// Alerts of a message whose record was written at the acknowledgment: due at the next packet in the message's
/// direction, with their own copy of the fragment.
struct DNP3WaitingAlert {
    var toServer: Bool
    var event: DNP3MessageEvent
    var octets: [UInt8]
}

/// A fragment sent with CON set (a response, or an unsolicited response) that the master must confirm.
struct DNP3AwaitingConfirm {
    var sequence: UInt8
    var unsolicited: Bool
    /// The outstation's and the master's link addresses.
    var outstation: UInt16
    var master: UInt16
    var packetNumber: UInt64
}

/// One transport reassembly: a direction, a link source and a destination (IEEE 1815-2012 §8.2.1.3).
struct DNP3Reassembly {
    var toServer: Bool
    var source: UInt16
    var destination: UInt16
    var assembler: DNP3.Transport.Assembler
    /// The fragment's first segment's packet, so records name where the fragment began.
    var firstPacketNumber: UInt64 = 0
    var segments = 0
    var lastUsed: Int
}

/// Per-flow DNP3 state: a link frame parser per direction, transport reassemblies, roles, pending requests and
/// confirms. Small arrays searched linearly: a channel has one or two of each, and the bounds are configuration.
struct DNP3FlowState {
    var parsers = (DNP3.Link.FrameParser(), DNP3.Link.FrameParser())
    var reassemblies: [DNP3Reassembly] = []
    var pending: [DNP3PendingRequest] = []
    var awaitingConfirm: [DNP3AwaitingConfirm] = []
    /// Which side the DIR bit names the master: true when the TCP/UDP client is the master. Learned from the first
    /// frame with user data; captures start mid-stream and outstations may dial out.
    var masterIsClient: Bool?
    /// A DIR bit that disagrees with the side was reported (once per direction).
    var directionMismatchReported = (false, false)
    var floodReported = false
    /// Link damage kinds already reported in the current run of damage, per direction (``runBadHeader``, ...).
    var damageRun: (UInt8, UInt8) = (0, 0)
    /// Anomaly records written per name in this flow.
    var anomalyReports: [String: Int] = [:]
    /// Octets skipped while looking for frames, and whether the flow was given up as not DNP3.
    var skippedOctets = 0
    var rejected = false
    /// Requests since the last solicited response (Suricata's "unreplied" count behind `dnp3.flooded`).
    var requestsSinceResponse = 0
    /// Multi-fragment responses under way: the request they answer and the next fragment's sequence
    /// (IEEE 1815-2012 §4.2.2.4.4: each further fragment takes the next sequence number).
    var continuations: [DNP3Continuation] = []
    var linkFrames = 0
    /// Application messages decoded (requests, responses, confirms).
    var messages = 0
    var useClock = 0
    /// Records waiting for the peer's acknowledgment, per direction, and the octets they read.
    var deferred: ([DNP3DeferredRecord], [DNP3DeferredRecord]) = ([], [])
    var deferredOctets: [UInt8] = []
    /// Alerts waiting for the next packet in their message's direction.
    var waitingAlerts: [DNP3WaitingAlert] = []

    /// The most records held per direction waiting for an acknowledgment; past it the oldest is written at once.
    /// A master has one request outstanding, and an outstation one response and one unsolicited response
    /// (IEEE 1815-2012 §4.2.3); 32 leaves room for link retries and pipelining stacks.
    static let maxDeferredRecords = 32
    /// The arena size past which held octets are moved to the front: 64 records of the standard 2048-octet
    /// fragment.
    static let maxDeferredOctets = 64 * 2048

    /// Octets on a DNP3 port without a single valid frame after which the flow is judged not DNP3 and no longer
    /// decoded: four of the largest frames (292 octets), far more than any banner or capture start in the middle
    /// of a frame.
    static let maxOctetsBeforeFirstFrame = 1168

    static let runBadHeader: UInt8 = 1
    static let runShortHeader: UInt8 = 2
    static let runSkipped: UInt8 = 4
    /// Anomaly records per name and flow; past it they are counted in the summary only. A real device with a
    /// fault repeats it for months; a hundred records say so, the count says how often.
    static let maxReportsPerAnomaly = 100

    /// The most awaiting confirms kept: a master confirms each before the outstation sends the next (§4.2.2.4.3).
    static let maxAwaitingConfirm = 8

    mutating func gap(direction: Direction) {
        if direction == .toServer { parsers.0.gap() } else { parsers.1.gap() }
        // A gap may have eaten segments of the fragments under way in that direction: they restart at the next FIR.
        for index in reassemblies.indices where reassemblies[index].toServer == (direction == .toServer) {
            reassemblies[index].assembler.reset()
        }
    }
}

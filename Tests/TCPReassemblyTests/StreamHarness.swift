// SPDX-License-Identifier: Apache-2.0
import TCPReassembly
import Testing
import WireFormat

/// What a consumer of the reassembler sees, in stream order: bytes, or bytes that never arrived.
enum StreamPiece: Equatable, Sendable, CustomStringConvertible {
    case data([UInt8])
    case gap(Int)

    var description: String {
        switch self {
        case .data(let bytes): "data(\(bytes.count) bytes: \(bytes.prefix(12))\(bytes.count > 12 ? "…" : ""))"
        case .gap(let length): "gap(\(length))"
        }
    }
}

/// Every field of ``StreamReassembler/Action`` as one `Equatable` value; an empty `deliver` range is nil, whatever
/// its position.
struct ActionValues: Equatable, Sendable {
    var deliver: Range<Int>? = nil
    var gapAfter = 0
    var hasBufferedData = false
    var anomalies: StreamAnomalies = []
    var closed = false
}

extension ActionValues {
    init(_ action: StreamReassembler.Action) {
        self.init(
            deliver: action.deliver.isEmpty ? nil : action.deliver,
            gapAfter: action.gapAfter,
            hasBufferedData: action.hasBufferedData,
            anomalies: action.anomalies,
            closed: action.closed
        )
    }
}

/// Drives one ``StreamReassembler`` the way the engine does: hands on each action's range, its gaps, and every
/// buffered chunk when the action says there are some; records the stream the consumer would see.
struct StreamHarness {
    var reassembler: StreamReassembler
    /// The stream as delivered: adjacent data merged, adjacent gaps merged.
    private(set) var pieces: [StreamPiece] = []
    /// Every chunk `popBuffered()` returned, as returned.
    private(set) var popped: [StreamReassembler.BufferedChunk] = []
    /// The 1-based number of the last segment fed.
    private(set) var packetNumber: UInt64 = 0

    init(limits: TCPReassemblyLimits = TCPReassemblyLimits()) {
        reassembler = StreamReassembler(limits: limits)
    }

    /// The capture time given to packet `number`: one second apart, from 2023-11-14T22:13:20Z.
    static func timestamp(_ number: UInt64) -> CaptureTimestamp {
        CaptureTimestamp(seconds: 1_700_000_000 + Int64(number), microseconds: 0)
    }

    /// The data bytes delivered, gaps left out.
    var bytes: [UInt8] {
        pieces.flatMap { piece -> [UInt8] in
            if case .data(let bytes) = piece { return bytes }
            return []
        }
    }

    @discardableResult
    mutating func segment(
        _ sequence: UInt32,
        _ payload: [UInt8],
        syn: Bool = false,
        fin: Bool = false,
        rst: Bool = false,
        declaredLength: Int? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> ActionValues {
        packetNumber += 1
        let action = reassembler.segmentReceived(
            sequence: sequence,
            syn: syn,
            fin: fin,
            rst: rst,
            payload: payload.span,
            declaredLength: declaredLength ?? payload.count,
            timestamp: Self.timestamp(packetNumber),
            packetNumber: packetNumber
        )
        let inBounds = action.deliver.lowerBound >= 0 && action.deliver.upperBound <= payload.count
        #expect(
            inBounds,
            "deliver \(action.deliver) lies outside the \(payload.count)-byte payload",
            sourceLocation: sourceLocation
        )
        if inBounds { append(.data(Array(payload[action.deliver]))) }
        append(.gap(action.gapAfter))
        if action.hasBufferedData { drain() }
        return ActionValues(action)
    }

    @discardableResult
    mutating func acknowledgment(_ acknowledgment: UInt32) -> ActionValues {
        let action = reassembler.acknowledgmentReceived(acknowledgment)
        if action.hasBufferedData { drain() }
        return ActionValues(action)
    }

    @discardableResult
    mutating func finish() -> ActionValues {
        let action = reassembler.finish()
        if action.hasBufferedData { drain() }
        return ActionValues(action)
    }

    /// Whether `popBuffered()` has nothing left (call after the last action was handled).
    mutating func hasNothingReady() -> Bool {
        reassembler.popBuffered() == nil
    }

    private mutating func drain() {
        while let chunk = reassembler.popBuffered() {
            popped.append(chunk)
            switch chunk {
            case .gap(let length): append(.gap(length))
            case .bytes(let bytes, _, _): append(.data(bytes))
            }
        }
    }

    private mutating func append(_ piece: StreamPiece) {
        switch (pieces.last, piece) {
        case (_, .gap(0)), (_, .data([])):
            return
        case (.data(let previous)?, .data(let bytes)):
            pieces[pieces.count - 1] = .data(previous + bytes)
        case (.gap(let previous)?, .gap(let length)):
            pieces[pieces.count - 1] = .gap(previous + length)
        default:
            pieces.append(piece)
        }
    }
}

/// A ``StreamStatistics`` value with the given counters, the rest zero.
func statistics(
    segments: Int,
    deliveredBytes: Int,
    retransmissions: Int = 0,
    overlaps: Int = 0,
    overlapMismatches: Int = 0,
    outOfOrderSegments: Int = 0,
    gaps: Int = 0,
    gapBytes: Int = 0,
    bufferOverflows: Int = 0
) -> StreamStatistics {
    var value = StreamStatistics()
    value.segments = segments
    value.deliveredBytes = deliveredBytes
    value.retransmissions = retransmissions
    value.overlaps = overlaps
    value.overlapMismatches = overlapMismatches
    value.outOfOrderSegments = outOfOrderSegments
    value.gaps = gaps
    value.gapBytes = gapBytes
    value.bufferOverflows = bufferOverflows
    return value
}

/// `count` bytes that differ from their neighbours, so a misplaced byte shows: 11, 48, 85, ...
func streamBytes(_ count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
}

/// Every order of `0..<count`.
func permutations(of count: Int) -> [[Int]] {
    func permute(_ remaining: [Int]) -> [[Int]] {
        guard remaining.count > 1 else { return [remaining] }
        return remaining.indices.flatMap { index -> [[Int]] in
            var rest = remaining
            let first = rest.remove(at: index)
            return permute(rest).map { [first] + $0 }
        }
    }
    return permute(Array(0..<count))
}

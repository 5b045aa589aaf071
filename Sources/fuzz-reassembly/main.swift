// SPDX-License-Identifier: Apache-2.0
// libFuzzer entry point for TCP reassembly feeding the Modbus framer (STYLE.md §9.10).
//
//   Fuzz:   swift build --product fuzz-reassembly -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
//           .build/debug/fuzz-reassembly Tests/FuzzCorpus/fuzz-reassembly
//   Replay: swift build --product fuzz-reassembly && .build/debug/fuzz-reassembly FILE...   (what CI runs)
import FuzzSupport
import ModbusTCP
import TCPReassembly

/// The input is a list of segment records: flags (1: SYN 0x01, FIN 0x02, RST 0x04, ACK-only 0x08), a 16-bit
/// sequence offset, a length byte, then that many payload bytes. Invariants: nothing traps; buffered bytes never
/// exceed the limit; delivered ranges lie inside their payload; the framer's split buffer stays at most 260.
func fuzzOne(_ input: [UInt8]) {
    var limits = TCPReassemblyLimits()
    limits.maxBufferedBytesPerDirection = 2048
    limits.maxBufferedSegmentsPerDirection = 16
    var stream = StreamReassembler(limits: limits)
    var framer = Modbus.Framer(carriesRequests: true, atStreamStart: true)
    let base: UInt32 = 0xFFFF_FF00  // close to the wrap, so sequence arithmetic wraps often
    var index = 0
    while index + 4 <= input.count {
        let flags = input[index]
        let offset = UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
        let length = min(Int(input[index + 3]), input.count - index - 4)
        let payload = Array(input[(index + 4)..<(index + 4 + length)])
        index += 4 + length
        let action: StreamReassembler.Action
        if flags & 0x08 != 0 {
            action = stream.acknowledgmentReceived(base &+ offset)
        } else {
            action = stream.segmentReceived(
                sequence: base &+ offset,
                syn: flags & 0x01 != 0,
                fin: flags & 0x02 != 0,
                rst: flags & 0x04 != 0,
                payload: payload.span,
                declaredLength: length
            )
            precondition(action.deliver.upperBound <= payload.count, "delivered range outside the payload")
            if !action.deliver.isEmpty { feed(Array(payload[action.deliver]), into: &framer) }
        }
        precondition(stream.bufferedByteCount <= limits.maxBufferedBytesPerDirection, "buffer over its limit")
        if action.hasBufferedData { drain(&stream, into: &framer) }
    }
    _ = stream.finish()
    drain(&stream, into: &framer)
    _ = framer.finish()
}

func drain(_ stream: inout StreamReassembler, into framer: inout Modbus.Framer) {
    while let chunk = stream.popBuffered() {
        switch chunk {
        case .gap(let length): if length > 0 { framer.gap(length: length) }
        case .bytes(let bytes, _, _): feed(bytes, into: &framer)
        }
    }
}

func feed(_ chunk: [UInt8], into framer: inout Modbus.Framer) {
    var offset = 0
    var steps = 0
    while true {
        let event = framer.next(in: chunk.span, offset: &offset)
        steps += 1
        precondition(steps <= chunk.count + 2, "framer did not make progress")
        switch event {
        case .needMoreData, .notModbus: return
        case .bufferedADU:
            precondition(framer.bufferedADU.count <= Modbus.Limits.maximumADUSize, "split ADU over 260 bytes")
            framer.releaseBufferedADU()
        default: continue
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    unsafe withFuzzInput(data, size, fuzzOne)
}

unsafe runFuzzTarget(name: "fuzz-reassembly", entryPoint: fuzzTestOneInput, body: fuzzOne)

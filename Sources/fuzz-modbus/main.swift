// SPDX-License-Identifier: Apache-2.0
// libFuzzer entry point for the Modbus/TCP framer and PDU parser (STYLE.md §9.10).
//
//   Fuzz:   swift build --product fuzz-modbus -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
//           .build/debug/fuzz-modbus Tests/FuzzCorpus/fuzz-modbus -dict=Tests/FuzzCorpus/modbus.dict
//   Replay: swift build --product fuzz-modbus && .build/debug/fuzz-modbus FILE...   (what CI runs)
import FuzzSupport
import ModbusTCP

/// The first input byte picks the direction and how the rest is cut into chunks, so the fuzzer explores split
/// points too. Invariants: nothing traps; every ADU range lies inside its chunk; a split ADU never exceeds 260
/// bytes; every parsed range lies inside its ADU; the framer always makes progress.
func fuzzOne(_ input: [UInt8]) {
    guard let control = input.first else { return }
    let body = Array(input.dropFirst())
    let carriesRequests = control & 1 == 0
    let chunkSize = Int(control >> 1) % 64 + 1
    var framer = Modbus.Framer(carriesRequests: carriesRequests, atStreamStart: control & 0x80 == 0)
    var start = 0
    var round = 0
    while start < body.count {
        let end = min(start + chunkSize, body.count)
        let chunk = Array(body[start..<end])
        if round % 7 == 6 { framer.gap(length: 3) }
        var offset = 0
        var steps = 0
        while true {
            let before = offset
            let event = framer.next(in: chunk.span, offset: &offset)
            steps += 1
            precondition(offset >= before && offset <= chunk.count, "framer moved backwards or past the chunk")
            precondition(steps <= chunk.count + 2, "framer did not make progress")
            switch event {
            case .needMoreData, .notModbus:
                break
            case .adu(let range, _):
                precondition(range.lowerBound >= 0 && range.upperBound <= chunk.count, "ADU outside its chunk")
                check(Array(chunk[range]), isRequest: carriesRequests)
                continue
            case .bufferedADU:
                let adu = framer.bufferedADU
                precondition(adu.count <= Modbus.Limits.maximumADUSize, "split ADU over 260 bytes")
                check(adu, isRequest: carriesRequests)
                framer.releaseBufferedADU()
                continue
            case .invalidHeader, .skipped:
                continue
            }
            break
        }
        start = end
        round += 1
    }
    _ = framer.finish()
}

func check(_ adu: [UInt8], isRequest: Bool) {
    guard let message = try? Modbus.Message(parsing: adu.span, isRequest: isRequest) else {
        precondition(adu.count < 8, "an ADU of 8 bytes or more must parse")
        return
    }
    precondition(message.pdu.upperBound <= adu.count && message.data.upperBound <= adu.count, "PDU range outside ADU")
    switch message.fields {
    case .readResponse(_, let range), .writeMultipleRequest(_, _, _, let range), .diagnostic(_, let range),
        .commEventLog(_, _, _, _, let range), .reportServerID(_, let range), .fileRecord(_, let range),
        .fifoResponse(_, _, let range), .mei(_, let range), .raw(let range),
        .readWriteRequest(_, _, _, _, _, let range), .readDeviceIdentificationResponse(_, _, _, _, _, let range):
        precondition(range.lowerBound >= 8 && range.upperBound <= adu.count, "field range outside ADU")
    default:
        break
    }
    _ = message.anomalies
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    unsafe withFuzzInput(data, size, fuzzOne)
}

unsafe runFuzzTarget(name: "fuzz-modbus", entryPoint: fuzzTestOneInput, body: fuzzOne)

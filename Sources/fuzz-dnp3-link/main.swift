// SPDX-License-Identifier: Apache-2.0
// libFuzzer entry point for the DNP3 link frame parser (STYLE.md §9.10).
//
//   Fuzz:   swift build --product fuzz-dnp3-link -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
//           .build/debug/fuzz-dnp3-link Tests/FuzzCorpus/fuzz-dnp3-link -dict=Tests/FuzzCorpus/dnp3.dict
//   Replay: swift build --product fuzz-dnp3-link && .build/debug/fuzz-dnp3-link FILE...   (what CI runs)
import DNP3
import FuzzSupport

/// The first input byte picks how the rest is cut into chunks (and where gaps fall), so the fuzzer explores split
/// points too. Invariants: nothing traps; the parser always makes progress; every frame lies inside its chunk, is
/// exactly its header's size and has a valid header CRC and LENGTH >= 5; no two frames overlap; a buffered frame
/// never exceeds 292 octets.
func fuzzOne(_ input: [UInt8]) {
    guard let control = input.first else { return }
    let body = Array(input.dropFirst())
    let chunkSize = Int(control & 0x7F) % 96 + 1
    var parser = DNP3.Link.FrameParser()
    var start = 0
    var round = 0
    while start < body.count {
        let end = min(start + chunkSize, body.count)
        let chunk = Array(body[start..<end])
        if control & 0x80 != 0 && round % 5 == 4 { parser.gap() }
        var offset = 0
        var steps = 0
        var lastFrameEnd = 0
        loop: while true {
            let before = offset
            let event = parser.next(in: chunk.span, offset: &offset)
            steps += 1
            precondition(offset >= before && offset <= chunk.count, "parser moved backwards or past the chunk")
            precondition(steps <= 2 * chunk.count + 4, "parser did not make progress")
            switch event {
            case .needMoreData:
                break loop
            case .frame(let frameStart, let header):
                precondition(header.crcValid && Int(header.length) >= 5, "a frame with a bad header")
                precondition(frameStart >= lastFrameEnd, "frames overlap")
                precondition(frameStart + header.frameSize == offset, "frame size disagrees with the offset")
                lastFrameEnd = offset
                let userData = DNP3.Link.UserData(frameStart: frameStart, count: header.userDataLength)
                _ = userData.firstBadBlock(in: chunk.span)
                if userData.count > 0 {
                    precondition(userData.offset(of: userData.count - 1) < chunk.count, "user data past the frame")
                }
            case .bufferedFrame(let header):
                let frame = parser.bufferedFrame
                precondition(frame.count == header.frameSize && frame.count <= 292, "buffered frame size")
                let userData = DNP3.Link.UserData(frameStart: 0, count: header.userDataLength)
                _ = userData.firstBadBlock(in: frame.span)
                parser.releaseBufferedFrame()
                lastFrameEnd = offset
            case .badHeaderCRC, .lengthTooSmall, .skipped:
                continue
            }
        }
        start = end
        round += 1
    }
    _ = parser.finish()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    unsafe withFuzzInput(data, size, fuzzOne)
}

unsafe runFuzzTarget(name: "fuzz-dnp3-link", entryPoint: fuzzTestOneInput, body: fuzzOne)

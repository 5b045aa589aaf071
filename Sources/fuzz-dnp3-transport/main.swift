// SPDX-License-Identifier: Apache-2.0
// libFuzzer entry point for the DNP3 transport assembler (STYLE.md §9.10).
//
//   Fuzz:   swift build --product fuzz-dnp3-transport -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
//           .build/debug/fuzz-dnp3-transport Tests/FuzzCorpus/fuzz-dnp3-transport
//   Replay: swift build --product fuzz-dnp3-transport && .build/debug/fuzz-dnp3-transport FILE...
import DNP3
import FuzzSupport

/// The input is a list of segments: a length octet (1...250, user-data octets) then that many octets, the first
/// being the transport header. Each segment is wrapped in a real link frame (CRCs computed) and read in place.
/// Invariants: nothing traps; an assembled fragment never exceeds the limit and is exactly the concatenation of
/// the segments since the FIR, repeats left out; a single-segment fragment is reported in place with an empty buffer.
func fuzzOne(_ input: [UInt8]) {
    var limits = DNP3.Transport.Limits()
    limits.maxFragmentSize = 600  // small, so that the limit is reached often
    var assembler = DNP3.Transport.Assembler(limits: limits)
    var position = 0
    var expected: [UInt8] = []
    while position < input.count {
        let length = max(Int(input[position]) % 251, 1)
        position += 1
        let segment = Array(input[position..<min(position + length, input.count)])
        position += length
        guard !segment.isEmpty else { break }
        let frame = dnp3LinkFrame(userData: segment)
        let userData = DNP3.Link.UserData(frameStart: 0, count: segment.count)
        let header = DNP3.Transport.Header(rawValue: segment[0])
        let result = assembler.segment(userData, in: frame.span)
        if result.anomaly == .duplicateSegment { continue }  // a repeat is ignored, not appended
        if header.fir { expected = [] }
        expected += segment.dropFirst()
        switch result.fragment {
        case .inFrame:
            precondition(header.fir && header.fin, "an in-place fragment must be FIR and FIN")
            precondition(assembler.fragment.isEmpty, "an in-place fragment was copied")
            expected = []
        case .assembled:
            precondition(header.fin && !header.fir, "assembled without a final segment")
            precondition(assembler.fragment.count <= limits.maxFragmentSize, "fragment over the limit")
            precondition(assembler.fragment == expected, "fragment differs from its segments")
            expected = []
        case nil:
            // A FIR that discards the fragment under way starts the next one with its own octets.
            if result.anomaly != nil && result.anomaly != .incompleteFragmentDiscarded { expected = [] }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    unsafe withFuzzInput(data, size, fuzzOne)
}

unsafe runFuzzTarget(name: "fuzz-dnp3-transport", entryPoint: fuzzTestOneInput, body: fuzzOne)

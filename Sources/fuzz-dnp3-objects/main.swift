// SPDX-License-Identifier: Apache-2.0
// libFuzzer entry point for the DNP3 application header, object parser and point decoders (STYLE.md §9.10).
//
//   Fuzz:   swift build --product fuzz-dnp3-objects -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
//           .build/debug/fuzz-dnp3-objects Tests/FuzzCorpus/fuzz-dnp3-objects -dict=Tests/FuzzCorpus/dnp3.dict
//   Replay: swift build --product fuzz-dnp3-objects && .build/debug/fuzz-dnp3-objects FILE...
import DNP3
import FuzzSupport

/// The input is one application fragment (control, function code, [IIN], object headers and objects). It is read
/// contiguously and, when it fits in one link frame, also in place through the frame's CRC blocks.
/// Invariants: nothing traps; every block's data and every point's octets lie inside the fragment; the parser's
/// work is bounded by the octets (headers at most length / 3); both views give the same blocks and the same
/// fields.
func fuzzOne(_ input: [UInt8]) {
    let contiguous = parse(input, in: input, view: .contiguous(count: input.count))
    if input.count <= 249 {
        let frame = dnp3LinkFrame(userData: [0xC0] + input)
        let inFrame = parse(input, in: frame, view: .inFrame(DNP3.Link.UserData(frameStart: 0, count: input.count + 1)))
        precondition(inFrame == contiguous, "in-place and contiguous views disagree")
    }
}

/// Parses the fragment and returns a transcript of what was found, for comparing views.
func parse(_ fragment: [UInt8], in bytes: [UInt8], view: DNP3.FragmentView) -> [String] {
    var transcript: [String] = []
    guard let header = try? DNP3.Application.Header(parsing: bytes.span, view: view) else { return ["short"] }
    var parser = DNP3.Application.ObjectParser(header: header)
    var blocks = 0
    while let block = parser.next(in: bytes.span, view: view) {
        blocks += 1
        precondition(blocks <= fragment.count / 3 + 1, "more headers than octets allow")
        precondition(block.data.lowerBound >= 0 && block.data.upperBound <= fragment.count, "block outside fragment")
        transcript.append("g\(block.header.group)v\(block.header.variation) \(block.data) \(block.pointCount)")
        var cursor = DNP3.Application.PointCursor(block)
        var points = 0
        while let point = cursor.next(in: bytes.span, view: view) {
            points += 1
            precondition(points <= block.pointCount, "more points than declared")
            precondition(point.object.upperBound <= block.data.upperBound, "point outside its block")
            var fields = Transcript()
            _ = DNP3.Objects.decodePoint(
                group: block.header.group,
                variation: block.header.variation,
                object: point.object,
                of: view,
                in: bytes.span,
                into: &fields
            )
            for range in fields.ranges {
                precondition(
                    range.lowerBound >= point.object.lowerBound && range.upperBound <= point.object.upperBound,
                    "a field outside its object"
                )
            }
            transcript.append(fields.text)
        }
    }
    transcript.append("\(parser.anomalies.rawValue) \(String(describing: parser.error))")
    return transcript
}

/// Records decoded fields as text, and the octet ranges of string fields.
struct Transcript: DNP3.Objects.PointFieldVisitor {
    var text = ""
    var ranges: [Range<Int>] = []
    mutating func field(_ name: StaticString, _ value: UInt64) { text += "\(name)=\(value) " }
    mutating func field(_ name: StaticString, signed value: Int64) { text += "\(name)=\(value) " }
    mutating func field(_ name: StaticString, float value: Double) { text += "\(name)=\(value.bitPattern) " }
    mutating func field(
        _ name: StaticString,
        string range: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>
    ) {
        ranges.append(range)
        for index in range { text += "\(view.byte(index, in: bytes))," }
    }
    mutating func field(
        _ name: StaticString,
        base64 range: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>
    ) {
        ranges.append(range)
        for index in range { text += "\(view.byte(index, in: bytes))," }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    unsafe withFuzzInput(data, size, fuzzOne)
}

unsafe runFuzzTarget(name: "fuzz-dnp3-objects", entryPoint: fuzzTestOneInput, body: fuzzOne)

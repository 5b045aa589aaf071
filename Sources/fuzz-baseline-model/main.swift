// SPDX-License-Identifier: Apache-2.0
// libFuzzer entry point for baseline model files (STYLE.md §9.10): the JSON reader and the model reader.
//
//   Fuzz:   swift build --product fuzz-baseline-model -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
//           .build/debug/fuzz-baseline-model Tests/FuzzCorpus/fuzz-baseline-model
//   Replay: swift build --product fuzz-baseline-model && .build/debug/fuzz-baseline-model FILE...   (what CI runs)
import Baseline
import FuzzSupport

/// The input is model-file text (invalid UTF-8 is repaired, as reading a file would). Invariants: nothing traps;
/// a syntax error is placed on a line of the input; JSON that parses prints to text that parses to the same
/// value; a model that reads writes a file that reads back to the same text.
func fuzzOne(_ input: [UInt8]) {
    let text = String(decoding: input, as: UTF8.self)
    let value: JSONValue
    do {
        value = try JSONValue(parsing: text)
    } catch {
        // Lines are counted in octets, as the parser counts them ("\r\n" is one Character but one line break).
        let lines = text.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        precondition(error.line >= 1 && error.line <= lines, "a syntax error placed outside the input")
        return
    }
    let printed = value.formatted()
    precondition((try? JSONValue(parsing: printed)) == value, "printed JSON does not read back to the same value")
    guard let model = try? Baseline.Model.read(document: value) else { return }
    let file = model.fileText()
    let reread: Baseline.Model
    do {
        reread = try Baseline.Model.read(text: file)
    } catch {
        preconditionFailure("a model's own file does not read back: \(error)")
    }
    precondition(reread.fileText() == file, "a model's file changes when read and written again")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    unsafe withFuzzInput(data, size, fuzzOne)
}

unsafe runFuzzTarget(name: "fuzz-baseline-model", entryPoint: fuzzTestOneInput, body: fuzzOne)

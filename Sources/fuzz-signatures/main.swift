// SPDX-License-Identifier: Apache-2.0
// libFuzzer entry point for the rule parser (STYLE.md §9.10).
//
//   Fuzz:   swift build --product fuzz-signatures -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
//           .build/debug/fuzz-signatures Tests/FuzzCorpus/fuzz-signatures
//   Replay: swift build --product fuzz-signatures && .build/debug/fuzz-signatures FILE...   (what CI runs)
import Detection
import FuzzSupport

/// The input is rule-file text (invalid UTF-8 is repaired, as reading a file would). Invariants: nothing traps;
/// every rule and every error is placed on a line of the input; every accepted rule has a sid; a file of N
/// lines gives at most N rules and errors together.
func fuzzOne(_ input: [UInt8]) {
    let text = String(decoding: input, as: UTF8.self)
    let result = Detection.parseRules(text, file: "fuzz.rules")
    // Lines end at LF, CRLF or CR, as the parser counts them.
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
    precondition(result.rules.count + result.errors.count <= lines, "more rules and errors than lines")
    for rule in result.rules {
        precondition(rule.sid > 0, "a rule without a sid was accepted")
        precondition(rule.location.line >= 1 && rule.location.line <= lines, "a rule placed outside the input")
    }
    for error in result.errors {
        precondition(error.location.line >= 1 && error.location.line <= lines, "an error placed outside the input")
        precondition(!error.message.isEmpty, "an error without a message")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    unsafe withFuzzInput(data, size, fuzzOne)
}

unsafe runFuzzTarget(name: "fuzz-signatures", entryPoint: fuzzTestOneInput, body: fuzzOne)

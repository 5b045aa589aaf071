// SPDX-License-Identifier: Apache-2.0
// The part every libFuzzer target shares (STYLE.md §9.10): under FUZZING, hand control to libFuzzer's driver;
// in a plain build, replay every file named on the command line through the same function (what CI runs).
import Foundation

/// The entry point libFuzzer calls with each input.
public typealias FuzzEntryPoint = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

#if FUZZING
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: FuzzEntryPoint
    ) -> Int32
#endif

/// Runs the fuzz target: libFuzzer's loop when built with `-DFUZZING`, otherwise a replay of the files named on
/// the command line through `body`, then a one-line count. Never returns.
public func runFuzzTarget(name: String, entryPoint: FuzzEntryPoint, body: ([UInt8]) -> Void) -> Never {
    #if FUZZING
        var argc = CommandLine.argc
        var argv = unsafe Optional(CommandLine.unsafeArgv)
        exit(unsafe LLVMFuzzerRunDriver(&argc, &argv, entryPoint))
    #else
        var replayed = 0
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("\(name): cannot read \(path)\n".utf8))
                exit(1)
            }
            body([UInt8](data))
            replayed += 1
        }
        print("\(name): replayed \(replayed) inputs")
        exit(0)
    #endif
}

/// Copies libFuzzer's input into an array for `body`.
public func withFuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int, _ body: ([UInt8]) -> Void) -> Int32 {
    guard let data = unsafe data, size > 0 else { return 0 }
    body(unsafe Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

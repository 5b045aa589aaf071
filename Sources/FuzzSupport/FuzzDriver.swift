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

/// A DNP3 link frame (primary, unconfirmed user data, 10 -> 1) around `userData`, with the header CRC and a CRC
/// after every 16 octets (IEEE 1815-2012 §9.2.4), for targets that feed frames to the parsers behind the link.
public func dnp3LinkFrame(userData: [UInt8]) -> [UInt8] {
    func crc(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA6BC : crc >> 1 }
        }
        crc = ~crc
        return [UInt8(crc & 0xFF), UInt8(crc >> 8)]
    }
    var frame: [UInt8] = [0x05, 0x64, UInt8(truncatingIfNeeded: 5 + userData.count), 0x44, 0x01, 0x00, 0x0A, 0x00]
    frame += crc(frame[...])
    var block = 0
    while block * 16 < userData.count {
        let slice = userData[(block * 16)..<min(block * 16 + 16, userData.count)]
        frame += slice
        frame += crc(slice)
        block += 1
    }
    return frame
}

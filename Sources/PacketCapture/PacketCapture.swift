// SPDX-License-Identifier: Apache-2.0
internal import CPcap
public import WireFormat

/// An error from libpcap: which call failed and libpcap's own message.
public struct PcapError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operation that failed, e.g. "open", "filter", "read".
    public var operation: String
    /// libpcap's error text (`errbuf` or `pcap_geterr`).
    public var message: String

    public init(operation: String, message: String) {
        self.operation = operation
        self.message = message
    }

    public var description: String { message }
}

/// How reading a capture file ended.
public enum CaptureEnd: Equatable, Sendable {
    /// The file ended cleanly.
    case endOfFile
    /// The file ended inside a packet record (a capture cut off while being written or copied); libpcap's message.
    case truncated(String)
}

/// Statistics of a read: packets handed to the caller and those the snapshot length cut short.
public struct CaptureReadStatistics: Sendable, Equatable {
    /// Packets read (after the BPF filter).
    public var packets = 0
    /// Bytes of captured frame data read.
    public var capturedBytes = 0
    /// Packets whose captured length is below their original length (cut at the snapshot length).
    public var truncatedBySnapshotLength = 0
    /// Packets whose time lies outside 1970-9999 (``CaptureTimestamp/validSeconds``): clamped to the nearest end.
    public var timestampsOutOfRange = 0
    public init() {}
}

/// A capture file (pcap or pcapng, or standard input) read through libpcap.
///
/// Frames are handed to a closure as a borrowed `Span<UInt8>` valid only during the call: libpcap reuses its
/// buffer on the next read (STYLE.md §3). This is the only module that touches C pointers.
@safe
public final class OfflineCapture {
    private let handle: OpaquePointer
    /// The path given (`-` for standard input).
    public let path: String

    /// Opens `path` (`-` reads standard input).
    ///
    /// - Throws: ``PcapError`` with libpcap's message when the file is missing or not a capture. The
    ///   corresponding C function is `pcap_open_offline`.
    public init(path: String) throws(PcapError) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        let opened = unsafe errorBuffer.withUnsafeMutableBufferPointer { buffer in
            unsafe pcap_open_offline(path, buffer.baseAddress)
        }
        guard let opened = unsafe opened else {
            let text = errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            throw PcapError(operation: "open", message: String(decoding: text, as: UTF8.self))
        }
        unsafe self.handle = opened
        self.path = path
    }

    deinit {
        unsafe pcap_close(handle)
    }

    /// The link-layer header type (a DLT_ value). The corresponding C function is `pcap_datalink`.
    public var linkType: Int { Int(unsafe pcap_datalink(handle)) }

    /// The file's snapshot length. The corresponding C function is `pcap_snapshot`.
    public var snapshotLength: Int { Int(unsafe pcap_snapshot(handle)) }

    /// The longest filter expression accepted, in characters. libpcap's compiler grows much faster than the
    /// expression (measured here: 200 `or` terms, 2,300 characters, 1.1 s; 400 terms 8 s; 3,000 terms over 10 min
    /// and 3.5 GB), so a longer one is refused rather than left to run without bound.
    public static let maxFilterLength = 2048
    /// Expressions up to this length are optimised; longer ones compile without libpcap's optimiser, which is the
    /// part that grows fastest (2,300 characters: 0.34 s unoptimised against 1.1 s).
    public static let maxOptimizedFilterLength = 1024

    /// Compiles and installs a BPF filter (pcap-filter(7) syntax).
    ///
    /// - Throws: ``PcapError`` with libpcap's message for an invalid expression, or when the expression is longer
    ///   than ``maxFilterLength``. The corresponding C functions are `pcap_compile` and `pcap_setfilter`.
    public func setFilter(_ expression: String) throws(PcapError) {
        guard expression.count <= Self.maxFilterLength else {
            throw PcapError(
                operation: "filter",
                message:
                    "the expression has \(expression.count) characters; at most \(Self.maxFilterLength) are accepted"
            )
        }
        var program = unsafe bpf_program()
        let optimize: Int32 = expression.count <= Self.maxOptimizedFilterLength ? 1 : 0
        let compiled = unsafe pcap_compile(handle, &program, expression, optimize, PCAP_NETMASK_UNKNOWN)
        guard compiled == 0 else {
            throw PcapError(operation: "filter", message: lastError)
        }
        defer { unsafe pcap_freecode(&program) }
        guard unsafe pcap_setfilter(handle, &program) == 0 else {
            throw PcapError(operation: "filter", message: lastError)
        }
    }

    private var lastError: String {
        guard let text = unsafe pcap_geterr(handle) else { return "unknown libpcap error" }
        return unsafe String(cString: text)
    }

    /// Reads every packet, calling `body` with the frame bytes, the capture time and the original length.
    ///
    /// - Returns: how the file ended.
    /// - Throws: ``PcapError`` for a read error that is not a cut-off file. The corresponding C function is
    ///   `pcap_next_ex`.
    public func forEachPacket(
        statistics: inout CaptureReadStatistics,
        _ body: (borrowing Span<UInt8>, CaptureTimestamp, Int) -> Void
    ) throws(PcapError) -> CaptureEnd {
        var header: UnsafeMutablePointer<pcap_pkthdr>? = nil
        var data: UnsafePointer<UInt8>? = nil
        while true {
            let status = unsafe pcap_next_ex(handle, &header, &data)
            switch status {
            case 1:
                guard let header = unsafe header, let data = unsafe data else { continue }
                let captured = Int(unsafe header.pointee.caplen)
                let original = Int(unsafe header.pointee.len)
                let seconds = Int64(unsafe header.pointee.ts.tv_sec)
                if !CaptureTimestamp.validSeconds.contains(seconds) { statistics.timestampsOutOfRange += 1 }
                let timestamp = CaptureTimestamp(
                    seconds: seconds,
                    microseconds: Int32(truncatingIfNeeded: unsafe header.pointee.ts.tv_usec)
                )
                statistics.packets += 1
                statistics.capturedBytes += captured
                if captured < original { statistics.truncatedBySnapshotLength += 1 }
                // The one place a C buffer becomes a Span: valid until the next pcap_next_ex.
                let buffer = unsafe UnsafeBufferPointer(start: data, count: captured)
                let frame = unsafe buffer.span
                body(frame, timestamp, original)
            case 0:
                continue  // live captures only: timeout
            case -2:
                return .endOfFile
            default:
                let message = lastError
                // libpcap says "truncated dump file" (pcap) or "truncated pcapng dump file" when a record is cut.
                if message.contains("truncated") { return .truncated(message) }
                throw PcapError(operation: "read", message: message)
            }
        }
    }
}

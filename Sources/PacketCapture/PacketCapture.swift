// SPDX-License-Identifier: Apache-2.0
internal import CPcap
import Glibc
import Synchronization
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
        let opened = try unsafe openHandle { errorBuffer in unsafe pcap_open_offline(path, errorBuffer) }
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
        try unsafe installFilter(expression, on: handle)
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
                let (captured, original, seconds) = unsafe handOver(header, data, body)
                // The header's own seconds: the timestamp handed over is clamped into the valid range.
                if !CaptureTimestamp.validSeconds.contains(seconds) { statistics.timestampsOutOfRange += 1 }
                statistics.packets += 1
                statistics.capturedBytes += captured
                if captured < original { statistics.truncatedBySnapshotLength += 1 }
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

// MARK: - Live capture

/// Counters libpcap keeps for a live handle (`pcap_stats`): packets the kernel received for it, dropped because
/// the buffer was full, and dropped by the interface or its driver.
public struct LiveCaptureCounters: Sendable, Equatable {
    public var received: UInt64
    public var dropped: UInt64
    public var interfaceDropped: UInt64
}

/// A live capture on one network interface through libpcap.
///
/// Frames are handed to a closure as a borrowed `Span<UInt8>`, as ``OfflineCapture`` does. The handle is used by
/// one thread (its capture loop); ``stop()`` and ``counters()`` may be called from others.
@safe
public final class LiveCapture: @unchecked Sendable {
    /// How the handle is set up before it is activated.
    public struct Options: Sendable, Equatable {
        /// Bytes kept of each frame: 9,216 holds a jumbo frame. With receive offloads (GRO, LRO) on the capture
        /// interface the kernel may merge segments into larger frames, which are cut here; turn them off on a
        /// sensor port (`ethtool -K IF gro off lro off`), as Suricata's documentation says.
        public var snapshotLength = 9216
        /// Promiscuous mode: a sensor on a SPAN or TAP port sees frames addressed to other hosts.
        public var promiscuous = true
        /// The kernel buffer in bytes. 32 MiB holds about 20,000 OT frames (a second of a saturated 100 Mbit/s
        /// link), covering a pause of the capture thread without drops.
        public var bufferSize = 32 << 20
        /// Immediate mode: each packet is handed over at once. Off by default: libpcap then uses the kernel's
        /// TPACKET_V3 ring, which packs frames densely and hands them over in blocks (at most
        /// ``timeoutMilliseconds`` late), while immediate mode uses fixed slots of the snapshot length each, so
        /// the same buffer holds far fewer frames. A passive sensor loses nothing by the delay: times are the
        /// kernel's capture times.
        public var immediate = false
        /// How long the loop waits for packets before it calls its idle closure (and a TPACKET_V3 block's
        /// timeout), in milliseconds.
        public var timeoutMilliseconds = 100
        public init() {}
    }

    private let handle: OpaquePointer
    /// The interface's name.
    public let interface: String
    /// How long the loop waits for a packet before it calls its idle closure.
    private let timeoutMilliseconds: Int
    /// Written by ``stop()`` from another thread and read by the capture loop between packets.
    private let stopRequested = StopFlag()
    /// The counters read when the loop ended.
    private let stopLock = Mutex<LiveCaptureCounters?>(nil)

    /// Opens and activates a capture on `interface`.
    ///
    /// - Throws: ``PcapError`` with libpcap's message when the interface does not exist, is down, or the process
    ///   lacks the permission (root or `CAP_NET_RAW`). The corresponding C functions are `pcap_create`,
    ///   `pcap_set_snaplen`, `pcap_set_promisc`, `pcap_set_buffer_size`, `pcap_set_immediate_mode`,
    ///   `pcap_set_timeout` and `pcap_activate`.
    public init(interface: String, options: Options = Options()) throws(PcapError) {
        let created = try unsafe openHandle { errorBuffer in unsafe pcap_create(interface, errorBuffer) }
        _ = unsafe pcap_set_snaplen(created, Int32(clamping: options.snapshotLength))
        _ = unsafe pcap_set_promisc(created, options.promiscuous ? 1 : 0)
        _ = unsafe pcap_set_buffer_size(created, Int32(clamping: options.bufferSize))
        _ = unsafe pcap_set_immediate_mode(created, options.immediate ? 1 : 0)
        _ = unsafe pcap_set_timeout(created, Int32(clamping: options.timeoutMilliseconds))
        let status = unsafe pcap_activate(created)
        if status < 0 {
            // PCAP_ERROR (-1) carries its text in pcap_geterr; the others are described by pcap_statustostr, and
            // may carry more detail in pcap_geterr (which sometimes repeats the description).
            let description = unsafe String(cString: pcap_statustostr(status))
            var message = description
            if let detail = unsafe pcap_geterr(created), unsafe detail.pointee != 0 {
                let text = unsafe String(cString: detail)
                message = status == PCAP_ERROR || text.contains(description) ? text : "\(description): \(text)"
            }
            unsafe pcap_close(created)
            throw PcapError(operation: "open", message: message)
        }
        unsafe self.handle = created
        self.interface = interface
        self.timeoutMilliseconds = options.timeoutMilliseconds
    }

    deinit {
        unsafe pcap_close(handle)
    }

    /// The link-layer header type (a DLT_ value). The corresponding C function is `pcap_datalink`.
    public var linkType: Int { Int(unsafe pcap_datalink(handle)) }

    /// Compiles and installs a BPF filter (pcap-filter(7) syntax), with the limits of ``OfflineCapture``.
    ///
    /// - Throws: ``PcapError`` for an invalid or over-long expression. The corresponding C functions are
    ///   `pcap_compile` and `pcap_setfilter`.
    public func setFilter(_ expression: String) throws(PcapError) {
        try unsafe installFilter(expression, on: handle)
    }

    /// libpcap's counters for the handle, or nil when it cannot give them. The corresponding C function is
    /// `pcap_stats`.
    public func counters() -> LiveCaptureCounters? {
        var statistics = pcap_stat()
        guard unsafe pcap_stats(handle, &statistics) == 0 else { return nil }
        return LiveCaptureCounters(
            received: UInt64(statistics.ps_recv),
            dropped: UInt64(statistics.ps_drop),
            interfaceDropped: UInt64(statistics.ps_ifdrop)
        )
    }

    /// Asks the capture loop to return. It first reads what the kernel already holds for it (the ring's blocks,
    /// which the kernel hands over at most ``Options/timeoutMilliseconds`` late), so that a stop loses no packet
    /// that arrived before it; it returns once a read finds nothing after that time, or after one second of a
    /// link that keeps sending.
    public func stop() {
        stopRequested.set()
    }

    /// The counters when the loop ended (read once it had drained the ring), or the live ones while it runs.
    public func finalCounters() -> LiveCaptureCounters? {
        stopLock.withLock { $0 } ?? counters()
    }

    /// Reads packets until ``stop()`` is called, calling `body` for each frame with its capture time and original
    /// length, and `idle` after each read that timed out or brought packets.
    ///
    /// - Throws: ``PcapError`` when reading fails (the interface went away). The corresponding C function is
    ///   `pcap_next_ex`.
    public func run(
        idle: () -> Void,
        _ body: (borrowing Span<UInt8>, CaptureTimestamp, Int) -> Void
    ) throws(PcapError) {
        // Non-blocking reads, and poll(2) on the handle's descriptor to wait: in immediate mode libpcap's own read
        // waits without a timeout, and a quiet segment must still let time pass (windows close, flows expire).
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        let nonblocking = unsafe errorBuffer.withUnsafeMutableBufferPointer { buffer in
            unsafe pcap_setnonblock(handle, 1, buffer.baseAddress)
        }
        guard nonblocking == 0 else { throw PcapError(operation: "read", message: lastError) }
        let descriptor = unsafe pcap_get_selectable_fd(handle)
        var header: UnsafeMutablePointer<pcap_pkthdr>? = nil
        var data: UnsafePointer<UInt8>? = nil
        var sinceIdle = 0
        // Once a stop is asked for: when, and when the drain must end at the latest.
        var drainStart: Int64?
        defer { stopLock.withLock { $0 = counters() } }
        while true {
            if drainStart == nil, stopRequested.isSet { drainStart = Self.monotonicMilliseconds() }
            if let drainStart, Self.monotonicMilliseconds() - drainStart >= 1000 { return }
            let status = unsafe pcap_next_ex(handle, &header, &data)
            switch status {
            case 1:
                guard let header = unsafe header, let data = unsafe data else { continue }
                _ = unsafe handOver(header, data, body)
                // A busy link never waits: let the caller see time pass every 1,024 packets too.
                sinceIdle += 1
                if sinceIdle >= 1024 {
                    sinceIdle = 0
                    idle()
                }
            case 0:
                sinceIdle = 0
                idle()
                // Draining: done once the kernel has had the time to hand over its last block.
                if let drainStart, Self.monotonicMilliseconds() - drainStart > 2 * Int64(timeoutMilliseconds) {
                    return
                }
                var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                _ = unsafe poll(&waiting, 1, Int32(clamping: drainStart == nil ? timeoutMilliseconds : 20))
            case -2:
                return  // pcap_breakloop
            default:
                throw PcapError(operation: "read", message: lastError)
            }
        }
    }

    private static func monotonicMilliseconds() -> Int64 {
        var time = timespec()
        unsafe clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    private var lastError: String {
        guard let text = unsafe pcap_geterr(handle) else { return "unknown libpcap error" }
        return unsafe String(cString: text)
    }
}

/// A flag set once from any thread.
private final class StopFlag: @unchecked Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}

/// Hands one packet `pcap_next_ex` returned to `body`: its frame as a Span, its capture time and original length.
/// The one place a C buffer becomes a Span, valid until the next `pcap_next_ex` (shared by the offline and live
/// handles).
///
/// - Returns: the captured and original lengths and the header's seconds (before clamping), for the caller's
///   counters.
private func handOver(
    _ header: UnsafeMutablePointer<pcap_pkthdr>,
    _ data: UnsafePointer<UInt8>,
    _ body: (borrowing Span<UInt8>, CaptureTimestamp, Int) -> Void
) -> (captured: Int, original: Int, seconds: Int64) {
    let captured = Int(unsafe header.pointee.caplen)
    let original = Int(unsafe header.pointee.len)
    let seconds = Int64(unsafe header.pointee.ts.tv_sec)
    let timestamp = CaptureTimestamp(
        seconds: seconds,
        microseconds: Int32(truncatingIfNeeded: unsafe header.pointee.ts.tv_usec)
    )
    let buffer = unsafe UnsafeBufferPointer(start: data, count: captured)
    let frame = unsafe buffer.span
    body(frame, timestamp, original)
    return (captured, original, seconds)
}

/// Calls a libpcap open function with an error buffer; its message becomes the ``PcapError``.
private func openHandle(
    _ open: (UnsafeMutablePointer<CChar>?) -> OpaquePointer?
) throws(PcapError) -> OpaquePointer {
    var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
    let opened = unsafe errorBuffer.withUnsafeMutableBufferPointer { buffer in unsafe open(buffer.baseAddress) }
    guard let opened = unsafe opened else {
        let text = errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        throw PcapError(operation: "open", message: String(decoding: text, as: UTF8.self))
    }
    return unsafe opened
}

/// Compiles `expression` and installs it on `handle` (shared by the offline and live handles).
private func installFilter(_ expression: String, on handle: OpaquePointer) throws(PcapError) {
    guard expression.count <= OfflineCapture.maxFilterLength else {
        throw PcapError(
            operation: "filter",
            message:
                "the expression has \(expression.count) characters; at most \(OfflineCapture.maxFilterLength) are accepted"
        )
    }
    var program = unsafe bpf_program()
    let optimize: Int32 = expression.count <= OfflineCapture.maxOptimizedFilterLength ? 1 : 0
    let compiled = unsafe pcap_compile(handle, &program, expression, optimize, PCAP_NETMASK_UNKNOWN)
    func message() -> String {
        guard let text = unsafe pcap_geterr(handle) else { return "unknown libpcap error" }
        return unsafe String(cString: text)
    }
    guard compiled == 0 else {
        throw PcapError(operation: "filter", message: message())
    }
    defer { unsafe pcap_freecode(&program) }
    guard unsafe pcap_setfilter(handle, &program) == 0 else {
        throw PcapError(operation: "filter", message: message())
    }
}

extension OfflineCapture {
    /// Why a filter expression does not compile for Ethernet frames, or nil when it does (for `config check`).
    /// The corresponding C functions are `pcap_open_dead` and `pcap_compile`.
    public static func filterProblem(_ expression: String) -> String? {
        guard expression.count <= maxFilterLength else {
            return "the expression has \(expression.count) characters; at most \(maxFilterLength) are accepted"
        }
        guard let handle = unsafe pcap_open_dead(DLT_EN10MB, 262_144) else { return "libpcap cannot compile filters" }
        defer { unsafe pcap_close(handle) }
        var program = unsafe bpf_program()
        let optimize: Int32 = expression.count <= maxOptimizedFilterLength ? 1 : 0
        guard unsafe pcap_compile(handle, &program, expression, optimize, PCAP_NETMASK_UNKNOWN) == 0 else {
            guard let text = unsafe pcap_geterr(handle) else { return "invalid expression" }
            return unsafe String(cString: text)
        }
        unsafe pcap_freecode(&program)
        return nil
    }
}

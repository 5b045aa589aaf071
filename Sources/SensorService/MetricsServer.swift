// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Logging
public import ServiceLifecycle

/// Serves `GET /metrics` (Prometheus text format 0.0.4) on one TCP address, loopback by default.
///
/// A deliberately small HTTP/1.1 responder on its own thread: one request per connection, a request of at most
/// 8 KiB read within 2 seconds, anything but `GET /metrics` answered 404 (405 for other methods). The agent has no
/// HTTP stack of its own yet (the uplink brings swift-nio in the next issue, and this endpoint should then move
/// onto it); Hummingbird would add minutes to every build for one route.
public final class MetricsServer: Service, @unchecked Sendable {
    private let metrics: SensorMetrics
    private let logger: Logger
    private let socket: Int32
    /// The address and port bound (the port is the kernel's choice when 0 was asked for).
    public let address: String
    public let port: UInt16
    private let stopped = NSLock()
    private var isStopped = false
    /// The largest request read.
    static let maxRequestBytes = 8192
    /// Seconds a client has to send its request (and to take the answer).
    private let requestTimeout: Int

    /// Binds `listen` (`127.0.0.1:9108`, `[::1]:9108`).
    ///
    /// - Throws: an error naming the address when it is malformed or cannot be bound.
    public init(listen listenAddress: String, metrics: SensorMetrics, logger: Logger, requestTimeout: Int = 2) throws {
        self.metrics = metrics
        self.logger = logger
        self.requestTimeout = requestTimeout
        let listenText = listenAddress
        guard let (host, port) = Self.parse(listenText) else {
            throw OutputError(path: listenText, reason: "metrics listen is ADDRESS:PORT, e.g. 127.0.0.1:9108")
        }
        let isIPv6 = host.contains(":")
        let descriptor = Foundation.socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw OutputError(path: listenText, reason: String(cString: strerror(errno))) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        // `parse` checked that the host is an address of its family.
        let bound: Int32
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            _ = inet_pton(AF_INET6, host, &address.sin6_addr)
            bound = Self.bind(descriptor, to: &address)
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            _ = inet_pton(AF_INET, host, &address.sin_addr)
            bound = Self.bind(descriptor, to: &address)
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw OutputError(path: listenText, reason: reason)
        }
        var actual = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let actualPort = withUnsafePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        self.socket = descriptor
        self.address = host
        self.port = actualPort
    }

    deinit {
        close(socket)
    }

    /// Binds a socket to an IPv4 or IPv6 address. The corresponding C function is `bind`.
    private static func bind<Address>(_ descriptor: Int32, to address: inout Address) -> Int32 {
        withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.bind(descriptor, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
    }

    /// `127.0.0.1:9108` or `[::1]:9108` as an IP address and a port; nil when it is not that.
    public static func parse(_ listen: String) -> (host: String, port: UInt16)? {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            return nil
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var address4 = in_addr()
        var address6 = in6_addr()
        guard inet_pton(AF_INET, host, &address4) == 1 || inet_pton(AF_INET6, host, &address6) == 1 else { return nil }
        return (host, port)
    }

    public func run() async throws {
        let thread = Thread { [self] in serve() }
        thread.name = "otsensor-metrics"
        thread.start()
        logger.info("metrics on http://\(address.contains(":") ? "[\(address)]" : address):\(port)/metrics")
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !isStoppedNow {
                try? await Task.sleep(for: .milliseconds(200))
            }
        } onGracefulShutdown: { [self] in
            stop()
        }
        stop()
    }

    private var isStoppedNow: Bool {
        stopped.lock()
        defer { stopped.unlock() }
        return isStopped
    }

    private func stop() {
        stopped.lock()
        isStopped = true
        stopped.unlock()
    }

    /// Connections answered at once: a slow or idle client holds one of them for at most 2 s, and the others
    /// go on; past this many, a new connection is closed at once.
    static let maxConnections = 8
    private let connections = NSLock()
    private var openConnections = 0

    private func serve() {
        while !isStoppedNow {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 250) > 0 else { continue }
            let connection = accept(socket, nil, nil)
            guard connection >= 0 else { continue }
            let admitted = connections.withLock { () -> Bool in
                guard openConnections < Self.maxConnections else { return false }
                openConnections += 1
                return true
            }
            guard admitted else {
                close(connection)
                continue
            }
            let thread = Thread { [self] in
                answer(connection)
                close(connection)
                connections.withLock { openConnections -= 1 }
            }
            thread.start()
        }
    }

    private func answer(_ connection: Int32) {
        var timeout = timeval(tv_sec: requestTimeout, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        // The whole request within the timeout, however slowly its bytes come.
        let deadline = Date().addingTimeInterval(TimeInterval(requestTimeout))
        while request.count < Self.maxRequestBytes, Date() < deadline {
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            request += chunk[0..<count]
            if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] { break }
            if let text = String(validating: request, as: UTF8.self), text.contains("\r\n\r\n") { break }
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let status: String
        var body: [UInt8]
        var contentType = "text/plain; charset=utf-8"
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            status = "200 OK"
            body = metrics.exposition()
            contentType = "text/plain; version=0.0.4; charset=utf-8"
        } else if parts.count >= 2, parts[0] != "GET" {
            status = "405 Method Not Allowed"
            body = Array("only GET /metrics\n".utf8)
        } else {
            status = "404 Not Found"
            body = Array("see /metrics\n".utf8)
        }
        let head =
            "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        body = Array(head.utf8) + body
        var offset = 0
        while offset < body.count {
            let sent = body.withUnsafeBytes {
                send(connection, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { return }
            offset += sent
        }
    }
}

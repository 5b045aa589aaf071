// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing
import Uplink

/// One connection on a loopback port, answered with `reply` (then held open for `hold` seconds).
final class OneShotServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32

    init(reply: String, hold: UInt32) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 4) == 0 else { throw CenterClientError("cannot listen") }
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        let listener = fd
        Thread {
            let connection = accept(listener, nil, nil)
            var buffer = [UInt8](repeating: 0, count: 65_536)
            _ = read(connection, &buffer, buffer.count)
            let bytes = Array(reply.utf8)
            _ = write(connection, bytes, bytes.count)
            sleep(hold)
            close(connection)
        }.start()
    }

    deinit { close(listener) }
}

@Suite struct CenterClientTests {
    enum Kind: Equatable { case acknowledged, refused, retry }

    static func kind(_ outcome: UploadOutcome) -> Kind {
        switch outcome {
        case .acknowledged: .acknowledged
        case .refused: .refused
        case .retry: .retry
        }
    }

    /// 2xx acknowledges; 4xx refuses for good, but 408 and 429 (a proxy's timeout, rate limiting) pass; 5xx and a
    /// reply that stalls after its headers are retried, the stall within the request timeout.
    @Test(arguments: [
        ("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}", Kind.acknowledged),
        ("HTTP/1.1 200 OK\r\nContent-Length: 22\r\n\r\n{\"status\":\"duplicate\"}", .acknowledged),
        ("HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\n{}", .refused),
        ("HTTP/1.1 409 Conflict\r\nContent-Length: 2\r\n\r\n{}", .refused),
        ("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n", .retry),
        ("HTTP/1.1 429 Too Many Requests\r\nContent-Length: 0\r\n\r\n", .retry),
        ("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", .retry),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nx", .retry),
    ])
    func statusesMapToTheContract(reply: String, expected: Kind) async throws {
        let server = try OneShotServer(reply: reply, hold: 8)
        var settings = CenterSettings(url: "http://127.0.0.1:\(server.port)")
        settings.requestTimeoutSeconds = 2
        let client = CenterClient(settings: settings, tls: try CenterClient.loadTLS(settings))
        let started = Date()
        let outcome = await client.upload([1, 2, 3])
        await client.shutdown()
        #expect(Self.kind(outcome) == expected, "\(outcome)")
        #expect(Date().timeIntervalSince(started) < 6)
        _ = server
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import SensorEngine
import SensorService
import Testing
import Uplink

/// The live sensor's parts that do not need a network: the rotating EVE file, the upstream hand-off, the
/// metrics and their endpoint, JSON logs and the privilege switch.
@Suite struct RotatingFileOutputTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("otsensor-rotate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// 40 records of 1,000 bytes with files of at most 4,096 bytes and 2 old files kept: four records per file,
    /// the newest twelve records on disk, nothing older, and no file over its size.
    @Test func rotatesBySizeAndKeepsABoundedNumberOfFiles() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("eve.json").path
        let output = try RotatingFileOutput(path: path, maxFileSize: 4096, maxFiles: 2)
        for index in 0..<40 {
            let line = String(format: "%04d", index) + String(repeating: "x", count: 995) + "\n"
            output.write(Array(line.utf8))
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["eve.json", "eve.json.1", "eve.json.2"])
        var kept: [Int] = []
        for name in ["eve.json.2", "eve.json.1", "eve.json"] {
            let text = try String(contentsOfFile: folder.appendingPathComponent(name).path, encoding: .utf8)
            #expect(text.utf8.count <= 4096)
            kept += text.split(separator: "\n").map { Int($0.prefix(4))! }
        }
        #expect(kept == Array(28..<40))
        #expect(output.rotations == 9)
        #expect(output.failedWrites == 0)
    }

    /// A chunk larger than a file is split between lines: no file passes its bound, no line is cut, none lost.
    @Test func aLargeChunkIsSplitBetweenLines() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("eve.json").path
        let output = try RotatingFileOutput(path: path, maxFileSize: 4096, maxFiles: 100)
        var chunk: [UInt8] = []
        for index in 0..<600 {
            chunk += Array((String(format: "%05d", index) + String(repeating: "y", count: 94) + "\n").utf8)
        }
        output.write(chunk)  // 60,000 bytes at once
        var lines: [Int] = []
        for index in stride(from: output.rotations, through: 0, by: -1) {
            let name = index == 0 ? path : "\(path).\(index)"
            let text = try String(contentsOfFile: name, encoding: .utf8)
            #expect(text.utf8.count <= 4096)
            #expect(text.hasSuffix("\n"))
            lines += text.split(separator: "\n").map { Int($0.prefix(5))! }
        }
        #expect(lines == Array(0..<600))
    }

    /// A FIFO in the log's place is refused at once (an open for writing would wait for a reader); /dev/null
    /// throws the records away.
    @Test func aFIFOIsRefusedWithoutWaitingAndDevNullDiscards() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(throws: OutputError.self) { try RotatingFileOutput(path: fifo, maxFileSize: 4096, maxFiles: 1) }
        let null = try RotatingFileOutput(path: "/dev/null", maxFileSize: 4096, maxFiles: 1)
        for _ in 0..<10 { null.write(Array(String(repeating: "z", count: 1000).utf8) + [10]) }
        #expect(null.rotations == 0 && null.failedWrites == 0)
    }

    @Test func appendsToAnExistingFileAndRefusesAFolder() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("eve.json").path
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: path))
        let output = try RotatingFileOutput(path: path, maxFileSize: 1 << 20, maxFiles: 1)
        output.write(Array("new\n".utf8))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\nnew\n")
        #expect(throws: OutputError.self) {
            try RotatingFileOutput(path: folder.path, maxFileSize: 1 << 20, maxFiles: 1)
        }
    }
}

@Suite struct UpstreamQueueTests {
    static func event(_ detail: String) -> UpstreamRecord {
        .asset(
            AssetEvent(
                change: .new,
                asset: AssetRecord(address: .init(ipv4: 0x0A00_0001), firstSeen: .zero, lastSeen: .zero),
                previous: nil,
                timestamp: .zero,
                detail: detail
            )
        )
    }

    static func detail(_ record: UpstreamRecord) -> String {
        if case .asset(let event) = record { return event.detail }
        return ""
    }

    /// Past its capacity the oldest records go, and are counted; the rest come out oldest first.
    @Test func dropsTheOldestPastCapacityAndCountsThem() {
        let queue = UpstreamQueue(capacity: 3)
        for index in 1...5 { queue.push(Self.event("\(index)")) }
        #expect(queue.depth == 3)
        #expect(queue.dropped == 2)
        #expect(queue.pop(upTo: 2).map(Self.detail) == ["3", "4"])
        queue.push(Self.event("6"))
        #expect(queue.pop(upTo: 10).map(Self.detail) == ["5", "6"])
        #expect(queue.depth == 0)
        #expect(queue.dropped == 2)
    }
}

@Suite struct SensorMetricsTests {
    static func snapshot(packets: Int, drops: UInt64, alerts: Int) -> MetricsSnapshot {
        var snapshot = MetricsSnapshot()
        snapshot.packets = packets
        snapshot.flowsActive = 7
        snapshot.modbusTransactions = packets / 2
        snapshot.alerts = ["[1:9000001:1] write from outside": alerts]
        snapshot.anomalies = ["modbus.invalid_length": 1]
        snapshot.health.interfaces = [
            .init(name: "eth1", received: UInt64(packets), dropped: drops, interfaceDropped: 0)
        ]
        snapshot.health.residentBytes = 25_000_000
        return snapshot
    }

    /// The uplink's figures: counters for what was sent, refused, merged and dropped; gauges for the spool.
    @Test func uplinkFiguresBecomeCountersAndGauges() {
        let metrics = SensorMetrics()
        var snapshot = Self.snapshot(packets: 10, drops: 0, alerts: 0)
        var figures = UplinkFigures()
        figures.batchesSent = 3
        figures.bytesSent = 9000
        figures.spoolBatches = 2
        figures.spoolBytes = 4096
        snapshot.uplink = figures
        metrics.update(snapshot)
        figures.batchesSent = 5
        figures.uploadFailures = 1
        figures.windowsDropped = 4
        figures.spoolBatches = 0
        snapshot.uplink = figures
        metrics.update(snapshot)
        let lines = Set(String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n").map(String.init))
        #expect(lines.contains("otsensor_uplink_batches_sent_total 5"))
        #expect(lines.contains("otsensor_uplink_bytes_sent_total 9000"))
        #expect(lines.contains("otsensor_uplink_upload_failures_total 1"))
        #expect(lines.contains("otsensor_uplink_windows_dropped_total 4"))
        #expect(lines.contains("otsensor_uplink_spool_batches 0.0"))
        #expect(lines.contains("otsensor_uplink_spool_bytes 4096.0"))
    }

    /// Counters follow the cumulative figures (never going back), gauges take the latest value.
    @Test func countersFollowTheSnapshots() {
        let metrics = SensorMetrics()
        metrics.update(Self.snapshot(packets: 100, drops: 0, alerts: 1))
        metrics.update(Self.snapshot(packets: 150, drops: 3, alerts: 2))
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains("otsensor_packets_total 150"))
        #expect(lines.contains(#"otsensor_transactions_total{protocol="modbus"} 75"#))
        #expect(lines.contains(#"otsensor_capture_kernel_drops_total{interface="eth1"} 3"#))
        #expect(lines.contains(#"otsensor_capture_received_total{interface="eth1"} 150"#))
        #expect(lines.contains(#"otsensor_alerts_total{signature="[1:9000001:1] write from outside"} 2"#))
        #expect(lines.contains(#"otsensor_anomalies_total{event="modbus.invalid_length"} 1"#))
        #expect(lines.contains("otsensor_flows_active 7.0"))
        #expect(lines.contains("otsensor_resident_memory_bytes 25000000.0"))
    }
}

@Suite struct MetricsServerTests {
    /// One HTTP request on loopback, answered in full.
    /// Connects a TCP socket to 127.0.0.1:`port`; the status `connect` returned.
    static func connectToLoopback(_ descriptor: Int32, port: UInt16) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    static func get(_ request: String, port: UInt16, timeoutSeconds: Int = 0) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        if timeoutSeconds > 0 {
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        try #require(connectToLoopback(descriptor, port: port) == 0)
        _ = request.withCString { send(descriptor, $0, strlen($0), 0) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += chunk[0..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }

    @Test func servesTheMetricsOnLoopbackAndNothingElse() async throws {
        let metrics = SensorMetrics()
        metrics.update(SensorMetricsTests.snapshot(packets: 42, drops: 0, alerts: 0))
        let server = try MetricsServer(listen: "127.0.0.1:0", metrics: metrics, logger: Logger(label: "test"))
        #expect(server.port != 0)
        let task = Task { try await server.run() }
        defer { task.cancel() }
        let port = server.port
        let ok = try await Task.detached { try Self.get("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", port: port) }.value
        #expect(ok.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(ok.contains("Content-Type: text/plain; version=0.0.4"))
        #expect(ok.contains("\notsensor_packets_total 42\n"))
        let missing = try await Task.detached { try Self.get("GET / HTTP/1.1\r\n\r\n", port: port) }.value
        #expect(missing.hasPrefix("HTTP/1.1 404 Not Found"))
        let post = try await Task.detached { try Self.get("POST /metrics HTTP/1.1\r\n\r\n", port: port) }.value
        #expect(post.hasPrefix("HTTP/1.1 405 Method Not Allowed"))
    }

    /// A client that connects and says nothing does not hold up a scrape: with a request timeout of 60 s, an
    /// endpoint that served one client at a time would keep the scrape waiting five minutes, past its own 120 s; it
    /// is answered while the idle client still holds its connection (the scrape runs on a thread of its own; the
    /// generous limit covers a test pool whose threads other tests hold while they wait for processes).
    @Test func anIdleClientDoesNotBlockAScrape() async throws {
        let metrics = SensorMetrics()
        metrics.update(SensorMetricsTests.snapshot(packets: 7, drops: 0, alerts: 0))
        let server = try MetricsServer(
            listen: "127.0.0.1:0",
            metrics: metrics,
            logger: Logger(label: "test"),
            requestTimeout: 300
        )
        let task = Task { try await server.run() }
        defer { task.cancel() }
        let port = server.port
        let idle = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(idle) }
        try #require(Self.connectToLoopback(idle, port: port) == 0)
        let answer = await withCheckedContinuation { continuation in
            let thread = Thread {
                // 120 s: far more than an answer takes, far less than the idle client's 300 s.
                let text = try? Self.get("GET /metrics HTTP/1.1\r\n\r\n", port: port, timeoutSeconds: 120)
                continuation.resume(returning: text ?? "")
            }
            thread.start()
        }
        #expect(answer.contains("\notsensor_packets_total 7\n"))
    }

    @Test func aBadAddressIsAClearError() {
        #expect(throws: OutputError.self) {
            try MetricsServer(listen: "localhost", metrics: SensorMetrics(), logger: Logger(label: "test"))
        }
        #expect(throws: OutputError.self) {
            try MetricsServer(listen: "999.0.0.1:9108", metrics: SensorMetrics(), logger: Logger(label: "test"))
        }
    }
}

@Suite struct JSONLogHandlerTests {
    @Test func quotesEveryCharacterJSONNeedsQuoted() {
        #expect(JSONLogHandler.quoted("plain") == #""plain""#)
        #expect(JSONLogHandler.quoted("a\"b\\c\nd\u{1B}") == #""a\"b\\c\nd\u001b""#)
    }
}

@Suite struct PrivilegesTests {
    @Test func anUnknownUserIsRefused() {
        #expect(throws: Privileges.Failure.self) { try Privileges.drop(to: "no-such-user-otsensor") }
        #expect(!Privileges.userExists("no-such-user-otsensor"))
        #expect(Privileges.interfaceExists("lo"))
        #expect(!Privileges.interfaceExists("nosuchif0"))
    }
}

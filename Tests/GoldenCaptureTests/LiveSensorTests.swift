// SPDX-License-Identifier: Apache-2.0
import Foundation
import PacketCapture
import SensorTestSupport
import Testing
import WireFormat

/// A network namespace with a veth pair, made and removed by the test: `otsensor run` captures on the inner end,
/// tcpreplay sends on the outer one (iproute2 and tcpreplay, as root).
final class LiveLab {
    static let skipReason =
        "needs root, iproute2 (ip netns) and tcpreplay: the test makes a network namespace and a veth pair (CI runs as root; run the suite as root to include it)"

    static var available: Bool {
        getuid() == 0 && OTSensorExecutable.exists && tool("ip") != nil && tool("tcpreplay") != nil
    }

    static func tool(_ name: String) -> String? {
        for folder in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        where FileManager.default.isExecutableFile(
            atPath: "\(folder)/\(name)"
        ) {
            return "\(folder)/\(name)"
        }
        return nil
    }

    private static let counter = NSLock()
    nonisolated(unsafe) private static var next = 0

    let namespace: String
    let outside: String
    let inside: String
    /// A folder the unprivileged sensor may write.
    let folder: URL

    init() throws {
        Self.counter.lock()
        Self.next += 1
        let id = "\(getpid() % 10000)\(Self.next)"
        Self.counter.unlock()
        namespace = "otsl\(id)"
        outside = "otla\(id)"
        inside = "otlb\(id)"
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "otsensor-live-\(id)-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        chmod(folder.path, 0o777)
        try Self.run("ip", ["netns", "add", namespace])
        try Self.run("ip", ["link", "add", outside, "type", "veth", "peer", "name", inside])
        try Self.run("ip", ["link", "set", inside, "netns", namespace])
        // No IPv6 on the pair: its neighbour discovery would add packets the capture files do not hold.
        try Self.run("sysctl", ["-qw", "net.ipv6.conf.\(outside).disable_ipv6=1"])
        try Self.run("ip", ["netns", "exec", namespace, "sysctl", "-qw", "net.ipv6.conf.\(inside).disable_ipv6=1"])
        try Self.run("ip", ["link", "set", outside, "up"])
        try Self.run("ip", ["netns", "exec", namespace, "ip", "link", "set", inside, "up"])
    }

    deinit {
        _ = try? Self.run("ip", ["netns", "del", namespace])
        _ = try? Self.run("ip", ["link", "del", outside])
        try? FileManager.default.removeItem(at: folder)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a tool to its end; a non-zero status is an error with its output.
    @discardableResult
    static func run(_ name: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool(name) ?? "/usr/bin/\(name)")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(name) \(arguments.joined(separator: " ")): \(text)")
        }
        return text
    }

    /// A sensor running in the namespace.
    final class Sensor {
        let process: Process
        let eve: URL
        let log: URL

        init(process: Process, eve: URL, log: URL) {
            self.process = process
            self.eve = eve
            self.log = log
        }

        var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        var records: [[String: Any]] {
            let text = (try? String(contentsOf: eve, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
        }

        /// Waits up to `seconds` for `condition`.
        func wait(seconds: Double, for condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition() { return true }
                usleep(50_000)
            }
            return condition()
        }

        /// Sends `signal` and returns the exit status and the seconds it took to exit (at most `limit`).
        func stop(_ signal: Int32 = SIGTERM, limit: Double = 10) -> (status: Int32?, seconds: Double) {
            let started = Date()
            kill(process.processIdentifier, signal)
            let exited = wait(seconds: limit) { !process.isRunning }
            if !exited { process.terminate() }
            return (exited ? process.terminationStatus : nil, Date().timeIntervalSince(started))
        }
    }

    /// Starts `otsensor run` on the inner end as the unprivileged user `nobody`, and waits until it captures.
    func startSensor(_ arguments: [String]) throws -> Sensor {
        let eve = folder.appendingPathComponent("eve-\(UUID().uuidString).json")
        let log = folder.appendingPathComponent("log-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.tool("ip")!)
        process.arguments =
            [
                "netns", "exec", namespace, OTSensorExecutable.url.path, "run", "-i", inside, "--eve-log", eve.path,
                "--user", "nobody", "--metrics", "off",
            ] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let sensor = Sensor(process: process, eve: eve, log: log)
        guard sensor.wait(seconds: 20, for: { sensor.logText.contains("capturing on") || !process.isRunning }),
            process.isRunning
        else {
            throw Failure(description: "the sensor did not start: \(sensor.logText)")
        }
        return sensor
    }

    /// Sends a capture on the outer end with tcpreplay (as fast as it can, or at `pps` packets a second).
    func send(_ capture: URL, pps: Int? = nil) throws {
        try Self.run(
            "tcpreplay",
            ["-q", "-i", outside] + (pps.map { ["--pps=\($0)"] } ?? ["--topspeed"]) + [capture.path]
        )
    }

    /// Starts tcpreplay without waiting for it.
    func startSending(_ capture: URL, pps: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.tool("tcpreplay")!)
        process.arguments = ["-q", "-i", outside, "--pps=\(pps)", capture.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A copy of `capture` fit to be sent on the veth pair: Ethernet framing (BSD loopback and raw IP frames get
    /// an Ethernet header), and capture times 100 µs apart from the start of a minute, so that no capture-time
    /// timer (response timeouts, flow timeouts, flood windows) fires in the offline replay that would not fire
    /// in the live one, which gets the packets as fast as tcpreplay sends them. Returns nil for link types that
    /// cannot be framed as Ethernet.
    func wireCopy(of capture: URL) throws -> URL? {
        var frames: [[UInt8]] = []
        var statistics = CaptureReadStatistics()
        let file = try OfflineCapture(path: capture.path)
        let linkType = file.linkType
        var unsupported = false
        _ = try file.forEachPacket(statistics: &statistics) { frame, _, _ in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(frame.count + 14)
            for index in 0..<frame.count { bytes.append(frame[index]) }
            switch linkType {
            case 1:
                frames.append(bytes)
            case 0, 108, 12, 14, 101, 228, 229:  // NULL, LOOP, RAW (IPv4/IPv6)
                let ip = [0, 108].contains(linkType) ? Array(bytes.dropFirst(4)) : bytes
                let version = (ip.first ?? 0) >> 4
                let etherType: [UInt8] = version == 6 ? [0x86, 0xDD] : [0x08, 0x00]
                frames.append([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1] + etherType + ip)
            default:
                unsupported = true
            }
        }
        guard !unsupported else { return nil }
        let url = folder.appendingPathComponent("wire-\(capture.lastPathComponent)")
        try PcapFileWriter.write(frames, snapshotLength: 262_144, interval: 100, to: url)
        return url
    }
}

/// The live sensor against the replay of the same file: what `otsensor run` reports from packets on an interface
/// equals what `otsensor replay` reports from the file they came from.
@Suite(.serialized, .enabled(if: LiveLab.available, Comment(rawValue: LiveLab.skipReason)))
struct LiveSensorTests {
    static var sharedCaptures: [String] { SummaryCaptureTests.sharedCaptures }

    /// Keys whose values depend on when packets were seen (the live sensor stamps them with the time they
    /// arrived), or on the machine.
    static let timeKeys: Set<String> = [
        "timestamp", "flow_id", "start", "end", "age", "latency_us", "window_start", "window_end", "first_seen",
        "last_seen", "period_us", "jitter_us", "uptime", "capture", "sensor",
    ]

    static func normalized(_ value: Any) -> Any {
        if let object = value as? [String: Any] {
            var result: [String: Any] = [:]
            for (key, item) in object where !timeKeys.contains(key) { result[key] = normalized(item) }
            return result
        }
        if let array = value as? [Any] { return array.map(normalized) }
        return value
    }

    /// The records as a multiset of normalised JSON lines; `stats` records are left out (a live sensor also
    /// writes them for windows without traffic).
    static func multiset(_ records: [[String: Any]]) throws -> [String: Int] {
        var result: [String: Int] = [:]
        for record in records where record["event_type"] as? String != "stats" {
            let data = try JSONSerialization.data(withJSONObject: normalized(record), options: [.sortedKeys])
            result[String(decoding: data, as: UTF8.self), default: 0] += 1
        }
        return result
    }

    /// Waits, when the minute is about to turn, until it has: the live replay then fits in one summary window, as
    /// the offline replay of the copy (which starts at a minute) does.
    static func avoidMinuteBoundary() {
        let second = Int(Date().timeIntervalSince1970) % 60
        if second >= 55 { usleep(UInt32((60 - second) * 1_000_000 + 200_000)) }
    }

    @Test(arguments: sharedCaptures)
    func liveCaptureEqualsReplay(_ path: String) throws {
        let lab = try LiveLab()
        guard let wire = try lab.wireCopy(of: URL(fileURLWithPath: path)) else {
            Issue.record("\(path): link type not sendable on Ethernet")
            return
        }
        var configuration = SummaryCaptureTests.summaries()
        configuration.rules = try SummaryCaptureTests.shippedRules()
        let expected = try ReplayHarness.replay([wire.path], configuration: configuration)
        let sensor = try lab.startSensor([
            "--rules", SharedData.packageRoot.appendingPathComponent("Signatures").path, "--no-default-rules",
        ])
        Self.avoidMinuteBoundary()
        try lab.send(wire)
        let (status, _) = sensor.stop()
        #expect(status == 0, "\(sensor.logText)" as Comment)
        let live = sensor.records
        let stats = try #require(live.last { $0["event_type"] as? String == "stats" })
        // Every packet sent was captured and decoded, none dropped.
        #expect(stats.int("stats.decoder.pkts") == expected.statistics.packets)
        #expect(stats.int("stats.capture.kernel_drops") == 0)
        #expect(stats.int("stats.capture.kernel_packets") == expected.statistics.packets)
        let liveSet = try Self.multiset(live)
        let replaySet = try Self.multiset(expected.records)
        let onlyLive = liveSet.filter { replaySet[$0.key] != $0.value }
        let onlyReplay = replaySet.filter { liveSet[$0.key] != $0.value }
        #expect(
            onlyLive.isEmpty && onlyReplay.isEmpty,
            "live only: \(onlyLive.keys.prefix(2)) replay only: \(onlyReplay.keys.prefix(2))"
        )
        #expect(liveSet.values.reduce(0, +) == replaySet.values.reduce(0, +))
    }

    // MARK: - Signals

    /// SIGTERM while packets arrive: the sensor exits 0 within 5 seconds, and what it took in is all written:
    /// the open window's summaries and a final `stats`, every flow's record, and summaries that add up to the
    /// flows and to every packet decoded.
    @Test func sigtermDuringTrafficFlushesTheLastWindowAndExitsZero() throws {
        guard SharedData.hasPcaps else { return }
        let lab = try LiveLab()
        let wire = try #require(
            try lab.wireCopy(of: SharedData.pcapsDirectory.appendingPathComponent("modbus/iti-modbus_test.pcap"))
        )
        let sensor = try lab.startSensor(["--no-default-rules"])
        let sender = try lab.startSending(wire, pps: 400)  // 2,257 packets: about 5.6 s
        defer { if sender.isRunning { sender.terminate() } }
        _ = sensor.wait(seconds: 10) { sensor.records.contains { $0["event_type"] as? String == "modbus" } }
        usleep(500_000)
        #expect(sender.isRunning, "the traffic still flows when the sensor is stopped")
        let (status, seconds) = sensor.stop()
        #expect(status == 0)
        #expect(seconds < 5)
        let records = sensor.records
        // The end of the output: the final stats, then the inventory.
        let stats = try #require(records.last { $0["event_type"] as? String == "stats" })
        #expect(records.last?.string("asset.change") == "inventory")
        let decoded = try #require(stats.int("stats.decoder.pkts"))
        #expect(decoded > 0 && decoded < 2257)
        #expect(stats.int("stats.capture.kernel_drops") == 0)
        let flows = records.filter { $0["event_type"] as? String == "flow" }
        #expect(!flows.isEmpty)
        #expect(flows.allSatisfy { $0.string("flow.reason") == "shutdown" })
        let flowPackets = flows.reduce(0) {
            $0 + ($1.int("flow.pkts_toserver") ?? 0) + ($1.int("flow.pkts_toclient") ?? 0)
        }
        let summaries = records.filter { $0["event_type"] as? String == "summary" }
        let summaryPackets = summaries.reduce(0) {
            $0 + ($1.int("summary.pkts_toserver") ?? 0) + ($1.int("summary.pkts_toclient") ?? 0)
        }
        #expect(flowPackets == decoded)
        #expect(summaryPackets == decoded)
        // The last window was closed at the stop: its summaries end where the final stats end.
        #expect(summaries.last?.string("summary.window_end") == stats.string("stats.window_end"))
        #expect(sensor.logText.contains("stopping: capture ends, open window and flows are written"))
    }

    /// SIGHUP swaps the rules between two halves of the same connections: the first half's alerts come from the
    /// old rule only, the second half's from the new one, and the flows go on (one record each, every
    /// transaction reported, as in the offline replay). A broken rule file on a later SIGHUP keeps the running
    /// rules, says so, and the sensor goes on.
    @Test func sighupSwapsTheRulesAndFlowsContinue() throws {
        let lab = try LiveLab()
        let wire = try #require(try lab.wireCopy(of: SharedData.projectCapture("baseline/modbus-normal.pcap")))
        let whole = try ReplayHarness.replay([wire.path], configuration: SummaryCaptureTests.summaries())
        // The two halves, as files of their own.
        var frames: [[UInt8]] = []
        var statistics = CaptureReadStatistics()
        _ = try OfflineCapture(path: wire.path).forEachPacket(statistics: &statistics) { frame, _, _ in
            var bytes: [UInt8] = []
            for index in 0..<frame.count { bytes.append(frame[index]) }
            frames.append(bytes)
        }
        let split = frames.count / 2
        let first = lab.folder.appendingPathComponent("first.pcap")
        let second = lab.folder.appendingPathComponent("second.pcap")
        try PcapFileWriter.write(Array(frames[..<split]), to: first)
        try PcapFileWriter.write(Array(frames[split...]), to: second)
        let rules = lab.folder.appendingPathComponent("site.rules")
        try Data(
            #"alert modbus any any -> any any (msg:"holding registers read"; modbus: function 3; sid:91; rev:1;)"#.utf8
        )
        .write(to: rules)
        chmod(rules.path, 0o644)
        let sensor = try lab.startSensor(["--no-default-rules", "--rules", rules.path])
        try lab.send(first)
        // Everything of the first half is written once the record count stops growing (records are flushed
        // every second).
        var seen = -1
        _ = sensor.wait(seconds: 20) {
            usleep(1_200_000)
            let count = sensor.records.count
            defer { seen = count }
            return count == seen && count > 0
        }
        try Data(#"alert modbus any any -> any any (msg:"coils read"; modbus: function 1; sid:92; rev:1;)"#.utf8)
            .write(to: rules)
        kill(sensor.process.processIdentifier, SIGHUP)
        #expect(sensor.wait(seconds: 10) { sensor.logText.contains("reloaded") })
        try lab.send(second)
        try Data("alert modbus any any -> (".utf8).write(to: rules)
        kill(sensor.process.processIdentifier, SIGHUP)
        #expect(sensor.wait(seconds: 10) { sensor.logText.contains("reload failed, the running rules stay") })
        #expect(sensor.process.isRunning)
        let (status, _) = sensor.stop()
        #expect(status == 0)
        let records = sensor.records
        let alerts = records.filter { $0["event_type"] as? String == "alert" }
        let old = alerts.filter { $0.int("alert.signature_id") == 91 }
        let new = alerts.filter { $0.int("alert.signature_id") == 92 }
        #expect(!old.isEmpty && !new.isEmpty)
        #expect(old.allSatisfy { ($0["pcap_cnt"] as? Int ?? .max) <= split })
        #expect(new.allSatisfy { ($0["pcap_cnt"] as? Int ?? 0) > split })
        // The flows went on through the reload: the same records as the offline replay of the whole file.
        let liveFlows = records.filter { $0["event_type"] as? String == "flow" }
        #expect(liveFlows.count == whole.records(ofType: "flow").count)
        let modbus = records.filter { $0["event_type"] as? String == "modbus" }
        #expect(modbus.count == whole.records(ofType: "modbus").count)
        #expect(Set(modbus.compactMap { $0["flow_id"] as? Int }).count == liveFlows.count)
    }
}

// SPDX-License-Identifier: Apache-2.0
import Detection
import Foundation
import PacketCapture
import SensorEngine
import SensorTestSupport
import Testing
import WireFormat

/// Windowed summaries and the asset inventory (`replay --summaries`, the same code the live sensor runs),
/// checked against two independent oracles: the tshark listing recorded beside the project's own capture, and,
/// for every shared capture, the transaction, alert and flow records of the same replay.
@Suite struct SummaryCaptureTests {
    static func summaries(window: Int64 = 60) -> EngineConfiguration {
        var configuration = EngineConfiguration()
        var limits = SummaryLimits()
        limits.windowSeconds = window
        configuration.summaries = limits
        return configuration
    }

    /// The shipped rule set, so that summaries count real alerts.
    static func shippedRules() throws -> Detection.RuleSet {
        let folder = SharedData.packageRoot.appendingPathComponent("Signatures")
        var rules: [Detection.Rule] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        where name.hasSuffix(".rules") {
            let path = folder.appendingPathComponent(name).path
            let parsed = Detection.parseRules(try String(contentsOfFile: path, encoding: .utf8), file: path)
            rules += parsed.rules
        }
        return try Detection.RuleSet(rules: rules)
    }

    // MARK: - The tshark listing of a capture of our own

    /// One Modbus line of a `baseline_listing.py` listing.
    struct ListedADU {
        var frame: Int
        var time: Int64  // microseconds since the epoch
        var client: String
        var server: String
        var isRequest: Bool
        var unit: Int
        var function: Int
        var start: Int?
        var quantity: Int?
        var requestFrame: Int?
    }

    static func listing(_ name: String) throws -> [ListedADU] {
        let capture = SharedData.projectCapture("baseline/\(name).pcap")
        // The listing's times are relative to the first frame: read that frame's time from the capture.
        var first: CaptureTimestamp?
        var statistics = CaptureReadStatistics()
        _ = try OfflineCapture(path: capture.path).forEachPacket(statistics: &statistics) { _, timestamp, _ in
            if first == nil { first = timestamp }
        }
        let origin = try #require(first).totalMicroseconds
        let text = try String(
            contentsOf: SharedData.projectCapture("baseline/\(name).tshark.txt"),
            encoding: .utf8
        )
        var result: [ListedADU] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("frame") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 9, let frame = Int(fields[0]) else { continue }
            let parts = fields[1].split(separator: ".")
            let micro =
                Int64(parts[0])! * 1_000_000 + Int64(parts[1].padding(toLength: 6, withPad: "0", startingAt: 0))!
            let isRequest = fields[4] == "req"
            let host = { (endpoint: String) in String(endpoint[..<endpoint.lastIndex(of: ":")!]) }
            var adu = ListedADU(
                frame: frame,
                time: origin + micro,
                client: host(isRequest ? fields[2] : fields[3]),
                server: host(isRequest ? fields[3] : fields[2]),
                isRequest: isRequest,
                unit: Int(fields[6])!,
                function: Int(fields[7])!
            )
            for item in fields[8].split(separator: " ") {
                let pair = item.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else { continue }
                switch pair[0] {
                case "start": adu.start = Int(pair[1])
                case "qty": adu.quantity = Int(pair[1])
                case "req": adu.requestFrame = Int(pair[1])
                default: break
                }
            }
            result.append(adu)
        }
        return result
    }

    struct PairWindow: Hashable {
        var client: String
        var server: String
        var window: Int64
    }

    /// Each summary's counts equal what tshark listed for its pair and window: transactions per unit and function,
    /// response latency (min, mean, max exactly; p95 within its histogram bucket of the exact nearest-rank
    /// value), blocks read, and each poll's count, intervals and mean period.
    @Test(arguments: ["modbus-normal", "modbus-new-client", "modbus-poll-storm", "modbus-register-scan"])
    func modbusSummariesEqualTheTsharkListing(_ name: String) throws {
        let listed = try Self.listing(name)
        let byFrame = Dictionary(uniqueKeysWithValues: listed.map { ($0.frame, $0) })
        let result = try ReplayHarness.replay(
            [SharedData.projectCapture("baseline/\(name).pcap").path],
            configuration: Self.summaries()
        )
        // Expected, from the listing: a transaction belongs to the window its response arrives in.
        var functions: [PairWindow: [String: Int]] = [:]
        var latencies: [PairWindow: [Int64]] = [:]
        var blocks: [PairWindow: Set<String>] = [:]
        for response in listed where !response.isRequest {
            let requestFrame = try #require(response.requestFrame)
            let request = try #require(byFrame[requestFrame])
            let key = PairWindow(
                client: response.client,
                server: response.server,
                window: response.time / 60_000_000
            )
            functions[key, default: [:]]["\(request.unit)/\(request.function)", default: 0] += 1
            latencies[key, default: []].append(response.time - request.time)
            if let start = request.start, let quantity = request.quantity, (1...4).contains(request.function) {
                blocks[key, default: []].insert("\(request.unit)/\(request.function)/\(start)/\(quantity)")
            }
        }
        #expect(listed.filter(\.isRequest).count == listed.filter { !$0.isRequest }.count, "every request answered")
        let summaries = result.records(ofType: "summary")
        var windowsWithTransactions = 0
        for summary in summaries {
            let client = try #require(summary["src_ip"] as? String)
            let server = try #require(summary["dest_ip"] as? String)
            let startText = try #require(summary.string("summary.window_start"))
            let start = try #require(Self.epochSeconds(startText))
            let key = PairWindow(client: client, server: server, window: start / 60)
            let counted = (summary.value(at: "summary.functions") as? [[String: Any]] ?? []).reduce(into: [:]) {
                $0["\($1["unit_id"] as! Int)/\($1["function_code"] as! Int)"] = $1["count"] as? Int
            }
            #expect(counted == functions[key] ?? [:], "\(name) \(client) \(startText)")
            // A window with packets but no transaction (a connection's closing handshake) has no latency.
            guard !counted.isEmpty else {
                #expect(summary.value(at: "summary.latency_us") == nil)
                #expect((summary.int("summary.pkts_toserver") ?? 0) + (summary.int("summary.pkts_toclient") ?? 0) > 0)
                continue
            }
            windowsWithTransactions += 1
            let expected = (latencies[key] ?? []).sorted()
            let latency = try #require(summary.value(at: "summary.latency_us") as? [String: Int])
            #expect(latency["count"] == expected.count)
            #expect(latency["min"] == Int(expected.first!))
            #expect(latency["max"] == Int(expected.last!))
            #expect(latency["mean"] == Int(expected.reduce(0, +) / Int64(expected.count)))
            let exact = Int(expected[(expected.count * 95 + 99) / 100 - 1])
            let p95 = try #require(latency["p95"])
            #expect(
                p95 >= exact && p95 <= min(exact + max(exact / 16, 1), Int(expected.last!)),
                "p95 \(p95) vs \(exact)"
            )
            // Blocks read: each listed read lies inside one reported block of its unit and table.
            let reported = summary.value(at: "summary.blocks_read") as? [[String: Any]] ?? []
            for block in blocks[key] ?? [] {
                let fields = block.split(separator: "/").map { Int($0)! }
                let table = ["coils", "discrete_inputs", "holding_registers", "input_registers"][fields[1] - 1]
                #expect(
                    reported.contains {
                        $0["unit_id"] as? Int == fields[0] && $0["table"] as? String == table
                            && ($0["start"] as! Int) <= fields[2] && ($0["end"] as! Int) >= fields[2] + fields[3] - 1
                    },
                    "\(name): read \(block) not in a block"
                )
            }
        }
        #expect(windowsWithTransactions == functions.count)
        // Polls over the whole capture: per key, the counts add up, and the intervals' mean (weighted over the
        // windows) equals the listing's mean interval between successive requests, to the microsecond.
        var pollTimes: [String: [Int64]] = [:]
        for request in listed where request.isRequest && (1...4).contains(request.function) {
            let key =
                "\(request.client)>\(request.server) unit \(request.unit) fc \(request.function) \(request.start!)+\(request.quantity!)"
            pollTimes[key, default: []].append(request.time)
        }
        var reportedPolls: [String: (count: Int, intervals: Int, total: Double)] = [:]
        for summary in summaries {
            let pair = "\(summary["src_ip"] as! String)>\(summary["dest_ip"] as! String)"
            for poll in summary.value(at: "summary.polls") as? [[String: Any]] ?? [] {
                let key = "\(pair) \(poll["request"] as! String)"
                let intervals = poll["intervals"] as! Int
                reportedPolls[key, default: (0, 0, 0)].count += poll["count"] as! Int
                reportedPolls[key, default: (0, 0, 0)].intervals += intervals
                reportedPolls[key, default: (0, 0, 0)].total += Double((poll["period_us"] as? Int ?? 0) * intervals)
            }
        }
        for (key, times) in pollTimes where times.count > 2 {
            let reported = try #require(reportedPolls[key], "\(name): poll \(key) not reported")
            #expect(reported.count == times.count, "\(key)")
            let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
            // A pair that was silent for a whole window forgets its polls' last times: those gaps are not measured.
            #expect(reported.intervals <= gaps.count && reported.intervals >= gaps.count - 2, "\(key)")
            if reported.intervals == gaps.count {
                let mean = Double(gaps.reduce(0, +)) / Double(gaps.count)
                #expect(abs(reported.total / Double(reported.intervals) - mean) < 1.0 + mean * 1e-6, "\(key)")
            }
        }
    }

    static func epochSeconds(_ text: String) -> Int64? {
        // 2026-11-30T14:55:00.000000+0000
        let digits = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }
        guard digits.count >= 6 else { return nil }
        let days = CivilTime.days(year: Int(digits[0]), month: Int(digits[1]), day: Int(digits[2]))
        return Int64(days) * 86_400 + digits[3] * 3600 + digits[4] * 60 + digits[5]
    }

    // MARK: - Every shared capture against its own records

    static var sharedCaptures: [String] {
        guard SharedData.hasPcaps else { return [] }
        var paths: [String] = []
        for folder in ["modbus", "dnp3", "mixed"] {
            let url = SharedData.pcapsDirectory.appendingPathComponent(folder)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            where name.hasSuffix(".pcap") || name.hasSuffix(".pcapng") {
                paths.append(url.appendingPathComponent(name).path)
            }
        }
        return paths.sorted()
    }

    /// On every shared capture, the summaries add up to the other records of the same run: per pair, packets and
    /// bytes equal its flows' records; Modbus transactions per unit and function equal the `modbus` records;
    /// exceptions equal the exception responses; DNP3 messages equal the engine's fragment count; alerts per
    /// signature equal the `alert` records. Every window is aligned and at most 60 s long, and every device in a
    /// Modbus or DNP3 record is in the inventory with its role.
    @Test(
        .enabled(
            if: SharedData.hasPcaps,
            "the shared captures are absent: set OTSENSOR_PCAPS or put them at ../shared/pcaps"
        ),
        arguments: sharedCaptures
    )
    func summariesAddUpToTheRecords(_ path: String) throws {
        var configuration = Self.summaries()
        configuration.rules = try Self.shippedRules()
        let result = try ReplayHarness.replay([path], configuration: configuration)
        let name = URL(fileURLWithPath: path).lastPathComponent
        let summaries = result.records(ofType: "summary")
        func pairKey(_ record: [String: Any]) -> String {
            "\(record["app_proto"] as? String ?? "")|\(record["src_ip"] as! String)|\(record["dest_ip"] as! String)"
        }
        // Packets and bytes per pair: the flows' own counters.
        var flowTotals: [String: [Int]] = [:]
        let ports = Set(configuration.modbusPorts.map(Int.init) + configuration.dnp3Ports.map(Int.init))
        for flow in result.records(ofType: "flow") where ports.contains(flow["dest_port"] as? Int ?? 0) {
            let isDNP3 = configuration.dnp3Ports.contains(UInt16(flow["dest_port"] as! Int))
            let key = "\(isDNP3 ? "dnp3" : "modbus")|\(flow["src_ip"] as! String)|\(flow["dest_ip"] as! String)"
            let counters = ["pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient"].map {
                flow.int("flow.\($0)") ?? 0
            }
            flowTotals[key] = zip(flowTotals[key] ?? [0, 0, 0, 0], counters).map { $0 + $1 }
        }
        var summaryTotals: [String: [Int]] = [:]
        var modbusFunctions: [String: Int] = [:]
        // Transactions of keys past the per-pair function limit, per pair (counted, not listed).
        var truncatedFunctions: [String: Int] = [:]
        var exceptions = 0
        var dnp3Messages = 0
        var alertsBySid: [Int: Int] = [:]
        for summary in summaries {
            let key = pairKey(summary)
            let counters = ["pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient"].map {
                summary.int("summary.\($0)") ?? 0
            }
            summaryTotals[key] = zip(summaryTotals[key] ?? [0, 0, 0, 0], counters).map { $0 + $1 }
            for function in summary.value(at: "summary.functions") as? [[String: Any]] ?? [] {
                if summary["app_proto"] as? String == "dnp3" {
                    dnp3Messages += function["count"] as! Int
                } else {
                    let unit = function["unit_id"] as! Int
                    modbusFunctions[
                        "\(summary["src_ip"] as! String)|\(summary["dest_ip"] as! String)|\(unit)|\(function["function_code"] as! Int)",
                        default: 0
                    ] += function["count"] as! Int
                }
            }
            if let truncated = summary.int("summary.truncated.functions") {
                truncatedFunctions["\(summary["src_ip"] as! String)|\(summary["dest_ip"] as! String)", default: 0] +=
                    truncated
            }
            for exception in summary.value(at: "summary.exceptions") as? [[String: Any]] ?? [] {
                exceptions += exception["count"] as! Int
            }
            for alert in summary.value(at: "summary.alerts") as? [[String: Any]] ?? [] {
                alertsBySid[alert["signature_id"] as! Int, default: 0] += alert["count"] as! Int
            }
            let start = try #require(Self.epochSeconds(summary.string("summary.window_start")!))
            let end = try #require(Self.epochSeconds(summary.string("summary.window_end")!))
            #expect(start % 60 == 0 && end - start <= 60 && end >= start, "\(name): window \(start)...\(end)")
        }
        #expect(summaryTotals == flowTotals, "\(name): packets and bytes per pair")
        var recordFunctions: [String: Int] = [:]
        var recordExceptions = 0
        for record in result.records(ofType: "modbus") {
            let message = (record.value(at: "modbus.request") ?? record.value(at: "modbus.response")) as! [String: Any]
            let function = (message["function_raw"] as! Int) & 0x7F
            recordFunctions[
                "\(record["src_ip"] as! String)|\(record["dest_ip"] as! String)|\(message["unit_id"] as! Int)|\(function)",
                default: 0
            ] += 1
            if record.value(at: "modbus.response.exception") != nil { recordExceptions += 1 }
        }
        if truncatedFunctions.isEmpty {
            #expect(modbusFunctions == recordFunctions, "\(name): Modbus transactions per pair, unit and function")
        } else {
            // A function-code sweep fills the per-pair limit: the keys listed have their exact counts, and the
            // rest are counted under `truncated`.
            for (key, count) in modbusFunctions { #expect(recordFunctions[key] == count, "\(name): \(key)") }
            var perPair: [String: Int] = [:]
            for (key, count) in recordFunctions where modbusFunctions[key] == nil {
                perPair[key.split(separator: "|").prefix(2).joined(separator: "|"), default: 0] += count
            }
            #expect(perPair == truncatedFunctions, "\(name): transactions past the function limit")
        }
        #expect(exceptions == recordExceptions, "\(name): exception responses")
        #expect(dnp3Messages == result.statistics.dnp3FragmentsByFunction.reduce(0, +), "\(name): DNP3 messages")
        var recordAlerts: [Int: Int] = [:]
        for alert in result.records(ofType: "alert") {
            let port = alert["dest_port"] as? Int ?? 0
            let sourcePort = alert["src_port"] as? Int ?? 0
            guard ports.contains(port) || ports.contains(sourcePort) else { continue }
            recordAlerts[alert.int("alert.signature_id")!, default: 0] += 1
        }
        #expect(alertsBySid == recordAlerts, "\(name): alerts per signature")
        // The inventory: every device of a Modbus record, with its role.
        let inventory = result.records(ofType: "asset").filter { $0.string("asset.change") == "inventory" }
        var roles: [String: Set<String>] = [:]
        for record in inventory {
            roles[record.string("asset.ip")!] = Set(record.value(at: "asset.roles") as? [String] ?? [])
        }
        #expect(roles.count == inventory.count, "\(name): one inventory record per device")
        for record in result.records(ofType: "modbus") {
            #expect(roles[record["src_ip"] as! String]?.contains("modbus_client") == true, "\(name)")
            #expect(roles[record["dest_ip"] as! String]?.contains("modbus_server") == true, "\(name)")
        }
        let stats = result.records(ofType: "stats")
        #expect(stats.last?.int("stats.decoder.pkts") == result.statistics.packets)
    }

    // MARK: - Inventory

    /// Read Device Identification (43/14) fills the device's identity, as tshark decodes it; a later response
    /// with another vendor is an identity change that keeps the old values.
    @Test func deviceIdentificationAndItsChange() throws {
        let identify = { (vendor: String) -> String in
            let objects = [(0, vendor), (1, "PX-7"), (2, "v2.1")].map { identifier, text in
                String(format: "%02X %02X ", identifier, text.utf8.count)
                    + text.utf8.map { String(format: "%02X", $0) }.joined(separator: " ")
            }.joined(separator: " ")
            return "2B 0E 01 01 00 00 03 " + objects
        }
        let frames = Wire.tcp(
            MB.session([
                (request: "2B 0E 01 00", response: Optional(identify("Acme"))),
                (request: "03 0000 0002", response: Optional("03 04 0001 0002")),
                (request: "2B 0E 01 00", response: Optional(identify("Evil"))),
            ]),
            serverPort: 502
        )
        let url = PcapFileWriter.temporaryURL("identity.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(frames, to: url)
        let result = try ReplayHarness.replay(url, configuration: Self.summaries())
        let assets = result.records(ofType: "asset")
        let changes = assets.map { "\($0.string("asset.ip")!) \($0.string("asset.change")!)" }
        #expect(
            changes == [
                "10.0.0.1 new", "10.0.0.2 new", "10.0.0.2 updated", "10.0.0.2 identity_changed", "10.0.0.1 inventory",
                "10.0.0.2 inventory",
            ]
        )
        let changed = try #require(assets.first { $0.string("asset.change") == "identity_changed" })
        #expect(changed.string("asset.vendor") == "Evil")
        #expect(changed.string("asset.previous.vendor") == "Acme")
        #expect(changed.string("asset.product_code") == "PX-7")
        #expect(changed.string("asset.revision") == "v2.1")
        #expect(changed.string("asset.detail") == "identity changed: vendor 'Acme' -> 'Evil'")
    }

    /// The identity of a shared capture's device equals tshark's decoding of its 43/14 response.
    @Test(.enabled(if: SharedData.hasPcaps, "the shared captures are absent"))
    func identityFromASharedCapture() throws {
        let url = SharedData.pcapsDirectory.appendingPathComponent("modbus/icsnpp-modbus_example.pcap")
        let result = try ReplayHarness.replay(url, configuration: Self.summaries())
        let device = try #require(
            result.records(ofType: "asset").first {
                $0.string("asset.change") == "inventory" && $0.string("asset.ip") == "127.0.0.1"
            }
        )
        // tshark: VendorName "Zeek Modbus Test", ProductCode "Protocol Parsing is fun!", MajorMinorRevision "1.2.3.6".
        #expect(device.string("asset.vendor") == "Zeek Modbus Test")
        #expect(device.string("asset.product_code") == "Protocol Parsing is fun!")
        #expect(device.string("asset.revision") == "1.2.3.6")
        #expect(device.value(at: "asset.unit_ids") as? [Int] == [1, 2, 4, 5, 6, 7, 8, 10])
    }

    // MARK: - Limits

    /// Five clients of one server, each sending the six function codes 1 to 6 once (unanswered).
    static func fiveClientsSixFunctions() throws -> URL {
        var frames: [[UInt8]] = []
        for client in 1...5 {
            frames += Wire.tcp(
                MB.session((1...6).map { (request: String(format: "%02X 0000 0001", $0), response: nil) }),
                client: [10, 0, 1, UInt8(client)],
                serverPort: 502
            )
        }
        let url = PcapFileWriter.temporaryURL("five-clients.pcap")
        try PcapFileWriter.write(frames, to: url)
        return url
    }

    /// Past the pair limit a window's pairs are counted, not summarised; past the function limit a pair's
    /// functions are counted under `truncated`.
    @Test func limitsAreCountedWhenHit() throws {
        let url = try Self.fiveClientsSixFunctions()
        defer { try? FileManager.default.removeItem(at: url) }
        var configuration = Self.summaries()
        configuration.summaries?.maxPairsPerWindow = 3
        configuration.summaries?.maxFunctionsPerPair = 4
        let result = try ReplayHarness.replay(url, configuration: configuration)
        let summaries = result.records(ofType: "summary")
        #expect(summaries.count == 3)
        for summary in summaries {
            #expect((summary.value(at: "summary.functions") as? [Any])?.count == 4)
            #expect(summary.int("summary.truncated.functions") == 2)
        }
        // Two pairs refused, each counted once however many records they had.
        #expect(result.records(ofType: "stats").last?.int("stats.summaries.pairs_not_summarized") == 2)
    }

    /// All pairs together hold at most `maxSummaryItems` items; past it, new items are counted as truncated.
    @Test func theWindowsItemBudgetIsShared() throws {
        let url = try Self.fiveClientsSixFunctions()
        defer { try? FileManager.default.removeItem(at: url) }
        var configuration = Self.summaries()
        configuration.summaries?.maxSummaryItems = 20
        let result = try ReplayHarness.replay(url, configuration: configuration)
        var listed = 0
        var truncated = 0
        for summary in result.records(ofType: "summary") {
            listed += (summary.value(at: "summary.functions") as? [Any])?.count ?? 0
            listed += (summary.value(at: "summary.polls") as? [Any])?.count ?? 0
            listed += (summary.value(at: "summary.blocks_read") as? [Any])?.count ?? 0
            for (_, count) in summary.value(at: "summary.truncated") as? [String: Int] ?? [:] { truncated += count }
        }
        #expect(listed <= 20)
        #expect(truncated > 0)
    }

    // MARK: - Record types

    /// `eve-log: types` keeps only the records named: here alerts, summaries and stats, without the per-message
    /// records that make most of the volume; the alerts and summaries are the same as with every type.
    @Test func recordTypesChooseWhatIsWritten() throws {
        let path = SharedData.projectCapture("dnp3/attack-dnp3.pcap").path
        var configuration = Self.summaries()
        configuration.rules = try Self.shippedRules()
        func run(_ types: EVEWriter.RecordTypes) throws -> [[String: Any]] {
            let output = MemoryOutput()
            let writer = EVEWriter(output: output)
            writer.types = types
            _ = try ReplayHarness.run([path], sink: writer, configuration: configuration)
            writer.flush()
            return output.lines.compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
        }
        let all = try run(.all)
        let some = try run([.alert, .summary, .stats])
        let kinds = Set(some.compactMap { $0["event_type"] as? String })
        #expect(kinds == ["alert", "summary", "stats"])
        #expect(Set(all.compactMap { $0["event_type"] as? String }).isSuperset(of: ["dnp3", "flow", "asset", "alert"]))
        func lines(_ records: [[String: Any]], _ type: String) throws -> [String] {
            try records.filter { $0["event_type"] as? String == type }.map {
                String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        #expect(try lines(some, "alert") == lines(all, "alert"))
        #expect(try lines(some, "summary") == lines(all, "summary"))
        #expect(try !lines(some, "alert").isEmpty)
    }

    /// Each `stats` record counts the alerts raised so far (a running total, as Suricata's stats: at least those
    /// written before it; an alert on a DNP3 message is written when the message is, at its acknowledgment), the
    /// last one all of them; and the whole inventory is repeated every `inventoryEveryWindows` windows.
    @Test func statsCountAlertsSoFarAndTheInventoryRepeats() throws {
        var configuration = Self.summaries(window: 1)
        configuration.rules = try Self.shippedRules()
        configuration.summaries?.inventoryEveryWindows = 2
        let result = try ReplayHarness.replay(
            [SharedData.projectCapture("dnp3/attack-dnp3.pcap").path],
            configuration: configuration
        )
        var alertsSoFar = 0
        var checked = 0
        var inventories = 0
        var lastCount = 0
        for record in result.records {
            switch record["event_type"] as? String {
            case "alert": alertsSoFar += 1
            case "stats":
                let count = record.int("stats.detect.alert") ?? -1
                #expect(count >= alertsSoFar && count >= lastCount)
                lastCount = count
                checked += 1
            case "asset" where record.string("asset.change") == "inventory": inventories += 1
            default: break
            }
        }
        #expect(checked > 2 && alertsSoFar > 0)
        #expect(lastCount == alertsSoFar)
        let devices = result.records(ofType: "asset").filter { $0.string("asset.change") == "new" }.count
        #expect(inventories == devices * ((checked - 1) / 2 + 1))
    }
}

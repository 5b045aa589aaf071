// SPDX-License-Identifier: Apache-2.0
import Baseline
import Foundation
import NetworkLayers
import SensorEngine
import SensorTestSupport
import Testing
import WireFormat

/// Learning a model and judging traffic against it, on the shared captures and on synthetic sessions.
@Suite struct BaselineSharedCaptureTests {
    static let captures: [String] = {
        guard let files = FileManager.default.enumerator(atPath: SharedData.pcapsDirectory.path) else { return [] }
        return files.compactMap { $0 as? String }.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
    }()

    /// Every shared capture, learned and then replayed against its own model (read back from its file): no
    /// baseline alert, and the model survives writing and reading unchanged.
    @Test(
        .enabled(
            if: SharedData.hasPcaps,
            "the shared captures are absent: set OTSENSOR_PCAPS or put them at ../shared/pcaps"
        )
    )
    func everySharedCaptureIsNormalToItsOwnModel() throws {
        #expect(Self.captures.count >= 50)
        var learnedPairs = 0
        for name in Self.captures {
            let path = SharedData.pcapsDirectory.appendingPathComponent(name).path
            let model = try ReplayHarness.learn([path])
            let text = model.fileText()
            let reread = try Baseline.Model.read(text: text)
            #expect(reread.fileText() == text, "\(name): the model does not survive writing and reading")
            #expect(model.differences(to: reread).isEmpty, "\(name): diff after a round trip")
            let result = try ReplayHarness.replay([path], baseline: Baseline.Monitor(detectingAgainst: reread))
            let alerts = result.records(ofType: "alert").filter { $0.int("alert.gid") == 9100 }
            #expect(alerts.isEmpty, "\(name): \(alerts.compactMap { $0.string("baseline.explanation") }.prefix(3))")
            // Whatever carried Modbus or DNP3 was learned.
            if result.statistics.modbusRequests > 0
                || result.statistics.dnp3Points + result.statistics.dnp3ObjectHeaders > 0
            {
                #expect(!model.pairs.isEmpty, "\(name): no pair learned")
            }
            learnedPairs += model.pairs.count
        }
        #expect(learnedPairs > 50)
    }
}

/// Synthetic Modbus sessions: a client polling a server, built frame by frame.
@Suite struct BaselineSyntheticTests {
    struct Session {
        var client: [UInt8]
        var server: [UInt8] = [10, 0, 0, 9]
        var clientMAC: [UInt8]
        var serverMAC: [UInt8] = [2, 0, 0, 0, 0, 9]
        var port: UInt16 = 40001
        var clientSequence: UInt32 = 1000
        var serverSequence: UInt32 = 5000
        var transaction: UInt16 = 0
        var frames: [(frame: [UInt8], time: Int64)] = []

        init(client: [UInt8], clientMAC: [UInt8], port: UInt16 = 40001) {
            self.client = client
            self.clientMAC = clientMAC
            self.port = port
        }

        mutating func segment(_ payload: [UInt8], toServer: Bool, at time: Int64) {
            let tcp = FrameBuilder.tcp(
                sourcePort: toServer ? port : 502,
                destinationPort: toServer ? 502 : port,
                sequence: toServer ? clientSequence : serverSequence,
                acknowledgment: toServer ? serverSequence : clientSequence,
                payload: payload
            )
            let ip = FrameBuilder.ipv4(
                source: toServer ? client : server,
                destination: toServer ? server : client,
                protocol: 6,
                payload: tcp
            )
            frames.append(
                (
                    FrameBuilder.ethernet(
                        destination: toServer ? serverMAC : clientMAC,
                        source: toServer ? clientMAC : serverMAC,
                        etherType: 0x0800,
                        payload: ip
                    ), time
                )
            )
            if toServer { clientSequence &+= UInt32(payload.count) } else { serverSequence &+= UInt32(payload.count) }
        }

        /// A request PDU at `time` (microseconds) and its response 5 ms later.
        mutating func exchange(unit: UInt8 = 1, request: [UInt8], response: [UInt8], at time: Int64) {
            transaction &+= 1
            func adu(_ pdu: [UInt8]) -> [UInt8] {
                FrameBuilder.be16(transaction) + [0, 0] + FrameBuilder.be16(UInt16(pdu.count + 1)) + [unit] + pdu
            }
            segment(adu(request), toServer: true, at: time)
            segment(adu(response), toServer: false, at: time + 5_000)
        }

        mutating func readHolding(start: UInt16, quantity: UInt8, unit: UInt8 = 1, at time: Int64) {
            exchange(
                unit: unit,
                request: [3] + FrameBuilder.be16(start) + FrameBuilder.be16(UInt16(quantity)),
                response: [3, quantity * 2] + [UInt8](repeating: 7, count: Int(quantity) * 2),
                at: time
            )
        }

        mutating func writeRegister(_ address: UInt16, _ value: UInt16, at time: Int64) {
            let pdu = [6] + FrameBuilder.be16(address) + FrameBuilder.be16(value)
            exchange(request: pdu, response: pdu, at: time)
        }
    }

    static let start: Int64 = 1_704_067_200_000_000

    /// Feeds frames (merged in time order) through an engine with `monitor`, returning the baseline alerts.
    func run(_ frames: [(frame: [UInt8], time: Int64)], monitor: Baseline.Monitor) -> [Baseline.Alert] {
        final class Recorder: EngineEventSink {
            var alerts: [Baseline.Alert] = []
            func modbusTransaction(
                _ event: ModbusTransactionEvent,
                requestADU: borrowing Span<UInt8>,
                responseADU: borrowing Span<UInt8>
            ) {}
            func anomaly(_ event: AnomalyEvent) {}
            func flowEnded(_ event: FlowEndEvent) {}
            func baselineAlert(_ alert: Baseline.Alert, counters: FlowCounters?) { alerts.append(alert) }
        }
        let recorder = Recorder()
        let engine = SensorEngine(sink: recorder, baseline: monitor)
        for (frame, time) in frames.sorted(by: { $0.time < $1.time }) {
            let timestamp = CaptureTimestamp(seconds: time / 1_000_000, microseconds: Int32(time % 1_000_000))
            let span = frame.span
            engine.process(frame: span, timestamp: timestamp, linkType: .ethernet)
        }
        engine.finish()
        return recorder.alerts
    }

    /// An HMI polling holding registers 0-9 every 2 s for 10 minutes and writing register 20 (500-600) each
    /// minute.
    func normalTraffic(
        from start: Int64,
        minutes: Int = 10,
        mac: [UInt8] = [2, 0, 0, 0, 0, 1],
        extra: [(time: Int64, write: (UInt16, UInt16))] = []
    ) -> Session {
        // Requests in time order, so the TCP sequence numbers follow the capture.
        var schedule: [(time: Int64, write: (UInt16, UInt16)?)] = []
        for poll in 0..<(minutes * 30) {
            schedule.append((start + Int64(poll) * 2_000_000 + Int64(poll % 3) * 20_000, nil))
        }
        for write in 0..<minutes {
            schedule.append((start + Int64(write) * 60_000_000 + 700_000, (20, UInt16(500 + write * 10))))
        }
        schedule += extra.map { ($0.time, $0.write) }
        var hmi = Session(client: [10, 0, 0, 5], clientMAC: mac)
        for item in schedule.sorted(by: { $0.time < $1.time }) {
            if let (address, value) = item.write {
                hmi.writeRegister(address, value, at: item.time)
            } else {
                hmi.readHolding(start: 0, quantity: 10, at: item.time)
            }
        }
        return hmi
    }

    func learned() -> Baseline.Model {
        let model = Baseline.Model()
        _ = run(normalTraffic(from: Self.start).frames, monitor: Baseline.Monitor(learningInto: model))
        return model
    }

    @Test func learnsPollsBlocksAndValues() throws {
        let model = learned()
        #expect(model.devices.map(\.address.description) == ["10.0.0.5", "10.0.0.9"])
        #expect(model.devices.first?.roles == .modbusClient)
        let function3 = try #require(model.pairs.first?.stations.first?.function(3))
        #expect(function3.blocks.map { [$0.start, $0.end] } == [[0, 9]])
        let poll = try #require(function3.polls.first)
        #expect(poll.intervals == 299)
        #expect(poll.minimumInterval == 1_960_000)  // 2 s - 40 ms, after the third poll of each cycle
        #expect(poll.maximumInterval == 2_020_000)
        #expect(abs(poll.period - 2_000_000) < 1_000)
        let function6 = try #require(model.pairs.first?.stations.first?.function(6))
        let value = try #require(function6.values.first)
        #expect(function6.values.count == 1)
        #expect(value.address == 20 && value.minimum == 500 && value.maximum == 590 && value.seen.count == 10)
        #expect(function6.polls.isEmpty)  // writes are not timed
    }

    @Test func normalTrafficRaisesNothing() {
        let model = learned()
        let later = Self.start + 3_600_000_000
        #expect(run(normalTraffic(from: later).frames, monitor: Baseline.Monitor(detectingAgainst: model)).isEmpty)
    }

    @Test func aNewMACForAKnownAddressIsRaisedOnce() {
        let model = learned()
        let later = Self.start + 3_600_000_000
        let alerts = run(
            normalTraffic(from: later, mac: [2, 0, 0, 0, 0, 0x66]).frames,
            monitor: Baseline.Monitor(detectingAgainst: model)
        )
        #expect(alerts.map(\.deviation) == [.newMAC])
        #expect(
            alerts.first?.explanation
                == "10.0.0.5 was learned with MAC 02:00:00:00:00:01 and now sends from 02:00:00:00:00:66 (Modbus client)"
        )
    }

    @Test func aWriteOutOfRangeIsHeldForTheScanWindowThenRaised() throws {
        let model = learned()
        let later = Self.start + 3_600_000_000
        let hmi = normalTraffic(from: later, extra: [(later + 301_000_000, (20, 9_999))])
        let alerts = run(hmi.frames, monitor: Baseline.Monitor(detectingAgainst: model))
        let alert = try #require(alerts.first)
        #expect(alerts.count == 1)
        #expect(alert.deviation == .writtenValueOutOfRange)
        #expect(alert.rule.sid == 9_100_009)
        #expect(alert.timestamp.totalMicroseconds == later + 301_000_000)
        #expect(
            alert.explanation
                == "Value 9999 written to holding register 20 is outside the range 500-590 learned from 10.0.0.5 at 10.0.0.9 unit 1 (10 writes in 9 min 58 s of learning); seen: Modbus 6 (Write Single Register) to unit 1"
        )
    }

    @Test func fullListsAreMarkedIncompleteAndNotJudged() throws {
        var settings = Baseline.Settings()
        settings.limits.maxFunctionsPerStation = 1
        let model = Baseline.Model()
        _ = run(
            normalTraffic(from: Self.start).frames,
            monitor: Baseline.Monitor(learningInto: model, settings: settings)
        )
        let station = try #require(model.pairs.first?.stations.first)
        #expect(station.functions.map(\.code) == [3])
        #expect(!station.functionsComplete)
        #expect(model.itemsNotLearned["functions per station"] == 10)
        let reread = try Baseline.Model.read(text: model.fileText())
        #expect(reread.pairs.first?.stations.first?.functionsComplete == false)
        // Function 6 was not learned, but the list says so: it is not raised as new.
        let later = Self.start + 3_600_000_000
        #expect(run(normalTraffic(from: later).frames, monitor: Baseline.Monitor(detectingAgainst: reread)).isEmpty)
    }

    // MARK: - hostile DNP3 (from the breaker's findings)

    /// A DNP3 READ from master 1 to outstation 10 over UDP, carrying `objects` (object headers and their
    /// ranges or indexes), at `seconds` into the capture.
    func dnp3Read(_ objects: [UInt8], sequence: UInt8, at seconds: Int64) -> (frame: [UInt8], time: Int64) {
        // Transport FIR FIN, application FIR FIN with the sequence, function 1 (READ).
        let userData: [UInt8] = [0xC0 | (sequence & 0x3F), 0xC0 | (sequence & 0x0F), 0x01] + objects
        let link = FrameBuilder.dnp3Frame(control: 0xC4, destination: 10, source: 1, userData: userData)
        let ip = FrameBuilder.ipv4(protocol: 17, payload: FrameBuilder.udp(payload: link))
        return (FrameBuilder.ethernet(etherType: 0x0800, payload: ip), Self.start + seconds * 1_000_000)
    }

    @Test func dnp3RangesAndIndexesAtTheEndOfTheirSpaceAreLearnedAndJudgedWithoutOverflow() throws {
        let frames = [
            // g1v0, qualifier 0x02 (4-octet start and stop): 0 to 0xFFFFFFFF.
            dnp3Read([1, 0, 0x02, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF], sequence: 0, at: 0),
            // g30v0, qualifier 0x39 (4-octet count, 4-octet index prefixes): indexes 0xFFFFFFFF then 0.
            dnp3Read([30, 0, 0x39, 2, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0], sequence: 1, at: 1),
            // g30v0, qualifier 0x28 (2-octet count, 2-octet indexes): 5000 (a READ names indexes only).
            dnp3Read([30, 0, 0x28, 1, 0, 0x88, 0x13], sequence: 2, at: 2),
        ]
        let model = Baseline.Model()
        _ = run(frames, monitor: Baseline.Monitor(learningInto: model))
        let function = try #require(model.pairs.first?.station(1 << 16 | 10)?.function(1))
        #expect(
            function.blocks.map { "\($0.table.name) \($0.start)-\($0.end)" }
                == ["g1 0-4294967295", "g30 0-0", "g30 5000-5000", "g30 4294967295-4294967295"]
        )
        let reread = try Baseline.Model.read(text: model.fileText())
        #expect(run(frames, monitor: Baseline.Monitor(detectingAgainst: reread)).isEmpty)
        // An index the READs never named is outside the learned blocks.
        let other = [dnp3Read([30, 0, 0x28, 1, 0, 0x89, 0x13], sequence: 3, at: 3)]
        let alerts = run(
            other,
            monitor: Baseline.Monitor(detectingAgainst: try Baseline.Model.read(text: model.fileText()))
        )
        #expect(alerts.map(\.deviation) == [.readOutsideBlocks])
        #expect(alerts.first?.explanation.hasPrefix("Point 5001 of g30 was never read by 10.0.0.1") == true)
    }
}

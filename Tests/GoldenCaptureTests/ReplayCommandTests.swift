// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorTestSupport
import Testing

/// `otsensor replay` as a user runs it: the built executable, its exit status, standard output and standard error.
enum OTSensorExecutable {
    /// `swift build --build-tests` puts the executable beside the test bundle.
    static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("otsensor")
    }

    static var exists: Bool { FileManager.default.isExecutableFile(atPath: url.path) }
}

@Suite(.enabled(if: OTSensorExecutable.exists, "the otsensor executable is not built"))
struct ReplayCommandTests {
    static var executable: URL { OTSensorExecutable.url }

    struct Run {
        var status: Int32
        var output: String
        var error: String
        var lines: [String] { output.split(separator: "\n").map(String.init) }
    }

    func otsensor(_ arguments: [String], input: Data? = nil, environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(input)
            try inputPipe.fileHandleForWriting.close()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData, as: UTF8.self)
        )
    }

    var plant: String { SharedData.projectCapture("modbus/plant-session.pcap").path }

    @Test func writesEVEWhenStandardOutputIsNotATerminal() throws {
        let run = try otsensor(["replay", plant])
        #expect(run.status == 0)
        #expect(run.lines.count == 44)
        #expect(run.lines.first?.hasPrefix(#"{"timestamp":"2026-11-30T09:53:07.625169+0000","flow_id":"#) == true)
        #expect(run.error.contains("replayed 1 file: 108 packets"))
        #expect(run.error.contains("42 transactions paired"))
    }

    @Test func textAndSummaryFormats() throws {
        let text = try otsensor(["replay", "--format", "text", plant])
        #expect(text.lines.count == 42)
        #expect(
            text.lines[6].contains(
                "unit 1 tid 7 Read Input Registers 0..9 (10) => [1200, 455, 213, 780, 0, 0, 0, 0, 3, 1]"
            )
        )
        #expect(
            text.lines.contains {
                $0.contains("tid 16 Write Single Register 1 = 5000 => exception 3 (ILLEGAL DATA VALUE)")
            }
        )
        let summary = try otsensor(["replay", "--format", "summary", plant])
        #expect(summary.output.isEmpty)
        #expect(
            summary.error.contains(
                "requests by function: Read Coils (1): 6, Read Discrete Inputs (2): 6, Read Holding Registers (3): 8"
            )
        )
        #expect(summary.error.contains("exceptions: ILLEGAL DATA ADDRESS (2): 2, ILLEGAL DATA VALUE (3): 1"))
    }

    @Test func readsStandardInputLikeAFile() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: plant))
        let fromFile = try otsensor(["replay", plant])
        let fromInput = try otsensor(["replay", "-"], input: data)
        #expect(fromInput.status == 0)
        #expect(fromInput.output == fromFile.output)
    }

    @Test func readsSeveralFilesInOrder() throws {
        let other = PcapFileWriter.temporaryURL("second.pcap")
        defer { try? FileManager.default.removeItem(at: other) }
        try PcapFileWriter.write(GoldenCaptureTests.linkTypes[0].frames, to: other)
        let run = try otsensor(["replay", plant, other.path])
        #expect(run.status == 0)
        #expect(run.error.contains("replayed 2 files: 112 packets"))
        let records = run.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let last = records.last { $0["event_type"] as? String == "modbus" }
        #expect(last?["pcap_cnt"] as? Int == 112)  // packet numbers continue across files
        #expect(last?["src_ip"] as? String == "10.0.0.1")
    }

    @Test func appliesABPFFilter() throws {
        let run = try otsensor(["replay", "--format", "summary", "--filter", "tcp dst port 502", plant])
        #expect(run.status == 0)
        #expect(run.error.contains("modbus: 42 requests, 0 responses"))
    }

    @Test func decodesModbusOnAnExtraPort() throws {
        let frames = GoldenCaptureTests.exchange { segment, toServer in
            var moved = segment
            // Move the server from port 502 to 5020 (0x139C).
            if toServer { moved[2] = 0x13; moved[3] = 0x9C } else { moved[0] = 0x13; moved[1] = 0x9C }
            return FrameBuilder.ethernet(etherType: 0x0800, payload: GoldenCaptureTests.ipv4(moved, toServer))
        }
        let url = PcapFileWriter.temporaryURL("5020.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try PcapFileWriter.write(frames, to: url)
        #expect(try otsensor(["replay", url.path]).lines.allSatisfy { !$0.contains(#""event_type":"modbus""#) })
        let run = try otsensor(["replay", "--modbus-port", "5020", url.path])
        #expect(run.lines.filter { $0.contains(#""event_type":"modbus""#) }.count == 1)
    }

    // MARK: - Errors

    @Test func aMissingFileIsOneLineAndANonZeroExit() throws {
        let run = try otsensor(["replay", "/nonexistent/capture.pcap"])
        #expect(run.status == 2)
        #expect(run.output.isEmpty)
        #expect(run.error.hasPrefix("otsensor: cannot read '/nonexistent/capture.pcap': "))
        #expect(run.error.split(separator: "\n").count == 1)
    }

    @Test func aFileThatIsNotACaptureIsRejected() throws {
        let url = PcapFileWriter.temporaryURL("notes.txt")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("these are not packets\n".utf8).write(to: url)
        let run = try otsensor(["replay", url.path])
        #expect(run.status == 2)
        #expect(run.output.isEmpty)
        #expect(run.error.hasPrefix("otsensor: cannot read '\(url.path)': "))
        #expect(run.error.split(separator: "\n").count == 1)
    }

    @Test func anInvalidFilterIsRejected() throws {
        let run = try otsensor(["replay", "--filter", "tcp port banana", plant])
        #expect(run.status == 2)
        #expect(run.output.isEmpty)
        #expect(run.error.hasPrefix("otsensor: invalid filter 'tcp port banana': "))
    }

    @Test func aFilterLongerThanTheLimitIsRejected() throws {
        let filter = (1...300).map { "port \($0)" }.joined(separator: " or ")
        let run = try otsensor(["replay", "--filter", filter, plant])
        #expect(run.status == 2)
        #expect(run.error.contains("at most 2048 are accepted"))
    }

    @Test func anAbsurdFlowLimitIsRejected() throws {
        let run = try otsensor(["replay", "--max-flows", "9223372036854775807", plant])
        #expect(run.status == 64)
        #expect(run.error.contains("--max-flows must be 1...10000000"))
    }

    @Test func aFileCutOffMidPacketGivesResultsAWarningAndExitZero() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: plant))
        let url = PcapFileWriter.temporaryURL("cut.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        try data.prefix(data.count / 2 + 7).write(to: url)
        let run = try otsensor(["replay", url.path])
        #expect(run.status == 0)
        #expect(run.error.contains("otsensor: warning: '\(url.path)' is cut off mid-packet"))
        #expect(run.lines.count > 10)
        #expect(run.lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })
    }

    // MARK: - rules

    func writeRules(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("otsensor-\(UUID().uuidString).rules")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// `rules check` prints every problem at its place and a count per protocol; exit 1 on any error.
    @Test func rulesCheckReportsEveryProblemAtItsPlace() throws {
        let url = try writeRules(
            """
            alert modbus any any -> any any (msg:"read"; modbus: function 3; sid:1;)
            alert dnp3 any any -> any any (msg:"bad"; dnp3_func:fly; sid:2;)
            alert dnp3 $NOWHERE any -> any any (msg:"var"; dnp3_func:read; sid:3;)
            alert dnp3 any any -> any any (msg:"dup"; app-layer-event:dnp3.flooded; sid:1;)
            drop modbus any any -> any any (msg:"drop"; modbus: function 5; sid:4;)
            """
        )
        defer { try? FileManager.default.removeItem(at: url) }
        let run = try otsensor(["rules", "check", url.path])
        #expect(run.status == 1)
        #expect(
            run.lines == [
                "\(url.path):2:53: unknown DNP3 function 'fly'",
                "\(url.path):5:1: warning: 'drop' acts as 'alert' on a passive sensor (sid 4)",
                "\(url.path):3:1: address variable $NOWHERE is not defined",
                "\(url.path):4:1: duplicate sid 1 (gid 1), first at \(url.path):1:1",
                "4 rules in 1 file: 1 dnp3, 1 dnp3 events, 2 modbus; 3 errors, 1 warning",
            ]
        )
    }

    @Test func rulesCheckPassesGoodRulesAndReplayUsesThem() throws {
        let url = try writeRules(
            #"alert dnp3 any any -> any any (msg:"time write"; dnp3_func:write; dnp3_obj:50,1; classtype:misc-activity; sid:9;)"#
        )
        defer { try? FileManager.default.removeItem(at: url) }
        let check = try otsensor(["rules", "check", url.path])
        #expect(check.status == 0)
        #expect(check.lines == ["1 rule in 1 file: 1 dnp3; 0 errors, 0 warnings"])
        let capture = SharedData.projectCapture("dnp3/plant-dnp3.pcap").path
        let replay = try otsensor(["replay", "--format", "eve", "--no-default-rules", "--rules", url.path, capture])
        #expect(replay.status == 0)
        let alerts = replay.lines.filter { $0.contains(#""event_type":"alert""#) }
        #expect(alerts.count == 1)
        #expect(alerts.first?.contains(#""signature":"time write","category":"Misc activity","severity":3"#) == true)
        #expect(replay.error.contains("[1:9:0] time write: 1"))
        let broken = try writeRules("alert dnp3 any any -> any any (dnp3_func:fly; sid:1;)")
        defer { try? FileManager.default.removeItem(at: broken) }
        let refused = try otsensor(["replay", "--no-default-rules", "--rules", broken.path, capture])
        #expect(refused.status == 2)
        #expect(refused.error.hasPrefix("\(broken.path):1:42: unknown DNP3 function 'fly'"))
    }

    /// With no path, `rules check` checks the shipped set: the source tree's `Signatures/` beside the build.
    @Test func theShippedSetIsTheDefault() throws {
        let folder = SharedData.packageRoot.appendingPathComponent("Signatures")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".rules") }
        let check = try otsensor(["rules", "check"])
        #expect(check.status == 0)
        #expect(check.lines.count == 1)
        #expect(check.lines.last?.contains(" rules in \(files.count) files: ") == true)
        #expect(check.lines.last?.hasSuffix("; 0 errors, 0 warnings") == true)
    }

    /// What loading refuses or says aloud: a named default folder that is not one, a rule file that is not UTF-8,
    /// every undefined variable (not only the first); folders in `--rules` expand to their `.rules` files.
    @Test func ruleLoadingSaysWhatIsWrong() throws {
        let capture = SharedData.projectCapture("dnp3/plant-dnp3.pcap").path
        let missing = try otsensor(
            ["replay", "--format", "summary", capture],
            environment: ["OTSENSOR_SIGNATURES": "/nonexistent/signatures"]
        )
        #expect(missing.status == 2)
        #expect(
            missing.error
                == "otsensor: the default rule folder '/nonexistent/signatures' (OTSENSOR_SIGNATURES) is not a folder\n"
        )
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "otsensor-rules-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let latin1 = folder.appendingPathComponent("latin1.rules")
        try Data(
            #"# ok\#nalert dnp3 any any -> any any (msg:"caf\#u{E9}"; sid:1;)"#.utf8.map { $0 == 0xC3 ? 0xE9 : $0 }
                .filter { $0 != 0xA9 }
        )
        .write(to: latin1)
        let notUTF8 = try otsensor(["rules", "check", latin1.path])
        #expect(notUTF8.status == 2)
        #expect(notUTF8.error == "\(latin1.path):2: not UTF-8 text (byte 0xe9); write bytes as |hex| in content\n")
        try FileManager.default.removeItem(at: latin1)
        try """
        alert dnp3 $NOPE any -> any any (msg:"a"; dnp3_func:read; sid:1;)
        alert dnp3 any any -> $NEITHER any (msg:"b"; dnp3_func:read; sid:2;)
        """.write(to: folder.appendingPathComponent("vars.rules"), atomically: true, encoding: .utf8)
        let check = try otsensor(["rules", "check", folder.path])
        #expect(check.status == 1)
        #expect(
            check.lines == [
                "\(folder.path)/vars.rules:1:1: address variable $NOPE is not defined",
                "\(folder.path)/vars.rules:2:1: address variable $NEITHER is not defined",
                "2 rules in 1 file: 2 dnp3; 2 errors, 0 warnings",
            ]
        )
        try #"alert dnp3 any any -> any any (msg:"read"; dnp3_func:read; sid:1;)"#.write(
            to: folder.appendingPathComponent("vars.rules"),
            atomically: true,
            encoding: .utf8
        )
        let replay = try otsensor([
            "replay", "--format", "summary", "--no-default-rules", "--rules", folder.path, capture,
        ])
        #expect(replay.status == 0)
        #expect(replay.error.contains("    [1:1:0] read: 3"))
    }

    /// A binary with no rule folder in reach (installed alone) says so, and its summary says no rule ran.
    @Test func aBinaryWithoutItsRulesSaysSo() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "otsensor-alone-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let alone = folder.appendingPathComponent("otsensor")
        try FileManager.default.copyItem(at: Self.executable, to: alone)
        let process = Process()
        process.executableURL = alone
        process.arguments = ["replay", "--format", "summary", SharedData.projectCapture("dnp3/plant-dnp3.pcap").path]
        var environment = ProcessInfo.processInfo.environment
        environment["OTSENSOR_SIGNATURES"] = nil
        process.environment = environment
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.hasPrefix("otsensor: warning: no default rule folder found"))
        #expect(text.contains("\n  rules: none loaded\n"))
    }

    /// `--config`: variables from otsensor.yaml reach the rules; rule files named there are loaded; a bad file
    /// stops the run at its line.
    @Test func configurationVariablesAndRuleFilesReachTheRules() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "otsensor-config-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try #"alert dnp3 !$DNP3_MASTERS any -> any any (msg:"read by a stranger"; dnp3_func:read; sid:5;)"#.write(
            to: folder.appendingPathComponent("local.rules"),
            atomically: true,
            encoding: .utf8
        )
        let config = folder.appendingPathComponent("otsensor.yaml")
        try """
        vars:
          address-groups:
            DNP3_MASTERS: "[10.0.0.99]"
        rule-files:
          - local.rules
        """.write(to: config, atomically: true, encoding: .utf8)
        let capture = SharedData.projectCapture("dnp3/plant-dnp3.pcap").path
        let replay = try otsensor(["replay", "--format", "eve", "--no-default-rules", "--config", config.path, capture])
        #expect(replay.status == 0)
        #expect(replay.lines.filter { $0.contains(#""signature_id":5"#) }.count == 3)  // the three READs of 127.0.0.1
        let check = try otsensor([
            "rules", "check", "--config", config.path, folder.appendingPathComponent("local.rules").path,
        ])
        #expect(check.lines.last == "1 rule in 1 file: 1 dnp3; 0 errors, 0 warnings")

        // The per-flow limit and the threshold file reach the engine: one alert on the flow, then none at all.
        try "suppress gen_id 1, sig_id 5, track by_src, ip 127.0.0.0/8\n".write(
            to: folder.appendingPathComponent("threshold.config"),
            atomically: true,
            encoding: .utf8
        )
        var yaml = try String(contentsOf: config, encoding: .utf8)
        try (yaml + "\ndetect:\n  alerts-per-rule-per-flow: 1\n").write(to: config, atomically: true, encoding: .utf8)
        let limited = try otsensor([
            "replay", "--format", "summary", "--no-default-rules", "--config", config.path, capture,
        ])
        #expect(limited.error.contains("  alerts: 1 (more matches held back: 2 past the per-flow limit)"))
        yaml += "\nthreshold-file: threshold.config\n"
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        let suppressed = try otsensor([
            "replay", "--format", "summary", "--no-default-rules", "--config", config.path, capture,
        ])
        #expect(
            suppressed.error.contains(
                "  alerts: 0 (more matches held back: 3 by suppress, threshold or detection_filter)"
            )
        )
        #expect(suppressed.error.contains("    [1:5:0] read by a stranger: 0 (+3 held back)"))

        try "vars:\n  address-groups:\n    DNP3_MASTERS: \"[10.0.0.999]\"\n".write(
            to: config,
            atomically: true,
            encoding: .utf8
        )
        let refused = try otsensor(["replay", "--no-default-rules", "--config", config.path, capture])
        #expect(refused.status == 2)
        #expect(refused.error.hasPrefix("\(config.path):3: $DNP3_MASTERS: '10.0.0.999' is not an address"))
    }
}

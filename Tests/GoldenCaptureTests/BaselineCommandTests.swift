// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorTestSupport
import Testing

/// `otsensor learn`, `baseline show`, `baseline diff` and `replay --baseline`, run as a user runs them: the built
/// executable, files on disk.
@Suite(.enabled(if: OTSensorExecutable.exists, "the otsensor executable is not built"))
struct BaselineCommandTests {
    func otsensor(_ arguments: [String]) throws -> ReplayCommandTests.Run {
        try ReplayCommandTests().otsensor(arguments)
    }

    func capture(_ name: String) -> String { SharedData.projectCapture("baseline/\(name).pcap").path }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("otsensor-baseline-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func learnShowEditDiffAndJudge() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("baseline.json").path

        let learn = try otsensor(["learn", "--no-progress", capture("modbus-normal"), "--out", model])
        #expect(learn.status == 0)
        #expect(learn.error.contains("learned 9213 packets (3072 Modbus transactions and DNP3 fragments) over 1 h"))
        #expect(learn.error.contains("model: 3 devices, 2 pairs, 3 units or DNP3 address pairs, 6 functions"))

        let show = try otsensor(["baseline", "show", model])
        #expect(show.status == 0)
        #expect(show.output.contains("Devices (3)"))
        #expect(show.output.contains("holding_registers 20: 500..600"))
        #expect(show.output.contains("holding_registers 0-49"))

        let same = try otsensor(["baseline", "diff", model, model])
        #expect(same.status == 0)
        #expect(same.output.contains("no differences"))

        // The attack writes 9999 to register 20: an alert against the model as learned.
        let before = try otsensor([
            "replay", "--format", "eve", "--no-default-rules", "--baseline", model,
            capture("modbus-value-out-of-range"),
        ])
        #expect(before.status == 0)
        #expect(before.lines.filter { $0.contains(#""signature_id":9100009"#) }.count == 1)
        #expect(before.error.contains("baseline: judged against 2 pairs and 3 devices, 1 h of learning"))

        // An engineer widens the setpoint's range by hand: the same write is now normal, and diff says what changed.
        let text = try String(contentsOfFile: model, encoding: .utf8)
        let widened = folder.appendingPathComponent("widened.json").path
        let edited = text.replacingOccurrences(of: #""max": 600"#, with: #""max": 10000"#)
        #expect(edited != text)
        try edited.write(toFile: widened, atomically: true, encoding: .utf8)
        let diff = try otsensor(["baseline", "diff", model, widened])
        #expect(diff.status == 1)
        #expect(diff.lines.count == 1)
        #expect(
            diff.lines.first?.hasPrefix(
                "~ value modbus 127.0.0.10 -> 127.0.0.1 unit 1 function 6 holding_registers 20: 500..600 -> 500..10000"
            ) == true
        )
        let after = try otsensor([
            "replay", "--format", "eve", "--no-default-rules", "--baseline", widened,
            capture("modbus-value-out-of-range"),
        ])
        #expect(after.status == 0)
        #expect(!after.output.contains(#""gid":9100"#))
    }

    @Test func aBrokenModelStopsTheReplayWithItsPlace() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("bad.json").path
        try
            #"{"otsensor_baseline": 1, "learned": {"duration_s": 1, "sources": [], "packets": 0, "records": 0, "read_values": false}, "devices": [], "pairs": [{"protocol": "bacnet"}]}"#
            .write(toFile: model, atomically: true, encoding: .utf8)
        let run = try otsensor(["replay", "--no-default-rules", "--baseline", model, capture("modbus-new-client")])
        #expect(run.status == 2)
        #expect(run.output.isEmpty)
        #expect(run.error.contains("bad.json: pairs[0].protocol: 'bacnet' is not modbus or dnp3"))
    }

    @Test func baselineSettingsComeFromTheConfiguration() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("baseline.json").path
        let configuration = folder.appendingPathComponent("otsensor.yaml").path
        #expect(try otsensor(["learn", "--no-progress", capture("modbus-normal"), "--out", model]).status == 0)
        // With a far larger tolerance for missed polls, the stopped historian is not yet an inactive channel.
        try "baseline:\n  missed-polls: 100\n".write(toFile: configuration, atomically: true, encoding: .utf8)
        let tolerant = try otsensor([
            "replay", "--format", "eve", "--no-default-rules", "--config", configuration, "--baseline", model,
            capture("modbus-stopped-poller"),
        ])
        #expect(tolerant.status == 0)
        #expect(!tolerant.output.contains(#""gid":9100"#))
        let strict = try otsensor([
            "replay", "--format", "eve", "--no-default-rules", "--baseline", model, capture("modbus-stopped-poller"),
        ])
        #expect(strict.lines.filter { $0.contains(#""signature_id":9100012"#) }.count == 1)
        // A misspelt key is an error at its line.
        try "baseline:\n  missed-poll: 2\n".write(toFile: configuration, atomically: true, encoding: .utf8)
        let wrong = try otsensor(["learn", capture("modbus-normal"), "--out", model, "--config", configuration])
        #expect(wrong.status == 2)
        #expect(wrong.error.contains("otsensor.yaml:2: unknown baseline setting 'missed-poll'"))
    }

    /// The model is written by a rename: a path that is not a regular file, or one of the captures read, is
    /// refused before any learning (found by the breaker: a device node and a capture were replaced).
    @Test func theModelIsNeverWrittenOverSomethingElse() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let captureCopy = folder.appendingPathComponent("normal.pcap").path
        try FileManager.default.copyItem(atPath: capture("dnp3-new-control"), toPath: captureCopy)
        let link = folder.appendingPathComponent("link.json").path
        try FileManager.default.createSymbolicLink(
            atPath: link,
            withDestinationPath: folder.appendingPathComponent("t.json").path
        )
        for (out, reason) in [
            (captureCopy, "it is one of the files read"), (folder.path, "it is a folder"),
            (link, "it is a symbolic link (name the file it points to)"),
            (folder.appendingPathComponent("none/x.json").path, "no such folder"),
        ] {
            let run = try otsensor(["learn", "--no-progress", captureCopy, "--out", out])
            #expect(run.status == 2)
            #expect(run.error.contains(reason), "\(out): \(run.error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: captureCopy)).starts(with: [0xD4, 0xC3, 0xB2, 0xA1]))
    }

    /// A list marked incomplete is not judged, so marking one is a change `diff` shows.
    @Test func diffShowsWhatIsNoLongerJudged() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("m.json").path
        #expect(try otsensor(["learn", "--no-progress", capture("dnp3-normal"), "--out", model]).status == 0)
        let text = try String(contentsOfFile: model, encoding: .utf8)
        let blind = folder.appendingPathComponent("blind.json").path
        try text.replacingOccurrences(of: #""functions": ["#, with: #""incomplete": ["functions"], "functions": ["#)
            .write(toFile: blind, atomically: true, encoding: .utf8)
        let diff = try otsensor(["baseline", "diff", model, blind])
        #expect(diff.status == 1)
        #expect(diff.lines == ["~ station dnp3 127.0.0.20 -> 127.0.0.1 1->10: complete -> incomplete: functions"])
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
import SensorTestSupport
import Testing

/// `otsensor run` and `otsensor config check` as a user meets them when something is wrong: one clear line on
/// standard error and exit status 2, before any capture runs.
@Suite(.enabled(if: OTSensorExecutable.exists, "the otsensor executable is not built"))
struct RunCommandTests {
    let tool = ReplayCommandTests()

    static func file(_ name: String, _ text: String) throws -> URL {
        let url = PcapFileWriter.temporaryURL(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func aBadInterfaceNameIsOneLineAndStatus2() throws {
        let run = try tool.otsensor(["run", "-i", "nosuchif0", "--no-default-rules", "--metrics", "off"])
        #expect(run.status == 2)
        let lines = run.error.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("otsensor: cannot capture on 'nosuchif0': ") == true)
        #expect(run.output.isEmpty)
    }

    @Test func noInterfaceIsOneLineAndStatus2() throws {
        let empty = try Self.file("empty.yaml", "")
        defer { try? FileManager.default.removeItem(at: empty) }
        let run = try tool.otsensor(["run", "--no-default-rules"], environment: ["OTSENSOR_CONFIG": empty.path])
        #expect(run.status == 2)
        #expect(
            run.error
                == "otsensor: no interface to capture on: give --interface, or a pcap list in the configuration\n"
        )
    }

    @Test func aConfigurationErrorIsOneLineAtItsPlace() throws {
        let config = try Self.file("bad.yaml", "pcap:\n  - interface: eth1\n    snaplen: 12\n")
        defer { try? FileManager.default.removeItem(at: config) }
        let run = try tool.otsensor(["run", "--config", config.path, "--no-default-rules"])
        #expect(run.status == 2)
        #expect(run.error == "\(config.path):3: snaplen is a whole number, 64 to 262144\n")
        let check = try tool.otsensor(["config", "check", config.path])
        #expect(check.status == 2)
        #expect(check.error == run.error)
    }

    @Test func configReadySaysWhatTheServiceStillNeeds() throws {
        let empty = try Self.file("empty.yaml", "metrics:\n  listen: off\n")
        let sensorOnly = try Self.file("sensor-only.yaml", "pcap:\n  - interface: eth1\n")
        let complete = try Self.file(
            "complete.yaml",
            "pcap:\n  - interface: eth1\nuplink:\n  center: https://center.example:8443\n  sensor-id: plant-1\n"
        )
        let uplinkOnly = try Self.file(
            "uplink-only.yaml",
            "uplink:\n  center: https://center.example:8443\n  sensor-id: plant-2\n"
        )
        let broken = try Self.file("broken.yaml", "pcap:\n  - interface: eth1\n    snaplen: 12\n")
        defer {
            for file in [empty, sensorOnly, complete, uplinkOnly, broken] {
                try? FileManager.default.removeItem(at: file)
            }
        }
        let none = try tool.otsensor(["config", "ready", empty.path])
        #expect(none.status == 1)
        #expect(
            none.output
                == "\(empty.path): not ready: no interface (pcap: - interface: NAME); no center (uplink: center: https://HOST:PORT and sensor-id: ID)\n"
        )
        let noCenter = try tool.otsensor(["config", "ready", sensorOnly.path])
        #expect(noCenter.status == 1)
        #expect(
            noCenter.output.hasSuffix("not ready: no center (uplink: center: https://HOST:PORT and sensor-id: ID)\n")
        )
        let ready = try tool.otsensor(["config", "ready", complete.path])
        #expect(ready.status == 0)
        #expect(
            ready.output
                == "\(complete.path): ready: captures on eth1, sends to https://center.example:8443 as plant-1\n"
        )
        // The template unit names the interface on the command line.
        let instance = try tool.otsensor(["config", "ready", uplinkOnly.path, "--interface", "eth2"])
        #expect(instance.status == 0)
        #expect(instance.output.hasSuffix("ready: captures on eth2, sends to https://center.example:8443 as plant-2\n"))
        // A configuration that cannot be read fails the unit's start (255) instead of skipping it.
        let bad = try tool.otsensor(["config", "ready", broken.path])
        #expect(bad.status == 255)
        #expect(bad.error == "\(broken.path):3: snaplen is a whole number, 64 to 262144\n")
    }

    @Test func contradictoryFlagsAreAUsageError() throws {
        let run = try tool.otsensor(["run", "-i", "lo", "--user", "nobody", "--allow-root"])
        #expect(run.status == 64)
        #expect(run.error.contains("--user and --allow-root contradict each other"))
    }

    @Test func anUnknownUserStopsBeforeCapturing() throws {
        guard getuid() == 0 else { return }  // opening lo needs root; the user check comes after
        let run = try tool.otsensor([
            "run", "-i", "lo", "--user", "no-such-user-otsensor", "--no-default-rules", "--metrics", "off",
        ])
        #expect(run.status == 2)
        #expect(run.error == "otsensor: no such user 'no-such-user-otsensor'\n")
    }

    /// Switching to a user whose id is 0 is still root, and refused the same way.
    @Test func aRootUserIsRefusedToo() throws {
        guard getuid() == 0 else { return }
        let run = try tool.otsensor(["run", "-i", "lo", "--user", "root", "--no-default-rules", "--metrics", "off"])
        #expect(run.status == 2)
        #expect(run.error.contains("refusing to keep running as root once the capture is open"))
    }

    @Test func configCheckCompilesFiltersAndReadsAddresses() throws {
        let config = try Self.file(
            "filters.yaml",
            "pcap:\n  - interface: lo\n    bpf-filter: \"tcp prot 502\"\nmetrics:\n  listen: foo:9108\n"
        )
        defer { try? FileManager.default.removeItem(at: config) }
        let check = try tool.otsensor(["config", "check", "--no-default-rules", config.path])
        #expect(check.status == 2)
        #expect(check.error.contains("\(config.path): metrics listen 'foo:9108' is not IP-ADDRESS:PORT\n"))
        #expect(check.error.contains("\(config.path): bpf-filter of 'lo' is invalid: "))
    }

    /// Root is refused once the capture is open, unless asked for.
    @Test func rootIsRefusedAfterStartUp() throws {
        guard getuid() == 0 else { return }
        let run = try tool.otsensor(["run", "-i", "lo", "--no-default-rules", "--metrics", "off"])
        #expect(run.status == 2)
        #expect(run.error.hasPrefix("otsensor: refusing to keep running as root once the capture is open"))
    }

    @Test func configCheckSaysWhatTheSensorWouldDo() throws {
        let folder = FileManager.default.temporaryDirectory.path
        let config = try Self.file(
            "good.yaml",
            """
            pcap:
              - interface: lo
            eve-log:
              filename: \(folder)/eve.json
            summaries:
              window: 30
            run-as: nobody
            """
        )
        defer { try? FileManager.default.removeItem(at: config) }
        let check = try tool.otsensor(["config", "check", config.path])
        #expect(check.status == 0)
        #expect(check.error.isEmpty)
        #expect(
            check.output.hasPrefix(
                "\(config.path): ok: 72 rules; interfaces lo (promiscuous, snaplen 9216, ring 32 MiB); EVE to \(folder)/eve.json;"
            )
        )
        #expect(check.output.contains("summaries every 30 s; metrics 127.0.0.1:9108; run as nobody; baseline none"))
        let wrong = try Self.file("wrong.yaml", "pcap:\n  - interface: nosuchif0\nrun-as: no-such-user-otsensor\n")
        defer { try? FileManager.default.removeItem(at: wrong) }
        let bad = try tool.otsensor(["config", "check", wrong.path])
        #expect(bad.status == 2)
        #expect(
            bad.error
                == "\(wrong.path): interface 'nosuchif0' does not exist on this machine\n\(wrong.path): run-as user 'no-such-user-otsensor' does not exist\n"
        )
        // A folder the run-as user cannot write (the sensor opens the log after switching user).
        let closed = FileManager.default.temporaryDirectory.appendingPathComponent(
            "otsensor-closed-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: closed, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: closed) }
        chmod(closed.path, 0o755)
        let unwritable = try Self.file(
            "unwritable.yaml",
            "eve-log:\n  filename: \(closed.path)/eve.json\nrun-as: nobody\n"
        )
        defer { try? FileManager.default.removeItem(at: unwritable) }
        if getuid() == 0 {
            let refused = try tool.otsensor(["config", "check", "--no-default-rules", unwritable.path])
            #expect(refused.status == 2)
            #expect(
                refused.error
                    == "\(unwritable.path): eve-log '\(closed.path)/eve.json' is not writable by run-as user 'nobody' (the sensor opens it after switching user)\n"
            )
        }
    }
}

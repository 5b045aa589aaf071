// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Detection
import Foundation
import PacketCapture
import SensorConfiguration
import SensorService
import SummaryModel
import Uplink

/// `otsensor config check`: reads the configuration as `run` would, and says what it found or what is wrong.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the configuration file.",
        subcommands: [ConfigCheck.self, ConfigReady.self]
    )
}

/// `otsensor config ready`: whether the configuration names what a service needs to start, an interface and a
/// center. The systemd units run it as their `ExecCondition`, so an installed but unconfigured sensor is skipped at
/// boot instead of failing.
struct ConfigReady: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ready",
        abstract: "Say whether the configuration names an interface and a center (the service's start condition).",
        discussion: """
            Exit status 0 when it does (one line says which), 1 when it does not (one line says what is missing; \
            systemd then skips the unit's start), and 255 when the configuration cannot be read (systemd then fails \
            the start, so the mistake shows in `systemctl status`). It does not check the rules, the files or the \
            interfaces: `otsensor config check` does.
            """
    )

    @Argument(help: "The configuration file (default: $OTSENSOR_CONFIG, else /etc/otsensor/otsensor.yaml).")
    var file: String?

    @Option(name: [.short, .long], help: "An interface given on the command line (as `run -i`), repeatable.")
    var interface: [String] = []

    func run() throws {
        let given = Run.configPath(file)
        let path = given ?? "(no configuration file)"
        let run: RunSettings
        do {
            run = try RuleLoading.settings(given).run
        } catch {
            throw ExitCode(255)
        }
        let interfaces = interface.isEmpty ? run.interfaces.map(\.name) : interface
        var missing: [String] = []
        if interfaces.isEmpty { missing.append("no interface (pcap: - interface: NAME)") }
        if run.uplink?.center == nil || run.uplink?.sensorID == nil {
            missing.append("no center (uplink: center: https://HOST:PORT and sensor-id: ID)")
        }
        guard missing.isEmpty else {
            print(Terminal.safe("\(path): not ready: \(missing.joined(separator: "; "))"))
            throw ExitCode(1)
        }
        print(
            Terminal.safe(
                "\(path): ready: captures on \(interfaces.joined(separator: ", ")), sends to \(run.uplink?.center ?? "") as \(run.uplink?.sensorID ?? "")"
            )
        )
    }
}

struct ConfigCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Read the configuration, its rule files and baseline, and check the interfaces and output paths.",
        discussion: """
            Exit status 0 when all is well (one line says what the sensor would do), 2 with one line per problem \
            otherwise.
            """
    )

    @Argument(help: "The configuration file (default: $OTSENSOR_CONFIG, else /etc/otsensor/otsensor.yaml).")
    var file: String?

    @Flag(name: .customLong("no-default-rules"), help: "Do not load the default rule set.")
    var noDefaultRules = false

    func run() throws {
        // As `run` does: with no file anywhere, the defaults.
        let given = Run.configPath(file)
        if let given, !FileManager.default.fileExists(atPath: given) {
            StandardError.write("otsensor: cannot read '\(Terminal.safe(given))': no such file\n")
            throw ExitCode(2)
        }
        let path = given ?? "(no configuration file: the defaults)"
        let settings = try RuleLoading.settings(given)
        let rules = try RuleLoading.load(files: [], includeDefaults: !noDefaultRules, settings: settings)
        let run = settings.run
        if let baseline = run.baselineFile { _ = try BaselineFile.read(baseline) }
        var problems: [String] = []
        for interface in run.interfaces where !Privileges.interfaceExists(interface.name) {
            problems.append("interface '\(Terminal.safe(interface.name))' does not exist on this machine")
        }
        if let log = run.eveLog, log != "-" {
            let folder = URL(fileURLWithPath: log).deletingLastPathComponent().path
            if RuleLoading.isFolder(log) {
                problems.append("eve-log '\(Terminal.safe(log))' is a folder")
            } else if !RuleLoading.isFolder(folder) {
                problems.append("eve-log folder '\(Terminal.safe(folder))' does not exist")
            } else if !Privileges.canWrite(log, as: run.runAs) {
                problems.append(
                    "eve-log '\(Terminal.safe(log))' is not writable by \(run.runAs.map { "run-as user '\(Terminal.safe($0))'" } ?? "this user") (the sensor opens it after switching user)"
                )
            }
        }
        if let listen = run.metricsListen, MetricsServer.parse(listen) == nil {
            problems.append("metrics listen '\(Terminal.safe(listen))' is not IP-ADDRESS:PORT")
        }
        for interface in run.interfaces {
            if let filter = interface.filter, let problem = OfflineCapture.filterProblem(filter) {
                problems.append(
                    "bpf-filter of '\(Terminal.safe(interface.name))' is invalid: \(Terminal.safe(problem))"
                )
            }
        }
        if let user = run.runAs, !Privileges.userExists(user) {
            problems.append("run-as user '\(Terminal.safe(user))' does not exist")
        }
        if let uplink = run.uplink {
            problems += Self.uplinkProblems(uplink, runAs: run.runAs)
        }
        for problem in problems { StandardError.write("\(Terminal.safe(path)): \(problem)\n") }
        if !problems.isEmpty { throw ExitCode(2) }
        let interfaces =
            run.interfaces.isEmpty
            ? "none (give --interface)"
            : run.interfaces.map { interface in
                var details = ["snaplen \(interface.snapshotLength)", "ring \(interface.bufferSize >> 20) MiB"]
                details.insert(interface.promiscuous ? "promiscuous" : "not promiscuous", at: 0)
                if interface.immediate { details.append("immediate") }
                if let filter = interface.filter { details.append("filter '\(Terminal.safe(filter))'") }
                return "\(Terminal.safe(interface.name)) (\(details.joined(separator: ", ")))"
            }.joined(separator: ", ")
        print(
            Terminal.safe(
                "\(path): ok: \(rules?.count ?? 0) rules; interfaces \(interfaces); EVE to \(run.eveLog ?? "standard output"); summaries every \(run.summaryWindowSeconds) s; metrics \(run.metricsListen ?? "off"); run as \(run.runAs ?? "the starting user"); baseline \(run.baselineFile ?? "none"); uplink \(run.uplink.map { "to \($0.center ?? "") as \($0.sensorID ?? "") (spool \($0.spool), \($0.spoolQuota >> 20) MiB, \($0.compression))" } ?? "none")"
            )
        )
    }

    /// What would stop the uplink: its settings, the key, the TLS files, the spool folder.
    static func uplinkProblems(_ uplink: RunSettings.UplinkSettings, runAs: String?) -> [String] {
        guard uplink.center != nil else { return ["uplink needs center (https://HOST:PORT)"] }
        var problems = UplinkOptions.check(uplink).problems.map { "uplink: \($0)" }
        let spoolParent = URL(fileURLWithPath: uplink.spool).deletingLastPathComponent().path
        let spoolTarget = RuleLoading.isFolder(uplink.spool) ? uplink.spool : spoolParent
        if !RuleLoading.isFolder(spoolTarget) {
            problems.append("uplink spool folder '\(Terminal.safe(spoolParent))' does not exist")
        } else if !Privileges.canWrite(spoolTarget + "/.otsensor-check", as: runAs) {
            problems.append(
                "uplink spool '\(Terminal.safe(uplink.spool))' is not writable by \(runAs.map { "run-as user '\(Terminal.safe($0))'" } ?? "this user")"
            )
        }
        return problems
    }
}

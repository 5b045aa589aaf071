// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Detection
import Foundation
import SensorConfiguration

/// `otsensor rules`: work with rule files.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Work with rule files (Suricata's syntax).",
        subcommands: [RulesCheck.self]
    )
}

/// `otsensor rules check [PATH...]`: parses and compiles rule files, printing every problem as
/// `file:line:column: message` and a count of rules per protocol; exit status 1 on any error.
struct RulesCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check rule files: every problem as file:line:column: message, and the rules per protocol.",
        discussion: """
            PATH is a rule file or a folder of .rules files; with none, the default set and the configuration's \
            rule-files are checked (the default folder: the configuration's default-rule-path, else \
            OTSENSOR_SIGNATURES, else share/otsensor/signatures beside the binary's folder, the source tree's \
            Signatures/, or /usr/share/otsensor/signatures). Exit status: 0 when every rule is good (warnings \
            allowed), 1 when any is not, 2 when a path or the configuration cannot be read.
            """
    )

    @Argument(help: "Rule files or folders of .rules files.")
    var paths: [String] = []

    @Option(
        name: .customLong("config"),
        help: "The configuration file (otsensor.yaml): variables, rule files, classification and thresholds."
    )
    var configFile: String?

    func run() throws {
        let settings = try RuleLoading.settings(configFile)
        var targets = paths
        if targets.isEmpty {
            guard let folder = try RuleLoading.defaultFolder(settings) else {
                StandardError.write("otsensor: no default rule folder found; name one\n")
                throw ExitCode(2)
            }
            targets = [folder] + settings.ruleFiles
        }
        let files = try RuleLoading.expand(targets)
        var rules: [Detection.Rule] = []
        var errors = 0
        var warnings = 0
        for file in files {
            let result = Detection.parseRules(try RuleLoading.text(of: file), file: file)
            for error in result.errors { print(Terminal.safe("\(error)")) }
            for warning in result.warnings { print(Terminal.safe("\(warning.location): warning: \(warning.message)")) }
            errors += result.errors.count
            warnings += result.warnings.count
            rules += result.rules
        }
        // Each rule compiled on its own first, so that every undefined variable and unknown classtype is named;
        // then the whole set (duplicate sids below).
        func compiles(_ rules: [Detection.Rule]) -> Bool {
            do {
                _ = try Detection.RuleSet(
                    rules: rules,
                    variables: settings.variables,
                    classifications: settings.classifications,
                    thresholdFile: settings.thresholdFile
                )
                return true
            } catch {
                print(Terminal.safe("\(error)"))
                errors += 1
                return false
            }
        }
        var compileFailed = false
        for rule in rules where !compiles([rule]) { compileFailed = true }
        if !compileFailed { _ = compiles(rules) }
        var seen: [String: Detection.SourceLocation] = [:]
        for rule in rules {
            let id = "\(rule.gid):\(rule.sid)"
            if let first = seen[id] {
                print(
                    Terminal.safe("\(rule.location)")
                        + ": duplicate sid \(rule.sid) (gid \(rule.gid)), first at \(first)"
                )
                errors += 1
            } else {
                seen[id] = rule.location
            }
        }
        var perProtocol: [String: Int] = [:]
        for rule in rules {
            perProtocol[
                rule.appLayerEvent != nil ? "\(rule.proto.rawValue) events" : rule.proto.rawValue,
                default: 0
            ] +=
                1
        }
        let breakdown = perProtocol.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print(
            "\(rules.count) rule\(rules.count == 1 ? "" : "s") in \(files.count) file\(files.count == 1 ? "" : "s")"
                + (breakdown.isEmpty ? "" : ": \(breakdown)")
                + "; \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
        )
        if errors > 0 { throw ExitCode(1) }
    }
}

// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import SummaryModel

/// The OTSensor agent's command line. Thin: each subcommand parses its options and hands over to library code.
@main
struct OTSensorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otsensor",
        abstract: "Passive network sensor for industrial control networks (Modbus/TCP and DNP3).",
        version: "otsensor \(OTSensorRelease.version)",
        subcommands: [
            Run.self, Replay.self, Learn.self, BaselineCommand.self, RulesCommand.self, ConfigCommand.self,
            Keygen.self, Version.self,
        ],
        defaultSubcommand: nil
    )
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")
    func run() {
        print("otsensor \(OTSensorRelease.version)")
    }
}

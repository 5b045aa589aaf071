// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Baseline

/// `otsensor baseline show|diff`: reviewing models.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Review baseline models made by otsensor learn.",
        subcommands: [Show.self, Diff.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a model as tables: devices, pairs, functions with blocks and values, polls."
        )

        @Argument(help: "The model file.")
        var file: String

        func run() throws {
            let model = try BaselineFile.read(file)
            print(Terminal.safe(model.showText(), keepingNewlines: true), terminator: "")
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show what changed from model A to model B.",
            discussion: """
                One line per item: + only in B, - only in A, ~ in both with a changed role, value range, poll \
                timing or busiest rate window (counts and times are not compared). Exit status 0 when nothing \
                changed, 1 when something did, 2 on an error, as diff(1).
                """
        )

        @Argument(help: "The earlier model.")
        var a: String

        @Argument(help: "The later model.")
        var b: String

        func run() throws {
            let before = try BaselineFile.read(a)
            let after = try BaselineFile.read(b)
            let lines = before.differences(to: after)
            for line in lines { print(Terminal.safe(line)) }
            if lines.isEmpty {
                print("no differences: \(Terminal.safe(a)) and \(Terminal.safe(b)) learned the same items")
            } else {
                throw ExitCode(1)
            }
        }
    }
}

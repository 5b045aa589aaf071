// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Baseline
import DNP3
import Foundation
import NetworkLayers
import PacketCapture
import SensorEngine
import WireFormat

/// The options of the commands that decode captures (`replay`, `learn`): what to read and how to decode it.
struct DecodingOptions: ParsableArguments {
    @Option(help: "A BPF filter expression (pcap-filter(7)), applied as libpcap reads.")
    var filter: String?

    @Option(name: .customLong("modbus-port"), help: "Also decode Modbus/TCP on this TCP port (repeatable); 502 always.")
    var modbusPorts: [UInt16] = []

    @Option(
        name: .customLong("dnp3-port"),
        help: "Also decode DNP3 on this TCP and UDP port (repeatable); 20000 always."
    )
    var dnp3Ports: [UInt16] = []

    @Option(
        name: .customLong("dnp3-max-fragment"),
        help: "The largest DNP3 application fragment reassembled, 249 to 65536 octets (IEEE 1815-2012 §4.2.2.4)."
    )
    var dnp3MaxFragment: Int = 2048

    @Option(help: "The most flows tracked at once; the least recently active is ended past it.")
    var maxFlows: Int = DecodingOptions.defaultMaxFlows

    /// The engine's default (``EngineConfiguration/maxFlows``).
    static let defaultMaxFlows = 100_000

    func validate() throws {
        guard (1...EngineConfiguration.maxFlowsLimit).contains(maxFlows) else {
            throw ValidationError("--max-flows must be 1...\(EngineConfiguration.maxFlowsLimit)")
        }
        if modbusPorts.contains(0) { throw ValidationError("--modbus-port must be 1...65535") }
        if dnp3Ports.contains(0) { throw ValidationError("--dnp3-port must be 1...65535") }
        if let both = Set(modbusPorts + [502]).intersection(dnp3Ports + [20000]).min() {
            throw ValidationError("port \(both) cannot carry both Modbus/TCP and DNP3")
        }
        guard (249...65_536).contains(dnp3MaxFragment) else {
            throw ValidationError("--dnp3-max-fragment must be 249...65536 (249 octets is one link frame's worth)")
        }
    }

    /// Sets the ports and limits these options name.
    func apply(to configuration: inout EngineConfiguration) {
        configuration.modbusPorts = Array(Set([502] + modbusPorts)).sorted()
        configuration.maxFlows = maxFlows
        configuration.dnp3Ports = Array(Set([20000] + dnp3Ports)).sorted()
        configuration.dnp3Transport.maxFragmentSize = dnp3MaxFragment
    }

    /// Opens every file first, so that a bad name fails before any output (exit status 2, with a line on
    /// standard error).
    func open(_ files: [String]) throws -> [OfflineCapture] {
        var captures: [OfflineCapture] = []
        for path in files {
            do throws(PcapError) {
                let capture = try OfflineCapture(path: path)
                if let filter { try capture.setFilter(filter) }
                guard LinkType(rawValue: capture.linkType).isSupported else {
                    throw PcapError(operation: "open", message: "link type \(capture.linkType) is not supported")
                }
                captures.append(capture)
            } catch {
                if error.operation == "filter" {
                    StandardError.write("otsensor: invalid filter '\(filter ?? "")': \(error.message)\n")
                } else {
                    // libpcap's messages often start with the path already.
                    var message = error.message
                    if message.hasPrefix(path + ": ") { message.removeFirst(path.count + 2) }
                    StandardError.write("otsensor: cannot read '\(Terminal.safe(path))': \(message)\n")
                }
                throw ExitCode(2)
            }
        }
        return captures
    }

    /// Feeds the captures' packets, in order, to the engine. Returns the exit status: 0, or 1 when a file could
    /// not be read to its end (what came before is kept).
    static func feed(
        _ captures: [OfflineCapture],
        to engine: SensorEngine,
        progress: ProgressBar,
        statistics readStatistics: inout CaptureReadStatistics
    ) -> Int32 {
        var latest: CaptureTimestamp?
        var previousPath = ""
        for capture in captures {
            let linkType = LinkType(rawValue: capture.linkType)
            progress.begin(capture.path)
            var first = true
            do {
                let end = try capture.forEachPacket(statistics: &readStatistics) { frame, timestamp, originalLength in
                    if first, let latest, timestamp < latest {
                        progress.clear()
                        StandardError.write(
                            "otsensor: warning: '\(capture.path)' starts before '\(previousPath)' ends; "
                                + "timeouts follow the latest capture time seen\n"
                        )
                    }
                    first = false
                    if latest.map({ timestamp > $0 }) ?? true { latest = timestamp }
                    engine.process(
                        frame: frame,
                        timestamp: timestamp,
                        linkType: linkType,
                        originalLength: originalLength
                    )
                    progress.tick(packets: engine.statistics.packets, bytes: engine.statistics.bytes)
                }
                previousPath = capture.path
                if case .truncated(let message) = end {
                    progress.clear()
                    StandardError.write(
                        "otsensor: warning: '\(capture.path)' is cut off mid-packet (\(message)); "
                            + "results are up to that point\n"
                    )
                }
            } catch {
                progress.clear()
                StandardError.write("otsensor: error reading '\(capture.path)': \(error.message)\n")
                return 1
            }
        }
        return 0
    }
}

/// Reading and writing model files for the commands.
enum BaselineFile {
    /// Reads a model file; a file that cannot be read or is not a model stops the command (status 2) with the
    /// place of the problem.
    static func read(_ path: String) throws -> Baseline.Model {
        guard FileManager.default.fileExists(atPath: path) else {
            StandardError.write("otsensor: cannot read the baseline '\(Terminal.safe(path))': no such file\n")
            throw ExitCode(2)
        }
        guard !RuleLoading.isFolder(path) else {
            StandardError.write("otsensor: cannot read the baseline '\(Terminal.safe(path))': it is a folder\n")
            throw ExitCode(2)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            StandardError.write("otsensor: cannot read the baseline '\(Terminal.safe(path))': permission denied\n")
            throw ExitCode(2)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            StandardError.write("otsensor: \(Terminal.safe(path)): not UTF-8 text (a model file is JSON)\n")
            throw ExitCode(2)
        }
        do {
            return try Baseline.Model.read(text: text)
        } catch {
            StandardError.write("otsensor: \(Terminal.safe(path)): \(Terminal.safe(error.description))\n")
            throw ExitCode(2)
        }
    }

    /// Checks, before any work, that a model can be written to `path`: a new file or a regular file (not a folder,
    /// a device or a symbolic link, which the atomic rename would replace), in a writable folder, and none of the
    /// `inputs`. Stops the command (status 2) with the reason.
    static func checkOutput(_ path: String, inputs: [String]) throws {
        guard path != "-" else { return }
        let manager = FileManager.default
        func fail(_ reason: String) throws -> Never {
            StandardError.write("otsensor: cannot write the model to '\(Terminal.safe(path))': \(reason)\n")
            throw ExitCode(2)
        }
        if let attributes = try? manager.attributesOfItem(atPath: path) {
            switch attributes[.type] as? FileAttributeType {
            case .typeRegular?: break
            case .typeDirectory?: try fail("it is a folder")
            case .typeSymbolicLink?: try fail("it is a symbolic link (name the file it points to)")
            default: try fail("it is not a regular file")
            }
            let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            for input in inputs where URL(fileURLWithPath: input).resolvingSymlinksInPath().path == resolved {
                try fail("it is one of the files read")
            }
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard RuleLoading.isFolder(folder) else {
            try fail("no such folder '\(Terminal.safe(folder))'")
        }
        guard manager.isWritableFile(atPath: folder) else { try fail("the folder is not writable") }
    }

    /// Writes the model atomically: to a temporary file beside it, then renamed over the old one, so a reader
    /// never sees half a model.
    static func write(_ model: Baseline.Model, to path: String) throws {
        let text = model.fileText()
        if path == "-" {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            StandardError.write("otsensor: cannot write the model to '\(Terminal.safe(path))'\n")
            throw ExitCode(1)
        }
    }
}

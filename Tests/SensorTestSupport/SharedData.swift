// SPDX-License-Identifier: Apache-2.0
public import Foundation

/// Where the shared, read-only test data lives: the public captures (`OTSENSOR_PCAPS`, default `../shared/pcaps`
/// beside the package) and the fault cases (`OTSENSOR_CASES`, default `../shared/cases`).
public enum SharedData {
    /// The package's root folder.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/SensorTestSupport/SharedData.swift
        return url
    }()

    public static var pcapsDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["OTSENSOR_PCAPS"] { return URL(fileURLWithPath: path) }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/pcaps")
    }

    public static var casesDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["OTSENSOR_CASES"] { return URL(fileURLWithPath: path) }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/cases")
    }

    public static var hasPcaps: Bool {
        FileManager.default.fileExists(atPath: pcapsDirectory.appendingPathComponent("modbus").path)
    }

    public static var hasCases: Bool {
        FileManager.default.fileExists(atPath: casesDirectory.appendingPathComponent("cases.json").path)
    }

    /// A capture the project ships, by path under `Tests/SensorTestSupport/Captures`.
    public static func projectCapture(_ relativePath: String) -> URL {
        packageRoot.appendingPathComponent("Tests/SensorTestSupport/Captures").appendingPathComponent(relativePath)
    }

    /// The captures of the fault cases, written once per test process by `case2pcap.py --variants`.
    public static let caseCaptures: URL? = {
        guard hasCases else { return nil }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("otsensor-cases-\(getpid())")
        try? FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", casesDirectory.appendingPathComponent("case2pcap.py").path,
            casesDirectory.appendingPathComponent("cases.json").path, output.path, "--variants",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            return nil
        }
        return process.terminationStatus == 0 ? output : nil
    }()

    /// The fault cases as JSON objects, keyed by id.
    public static func cases() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: casesDirectory.appendingPathComponent("cases.json"))
        let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        var byID: [String: [String: Any]] = [:]
        for item in list {
            if let id = item["id"] as? String { byID[id] = item }
        }
        return byID
    }
}

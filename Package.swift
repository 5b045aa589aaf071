// swift-tools-version: 6.2
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

/// Settings every target we write shares (STYLE.md §1): Swift 6 mode, internal imports by default, member import
/// visibility, and strict memory safety so the few `unsafe` sites (all in PacketCapture) are visible.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .strictMemorySafety(),
]

let package = Package(
    name: "OTSensor",
    products: [
        .executable(name: "otsensor", targets: ["otsensor"]),
        .library(name: "SensorEngine", targets: ["SensorEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // libpcap, through pkg-config; Debian installs it with libpcap-dev.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        // The only module that touches C pointers.
        .target(name: "PacketCapture", dependencies: ["CPcap", "WireFormat"], swiftSettings: strictSettings),
        // Standard library only, no Foundation: the hot path (STYLE.md §1).
        .target(name: "WireFormat", swiftSettings: strictSettings),
        .target(name: "NetworkLayers", dependencies: ["WireFormat"], swiftSettings: strictSettings),
        .target(name: "TCPReassembly", dependencies: ["WireFormat"], swiftSettings: strictSettings),
        .target(name: "ModbusTCP", dependencies: ["WireFormat"], swiftSettings: strictSettings),
        .target(name: "DNP3", dependencies: ["WireFormat"], swiftSettings: strictSettings),
        .target(
            name: "Detection",
            dependencies: ["WireFormat", "NetworkLayers", "ModbusTCP", "DNP3"],
            swiftSettings: strictSettings
        ),
        // Baseline learning and detection: the model of normal traffic, its JSON file, and the judge.
        .target(
            name: "Baseline",
            dependencies: ["WireFormat", "NetworkLayers", "ModbusTCP", "DNP3", "Detection"],
            swiftSettings: strictSettings
        ),
        // Composition: flow table, protocol dispatch, pairing, EVE/text output, summary.
        .target(
            name: "SensorEngine",
            dependencies: [
                "WireFormat", "NetworkLayers", "TCPReassembly", "ModbusTCP", "DNP3", "Detection", "Baseline",
            ],
            swiftSettings: strictSettings
        ),
        // otsensor.yaml: variables, rule files (Yams; Foundation is fine off the packet path).
        .target(
            name: "SensorConfiguration",
            dependencies: ["Detection", "NetworkLayers", "Baseline", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "otsensor",
            dependencies: [
                "SensorEngine", "PacketCapture", "WireFormat", "DNP3", "Detection", "SensorConfiguration", "Baseline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        // libFuzzer entry points; a plain build gives corpus replayers (STYLE.md §9.10).
        .target(name: "FuzzSupport", swiftSettings: strictSettings),
        .executableTarget(
            name: "fuzz-modbus",
            dependencies: ["ModbusTCP", "WireFormat", "FuzzSupport"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "fuzz-dnp3-link",
            dependencies: ["DNP3", "FuzzSupport"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "fuzz-dnp3-transport",
            dependencies: ["DNP3", "FuzzSupport"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "fuzz-dnp3-objects",
            dependencies: ["DNP3", "FuzzSupport"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "fuzz-signatures",
            dependencies: ["Detection", "FuzzSupport"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "fuzz-baseline-model",
            dependencies: ["Baseline", "FuzzSupport"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "fuzz-reassembly",
            dependencies: ["TCPReassembly", "ModbusTCP", "WireFormat", "FuzzSupport"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "SensorTestSupport",
            dependencies: [
                "WireFormat", "NetworkLayers", "ModbusTCP", "DNP3", "TCPReassembly", "SensorEngine", "PacketCapture",
                "Baseline",
            ],
            path: "Tests/SensorTestSupport",
            exclude: ["Captures"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "WireFormatTests", dependencies: ["WireFormat", "SensorTestSupport"]),
        .testTarget(name: "NetworkLayersTests", dependencies: ["NetworkLayers", "WireFormat", "SensorTestSupport"]),
        .testTarget(name: "TCPReassemblyTests", dependencies: ["TCPReassembly", "WireFormat", "SensorTestSupport"]),
        .testTarget(name: "ModbusTCPTests", dependencies: ["ModbusTCP", "WireFormat", "SensorTestSupport"]),
        .testTarget(name: "DNP3Tests", dependencies: ["DNP3", "WireFormat", "SensorTestSupport"]),
        .testTarget(name: "DetectionTests", dependencies: ["Detection", "NetworkLayers", "DNP3", "ModbusTCP"]),
        .testTarget(
            name: "BaselineTests",
            dependencies: ["Baseline", "NetworkLayers", "WireFormat", "ModbusTCP", "DNP3"]
        ),
        .testTarget(name: "SensorConfigurationTests", dependencies: ["SensorConfiguration", "Detection"]),
        .testTarget(
            name: "SensorEngineTests",
            dependencies: ["SensorEngine", "PacketCapture", "WireFormat", "NetworkLayers", "SensorTestSupport"]
        ),
        .testTarget(
            name: "GoldenCaptureTests",
            dependencies: ["SensorEngine", "PacketCapture", "SensorTestSupport", "Baseline"],
            exclude: ["Expected"]
        ),
    ]
)

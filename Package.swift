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

/// Service targets (SensorService, SummaryModel, Uplink, CenterServer): the same, without strict memory safety,
/// which would flag every Glibc, zstd, zlib and NIO pointer call they make; PacketCapture keeps it for libpcap.
let serviceSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "OTSensor",
    products: [
        .executable(name: "otsensor", targets: ["otsensor"]),
        .executable(name: "otsensor-center", targets: ["otsensor-center"]),
        .library(name: "SensorEngine", targets: ["SensorEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // libpcap, through pkg-config; Debian installs it with libpcap-dev.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        // Zstandard and zlib, through pkg-config; Debian installs them with libzstd-dev and zlib1g-dev.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
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
        // The live sensor as services (swift-service-lifecycle): capture threads feeding the engine, EVE files
        // with rotation, the metrics endpoint, reload on SIGHUP, privileges, logs. Strict memory safety is off
        // here: the metrics endpoint's loopback socket and the privilege calls are Glibc pointer APIs, and every
        // one of them would need `unsafe` (PacketCapture keeps the checks on for libpcap).
        .target(
            name: "SensorService",
            dependencies: [
                "SensorEngine", "PacketCapture", "SensorConfiguration", "Baseline", "Detection", "NetworkLayers",
                "WireFormat", "Uplink",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: serviceSettings
        ),
        // The sensor-to-center contract (STYLE.md §1): the protobuf schema and its generated code (committed, never
        // generated at build time), batch compression and Ed25519 signing. Shared by the agent and the center; it
        // does not see the engine. Strict memory safety is off: the zstd and zlib calls are C pointer APIs.
        .target(
            name: "SummaryModel",
            dependencies: [
                "CZstd", "CZlib",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["Proto"],
            swiftSettings: serviceSettings
        ),
        // The agent's upstream link: engine records into batches, the spool (store-and-forward, quota, merging),
        // HTTPS uploads with retry (async-http-client). A Service for `run`, a loop for `replay --center`.
        .target(
            name: "Uplink",
            dependencies: [
                "SummaryModel", "SensorEngine", "NetworkLayers", "WireFormat",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: serviceSettings
        ),
        // The center as a library (STYLE.md §10): ingest, storage (SQLite through GRDB, PostgreSQL through
        // postgres-nio), queries, the Hummingbird application.
        .target(
            name: "CenterServer",
            dependencies: [
                "SummaryModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: serviceSettings
        ),
        .executableTarget(
            name: "otsensor-center",
            dependencies: [
                "CenterServer", "SummaryModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: serviceSettings
        ),
        .executableTarget(
            name: "otsensor",
            dependencies: [
                "SensorEngine", "PacketCapture", "WireFormat", "DNP3", "Detection", "SensorConfiguration", "Baseline",
                "SensorService", "TCPReassembly", "Uplink", "SummaryModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
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
            name: "SensorServiceTests",
            dependencies: ["SensorService", "SensorEngine", "SensorConfiguration", "SensorTestSupport", "Uplink"]
        ),
        .testTarget(name: "SummaryModelTests", dependencies: ["SummaryModel"]),
        .testTarget(
            name: "UplinkTests",
            dependencies: ["Uplink", "SummaryModel", "SensorEngine", "PacketCapture", "SensorTestSupport", "Detection"]
        ),
        .testTarget(
            name: "CenterServerTests",
            dependencies: [
                "CenterServer", "SummaryModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // Real processes on loopback: otsensor replaying captures into a running otsensor-center (TLS, SQLite and
        // PostgreSQL), outages, SIGKILL, refused requests, the spool quota.
        .testTarget(name: "CenterEndToEndTests", dependencies: ["SummaryModel", "SensorTestSupport"]),
        .testTarget(
            name: "GoldenCaptureTests",
            dependencies: ["SensorEngine", "PacketCapture", "SensorTestSupport", "Baseline"],
            exclude: ["Expected"]
        ),
    ]
)

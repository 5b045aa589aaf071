import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SummaryModel
import Testing

// SPDX-License-Identifier: Apache-2.0
@testable import CenterServer

/// Which database a test runs on.
///
/// PostgreSQL runs only when `OTSENSOR_TEST_POSTGRES_URL` names a server
/// (Packaging/test.sh starts one); its suites are skipped, with that reason, otherwise.
enum StoreKind: Sendable {
    case sqlite
    case postgres

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["OTSENSOR_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static let postgresSkipReason: Comment =
        "OTSENSOR_TEST_POSTGRES_URL is not set: the PostgreSQL cases need a server (Packaging/test-postgres.sh start DIR)"

    /// A fresh, empty location: a new temporary directory, or a new schema in the test database.
    func freshLocation() throws -> StoreLocation {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("center-test-\(UUID().uuidString)").path
            return .sqlite(directory: directory)
        case .postgres:
            var location = try PostgresLocation(url: try #require(Self.postgresURL))
            location.tls = .disable
            location.schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            return .postgres(location)
        }
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "center-test")
    logger.logLevel = .critical
    return logger
}()

/// Runs `body` with a new, migrated store of `kind`.
func withTestStore<T: Sendable>(
    _ kind: StoreKind,
    _ body: @Sendable (any CenterStore) async throws -> T
) async throws -> T {
    let location = try kind.freshLocation()
    defer {
        if case .sqlite(let directory) = location { try? FileManager.default.removeItem(atPath: directory) }
    }
    return try await withCenterStore(location, logger: testLogger, body)
}

// MARK: - Batches

typealias UplinkAlert = Otsensor_Uplink_V1_Alert
typealias UplinkWindow = Otsensor_Uplink_V1_Window
typealias UplinkPair = Otsensor_Uplink_V1_PairSummary
typealias UplinkAssetChange = Otsensor_Uplink_V1_AssetChange

/// Microseconds of 2025-11-30T09:00:00Z, the tests' capture time.
let baseTime: Int64 = 1_764_493_200_000_000

/// A batch of `sensor` with `windows` windows of `pairs` pairs each (addresses 10.0.0.x to 10.0.1.x).
func makeBatch(
    sensor: String,
    sequence: UInt64,
    windows: Int = 1,
    pairs: Int = 2,
    alerts: [UplinkAlert] = [],
    assetChanges: [UplinkAssetChange] = [],
    replaces: [ClosedRange<UInt64>] = [],
    losses: [(ranges: [ClosedRange<UInt64>], reason: String, windows: UInt64)] = [],
    health: Bool = true
) -> UplinkBatch {
    var batch = UplinkBatch()
    batch.schemaVersion = BatchEnvelope.schemaVersion
    batch.sensorID = sensor
    batch.sequence = sequence
    let start = baseTime + Int64(sequence) * 60_000_000
    batch.startUs = start
    batch.endUs = start + 60_000_000
    batch.createdUs = start + 61_000_000
    batch.sensorVersion = "0.1.0"
    for windowIndex in 0..<windows {
        var window = UplinkWindow()
        window.startUs = start + Int64(windowIndex) * 10_000_000
        window.endUs = window.startUs + 10_000_000
        window.counters.packets = 100
        for pairIndex in 0..<pairs {
            var pair = UplinkPair()
            pair.appProto = pairIndex % 2 == 0 ? "modbus" : "dnp3"
            pair.client = Data([10, 0, 0, UInt8(pairIndex % 250 + 1)])
            pair.server = Data([10, 0, 1, UInt8(pairIndex % 250 + 1)])
            pair.serverPort = pairIndex % 2 == 0 ? 502 : 20000
            pair.ipProtocol = 6
            pair.flows = 1
            pair.packetsToServer = 10
            pair.packetsToClient = 9
            pair.bytesToServer = 1200
            pair.bytesToClient = 900
            var function = Otsensor_Uplink_V1_FunctionCount()
            function.unitIdentifierPlusOne = 2
            function.functionCode = 3
            function.count = 10
            pair.functions = [function]
            window.pairs.append(pair)
        }
        batch.windows.append(window)
    }
    batch.alerts = alerts
    batch.assetChanges = assetChanges
    batch.replaces = replaces.map { range in
        var sequenceRange = UplinkSequenceRange()
        sequenceRange.first = range.lowerBound
        sequenceRange.last = range.upperBound
        return sequenceRange
    }
    batch.losses = losses.map { loss in
        var message = Otsensor_Uplink_V1_Loss()
        message.sequences = loss.ranges.map { range in
            var sequenceRange = UplinkSequenceRange()
            sequenceRange.first = range.lowerBound
            sequenceRange.last = range.upperBound
            return sequenceRange
        }
        message.reason = loss.reason
        message.windows = loss.windows
        message.pairs = loss.windows * 2
        return message
    }
    if health {
        batch.health.uptimeSeconds = 100 + sequence
        batch.health.spoolBatches = 1
    }
    return batch
}

func makeAlert(
    sid: UInt64,
    severity: UInt32,
    signature: String,
    techniques: [String] = [],
    at offset: Int64 = 0
) -> UplinkAlert {
    var alert = UplinkAlert()
    alert.timestampUs = baseTime + offset
    alert.gid = 1
    alert.signatureID = sid
    alert.rev = 1
    alert.signature = signature
    alert.category = "Attempted Administrator Privilege Gain"
    alert.severity = severity
    alert.srcIp = "10.0.0.5"
    alert.srcPort = 40000
    alert.destIp = "10.0.1.2"
    alert.destPort = 502
    alert.proto = "TCP"
    alert.appProto = "modbus"
    alert.techniques = techniques
    alert.eve = Data(#"{"event_type":"alert","alert":{"signature_id":\#(sid)},"src_ip":"10.0.0.5"}"#.utf8)
    return alert
}

func makeAssetChange(
    address: [UInt8],
    change: String,
    at timestamp: Int64,
    roles: [String],
    vendor: String = ""
) -> UplinkAssetChange {
    var assetChange = UplinkAssetChange()
    assetChange.change = change
    assetChange.timestampUs = timestamp
    assetChange.asset.address = Data(address)
    assetChange.asset.roles = roles
    assetChange.asset.unitIdentifiers = [1]
    assetChange.asset.vendor = vendor
    assetChange.asset.macs = [0x0011_2233_4455]
    assetChange.asset.firstSeenUs = timestamp
    assetChange.asset.lastSeenUs = timestamp
    return assetChange
}

/// A sensor with a fresh key, enrolled in `store`.
func enroll(_ store: any CenterStore, _ id: String = "plant-1") async throws -> SensorKey {
    let key = SensorKey()
    try await store.addSensor(id: id, publicKey: key.publicKeyText)
    return key
}

func sealed(_ batch: UplinkBatch, _ key: SensorKey) throws -> [UInt8] {
    try BatchEnvelope.seal(batch, compression: .zstd, key: key).serializedBytes()
}

// MARK: - HTTP

/// Posts `body` to the ingest router and returns the status and parsed JSON.
func post(_ client: some TestClientProtocol, _ body: [UInt8]) async throws -> (Int, JSON?) {
    try await client.execute(
        uri: "/v1/batches",
        method: .post,
        headers: [.contentType: "application/x-protobuf"],
        body: ByteBuffer(bytes: body)
    ) { response in
        (response.status.code, JSON.parse(String(buffer: response.body)))
    }
}

func get(_ client: some TestClientProtocol, _ uri: String) async throws -> (Int, JSON?) {
    try await client.execute(uri: uri, method: .get) { response in
        (response.status.code, JSON.parse(String(buffer: response.body)))
    }
}

func ingestApplication(
    _ store: any CenterStore,
    maxBodyBytes: Int = Ingest.defaultMaxBodyBytes
)
    -> some ApplicationProtocol
{
    Application(router: buildIngestRouter(Ingest(store: store, maxBodyBytes: maxBodyBytes, logger: testLogger)))
}

func apiApplication(_ store: any CenterStore) -> some ApplicationProtocol {
    Application(router: buildAPIRouter(store: store, logger: testLogger))
}

// SPDX-License-Identifier: Apache-2.0
public import Detection
public import NetworkLayers
public import WireFormat

extension Baseline {
    /// The generator id of baseline alerts: their `alert.gid`, apart from rules' (1), so the two never collide.
    public static let gid: UInt32 = 9100

    /// What kind of learned item traffic broke. Each kind is one signature with a stable sid (`9100001`...), its
    /// severity, Suricata classtype, and the ATT&CK for ICS technique it most often means.
    public enum Deviation: UInt32, Sendable, CaseIterable {
        case newDevice = 1
        case newMAC = 2
        case newPair = 3
        case newStation = 4
        case newFunction = 5
        case newObject = 6
        case readOutsideBlocks = 7
        case writeOutsideBlocks = 8
        case writtenValueOutOfRange = 9
        case readValueOutOfRange = 10
        case pollTooSoon = 11
        case pollStopped = 12
        case rateSpike = 13
        case stationScan = 14
        case functionScan = 15
        case addressScan = 16

        public var sid: UInt32 { 9_100_000 + rawValue }

        /// The anomaly's name in the alert's `baseline.anomaly` and in `otsensor.yaml`.
        public var name: String {
            switch self {
            case .newDevice: "new_device"
            case .newMAC: "new_mac"
            case .newPair: "new_pair"
            case .newStation: "new_station"
            case .newFunction: "new_function_code"
            case .newObject: "new_object"
            case .readOutsideBlocks: "read_outside_blocks"
            case .writeOutsideBlocks: "write_outside_blocks"
            case .writtenValueOutOfRange: "written_value_out_of_range"
            case .readValueOutOfRange: "read_value_out_of_range"
            case .pollTooSoon: "poll_period_departure"
            case .pollStopped: "poll_stopped"
            case .rateSpike: "request_rate_spike"
            case .stationScan: "unit_scan"
            case .functionScan: "function_code_scan"
            case .addressScan: "address_scan"
            }
        }

        /// The signature text (`alert.signature`): the same for every alert of the kind, so alerts group; the
        /// particulars are in `baseline.explanation`.
        public var signature: String {
            switch self {
            case .newDevice: "OTSENSOR BASELINE device never seen in learning"
            case .newMAC: "OTSENSOR BASELINE device seen with a MAC address never learned for it"
            case .newPair: "OTSENSOR BASELINE devices that never communicated in learning"
            case .newStation: "OTSENSOR BASELINE unit identifier or DNP3 address never used by this pair"
            case .newFunction: "OTSENSOR BASELINE function code never used by this pair"
            case .newObject: "OTSENSOR BASELINE DNP3 object never used by this pair and function"
            case .readOutsideBlocks: "OTSENSOR BASELINE read outside the learned address blocks"
            case .writeOutsideBlocks: "OTSENSOR BASELINE write or control outside the learned address blocks"
            case .writtenValueOutOfRange: "OTSENSOR BASELINE written value outside the learned range"
            case .readValueOutOfRange: "OTSENSOR BASELINE read value outside the learned range"
            case .pollTooSoon: "OTSENSOR BASELINE poll came sooner than its learned period"
            case .pollStopped: "OTSENSOR BASELINE poll stopped (inactive channel)"
            case .rateSpike: "OTSENSOR BASELINE request rate spike"
            case .stationScan: "OTSENSOR BASELINE unit identifier or DNP3 address scan"
            case .functionScan: "OTSENSOR BASELINE function code scan"
            case .addressScan: "OTSENSOR BASELINE address scan"
            }
        }

        /// Suricata classtype (its standard table gives `alert.category`).
        public var classtype: String {
            switch self {
            case .newDevice, .newPair: "bad-unknown"
            case .newMAC: "bad-unknown"
            case .newStation, .newFunction, .newObject: "protocol-command-decode"
            case .readOutsideBlocks, .readValueOutOfRange: "attempted-recon"
            case .writeOutsideBlocks, .writtenValueOutOfRange: "attempted-admin"
            case .pollTooSoon, .rateSpike: "attempted-dos"
            case .pollStopped: "denial-of-service"
            case .stationScan, .functionScan, .addressScan: "network-scan"
            }
        }

        /// 1 high, 2 medium, 3 low: writes and commands that change the process are high.
        public var severity: Int {
            switch self {
            case .writeOutsideBlocks, .writtenValueOutOfRange, .newFunction: 1
            case .newDevice, .newMAC, .newPair, .newStation, .newObject, .pollStopped, .rateSpike, .stationScan,
                .functionScan, .addressScan:
                2
            case .readOutsideBlocks, .readValueOutOfRange, .pollTooSoon: 3
            }
        }

        /// ATT&CK for ICS: the technique the deviation most often signals.
        public var technique: String {
            switch self {
            case .newDevice, .newPair: "T0848"  // Rogue Master
            case .newMAC: "T0830"  // Adversary-in-the-Middle
            case .newStation: "T0846"  // Remote System Discovery
            case .newFunction, .newObject: "T0855"  // Unauthorized Command Message
            case .readOutsideBlocks, .addressScan: "T0861"  // Point & Tag Identification
            case .writeOutsideBlocks, .writtenValueOutOfRange: "T0836"  // Modify Parameter
            case .readValueOutOfRange: "T0832"  // Manipulation of View
            case .pollTooSoon, .rateSpike: "T0814"  // Denial of Service
            case .pollStopped: "T0815"  // Denial of View
            case .stationScan: "T0846"  // Remote System Discovery
            case .functionScan: "T0888"  // Remote System Information Discovery
            }
        }

        /// The alert header of this kind.
        public var alertRule: Detection.AlertRule {
            let classification = Detection.Classification.standard[classtype]
            return Detection.AlertRule(
                gid: Baseline.gid,
                sid: sid,
                rev: 1,
                signature: signature,
                category: classification?.description ?? "",
                severity: severity,
                metadata: [("mitre_attack_ics", [technique]), ("otsensor_baseline", [name])]
            )
        }

        /// Deviations held in the scan window (and absorbed by a scan or rate spike) rather than raised at once.
        var isHeld: Bool {
            switch self {
            case .newStation, .newFunction, .newObject, .readOutsideBlocks, .writeOutsideBlocks,
                .writtenValueOutOfRange, .readValueOutOfRange, .pollTooSoon:
                true
            default: false
            }
        }
    }

    /// An alert raised against the model: which learned item broke, in plain words, with the packets.
    public struct Alert: Sendable {
        public var deviation: Deviation
        public var flow: FlowContext
        public var protocolKind: ProtocolKind
        /// The time and packet the alert is about (the request that broke the model, or the capture second a
        /// silence was noticed).
        public var timestamp: CaptureTimestamp
        public var packetNumber: UInt64
        /// The packets involved (request, response; for a scan, those of every probe held in it), ascending.
        public var evidence: [UInt64]
        /// One sentence: what was seen, and which learned item it broke.
        public var explanation: String
        /// The learned item in the model file's terms, so a person can find it (or its absence) there.
        public var learned: String
        /// Whether the alert is about traffic from the client to the server (requests); polls that stopped and
        /// rate spikes are too.
        public var toServer = true

        public var rule: Detection.AlertRule { deviation.alertRule }
    }
}

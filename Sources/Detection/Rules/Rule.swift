// SPDX-License-Identifier: Apache-2.0
public import NetworkLayers

extension Detection {
    /// What a rule does when it matches. `drop` and `reject` are accepted and act as `alert` on a passive sensor
    /// (the loader warns).
    public enum Action: String, Hashable, Sendable {
        case alert, pass, drop, reject
    }

    /// The protocol a rule applies to (its header's second word).
    public enum RuleProtocol: String, Hashable, Sendable {
        case modbus, dnp3, tcp, udp, ip
    }

    /// An IPv4 or IPv6 network: an address and a prefix length.
    public struct Network: Hashable, Sendable {
        public var address: IPAddress
        public var prefixLength: Int
        public init(address: IPAddress, prefixLength: Int) {
            self.address = address
            self.prefixLength = prefixLength
        }
    }

    /// An address field of a rule header (Suricata's syntax): `any`, an address or CIDR network, a `$VARIABLE`, a
    /// `[list, ...]`, or a negation `!...`.
    public indirect enum AddressSpec: Hashable, Sendable {
        case any
        case network(Network)
        case variable(String)
        case list([AddressSpec])
        case negated(AddressSpec)
    }

    /// A port field: `any`, a port, a range `N:M` (either end may be open), a `$VARIABLE`, a list, or a negation.
    public indirect enum PortSpec: Hashable, Sendable {
        case any
        case port(UInt16)
        case range(UInt16, UInt16)
        case variable(String)
        case list([PortSpec])
        case negated(PortSpec)
    }

    /// A number condition in Suricata's forms: `N`, `N<>M` (strictly between), `>N`, `<N`.
    public enum NumberRange: Hashable, Sendable {
        case equal(UInt64)
        case between(UInt64, UInt64)
        case greater(UInt64)
        case less(UInt64)

        /// Whether the range and a span of values share one (Suricata's `check_match_range`).
        public func intersects(_ span: ClosedRange<UInt64>) -> Bool {
            switch self {
            case .equal(let n): span.contains(n)
            case .between(let low, let high): low < span.upperBound && span.lowerBound < high
            case .greater(let n): n < span.upperBound
            case .less(let n): n > span.lowerBound
            }
        }

        public func contains(_ value: UInt64) -> Bool {
            switch self {
            case .equal(let n): value == n
            case .between(let low, let high): value > low && value < high
            case .greater(let n): value > n
            case .less(let n): value < n
            }
        }
    }

    /// The `modbus:` keyword (Suricata's `DetectModbus`): a function (by number or category, possibly negated)
    /// with a sub-function, or an access kind with a table, address and value; and a unit identifier. Addresses in
    /// rules are 1-based, as Suricata's documentation says: address 1 is PDU address 0.
    public struct ModbusMatch: Hashable, Sendable {
        public enum Category: String, Hashable, Sendable {
            case assigned, unassigned, `public`, user, reserved, all
        }
        public enum Table: String, Hashable, Sendable {
            case discretes, coils, input, holding
        }
        public var function: UInt8?
        public var functionNegated = false
        public var category: Category?
        public var subfunction: UInt16?
        /// `read` or `write`.
        public var accessWrite: Bool?
        public var table: Table?
        public var address: NumberRange?
        public var value: NumberRange?
        public var unit: NumberRange?

        public init() {}
    }

    /// One `content` of the `dnp3_data` buffer, with its modifiers.
    public struct ContentMatch: Hashable, Sendable {
        public var bytes: [UInt8]
        public var negated = false
        public var nocase = false
        public var offset: Int?
        public var depth: Int?
        public var distance: Int?
        public var within: Int?

        public init(bytes: [UInt8]) { self.bytes = bytes }
    }

    /// One item of `dnp3_ind` / `dnp3.ind`: an IIN bit set (any named bit), or the bits as a number, possibly
    /// negated.
    public struct IndicatorCondition: Hashable, Sendable {
        public var mask: UInt16
        public var negated: Bool
        public init(mask: UInt16, negated: Bool) {
            self.mask = mask
            self.negated = negated
        }
    }

    /// `flow:` options.
    public struct FlowOptions: Hashable, Sendable {
        public var toServer = false
        public var toClient = false
        public var established = false
        public var notEstablished = false
        public init() {}
    }

    /// `threshold:` and `detection_filter:`: how often a rule may alert.
    public struct Threshold: Hashable, Sendable {
        public enum Kind: String, Hashable, Sendable { case limit, threshold, both, detectionFilter }
        public enum Track: String, Hashable, Sendable {
            case bySource = "by_src"
            case byDestination = "by_dst"
            case byRule = "by_rule"
            case byBoth = "by_both"
        }
        public var kind: Kind
        public var track: Track
        public var count: Int
        public var seconds: Int

        public init(kind: Kind, track: Track, count: Int, seconds: Int) {
            self.kind = kind
            self.track = track
            self.count = count
            self.seconds = seconds
        }
    }

    /// A parsed rule, before variables are resolved: every option Suricata's syntax gives, typed.
    public struct Rule: Hashable, Sendable {
        public var action: Action
        public var proto: RuleProtocol
        public var source: AddressSpec
        public var sourcePorts: PortSpec
        /// `<>`: the rule matches in both directions.
        public var bidirectional: Bool
        public var destination: AddressSpec
        public var destinationPorts: PortSpec

        public var message: String = ""
        public var sid: UInt32 = 0
        public var rev: UInt32 = 0
        public var gid: UInt32 = 1
        public var classtype: String?
        public var priority: Int?
        public var references: [String] = []
        /// `metadata:` pairs in order (`key value`).
        public var metadata: [String] = []
        public var flow: FlowOptions?
        public var modbus: ModbusMatch?
        /// `dnp3_func`: every listed function code (the rule matches any).
        public var dnp3Functions: [UInt8] = []
        /// `dnp3_ind`: each keyword's conditions; a keyword matches if any of its conditions holds, and every
        /// keyword must match.
        public var dnp3Indicators: [[IndicatorCondition]] = []
        /// `dnp3_obj`: (group, variation); every keyword must name a header of the fragment.
        public var dnp3Objects: [[UInt8]] = []
        /// Contents on the `dnp3_data` buffer.
        public var dnp3Data: [ContentMatch] = []
        /// `app-layer-event:proto.event`.
        public var appLayerEvent: String?
        public var threshold: Threshold?
        public var detectionFilter: Threshold?
        /// Where the rule starts.
        public var location: SourceLocation

        /// A `dnp3_*` keyword makes a `tcp` or `udp` rule a DNP3 rule, as the keyword implies its protocol.
        public var hasDNP3Keyword: Bool {
            !dnp3Functions.isEmpty || !dnp3Objects.isEmpty || !dnp3Indicators.isEmpty || !dnp3Data.isEmpty
        }

        public init(
            action: Action,
            proto: RuleProtocol,
            source: AddressSpec,
            sourcePorts: PortSpec,
            bidirectional: Bool,
            destination: AddressSpec,
            destinationPorts: PortSpec,
            location: SourceLocation
        ) {
            self.action = action
            self.proto = proto
            self.source = source
            self.sourcePorts = sourcePorts
            self.bidirectional = bidirectional
            self.destination = destination
            self.destinationPorts = destinationPorts
            self.location = location
        }
    }
}

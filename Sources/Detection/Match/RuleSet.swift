// SPDX-License-Identifier: Apache-2.0
public import DNP3
public import ModbusTCP
public import NetworkLayers

extension Detection.Network {
    /// Whether `address` lies in this network.
    public func contains(_ address: IPAddress) -> Bool {
        guard address.isIPv4 == self.address.isIPv4 else { return false }
        if address.isIPv4 {
            guard prefixLength > 0 else { return true }
            let mask = UInt64(UInt32.max << UInt32(32 - prefixLength))
            return address.low & mask == self.address.low & mask
        }
        func masked(_ value: UInt64, _ bits: Int) -> UInt64 {
            bits <= 0 ? 0 : bits >= 64 ? value : value & (UInt64.max << UInt64(64 - bits))
        }
        return masked(address.high, prefixLength) == masked(self.address.high, prefixLength)
            && masked(address.low, prefixLength - 64) == masked(self.address.low, prefixLength - 64)
    }
}

extension Detection {
    /// The values of `$VARIABLES` in rule headers (Suricata's `vars:`). The defaults are Suricata's: HOME_NET the
    /// private ranges, EXTERNAL_NET everything else, and the OT groups (MODBUS_CLIENTS, MODBUS_SERVERS,
    /// DNP3_MASTERS, DNP3_OUTSTATIONS) HOME_NET until configured.
    public struct Variables: Sendable {
        public var addresses: [String: AddressSpec]
        public var ports: [String: PortSpec]

        public init(addresses: [String: AddressSpec], ports: [String: PortSpec]) {
            self.addresses = addresses
            self.ports = ports
        }

        public static let defaults: Variables = {
            let home: AddressSpec = .list([
                .network(Network(address: IPAddress(ipv4: 0xC0A8_0000), prefixLength: 16)),
                .network(Network(address: IPAddress(ipv4: 0x0A00_0000), prefixLength: 8)),
                .network(Network(address: IPAddress(ipv4: 0xAC10_0000), prefixLength: 12)),
            ])
            return Variables(
                addresses: [
                    "HOME_NET": home, "EXTERNAL_NET": .negated(.variable("HOME_NET")),
                    "MODBUS_CLIENTS": .variable("HOME_NET"), "MODBUS_SERVERS": .variable("HOME_NET"),
                    "DNP3_CLIENT": .variable("HOME_NET"), "DNP3_SERVER": .variable("HOME_NET"),
                    "DNP3_MASTERS": .variable("HOME_NET"), "DNP3_OUTSTATIONS": .variable("HOME_NET"),
                ],
                ports: ["MODBUS_PORTS": .port(502), "DNP3_PORTS": .port(20000)]
            )
        }()
    }

    /// The packet and flow a message or event was seen in, as rule headers and `flow:` see them.
    public struct PacketContext: Sendable {
        public var source: IPAddress
        public var destination: IPAddress
        public var sourcePort: UInt16
        public var destinationPort: UInt16
        /// Whether the packet went client to server (the flow's orientation).
        public var toServer: Bool
        public var established: Bool

        public init(
            source: IPAddress,
            destination: IPAddress,
            sourcePort: UInt16,
            destinationPort: UInt16,
            toServer: Bool,
            established: Bool
        ) {
            self.source = source
            self.destination = destination
            self.sourcePort = sourcePort
            self.destinationPort = destinationPort
            self.toServer = toServer
            self.established = established
        }
    }

    /// A rule ready to match: its header's variables resolved.
    /// A class, so that handing a rule to a check costs one reference count, not a copy of every array a rule
    /// holds; the conditions the packet path reads are kept flat beside the rule.
    final class CompiledRule: Sendable {
        let rule: Rule
        let source: AddressSet
        let sourcePorts: PortSet
        let destination: AddressSet
        let destinationPorts: PortSet
        let flow: FlowOptions?
        let bidirectional: Bool
        /// `dnp3_obj` as group << 8 | variation.
        let objectKeys: [UInt16]
        let indicators: [[IndicatorCondition]]
        let contents: [ContentMatch]
        let modbus: ModbusMatch?
        /// A header that matches every packet (`any any -> any any`, no `flow`): checked without a look.
        let headerIsAny: Bool
        /// Whether the rule has a `threshold` or `detection_filter`.
        let rateLimited: Bool

        /// `suppress` lines of the threshold file that name this rule: a nil matcher suppresses every alert.
        let suppressions: [(track: ThresholdDirective.SuppressTrack?, addresses: AddressSet?)]

        init(
            rule: Rule,
            source: AddressSet,
            sourcePorts: PortSet,
            destination: AddressSet,
            destinationPorts: PortSet,
            suppressions: [(track: ThresholdDirective.SuppressTrack?, addresses: AddressSet?)] = []
        ) {
            self.suppressions = suppressions
            self.rule = rule
            self.source = source
            self.sourcePorts = sourcePorts
            self.destination = destination
            self.destinationPorts = destinationPorts
            flow = rule.flow
            bidirectional = rule.bidirectional
            objectKeys = rule.dnp3Objects.map { UInt16($0[0]) << 8 | UInt16($0[1]) }
            indicators = rule.dnp3Indicators
            contents = rule.dnp3Data
            modbus = rule.modbus
            rateLimited = rule.threshold != nil || rule.detectionFilter != nil
            headerIsAny =
                rule.flow == nil && source.isAll && sourcePorts.isAll && destination.isAll && destinationPorts.isAll
        }

        func headerMatches(_ context: PacketContext) -> Bool {
            if headerIsAny { return true }
            if let flow {
                if flow.toServer && !context.toServer { return false }
                if flow.toClient && context.toServer { return false }
                if flow.established && !context.established { return false }
                if flow.notEstablished && context.established { return false }
            }
            let forward =
                source.matches(context.source) && sourcePorts.matches(context.sourcePort)
                && destination.matches(context.destination) && destinationPorts.matches(context.destinationPort)
            if forward { return true }
            guard bidirectional else { return false }
            return source.matches(context.destination) && sourcePorts.matches(context.destinationPort)
                && destination.matches(context.source) && destinationPorts.matches(context.sourcePort)
        }
    }

    /// Rule indices under integer keys, kept flat: one array of indices, and each key's range in it, so a lookup
    /// hands out a range, not an array to retain.
    struct KeyedGroups: Sendable {
        private var ranges: [UInt32: Range<Int>] = [:]
        private(set) var indices: [Int] = []

        init() {}

        init(_ groups: [UInt32: [Int]]) {
            for key in groups.keys.sorted() {
                let members = groups[key] ?? []
                ranges[key] = indices.count..<(indices.count + members.count)
                indices += members
            }
        }

        var isEmpty: Bool { ranges.isEmpty }

        /// The positions in `indices` of the rules under `key` (empty when none).
        func positions(_ key: UInt32) -> Range<Int> { ranges[key] ?? 0..<0 }
    }

    /// Rules compiled for matching, grouped so that a message is checked only against the rules that can match it:
    /// DNP3 rules by application function code (rules without `dnp3_func` in their own group), event rules by
    /// event name.
    public struct RuleSet: Sendable {
        var rules: [CompiledRule] = []
        /// What each rule's alerts say (Suricata's `alert` object), computed once.
        var alertRules: [AlertRule] = []
        /// Per rule: whether it has `suppress` lines, and whether it has a `threshold` or `detection_filter`;
        /// flat, so that admitting a match reads no rule object.
        var hasSuppressions: [Bool] = []
        var rateLimited: [Bool] = []
        var passRules: [Bool] = []
        /// Whether any rule is a `pass` rule.
        public private(set) var hasPassRules = false
        /// Per rule: a DNP3 rule its group already proves (an open header, no `dnp3_ind` or `dnp3_data`, at most
        /// the one object it is grouped under): found in its group, it matches without a look at the rule.
        var dnp3ProvenByGroup: [Bool] = []
        /// DNP3 message rules without `dnp3_obj` by function code (256 lists), and those that name no function.
        var dnp3ByFunction: [[Int]] = Array(repeating: [], count: 256)
        var dnp3AnyFunction: [Int] = []
        /// DNP3 rules with `dnp3_obj`, by function (256 for rules naming none) and their first object, as
        /// `function << 16 | group << 8 | variation`: a message looks up each object header it carries.
        var dnp3ByObject = KeyedGroups()
        /// A bit per object (group << 8 | variation) some rule in `dnp3ByObject` is grouped under.
        var dnp3GroupedObjects: [UInt64] = Array(repeating: 0, count: 1024)
        /// Whether any rule of a function (256: naming none) sits in `dnp3ByObject`.
        var dnp3FunctionHasObjectRules: [Bool] = Array(repeating: false, count: 257)
        /// Modbus transaction rules by function code (rules naming one function), and the others; those that name
        /// one unit identifier are in `modbusByUnit` instead.
        var modbusByFunction: [[Int]] = Array(repeating: [], count: 128)
        var modbusAnyFunction: [Int] = []
        /// Modbus rules naming one unit identifier, by `function << 8 | unit` (function 128: naming none).
        var modbusByUnit = KeyedGroups()
        /// `app-layer-event` rules by full event name.
        var events: [String: [Int]] = [:]

        /// The rules compiled in order.
        public var count: Int { rules.count }

        /// Compiles `rules`, resolving their variables.
        ///
        /// - Throws: ``RuleError`` at the rule whose header names an undefined variable, or defines one in terms of
        ///   itself.
        /// - Parameters:
        ///   - classifications: classtypes by name (``Classification/standard`` with a site's
        ///     `classification-file` laid over it); a rule naming another classtype is an error.
        ///   - thresholdFile: `threshold`, `event_filter` and `suppress` lines, applied as Suricata does: a line for
        ///     the rule's gid and sid replaces its own threshold; a global line (`sig_id 0`) applies to rules
        ///     without one.
        public init(
            rules: [Rule],
            variables: Variables = .defaults,
            classifications: [String: Classification] = Classification.standard,
            thresholdFile: [ThresholdDirective] = []
        ) throws(RuleError) {
            var dnp3ByObject: [UInt32: [Int]] = [:]
            var modbusByUnit: [UInt32: [Int]] = [:]
            defer {
                self.dnp3ByObject = KeyedGroups(dnp3ByObject)
                self.modbusByUnit = KeyedGroups(modbusByUnit)
            }
            var resolver = HeaderResolver(variables: variables)
            for original in rules {
                var rule = original
                if let classtype = rule.classtype, classifications[classtype] == nil {
                    throw RuleError("unknown classtype '\(classtype)' (see classification-file)", at: rule.location)
                }
                var suppressions: [(track: ThresholdDirective.SuppressTrack?, addresses: AddressSet?)] = []
                var ownThreshold: Threshold?
                var globalThreshold: (specificity: Int, threshold: Threshold)?
                for directive in thresholdFile {
                    switch directive {
                    case .threshold(let gid, let sid, let threshold, _):
                        if gid == rule.gid && sid == rule.sid {
                            ownThreshold = threshold
                        } else if sid == 0 && (gid == rule.gid || gid == 0) {
                            let specificity = gid == 0 ? 0 : 1
                            if specificity >= globalThreshold?.specificity ?? 0 {
                                globalThreshold = (specificity, threshold)
                            }
                        }
                    case .suppress(let gid, let sid, let track, let addresses, let at):
                        guard (gid == rule.gid || gid == 0) && (sid == rule.sid || sid == 0) else { continue }
                        var matcher: AddressSet?
                        if let addresses {
                            var located = rule
                            located.location = at
                            matcher = try resolver.address(addresses, located)
                        }
                        suppressions.append((track, matcher))
                    }
                }
                if let ownThreshold {
                    rule.threshold = ownThreshold
                    rule.detectionFilter = nil
                } else if let globalThreshold, rule.threshold == nil, rule.detectionFilter == nil {
                    rule.threshold = globalThreshold.threshold
                }
                let compiled = CompiledRule(
                    rule: rule,
                    source: try resolver.address(rule.source, rule),
                    sourcePorts: try resolver.ports(rule.sourcePorts, rule),
                    destination: try resolver.address(rule.destination, rule),
                    destinationPorts: try resolver.ports(rule.destinationPorts, rule),
                    suppressions: suppressions
                )
                let index = self.rules.count
                self.rules.append(compiled)
                alertRules.append(AlertRule(rule, classifications: classifications))
                hasSuppressions.append(!suppressions.isEmpty)
                passRules.append(rule.action == .pass)
                hasPassRules = hasPassRules || rule.action == .pass
                dnp3ProvenByGroup.append(
                    (rule.proto == .dnp3 || rule.hasDNP3Keyword) && rule.appLayerEvent == nil && compiled.headerIsAny
                        && compiled.indicators.isEmpty && compiled.contents.isEmpty && compiled.objectKeys.count <= 1
                )
                rateLimited.append(compiled.rateLimited)
                if let event = rule.appLayerEvent {
                    events[event, default: []].append(index)
                } else if rule.proto == .modbus || rule.modbus != nil {
                    // Under each function the rule can match (128: any), and its unit when it names one.
                    let functions = Self.candidateFunctions(rule.modbus)
                    if case .equal(let unit) = rule.modbus?.unit, unit <= 0xFF {
                        for function in functions ?? [128] {
                            modbusByUnit[UInt32(function) << 8 | UInt32(unit), default: []].append(index)
                        }
                    } else if let functions {
                        for function in functions { modbusByFunction[function].append(index) }
                    } else {
                        modbusAnyFunction.append(index)
                    }
                } else if rule.proto == .dnp3 || rule.hasDNP3Keyword {
                    let functions = rule.dnp3Functions.isEmpty ? [256] : Set(rule.dnp3Functions).map(Int.init)
                    for function in functions {
                        if let object = compiled.objectKeys.first {
                            dnp3ByObject[UInt32(function) << 16 | UInt32(object), default: []].append(index)
                            dnp3FunctionHasObjectRules[function] = true
                            dnp3GroupedObjects[Int(object >> 6)] |= 1 << UInt64(object & 63)
                        } else if function == 256 {
                            dnp3AnyFunction.append(index)
                        } else {
                            dnp3ByFunction[function].append(index)
                        }
                    }
                }
            }
        }

        /// The function codes (0-127) a `modbus:` keyword can match, or nil for all: its function, the functions
        /// of its category (8 and 43 always, their category depends on the message), or the functions with its
        /// access. The full check still runs; this only keeps a transaction from meeting rules that cannot match.
        static func candidateFunctions(_ keyword: ModbusMatch?) -> [Int]? {
            guard let keyword else { return nil }
            if let write = keyword.accessWrite {
                return (0..<128).filter { code in
                    let access = Modbus.FunctionCode(UInt8(code)).access
                    guard access.contains(write ? .write : .read) else { return false }
                    switch keyword.table {
                    case nil: return true
                    case .coils: return access.contains(.coils)
                    case .discretes: return access.contains(.discretes)
                    case .input: return access.contains(.input)
                    case .holding: return access.contains(.holding)
                    }
                }
            }
            if let category = keyword.category {
                return (0..<128).filter { code in
                    guard let of = Modbus.FunctionCode(UInt8(code)).suricataCategoryOfCode else { return true }
                    return categoryMatches(category, negated: keyword.functionNegated, of)
                }
            }
            if let function = keyword.function {
                return keyword.functionNegated ? (0..<128).filter { $0 != Int(function) } : [Int(function & 0x7F)]
            }
            return nil
        }

        /// Whether a message of Suricata category `messageCategory` is in the rule's category (negated: in none
        /// of its categories, and not NONE).
        static func categoryMatches(
            _ category: ModbusMatch.Category,
            negated: Bool,
            _ messageCategory: String
        ) -> Bool {
            let inCategory: Bool
            switch category {
            case .assigned: inCategory = messageCategory == "PUBLIC_ASSIGNED"
            case .unassigned: inCategory = messageCategory == "PUBLIC_UNASSIGNED"
            case .public:
                inCategory = messageCategory == "PUBLIC_ASSIGNED" || messageCategory == "PUBLIC_UNASSIGNED"
            case .user: inCategory = messageCategory == "USER_DEFINED"
            case .reserved: inCategory = messageCategory == "RESERVED"
            case .all: inCategory = messageCategory != "NONE"
            }
            return negated ? (messageCategory != "NONE" && !inCategory) : inCategory
        }

        /// The rule at `index`.
        public func rule(_ index: Int) -> Rule { rules[index].rule }

        /// Whether the rule at `index` is a `pass` rule: when it matches, the message raises no alert at all (pass
        /// comes first in Suricata's action order), and is not logged itself.
        public func isPass(_ index: Int) -> Bool { passRules[index] }

        /// Whether a `suppress` line of the threshold file removes this alert of the rule at `index`.
        public func isSuppressed(_ index: Int, context: PacketContext) -> Bool {
            guard hasSuppressions[index] else { return false }
            for suppression in rules[index].suppressions {
                guard let addresses = suppression.addresses, let track = suppression.track else { return true }
                switch track {
                case .bySource: if addresses.matches(context.source) { return true }
                case .byDestination: if addresses.matches(context.destination) { return true }
                case .byEither:
                    if addresses.matches(context.source) || addresses.matches(context.destination) { return true }
                }
            }
            return false
        }

        /// Whether the rule at `index` has a `threshold` or `detection_filter` (its alerts go through
        /// ``ThresholdState``), read without copying the rule.
        public func isRateLimited(_ index: Int) -> Bool { rateLimited[index] }

        /// What an alert of the rule at `index` says.
        public func alertRule(_ index: Int) -> AlertRule { alertRules[index] }

        // MARK: - Matching

        /// The rules an application-layer event (`dnp3.flooded`, `modbus.invalid_length`) fires, by index, in
        /// rule order.
        public func matchEvent(_ name: String, context: PacketContext, into matches: inout [Int]) {
            for index in events[name] ?? [] where rules[index].headerMatches(context) { matches.append(index) }
        }

        /// The DNP3 rules one application message fires, by index, in rule order (Suricata's `dnp3_func`,
        /// `dnp3_ind`, `dnp3_obj` and `dnp3_data` semantics: every keyword must match; `dnp3_obj` matches any
        /// object header of the fragment, not only the first).
        ///
        /// - Parameters:
        ///   - objects: a reused buffer for the fragment's object headers (group << 8 | variation); with
        ///     `objectsRead`, the caller has filled it with every header it read, in any order.
        ///   - matches: the indices of the rules that fire are appended.
        public func matchDNP3(
            application: DNP3.Application.Header,
            view: DNP3.FragmentView,
            bytes: borrowing Span<UInt8>,
            context: PacketContext,
            objects: inout [UInt16],
            objectsRead: Bool = false,
            into matches: inout [Int]
        ) {
            let start = matches.count
            let function = Int(application.functionCode.rawValue)
            // The fragment's object headers as group << 8 | variation, sorted: the caller's when it read them
            // (`objectsRead`), else read here once, for all the rules that ask (`dnp3_obj`), into its buffer.
            var parsed = objectsRead
            for index in dnp3ByFunction[function] {
                if dnp3ProvenByGroup[index]
                    || Self.dnp3Matches(rules[index], application, view, bytes, context, &objects, &parsed)
                {
                    matches.append(index)
                }
            }
            for index in dnp3AnyFunction {
                if dnp3ProvenByGroup[index]
                    || Self.dnp3Matches(rules[index], application, view, bytes, context, &objects, &parsed)
                {
                    matches.append(index)
                }
            }
            let byFunction = dnp3FunctionHasObjectRules[function]
            let byAny = dnp3FunctionHasObjectRules[256]
            if byFunction || byAny {
                if parsed { objects.sort() } else { Self.readObjects(application, view, bytes, &objects, &parsed) }
                // Each distinct object header once: a rule sits under its first object only, so none is tried twice.
                var previous: UInt16?
                for position in objects.indices {
                    let key = objects[position]
                    guard key != previous else { continue }
                    previous = key
                    // Most objects of a fragment are in no rule: one bit says so without a lookup.
                    guard dnp3GroupedObjects[Int(key >> 6)] & (1 << UInt64(key & 63)) != 0 else { continue }
                    for slot in 0..<2 {
                        guard slot == 0 ? byFunction : byAny else { continue }
                        let key = UInt32(slot == 0 ? function : 256) << 16 | UInt32(key)
                        for position in dnp3ByObject.positions(key) {
                            let index = dnp3ByObject.indices[position]
                            if dnp3ProvenByGroup[index]
                                || Self.dnp3Matches(rules[index], application, view, bytes, context, &objects, &parsed)
                            {
                                matches.append(index)
                            }
                        }
                    }
                }
            }
            matches[start...].sort()
        }

        /// The fragment's object headers as group << 8 | variation, sorted, read once per fragment.
        static func readObjects(
            _ application: DNP3.Application.Header,
            _ view: DNP3.FragmentView,
            _ bytes: borrowing Span<UInt8>,
            _ objects: inout [UInt16],
            _ parsed: inout Bool
        ) {
            guard !parsed else { return }
            parsed = true
            objects.removeAll(keepingCapacity: true)
            var parser = DNP3.Application.ObjectParser(header: application)
            while let block = parser.next(in: bytes, view: view) {
                objects.append(UInt16(block.header.group) << 8 | UInt16(block.header.variation))
            }
            objects.sort()
        }

        /// The Modbus rules one transaction fires, by index, in rule order (Suricata's `modbus:` semantics: only
        /// transactions with a request match, and the request is inspected; an access with a table, address and
        /// value looks at the addresses the request reads or writes and the value written there, addresses
        /// 1-based as Suricata documents: rule address 1 is PDU address 0).
        public func matchModbus(
            request: Modbus.Message?,
            requestADU: borrowing Span<UInt8>,
            response: Modbus.Message?,
            responseADU: borrowing Span<UInt8>,
            context: PacketContext,
            into matches: inout [Int]
        ) {
            guard let message = request else { return }
            let start = matches.count
            let function = UInt32(message.functionCode.function.rawValue)
            for index in modbusByFunction[Int(function)] {
                if modbusRuleMatches(index, message, requestADU, context) { matches.append(index) }
            }
            for index in modbusAnyFunction where modbusRuleMatches(index, message, requestADU, context) {
                matches.append(index)
            }
            if !modbusByUnit.isEmpty {
                let unit = UInt32(message.header.unitIdentifier)
                for slot in 0..<2 {
                    let key = (slot == 0 ? function : 128) << 8 | unit
                    for position in modbusByUnit.positions(key) {
                        let index = modbusByUnit.indices[position]
                        if modbusRuleMatches(index, message, requestADU, context) { matches.append(index) }
                    }
                }
            }
            matches[start...].sort()
        }

        private func modbusRuleMatches(
            _ index: Int,
            _ message: Modbus.Message,
            _ adu: borrowing Span<UInt8>,
            _ context: PacketContext
        ) -> Bool {
            guard rules[index].headerMatches(context) else { return false }
            guard let keyword = rules[index].modbus else { return true }
            return Self.modbusMatches(keyword, message, adu: adu)
        }

        static func modbusMatches(_ keyword: ModbusMatch, _ message: Modbus.Message, adu: borrowing Span<UInt8>) -> Bool
        {
            if let unit = keyword.unit, !unit.contains(UInt64(message.header.unitIdentifier)) { return false }
            let access = message.functionCode.function.access
            if let write = keyword.accessWrite {
                guard access.contains(write ? .write : .read) else { return false }
                if let table = keyword.table {
                    let wanted: Modbus.FunctionCode.Access
                    switch table {
                    case .coils: wanted = .coils
                    case .discretes: wanted = .discretes
                    case .input: wanted = .input
                    case .holding: wanted = .holding
                    }
                    guard access.contains(wanted) else { return false }
                }
                guard let address = keyword.address else { return true }
                guard let span = addressRange(message, write: write) else { return false }
                guard address.intersects(span) else { return false }
                guard let value = keyword.value else { return true }
                guard case .equal(let at) = address, let written = writtenValue(message, at: at, adu: adu) else {
                    return false
                }
                return value.contains(UInt64(written))
            }
            if let category = keyword.category {
                // A negated category is the other categories; NONE belongs to none of them.
                return categoryMatches(category, negated: keyword.functionNegated, message.suricataCategory)
            }
            if let function = keyword.function {
                let equal = message.functionCode.function.rawValue == function
                guard equal != keyword.functionNegated else { return false }
                if let subfunction = keyword.subfunction {
                    guard case .diagnostic(let code, _) = message.fields else { return false }
                    return code == subfunction
                }
            }
            return true
        }

        /// The addresses a message reads or writes, first to last, 1-based (PDU address + 1) as rules count them.
        static func addressRange(_ message: Modbus.Message, write: Bool) -> ClosedRange<UInt64>? {
            func range(_ start: UInt16, _ quantity: UInt16) -> ClosedRange<UInt64> {
                (UInt64(start) + 1)...(UInt64(start) + UInt64(max(quantity, 1)))
            }
            switch message.fields {
            case .readRequest(let start, let quantity): return range(start, quantity)
            case .writeSingle(let address, _): return range(address, 1)
            case .writeMultipleRequest(let start, let quantity, _, _): return range(start, quantity)
            case .writeMultipleResponse(let start, let quantity): return range(start, quantity)
            case .maskWrite(let address, _, _): return range(address, 1)
            case .readWriteRequest(let readStart, let readQuantity, let writeStart, let writeQuantity, _, _):
                return write ? range(writeStart, writeQuantity) : range(readStart, readQuantity)
            default: return nil
            }
        }

        /// The value a write request puts at 1-based `address`: the single value, or the register of a multiple
        /// write.
        static func writtenValue(_ message: Modbus.Message, at oneBased: UInt64, adu: borrowing Span<UInt8>) -> UInt16?
        {
            guard oneBased > 0 else { return nil }
            let address = oneBased - 1
            switch message.fields {
            case .writeSingle(let target, let value):
                return UInt64(target) == address ? value : nil
            case .writeMultipleRequest(let start, let quantity, _, let values)
            where message.functionCode.function.rawValue == 16:
                guard address >= UInt64(start), address < UInt64(start) + UInt64(quantity) else { return nil }
                let offset = values.lowerBound + Int(address - UInt64(start)) * 2
                guard offset + 1 < values.upperBound, offset + 1 < adu.count else { return nil }
                return UInt16(adu[offset]) << 8 | UInt16(adu[offset + 1])
            default:
                return nil
            }
        }

        static func dnp3Matches(
            _ compiled: CompiledRule,
            _ application: DNP3.Application.Header,
            _ view: DNP3.FragmentView,
            _ bytes: borrowing Span<UInt8>,
            _ context: PacketContext,
            _ objects: inout [UInt16],
            _ parsed: inout Bool
        ) -> Bool {
            guard compiled.headerMatches(context) else { return false }
            // Only responses carry IIN: an indicator condition never matches a request.
            for keyword in compiled.indicators {
                guard application.functionCode.isResponse else { return false }
                let iin = application.iin.rawValue
                let any = keyword.contains { condition in
                    condition.mask == 0
                        ? (condition.negated ? iin != 0 : iin == 0)
                        : (condition.negated ? iin & condition.mask == 0 : iin & condition.mask != 0)
                }
                guard any else { return false }
            }
            if !compiled.objectKeys.isEmpty {
                readObjects(application, view, bytes, &objects, &parsed)
                for key in compiled.objectKeys {
                    guard objects.contains(key) else { return false }
                }
            }
            if !compiled.contents.isEmpty {
                guard contentsMatch(compiled.contents, view: view, bytes: bytes) else { return false }
            }
            return true
        }

        /// Suricata's content matching on a buffer (the fragment, read in place): each content in order, with
        /// `offset`/`depth` from the buffer's start and `distance`/`within` from the previous match's end; a
        /// negated content must not occur in its window.
        static func contentsMatch(
            _ contents: [ContentMatch],
            view: DNP3.FragmentView,
            bytes: borrowing Span<UInt8>
        )
            -> Bool
        {
            var previousEnd = 0
            for content in contents {
                var low = content.offset ?? 0
                var high = content.depth.map { low + $0 } ?? view.count
                if let distance = content.distance { low = previousEnd + distance }
                if let within = content.within { high = min(high, previousEnd + (content.distance ?? 0) + within) }
                high = min(high, view.count)
                var found: Int?
                if low >= 0 && high - low >= content.bytes.count {
                    var position = low
                    while position + content.bytes.count <= high {
                        var equal = true
                        for (offset, expected) in content.bytes.enumerated() {
                            var actual = view.byte(position + offset, in: bytes)
                            var wanted = expected
                            if content.nocase {
                                if actual >= 0x41 && actual <= 0x5A { actual += 0x20 }
                                if wanted >= 0x41 && wanted <= 0x5A { wanted += 0x20 }
                            }
                            if actual != wanted {
                                equal = false
                                break
                            }
                        }
                        if equal {
                            found = position
                            break
                        }
                        position += 1
                    }
                }
                if content.negated {
                    guard found == nil else { return false }
                } else {
                    guard let found else { return false }
                    previousEnd = found + content.bytes.count
                }
            }
            return true
        }
    }
}

extension Detection {
    /// Resolves rule headers into interval sets: variables expanded once each (cached, so a variable used by every
    /// rule, or many times inside another, costs one resolution), a variable that refers back to itself is an
    /// error naming the chain.
    struct HeaderResolver {
        let variables: Variables
        private var addressCache: [String: AddressSet] = [:]
        private var portCache: [String: PortSet] = [:]
        private var path: [String] = []

        init(variables: Variables) { self.variables = variables }

        mutating func address(_ spec: AddressSpec, _ rule: Rule) throws(RuleError) -> AddressSet {
            switch spec {
            case .any: return .all
            case .network(let network): return AddressSet(network)
            case .list(let items):
                // Suricata's reading: the plain items (everything when there are none) minus the negated ones.
                var including: AddressSet?
                var excluding = AddressSet.empty
                for item in items {
                    if case .negated(let inner) = item {
                        excluding = excluding.union(try address(inner, rule))
                    } else {
                        let resolved = try address(item, rule)
                        including = including.map { $0.union(resolved) } ?? resolved
                    }
                }
                return (including ?? .all).subtracting(excluding)
            case .negated(let inner): return try address(inner, rule).complement
            case .variable(let name):
                if let cached = addressCache[name] { return cached }
                guard let value = variables.addresses[name] else {
                    throw RuleError("address variable $\(name) is not defined", at: rule.location)
                }
                guard !path.contains(name) else {
                    let chain = (path.drop { $0 != name } + [name]).map { "$" + $0 }.joined(separator: " -> ")
                    throw RuleError("address variable $\(name) refers to itself (\(chain))", at: rule.location)
                }
                path.append(name)
                defer { path.removeLast() }
                let resolved = try address(value, rule)
                addressCache[name] = resolved
                return resolved
            }
        }

        mutating func ports(_ spec: PortSpec, _ rule: Rule) throws(RuleError) -> PortSet {
            switch spec {
            case .any: return .all
            case .port(let port): return PortSet([port...port])
            case .range(let low, let high): return PortSet([min(low, high)...max(low, high)])
            case .list(let items):
                var including: PortSet?
                var excluding = PortSet.empty
                for item in items {
                    if case .negated(let inner) = item {
                        excluding = excluding.union(try ports(inner, rule))
                    } else {
                        let resolved = try ports(item, rule)
                        including = including.map { $0.union(resolved) } ?? resolved
                    }
                }
                return (including ?? .all).subtracting(excluding)
            case .negated(let inner): return try ports(inner, rule).complement
            case .variable(let name):
                if let cached = portCache[name] { return cached }
                guard let value = variables.ports[name] else {
                    throw RuleError("port variable $\(name) is not defined", at: rule.location)
                }
                guard !path.contains(name) else {
                    let chain = (path.drop { $0 != name } + [name]).map { "$" + $0 }.joined(separator: " -> ")
                    throw RuleError("port variable $\(name) refers to itself (\(chain))", at: rule.location)
                }
                path.append(name)
                defer { path.removeLast() }
                let resolved = try ports(value, rule)
                portCache[name] = resolved
                return resolved
            }
        }
    }
}

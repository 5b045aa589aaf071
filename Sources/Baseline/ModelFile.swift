// SPDX-License-Identifier: Apache-2.0
import DNP3
import ModbusTCP
import NetworkLayers
import WireFormat

extension Baseline {
    /// Why a model file could not be read: where in the document (`pairs[2].units[0].functions[1]`) and what is
    /// wrong, in words a person editing the file can act on.
    public struct ModelError: Error, Equatable, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }
    }
}

// MARK: - Writing

extension Baseline.Model {
    /// The model as its JSON document: members in a fixed order, lists sorted by address, so that the same
    /// model always writes the same text and two files compare line by line.
    public func document() -> JSONValue {
        sort()
        var learned: [(String, JSONValue)] = []
        if let learnedFrom { learned.append(("from", .string(Self.timeText(learnedFrom)))) }
        if let learnedTo { learned.append(("to", .string(Self.timeText(learnedTo)))) }
        learned.append(("duration_s", .number(Double(learnedMicroseconds) / 1_000_000)))
        learned.append(
            (
                "sources",
                .array(
                    sources.map {
                        .object([
                            ("file", .string($0.file)), ("from", .string(Self.timeText($0.from))),
                            ("to", .string(Self.timeText($0.to))),
                        ])
                    }
                )
            )
        )
        learned.append(("packets", .integer(Int64(packets))))
        learned.append(("records", .integer(Int64(records))))
        learned.append(("read_values", .bool(readValuesLearned)))
        var root: [(String, JSONValue)] = [
            ("otsensor_baseline", .integer(Int64(Self.formatVersion))),
            ("learned", .object(learned)),
        ]
        if !itemsNotLearned.isEmpty {
            root.append(
                (
                    "not_learned",
                    .object(itemsNotLearned.sorted { $0.key < $1.key }.map { ($0.key, .integer(Int64($0.value))) })
                )
            )
        }
        var incomplete: [JSONValue] = []
        if !devicesComplete { incomplete.append(.string("devices")) }
        if !pairsComplete { incomplete.append(.string("pairs")) }
        if !incomplete.isEmpty { root.append(("incomplete", .array(incomplete))) }
        let (units, addresses) = deviceSummaries()
        root.append(
            (
                "devices",
                .array(
                    devices.map {
                        deviceDocument($0, units: units[$0.address] ?? [], addresses: addresses[$0.address] ?? [])
                    }
                )
            )
        )
        root.append(("pairs", .array(pairs.map(Self.pairDocument))))
        return .object(root)
    }

    /// The model file's text.
    public func fileText() -> String { document().formatted() }

    /// A summary of the pairs for each device, for the reader: units served, DNP3 addresses used (one pass).
    func deviceSummaries() -> (units: [IPAddress: Set<UInt32>], addresses: [IPAddress: Set<UInt32>]) {
        var units: [IPAddress: Set<UInt32>] = [:]
        var addresses: [IPAddress: Set<UInt32>] = [:]
        for pair in pairs {
            for station in pair.stations {
                switch pair.key.kind {
                case .modbus: units[pair.key.server, default: []].insert(station.identifier)
                case .dnp3:
                    addresses[pair.key.client, default: []].insert(station.identifier >> 16)
                    addresses[pair.key.server, default: []].insert(station.identifier & 0xFFFF)
                }
            }
        }
        return (units, addresses)
    }

    private func deviceDocument(_ device: Baseline.Device, units: Set<UInt32>, addresses: Set<UInt32>) -> JSONValue {
        var members: [(String, JSONValue)] = [("ip", .string(device.address.description))]
        members.append(
            ("roles", .array(Baseline.Roles.names.filter { device.roles.contains($0.0) }.map { .string($0.1) }))
        )
        if !units.isEmpty { members.append(("units", .array(units.sorted().map { .integer(Int64($0)) }))) }
        if !addresses.isEmpty {
            members.append(("dnp3_addresses", .array(addresses.sorted().map { .integer(Int64($0)) })))
        }
        members.append(
            (
                "macs",
                .array(
                    device.macs.sorted { $0.address < $1.address }.map {
                        .object([("mac", .string(Baseline.Monitor.macText($0.address)))] + Self.seenMembers($0.seen))
                    }
                )
            )
        )
        if !device.macsComplete { members.append(("incomplete", .array([.string("macs")]))) }
        return .object(members + Self.seenMembers(device.seen))
    }

    private static func pairDocument(_ pair: Baseline.Pair) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("protocol", .string(pair.key.kind.rawValue)),
            (pair.key.kind == .modbus ? "client" : "master", .string(pair.key.client.description)),
            (pair.key.kind == .modbus ? "server" : "outstation", .string(pair.key.server.description)),
        ]
        members += seenMembers(pair.seen)
        members.append(
            (
                "rate",
                .object([
                    ("window_s", .integer(pair.rateWindowSeconds)),
                    ("max_requests", .integer(Int64(pair.maximumRequestsPerWindow))),
                    ("requests", .integer(Int64(pair.requests))),
                ])
            )
        )
        if !pair.stationsComplete { members.append(("incomplete", .array([.string("stations")]))) }
        let stations: [JSONValue] = pair.stations.map { station in
            var item: [(String, JSONValue)]
            if pair.key.kind == .modbus {
                item = [("unit", .integer(Int64(station.identifier)))]
            } else {
                item = [
                    ("master", .integer(Int64(station.identifier >> 16))),
                    ("outstation", .integer(Int64(station.identifier & 0xFFFF))),
                ]
            }
            item += seenMembers(station.seen)
            if !station.functionsComplete { item.append(("incomplete", .array([.string("functions")]))) }
            item.append(("functions", .array(station.functions.map { functionDocument($0, kind: pair.key.kind) })))
            return .object(item)
        }
        members.append((pair.key.kind == .modbus ? "units" : "stations", .array(stations)))
        return .object(members)
    }

    private static func functionDocument(_ function: Baseline.Function, kind: Baseline.ProtocolKind) -> JSONValue {
        var members: [(String, JSONValue)] = [("function", .integer(Int64(function.code)))]
        switch kind {
        case .modbus:
            members.append(("name", .string(Modbus.FunctionCode(rawValue: function.code).specificationName ?? "")))
        case .dnp3:
            members.append(("name", .string(DNP3.Application.FunctionCode(rawValue: function.code).name ?? "")))
        }
        members += seenMembers(function.seen)
        var incomplete: [JSONValue] = []
        if !function.objectsComplete { incomplete.append(.string("objects")) }
        if !function.valuesComplete { incomplete.append(.string("values")) }
        if !function.blocksComplete { incomplete.append(.string("blocks")) }
        if !incomplete.isEmpty { members.append(("incomplete", .array(incomplete))) }
        if kind == .dnp3 {
            members.append(
                (
                    "objects",
                    .array(
                        function.objects.map {
                            .object(
                                [("group", .integer(Int64($0.group))), ("variation", .integer(Int64($0.variation)))]
                                    + itemSeen($0.seen)
                            )
                        }
                    )
                )
            )
        }
        members.append(
            (
                "blocks",
                .array(
                    function.blocks.map {
                        .object(
                            [
                                ("table", .string($0.table.name)), ("access", .string($0.access.rawValue)),
                                ("start", .integer(Int64($0.start))), ("end", .integer(Int64($0.end))),
                            ] + itemSeen($0.seen)
                        )
                    }
                )
            )
        )
        if kind == .modbus || !function.values.isEmpty {
            members.append(
                (
                    "values",
                    .array(
                        function.values.map {
                            .object(
                                [
                                    ("table", .string($0.table.name)), ("address", .integer(Int64($0.address))),
                                    ("min", .integer($0.minimum)), ("max", .integer($0.maximum)),
                                ] + itemSeen($0.seen)
                            )
                        }
                    )
                )
            )
        }
        members.append(("polls", .array(function.polls.map { pollDocument($0) })))
        return .object(members)
    }

    private static func pollDocument(_ poll: Baseline.Poll) -> JSONValue {
        var members: [(String, JSONValue)] = []
        if poll.key.objects.isEmpty {
            members += [
                ("table", .string(poll.key.table.name)), ("start", .integer(Int64(poll.key.start))),
                ("quantity", .integer(Int64(poll.key.quantity))),
            ]
        } else {
            members.append(("objects", .string(poll.key.description)))
        }
        members += [
            ("period_ms", .number((poll.period / 100).rounded() / 10)),
            ("jitter_ms", .number((poll.jitter / 100).rounded() / 10)),
            ("min_interval_ms", .number(poll.intervals > 0 ? Double(poll.minimumInterval) / 1_000 : 0)),
            ("max_interval_ms", .number(Double(poll.maximumInterval) / 1_000)),
            ("max_silence_ms", .number(Double(poll.maximumSilence) / 1_000)),
            ("intervals", .integer(Int64(poll.intervals))),
        ]
        return .object(members + itemSeen(poll.seen))
    }

    static func seenMembers(_ seen: Baseline.Seen) -> [(String, JSONValue)] {
        [
            ("first_seen", .string(timeText(seen.first))), ("last_seen", .string(timeText(seen.last))),
            ("count", .integer(Int64(seen.count))),
        ]
    }

    /// Items at the leaves keep first-seen time and count (the last time is on their function).
    static func itemSeen(_ seen: Baseline.Seen) -> [(String, JSONValue)] {
        [("first_seen", .string(timeText(seen.first))), ("count", .integer(Int64(seen.count)))]
    }

    /// `2026-11-30T14:40:39.123456Z`: UTC, microseconds.
    public static func timeText(_ microseconds: Int64) -> String {
        let seconds = Baseline.Monitor.floorDivide(microseconds, 1_000_000)
        let fraction = microseconds - seconds * 1_000_000
        let (year, month, day, hour, minute, second) = CivilTime.components(ofUnixSeconds: seconds)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let micro = String(fraction)
        let yearText = String(year)
        return String(repeating: "0", count: max(4 - yearText.count, 0)) + yearText
            + "-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))."
            + String(repeating: "0", count: 6 - micro.count) + micro + "Z"
    }

    /// Reads `2026-11-30T14:40:39.123456Z` (the fraction may have 0 to 6 digits; the zone must be Z).
    public static func parseTime(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for index in range {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), bytes[4] == UInt8(ascii: "-"), let month = number(5..<7),
            bytes[7] == UInt8(ascii: "-"), let day = number(8..<10), bytes[10] == UInt8(ascii: "T"),
            let hour = number(11..<13), bytes[13] == UInt8(ascii: ":"), let minute = number(14..<16),
            bytes[16] == UInt8(ascii: ":"), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        var micro = 0
        if bytes.count > 20 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count - 21 <= 6, bytes.count - 21 >= 1,
                let fraction = number(20..<(bytes.count - 1))
            else { return nil }
            micro = fraction
            for _ in 0..<(6 - (bytes.count - 21)) { micro *= 10 }
        } else {
            guard bytes.count == 20 else { return nil }
        }
        let days = CivilTime.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
        // Only dates that exist (no February 31, no leap second): the time must write back as it was read.
        let (y, m, d, h, mi, se) = CivilTime.components(ofUnixSeconds: seconds)
        guard (y, m, d, h, mi, se) == (year, month, day, hour, minute, second) else { return nil }
        return seconds * 1_000_000 + Int64(micro)
    }
}

// MARK: - Reading

extension Baseline.Model {
    /// Reads a model file's text.
    ///
    /// - Throws: ``Baseline/ModelError`` naming the line and column (JSON syntax) or the member (content) of
    ///   the first problem: an unknown member (a misspelt name would otherwise be silently ignored), a missing
    ///   or mistyped one, a value out of range, an item listed twice.
    public static func read(text: String) throws(Baseline.ModelError) -> Baseline.Model {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: text)
        } catch {
            throw Baseline.ModelError(path: "line \(error.line), column \(error.column)", message: error.message)
        }
        return try read(document: document)
    }

    /// Reads a model from its JSON document.
    public static func read(document: JSONValue) throws(Baseline.ModelError) -> Baseline.Model {
        let root = Reader(value: document, location: .root)
        try root.allow([
            "otsensor_baseline", "learned", "not_learned", "incomplete", "devices", "pairs",
        ])
        let version = try root.integer("otsensor_baseline", in: 1...Int64.max)
        guard version == Int64(formatVersion) else {
            throw root.error(
                "this is a version \(version) model; this otsensor reads version \(formatVersion) (learn it again, or use the otsensor that wrote it)"
            )
        }
        let model = Baseline.Model()
        let learned = try root.object("learned")
        try learned.allow(["from", "to", "duration_s", "sources", "packets", "records", "read_values"])
        model.learnedFrom = try learned.optionalTime("from")
        model.learnedTo = try learned.optionalTime("to")
        let duration = try learned.number("duration_s")
        guard duration >= 0, duration < 1e12 else { throw learned.member("duration_s").error("must be 0 or more") }
        model.learnedMicroseconds = Int64((duration * 1_000_000).rounded())
        for item in try learned.array("sources") {
            guard model.sources.count < 100_000 else { throw item.error("more than 100000 sources (the limit)") }
            try item.allow(["file", "from", "to"])
            let from = try item.time("from")
            let to = try item.time("to")
            guard to >= from else { throw item.member("to").error("is before from") }
            model.sources.append(Baseline.Source(file: try item.string("file"), from: from, to: to))
        }
        model.packets = Int(try learned.integer("packets", in: 0...Int64(Int32.max) * 1_000_000))
        model.records = Int(try learned.integer("records", in: 0...Int64(Int32.max) * 1_000_000))
        model.readValuesLearned = try learned.bool("read_values")
        if let notLearned = root.value["not_learned"] {
            guard case .object(let members) = notLearned else {
                throw root.member("not_learned").error("must be an object of counts")
            }
            for (name, value) in members {
                guard case .integer(let count) = value, (0...Int64(1) << 40).contains(count) else {
                    throw root.member("not_learned").member(name).error("must be a count from 0 to 2^40")
                }
                model.itemsNotLearned[name] = Int(count)
            }
        }
        let incomplete = try root.incomplete(allowed: ["devices", "pairs"])
        model.devicesComplete = !incomplete.contains("devices")
        model.pairsComplete = !incomplete.contains("pairs")
        for item in try root.array("devices") {
            try item.allow([
                "ip", "roles", "units", "dnp3_addresses", "macs", "incomplete", "first_seen", "last_seen", "count",
            ])
            guard model.devices.count < limits.maxDevices else {
                throw item.error("more than \(limits.maxDevices) devices (the limit)")
            }
            let device = Baseline.Device(address: try item.address("ip"), seen: try item.seen())
            device.macsComplete = !(try item.incomplete(allowed: ["macs"])).contains("macs")
            // The summaries are the reader's; they are checked for shape, then rebuilt from the pairs.
            for name in ["units", "dnp3_addresses"] {
                for number in try item.optionalArray(name) { _ = try number.integer(in: 0...65_535) }
            }
            guard model.deviceIndex[device.address] == nil else {
                throw item.error("device \(device.address) is listed twice")
            }
            for role in try item.array("roles") {
                let name = try role.string()
                guard let match = Baseline.Roles.names.first(where: { $0.1 == name }) else {
                    throw role.error(
                        "'\(name)' is not a role (modbus_client, modbus_server, dnp3_master, dnp3_outstation)"
                    )
                }
                guard !device.roles.contains(match.0) else { throw role.error("'\(name)' is listed twice") }
                device.roles.insert(match.0)
            }
            for mac in try item.optionalArray("macs") {
                try mac.allow(["mac", "first_seen", "last_seen", "count"])
                let text = try mac.string("mac")
                guard let address = parseMAC(text) else {
                    throw mac.member("mac").error("'\(text)' is not a MAC address (aa:bb:cc:dd:ee:ff)")
                }
                guard !device.macs.contains(where: { $0.address == address }) else {
                    throw mac.member("mac").error("'\(text)' is listed twice")
                }
                guard device.macs.count < limits.maxMACsPerDevice else {
                    throw mac.error("more than \(limits.maxMACsPerDevice) MAC addresses (the limit)")
                }
                device.macs.append(Baseline.MACItem(address: address, seen: try mac.seen()))
            }
            model.deviceIndex[device.address] = model.devices.count
            model.devices.append(device)
        }
        for item in try root.array("pairs") {
            guard model.pairs.count < limits.maxPairs else {
                throw item.error("more than \(limits.maxPairs) pairs (the limit)")
            }
            let pair = try readPair(item, model: model)
            guard model.pairIndex[pair.key] == nil else {
                throw item.error(
                    "the pair \(pair.key.client) -> \(pair.key.server) (\(pair.key.kind.rawValue)) is listed twice"
                )
            }
            model.pairIndex[pair.key] = model.pairs.count
            model.pairs.append(pair)
        }
        model.sort()
        let counts = model.counts
        model.itemCount =
            counts.stations + counts.functions + counts.objects + counts.blocks + counts.values + counts.polls
        return model
    }

    /// The limits a model file is held to when read (the defaults learning uses).
    static let limits = Baseline.Limits()

    private static func readPair(_ item: Reader, model: Baseline.Model) throws(Baseline.ModelError) -> Baseline.Pair {
        let protocolName = try item.string("protocol")
        guard let kind = Baseline.ProtocolKind(rawValue: protocolName) else {
            throw item.member("protocol").error("'\(protocolName)' is not modbus or dnp3")
        }
        let names = kind == .modbus ? ("client", "server", "units") : ("master", "outstation", "stations")
        try item.allow([
            "protocol", names.0, names.1, names.2, "first_seen", "last_seen", "count", "rate", "incomplete",
        ])
        let key = Baseline.PairKey(kind: kind, client: try item.address(names.0), server: try item.address(names.1))
        let rate = try item.object("rate")
        try rate.allow(["window_s", "max_requests", "requests"])
        let pair = Baseline.Pair(
            key: key,
            seen: try item.seen(),
            rateWindowSeconds: try rate.integer("window_s", in: 1...86_400)
        )
        pair.maximumRequestsPerWindow = Int(try rate.integer("max_requests", in: 0...Int64(Int32.max)))
        pair.requests = Int(try rate.integer("requests", in: 0...Int64(Int32.max) * 1_000_000))
        pair.stationsComplete = !(try item.incomplete(allowed: ["stations"])).contains("stations")
        for stationItem in try item.array(names.2) {
            guard pair.stations.count < limits.maxStationsPerPair else {
                throw stationItem.error("more than \(limits.maxStationsPerPair) stations in one pair (the limit)")
            }
            let identifier: UInt32
            if kind == .modbus {
                try stationItem.allow(["unit", "first_seen", "last_seen", "count", "functions", "incomplete"])
                identifier = UInt32(try stationItem.integer("unit", in: 0...255))
            } else {
                try stationItem.allow([
                    "master", "outstation", "first_seen", "last_seen", "count", "functions", "incomplete",
                ])
                identifier =
                    UInt32(try stationItem.integer("master", in: 0...65_535)) << 16
                    | UInt32(try stationItem.integer("outstation", in: 0...65_535))
            }
            guard pair.station(identifier) == nil else { throw stationItem.error("this station is listed twice") }
            let station = Baseline.Station(identifier: identifier, seen: try stationItem.seen())
            station.functionsComplete = !(try stationItem.incomplete(allowed: ["functions"])).contains("functions")
            for functionItem in try stationItem.array("functions") {
                guard station.functions.count < limits.maxFunctionsPerStation else {
                    throw functionItem.error("more than \(limits.maxFunctionsPerStation) functions (the limit)")
                }
                let function = try readFunction(functionItem, kind: kind, model: model)
                guard station.function(function.code) == nil else {
                    throw functionItem.error("function \(function.code) is listed twice")
                }
                station.functions.append(function)
            }
            pair.stations.append(station)
        }
        return pair
    }

    private static func readFunction(
        _ item: Reader,
        kind: Baseline.ProtocolKind,
        model: Baseline.Model
    ) throws(Baseline.ModelError) -> Baseline.Function {
        try item.allow([
            "function", "name", "first_seen", "last_seen", "count", "incomplete", "objects", "blocks", "values",
            "polls",
        ])
        let function = Baseline.Function(code: UInt8(try item.integer("function", in: 0...255)), seen: try item.seen())
        if item.value["name"] != nil { _ = try item.string("name") }  // the reader's; rewritten from the code
        let incomplete = try item.incomplete(allowed: ["objects", "values", "blocks"])
        function.objectsComplete = !incomplete.contains("objects")
        function.valuesComplete = !incomplete.contains("values")
        function.blocksComplete = !incomplete.contains("blocks")
        if kind == .modbus, item.value["objects"] != nil {
            throw item.member("objects").error("DNP3 objects in a Modbus function")
        }
        var objectKeys: Set<UInt16> = []
        for object in try item.optionalArray("objects") {
            guard function.objects.count < limits.maxObjectsPerFunction else {
                throw object.error("more than \(limits.maxObjectsPerFunction) objects (the limit)")
            }
            try object.allow(["group", "variation", "first_seen", "count"])
            let group = UInt8(try object.integer("group", in: 0...255))
            let variation = UInt8(try object.integer("variation", in: 0...255))
            guard objectKeys.insert(UInt16(group) << 8 | UInt16(variation)).inserted else {
                throw object.error("g\(group)v\(variation) is listed twice")
            }
            function.objects.append(
                Baseline.ObjectItem(group: group, variation: variation, seen: try object.itemSeen())
            )
        }
        let blocks = try item.array("blocks")
        guard blocks.count <= limits.maxBlocksPerFunction else {
            throw item.member("blocks").error("more than \(limits.maxBlocksPerFunction) blocks (the limit)")
        }
        for block in blocks {
            try block.allow(["table", "access", "start", "end", "first_seen", "count"])
            let table = try block.table("table", kind: kind)
            let accessName = try block.string("access")
            guard let access = Baseline.Access(rawValue: accessName) else {
                throw block.member("access").error("'\(accessName)' is not read or write")
            }
            let start = UInt32(try block.integer("start", in: 0...Int64(UInt32.max)))
            let end = UInt32(try block.integer("end", in: 0...Int64(UInt32.max)))
            guard end >= start else { throw block.member("end").error("\(end) is below start \(start)") }
            guard kind == .dnp3 || end <= 65_535 else {
                throw block.member("end").error("\(end) is past the last Modbus address, 65535")
            }
            // Merged as learning merges them: a person may add a block that overlaps another.
            Baseline.Monitor.learnBlock(
                function,
                table: table,
                access: access,
                start: start,
                end: end,
                seen: try block.itemSeen(),
                maxBlocks: Int.max
            )
        }
        var valueKeys: Set<UInt64> = []
        for value in try item.optionalArray("values") {
            guard function.values.count < limits.maxValuesPerFunction else {
                throw value.error("more than \(limits.maxValuesPerFunction) values (the limit)")
            }
            try value.allow(["table", "address", "min", "max", "first_seen", "count"])
            let table = try value.table("table", kind: kind)
            let address = UInt32(try value.integer("address", in: 0...Int64(UInt32.max)))
            let minimum = try value.integer("min", in: Int64(Int32.min)...Int64(UInt32.max))
            let maximum = try value.integer("max", in: Int64(Int32.min)...Int64(UInt32.max))
            guard maximum >= minimum else { throw value.member("max").error("\(maximum) is below min \(minimum)") }
            if kind == .modbus {
                let top: Int64 = table == .coils || table == .discreteInputs ? 1 : 65_535
                guard minimum >= 0, maximum <= top else {
                    throw value.error("a \(table.itemName) holds 0 to \(top), not \(minimum)..\(maximum)")
                }
                guard address <= 65_535 else {
                    throw value.member("address").error("\(address) is past the last Modbus address, 65535")
                }
            }
            guard valueKeys.insert(UInt64(table.rawValue) << 32 | UInt64(address)).inserted else {
                throw value.error("\(table.name) \(address) is listed twice")
            }
            function.values.append(
                Baseline.ValueRange(
                    table: table,
                    address: address,
                    minimum: minimum,
                    maximum: maximum,
                    seen: try value.itemSeen()
                )
            )
        }
        var pollKeys: Set<UInt64> = []
        for pollItem in try item.array("polls") {
            guard function.polls.count < limits.maxPollsPerFunction else {
                throw pollItem.error("more than \(limits.maxPollsPerFunction) polls (the limit)")
            }
            try pollItem.allow([
                "table", "start", "quantity", "objects", "period_ms", "jitter_ms", "min_interval_ms",
                "max_interval_ms", "max_silence_ms", "intervals", "first_seen", "count",
            ])
            let key: Baseline.PollKey
            if pollItem.value["objects"] != nil {
                let text = try pollItem.string("objects")
                var objects: [UInt16] = []
                for word in text.split(separator: " ") {
                    let parts = word.dropFirst().split(separator: "v", omittingEmptySubsequences: false)
                    guard word.first == "g", parts.count == 2,
                        parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                        let group = UInt8(parts[0]), let variation = UInt8(parts[1])
                    else { throw pollItem.member("objects").error("'\(word)' is not gNvM") }
                    objects.append(UInt16(group) << 8 | UInt16(variation))
                }
                guard !objects.isEmpty else { throw pollItem.member("objects").error("names no object") }
                key = Baseline.PollKey(table: .dnp3Group(0), start: 0, quantity: 0, objects: objects)
            } else {
                key = Baseline.PollKey(
                    table: try pollItem.table("table", kind: kind),
                    start: UInt32(try pollItem.integer("start", in: 0...65_535)),
                    quantity: UInt32(try pollItem.integer("quantity", in: 0...65_535)),
                    objects: []
                )
            }
            guard pollKeys.insert(key.hash64).inserted else {
                throw pollItem.error("the poll \(key.description) is listed twice")
            }
            let poll = Baseline.Poll(key: key, seen: try pollItem.itemSeen())
            poll.intervals = Int(try pollItem.integer("intervals", in: 0...Int64(Int32.max) * 1_000_000))
            poll.storedPeriod = try pollItem.milliseconds("period_ms")
            poll.storedJitter = try pollItem.milliseconds("jitter_ms")
            let minimum = try pollItem.milliseconds("min_interval_ms")
            poll.minimumInterval = poll.intervals > 0 ? Int64(minimum.rounded()) : .max
            poll.maximumInterval = Int64(try pollItem.milliseconds("max_interval_ms").rounded())
            poll.maximumSilence = Int64(try pollItem.milliseconds("max_silence_ms").rounded())
            guard poll.intervals == 0 || poll.maximumInterval >= poll.minimumInterval else {
                throw pollItem.member("max_interval_ms").error("is below min_interval_ms")
            }
            // The mean lies between the shortest and longest interval (within the file's 0.1 ms rounding).
            if poll.intervals > 0, let period = poll.storedPeriod,
                case let slack = max(100, period * 1e-9),
                period < Double(poll.minimumInterval) - slack || period > Double(poll.maximumInterval) + slack
            {
                throw pollItem.member("period_ms").error("lies outside min_interval_ms..max_interval_ms")
            }
            function.polls.append(poll)
        }
        return function
    }

    static func parseMAC(_ text: String) -> UInt64? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var value: UInt64 = 0
        for part in parts {
            guard part.count == 2, let octet = UInt8(part, radix: 16) else { return nil }
            value = value << 8 | UInt64(octet)
        }
        return value
    }
}

/// A position in the document, with typed accessors whose errors name it.
private struct Reader {
    var value: JSONValue
    /// Where the value is, as a chain of members and indexes: made into text only for an error message.
    var location: Location

    indirect enum Location {
        case root
        case member(Location, String)
        case index(Location, Int)

        var text: String {
            switch self {
            case .root: return ""
            case .member(let parent, let name):
                let prefix = parent.text
                return prefix.isEmpty ? name : "\(prefix).\(name)"
            case .index(let parent, let index): return "\(parent.text)[\(index)]"
            }
        }
    }

    init(value: JSONValue, location: Location) {
        self.value = value
        self.location = location
    }

    var path: String { location.text }

    func error(_ message: String) -> Baseline.ModelError { Baseline.ModelError(path: path, message: message) }

    func member(_ name: String) -> Reader {
        Reader(value: value[name] ?? .null, location: .member(location, name))
    }

    /// Refuses members other than `names`.
    func allow(_ names: Set<String>) throws(Baseline.ModelError) {
        guard case .object(let members) = value else { throw error("must be an object") }
        for (name, _) in members where !names.contains(name) {
            throw error("unknown member '\(name)' (expected \(names.sorted().joined(separator: ", ")))")
        }
    }

    private func required(_ name: String) throws(Baseline.ModelError) -> Reader {
        guard case .object = value else { throw error("must be an object") }
        guard value[name] != nil else { throw error("the member '\(name)' is missing") }
        return member(name)
    }

    func object(_ name: String) throws(Baseline.ModelError) -> Reader {
        let item = try required(name)
        guard case .object = item.value else { throw item.error("must be an object") }
        return item
    }

    func array(_ name: String) throws(Baseline.ModelError) -> [Reader] {
        let item = try required(name)
        guard case .array(let items) = item.value else { throw item.error("must be an array") }
        return items.enumerated().map { Reader(value: $1, location: .index(item.location, $0)) }
    }

    func optionalArray(_ name: String) throws(Baseline.ModelError) -> [Reader] {
        value[name] == nil ? [] : try array(name)
    }

    func string() throws(Baseline.ModelError) -> String {
        guard case .string(let text) = value else { throw error("must be a string") }
        return text
    }

    func string(_ name: String) throws(Baseline.ModelError) -> String { try required(name).string() }

    func bool(_ name: String) throws(Baseline.ModelError) -> Bool {
        let item = try required(name)
        guard case .bool(let flag) = item.value else { throw item.error("must be true or false") }
        return flag
    }

    func integer(_ name: String, in range: ClosedRange<Int64>) throws(Baseline.ModelError) -> Int64 {
        try required(name).integer(in: range)
    }

    func integer(in range: ClosedRange<Int64>) throws(Baseline.ModelError) -> Int64 {
        let item = self
        if case .number(let number) = item.value, number == number.rounded() {
            throw item.error("\(number) is out of range (\(range.lowerBound) to \(range.upperBound))")
        }
        guard case .integer(let number) = item.value else { throw item.error("must be a whole number") }
        guard range.contains(number) else {
            throw item.error("\(number) is out of range (\(range.lowerBound) to \(range.upperBound))")
        }
        return number
    }

    func number(_ name: String) throws(Baseline.ModelError) -> Double {
        let item = try required(name)
        switch item.value {
        case .integer(let number): return Double(number)
        case .number(let number): return number
        default: throw item.error("must be a number")
        }
    }

    /// Milliseconds in the file, microseconds in the model.
    func milliseconds(_ name: String) throws(Baseline.ModelError) -> Double {
        let number = try self.number(name)
        // 1e15 ms is past any span of capture time (1970 to 9999 is 2.5e14 ms).
        guard number >= 0, number <= 1e15 else { throw member(name).error("must be 0 to 1e15 milliseconds") }
        return number * 1_000
    }

    func address(_ name: String) throws(Baseline.ModelError) -> IPAddress {
        let text = try string(name)
        guard let address = IPAddress(parsing: Substring(text)) else {
            throw member(name).error("'\(text)' is not an IPv4 or IPv6 address")
        }
        return address
    }

    func time(_ name: String) throws(Baseline.ModelError) -> Int64 {
        let text = try string(name)
        guard let time = Baseline.Model.parseTime(text) else {
            throw member(name).error("'\(text)' is not a UTC time like 2026-11-30T14:40:39.123456Z")
        }
        return time
    }

    func optionalTime(_ name: String) throws(Baseline.ModelError) -> Int64? {
        value[name] == nil ? nil : try time(name)
    }

    func table(_ name: String, kind: Baseline.ProtocolKind) throws(Baseline.ModelError) -> Baseline.Table {
        let text = try string(name)
        guard let table = Baseline.Table(name: text), (table.dnp3Group != nil) == (kind == .dnp3) else {
            throw member(name).error(
                kind == .modbus
                    ? "'\(text)' is not coils, discrete_inputs, holding_registers or input_registers"
                    : "'\(text)' is not a DNP3 group (g12)"
            )
        }
        return table
    }

    func seen() throws(Baseline.ModelError) -> Baseline.Seen {
        let first = try time("first_seen")
        let last = try time("last_seen")
        guard last >= first else { throw member("last_seen").error("is before first_seen") }
        return Baseline.Seen(
            first: first,
            last: last,
            count: Int(try integer("count", in: 0...Int64(Int32.max) * 1_000_000))
        )
    }

    func itemSeen() throws(Baseline.ModelError) -> Baseline.Seen {
        let first = try time("first_seen")
        return Baseline.Seen(
            first: first,
            last: first,
            count: Int(try integer("count", in: 0...Int64(Int32.max) * 1_000_000))
        )
    }

    func incomplete(allowed: Set<String>) throws(Baseline.ModelError) -> Set<String> {
        var result: Set<String> = []
        for item in try optionalArray("incomplete") {
            let name = try item.string()
            guard allowed.contains(name) else {
                throw item.error("'\(name)' cannot be incomplete here (\(allowed.sorted().joined(separator: ", ")))")
            }
            result.insert(name)
        }
        return result
    }
}

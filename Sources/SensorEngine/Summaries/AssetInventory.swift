// SPDX-License-Identifier: Apache-2.0
import ModbusTCP
import NetworkLayers
import WireFormat

/// The devices seen speaking Modbus/TCP or DNP3: address, MACs, roles, unit identifiers and DNP3 addresses, the
/// identity a Modbus device reports (Read Device Identification, MB §6.21), first and last seen.
///
/// A change (a new device, a new role or address, an identity) is queued as an ``AssetEvent``; the engine hands
/// the queue to its sink after each record.
///
/// Devices are kept in flat arrays indexed by slot (and side tables for what few devices have: a second MAC, DNP3
/// addresses, an identity), not one heap record each: the inventory lives for months beside flows that come and go,
/// and per-device allocations among theirs would pin the heap's pages long after the flows ended. An
/// ``AssetRecord`` is built only for an event.
final class AssetInventory {
    let limits: SummaryLimits
    @safe @exclusivity(unchecked) private var index: [IPAddress: Int32] = [:]
    @safe @exclusivity(unchecked) private var addresses: [IPAddress] = []
    /// Roles as bits: 1 Modbus client, 2 Modbus server, 4 DNP3 master, 8 DNP3 outstation.
    @safe @exclusivity(unchecked) private var roleBits: [UInt8] = []
    /// Modbus unit identifiers as a 256-bit set.
    @safe @exclusivity(unchecked) private var unitBits: [(UInt64, UInt64, UInt64, UInt64)] = []
    @safe @exclusivity(unchecked) private var firstSeen: [CaptureTimestamp] = []
    @safe @exclusivity(unchecked) private var lastSeen: [CaptureTimestamp] = []
    /// The first MAC seen (0: none); further ones in ``moreMACs``.
    @safe @exclusivity(unchecked) private var firstMAC: [UInt64] = []
    @safe @exclusivity(unchecked) private var moreMACs: [Int32: [UInt64]] = [:]
    @safe @exclusivity(unchecked) private var dnp3Addresses: [Int32: [UInt16]] = [:]
    @safe @exclusivity(unchecked) private var identities: [Int32: Identity] = [:]
    @safe @exclusivity(unchecked) private var notTracked: [Int32: Int] = [:]
    /// When each device's identity last changed (capture seconds): a device that reports another identity in
    /// every response raises one `identity_changed` a minute, not one per response.
    @safe @exclusivity(unchecked) private var identityChanged: [Int32: Int64] = [:]
    @safe @exclusivity(unchecked) private(set) var devicesNotTracked = 0
    /// Changes not yet handed over.
    @safe @exclusivity(unchecked) private(set) var pending: [AssetEvent] = []

    /// What Read Device Identification said.
    struct Identity: Equatable {
        var vendor: String?
        var productCode: String?
        var revision: String?
        var productName: String?
        var modelName: String?
    }

    private static let roleNames = ["modbus_client", "modbus_server", "dnp3_master", "dnp3_outstation"]

    init(limits: SummaryLimits) {
        self.limits = limits
    }

    /// Devices in the inventory.
    var count: Int { addresses.count }

    func takeEvents() -> [AssetEvent] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    // MARK: - Slots

    /// The device's slot, created on first sight; nil when the inventory is full.
    private func slot(_ address: IPAddress, time: CaptureTimestamp) -> (Int, Bool)? {
        if let found = index[address] {
            let slot = Int(found)
            if lastSeen[slot] < time { lastSeen[slot] = time }
            return (slot, false)
        }
        guard addresses.count < limits.maxAssets else {
            devicesNotTracked += 1
            return nil
        }
        let slot = addresses.count
        index[address] = Int32(slot)
        addresses.append(address)
        roleBits.append(0)
        unitBits.append((0, 0, 0, 0))
        firstSeen.append(time)
        lastSeen.append(time)
        firstMAC.append(0)
        return (slot, true)
    }

    /// The slot of a device through a flow's cached index (`-1`: not yet looked up, `-2`: the inventory was full).
    private func slot(_ address: IPAddress, cached: inout Int32, time: CaptureTimestamp) -> (Int, Bool)? {
        if cached >= 0 {
            let slot = Int(cached)
            if lastSeen[slot] < time { lastSeen[slot] = time }
            return (slot, false)
        }
        guard cached == -1 else { return nil }
        guard let found = slot(address, time: time) else {
            cached = -2
            return nil
        }
        cached = Int32(found.0)
        return found
    }

    private func hasUnit(_ slot: Int, _ unit: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(unit & 63)
        let words = unitBits[slot]
        switch unit >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    private func unitCount(_ slot: Int) -> Int {
        let words = unitBits[slot]
        return words.0.nonzeroBitCount + words.1.nonzeroBitCount + words.2.nonzeroBitCount + words.3.nonzeroBitCount
    }

    private func hasMAC(_ slot: Int, _ mac: UInt64) -> Bool {
        firstMAC[slot] == mac || moreMACs[Int32(slot)]?.contains(mac) == true
    }

    // MARK: - Changes

    private func addRole(_ slot: Int, _ bit: Int, changes: inout [String]) {
        let mask = UInt8(1) << UInt8(bit)
        guard roleBits[slot] & mask == 0 else { return }
        roleBits[slot] |= mask
        changes.append("role \(Self.roleNames[bit])")
    }

    private func addMAC(_ slot: Int, _ mac: UInt64?, changes: inout [String]) {
        // An all-zero MAC is no device's (loopback captures carry it).
        guard let mac, mac != 0, !hasMAC(slot, mac) else { return }
        if firstMAC[slot] == 0 {
            firstMAC[slot] = mac
        } else {
            guard 1 + (moreMACs[Int32(slot)]?.count ?? 0) < limits.maxMACsPerAsset else {
                notTracked[Int32(slot), default: 0] += 1
                return
            }
            moreMACs[Int32(slot), default: []].append(mac)
        }
        changes.append("MAC \(Self.macText(mac))")
    }

    private func addUnit(_ slot: Int, _ unit: UInt8, changes: inout [String]) {
        guard !hasUnit(slot, unit) else { return }
        guard unitCount(slot) + (dnp3Addresses[Int32(slot)]?.count ?? 0) < limits.maxAddressesPerAsset else {
            notTracked[Int32(slot), default: 0] += 1
            return
        }
        let bit = UInt64(1) << UInt64(unit & 63)
        switch unit >> 6 {
        case 0: unitBits[slot].0 |= bit
        case 1: unitBits[slot].1 |= bit
        case 2: unitBits[slot].2 |= bit
        default: unitBits[slot].3 |= bit
        }
        changes.append("unit \(unit)")
    }

    private func announce(_ slot: Int, isNew: Bool, changes: [String], time: CaptureTimestamp) {
        guard isNew || !changes.isEmpty else { return }
        pending.append(
            AssetEvent(
                change: isNew ? .new : .updated,
                asset: record(slot),
                previous: nil,
                // Another flow may have seen the device later already (records wait for their response).
                timestamp: max(time, lastSeen[slot]),
                detail: (isNew ? "first seen: " : "new ") + changes.joined(separator: ", ")
            )
        )
    }

    // MARK: - Protocols

    /// A Modbus transaction between a client and a server at `unit`.
    func modbus(
        client: IPAddress,
        server: IPAddress,
        unit: UInt8,
        macs: (UInt64?, UInt64?),
        link: inout SummaryAggregator.FlowLink,
        time: CaptureTimestamp
    ) {
        for role in 0...1 {
            let address = role == 0 ? client : server
            let mac = role == 0 ? macs.0 : macs.1
            let found =
                role == 0
                ? slot(address, cached: &link.clientAsset, time: time)
                : slot(address, cached: &link.serverAsset, time: time)
            guard let (slot, isNew) = found else { continue }
            // The common case: nothing new about a known device.
            let roleKnown = roleBits[slot] & (UInt8(1) << UInt8(role)) != 0
            if !isNew, roleKnown, hasUnit(slot, unit), mac == nil || mac == 0 || hasMAC(slot, mac!) { continue }
            var changes: [String] = []
            addRole(slot, role, changes: &changes)
            addUnit(slot, unit, changes: &changes)
            addMAC(slot, mac, changes: &changes)
            announce(slot, isNew: isNew, changes: changes, time: time)
        }
    }

    /// A DNP3 message from `sender`, whose link source address is `address`.
    func dnp3(
        sender: IPAddress,
        fromMaster: Bool,
        address: UInt16,
        mac: UInt64?,
        slot cached: inout Int32,
        time: CaptureTimestamp
    ) {
        guard let (slot, isNew) = slot(sender, cached: &cached, time: time) else { return }
        let role = fromMaster ? 2 : 3
        let roleKnown = roleBits[slot] & (UInt8(1) << UInt8(role)) != 0
        let known = dnp3Addresses[Int32(slot)]?.contains(address) == true
        if !isNew, roleKnown, known, mac == nil || mac == 0 || hasMAC(slot, mac!) { return }
        var changes: [String] = []
        addRole(slot, role, changes: &changes)
        if !known {
            if unitCount(slot) + (dnp3Addresses[Int32(slot)]?.count ?? 0) < limits.maxAddressesPerAsset {
                dnp3Addresses[Int32(slot), default: []].append(address)
                changes.append("DNP3 address \(address)")
            } else {
                notTracked[Int32(slot), default: 0] += 1
            }
        }
        addMAC(slot, mac, changes: &changes)
        announce(slot, isNew: isNew, changes: changes, time: time)
    }

    /// The objects of a Read Device Identification response (MB §6.21: object id, length, value), read from the
    /// response ADU. The basic objects are VendorName (0), ProductCode (1) and MajorMinorRevision (2); the
    /// regular ones add ProductName (4) and ModelName (5). A response may carry only some of them (a stream
    /// access, or `more follows`): those it carries replace the ones seen; a value that differs from one seen
    /// before is an identity change.
    func identification(
        of server: IPAddress,
        objects: Range<Int>,
        count: Int,
        adu: borrowing Span<UInt8>,
        time: CaptureTimestamp
    ) {
        guard let (slot, _) = slot(server, time: time), objects.upperBound <= adu.count else { return }
        let before = identities[Int32(slot)] ?? Identity()
        var updated = before
        var offset = objects.lowerBound
        var remaining = count
        while remaining > 0, offset + 2 <= objects.upperBound {
            let identifier = adu[offset]
            let length = Int(adu[offset + 1])
            let valueStart = offset + 2
            guard valueStart + length <= objects.upperBound else { break }
            // Printable text only, at most 64 characters: the value goes into JSON, logs and terminals.
            var text = ""
            for position in valueStart..<(valueStart + min(length, 64)) {
                let byte = adu[position]
                text.unicodeScalars.append(Unicode.Scalar((0x20...0x7E).contains(byte) ? byte : UInt8(ascii: "?")))
            }
            switch identifier {
            case 0: updated.vendor = text
            case 1: updated.productCode = text
            case 2: updated.revision = text
            case 4: updated.productName = text
            case 5: updated.modelName = text
            default: break
            }
            offset = valueStart + length
            remaining -= 1
        }
        guard updated != before else { return }
        let previous = record(slot)
        identities[Int32(slot)] = updated
        var changed: [String] = []
        var firstSeen: [String] = []
        func compare(_ name: String, _ old: String?, _ new: String?) {
            guard old != new, let new else { return }
            if let old { changed.append("\(name) '\(old)' -> '\(new)'") } else { firstSeen.append("\(name) '\(new)'") }
        }
        compare("vendor", before.vendor, updated.vendor)
        compare("product code", before.productCode, updated.productCode)
        compare("revision", before.revision, updated.revision)
        compare("product name", before.productName, updated.productName)
        compare("model name", before.modelName, updated.modelName)
        if !changed.isEmpty {
            if let last = identityChanged[Int32(slot)], time.seconds - last < 60 { return }
            identityChanged[Int32(slot)] = time.seconds
            pending.append(
                AssetEvent(
                    change: .identityChanged,
                    asset: record(slot),
                    previous: previous,
                    timestamp: max(time, lastSeen[slot]),
                    detail: "identity changed: " + (changed + firstSeen).joined(separator: ", ")
                )
            )
        } else if !firstSeen.isEmpty {
            pending.append(
                AssetEvent(
                    change: .updated,
                    asset: record(slot),
                    previous: nil,
                    timestamp: max(time, lastSeen[slot]),
                    detail: "identity: " + firstSeen.joined(separator: ", ")
                )
            )
        }
    }

    // MARK: - Records

    /// The device in slot `slot` as a record.
    private func record(_ slot: Int) -> AssetRecord {
        var record = AssetRecord(address: addresses[slot], firstSeen: firstSeen[slot], lastSeen: lastSeen[slot])
        if firstMAC[slot] != 0 { record.macs = ([firstMAC[slot]] + (moreMACs[Int32(slot)] ?? [])).sorted() }
        for bit in 0..<4 where roleBits[slot] & (UInt8(1) << UInt8(bit)) != 0 {
            record.roles.append(Self.roleNames[bit])
        }
        record.roles.sort()
        for unit in 0...255 where hasUnit(slot, UInt8(unit)) { record.unitIdentifiers.append(unit) }
        record.dnp3Addresses = (dnp3Addresses[Int32(slot)] ?? []).map(Int.init).sorted()
        if let identity = identities[Int32(slot)] {
            record.vendor = identity.vendor
            record.productCode = identity.productCode
            record.revision = identity.revision
            record.productName = identity.productName
            record.modelName = identity.modelName
        }
        record.notTracked = notTracked[Int32(slot)] ?? 0
        return record
    }

    /// Every device, by address, as `inventory` events.
    func inventoryEvents(at time: CaptureTimestamp) -> [AssetEvent] {
        addresses.indices.sorted { addresses[$0] < addresses[$1] }.map {
            AssetEvent(change: .inventory, asset: record($0), previous: nil, timestamp: time, detail: "")
        }
    }

    /// `00:11:22:33:44:55`.
    static func macText(_ mac: UInt64) -> String {
        var parts: [String] = []
        for shift in stride(from: 40, through: 0, by: -8) {
            let byte = UInt8(truncatingIfNeeded: mac >> UInt64(shift))
            parts.append(byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16))
        }
        return parts.joined(separator: ":")
    }
}

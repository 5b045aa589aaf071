// SPDX-License-Identifier: Apache-2.0
import ModbusTCP
import NetworkLayers
import WireFormat

/// The devices seen speaking Modbus/TCP or DNP3: address, MACs, roles, unit identifiers and DNP3 addresses, the
/// identity a Modbus device reports (Read Device Identification, MB §6.21), first and last seen.
///
/// A change (a new device, a new role or address, an identity) is queued as an ``AssetEvent``; the engine hands
/// the queue to its sink after each record.
final class AssetInventory {
    let limits: SummaryLimits
    @safe @exclusivity(unchecked) private(set) var assets: [AssetRecord] = []
    @safe @exclusivity(unchecked) private var index: [IPAddress: Int] = [:]
    @safe @exclusivity(unchecked) private(set) var devicesNotTracked = 0
    /// Changes not yet handed over.
    @safe @exclusivity(unchecked) private(set) var pending: [AssetEvent] = []
    /// Per device: roles as bits (1 modbus client, 2 modbus server, 4 dnp3 master, 8 dnp3 outstation) and
    /// Modbus units as a 256-bit set, so that a repeated transaction costs a lookup and a few bit tests.
    @safe @exclusivity(unchecked) private var roleBits: [UInt8] = []
    @safe @exclusivity(unchecked) private var unitBits: [(UInt64, UInt64, UInt64, UInt64)] = []

    private static let roleNames = ["modbus_client", "modbus_server", "dnp3_master", "dnp3_outstation"]

    init(limits: SummaryLimits) {
        self.limits = limits
    }

    func takeEvents() -> [AssetEvent] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    /// The device's slot, created (and announced) on first sight; nil when the inventory is full.
    private func slot(_ address: IPAddress, time: CaptureTimestamp) -> (Int, Bool)? {
        if let found = index[address] {
            if assets[found].lastSeen < time { assets[found].lastSeen = time }
            return (found, false)
        }
        guard assets.count < limits.maxAssets else {
            devicesNotTracked += 1
            return nil
        }
        let slot = assets.count
        index[address] = slot
        assets.append(AssetRecord(address: address, firstSeen: time, lastSeen: time))
        roleBits.append(0)
        unitBits.append((0, 0, 0, 0))
        return (slot, true)
    }

    private func addRole(_ slot: Int, _ bit: Int, changes: inout [String]) {
        let mask = UInt8(1) << UInt8(bit)
        guard roleBits[slot] & mask == 0 else { return }
        roleBits[slot] |= mask
        assets[slot].roles.append(Self.roleNames[bit])
        assets[slot].roles.sort()
        changes.append("role \(Self.roleNames[bit])")
    }

    private func addMAC(_ slot: Int, _ mac: UInt64?, changes: inout [String]) {
        // An all-zero MAC is no device's (loopback captures carry it).
        guard let mac, mac != 0, !assets[slot].macs.contains(mac) else { return }
        guard assets[slot].macs.count < limits.maxMACsPerAsset else {
            assets[slot].notTracked += 1
            return
        }
        assets[slot].macs.append(mac)
        assets[slot].macs.sort()
        changes.append("MAC \(Self.macText(mac))")
    }

    private func addUnit(_ slot: Int, _ unit: UInt8, changes: inout [String]) {
        let bit = UInt64(1) << UInt64(unit & 63)
        let word = Int(unit >> 6)
        var words = unitBits[slot]
        let present: Bool
        switch word {
        case 0: present = words.0 & bit != 0; words.0 |= bit
        case 1: present = words.1 & bit != 0; words.1 |= bit
        case 2: present = words.2 & bit != 0; words.2 |= bit
        default: present = words.3 & bit != 0; words.3 |= bit
        }
        guard !present else { return }
        guard assets[slot].unitIdentifiers.count + assets[slot].dnp3Addresses.count < limits.maxAddressesPerAsset
        else {
            assets[slot].notTracked += 1
            return
        }
        unitBits[slot] = words
        assets[slot].unitIdentifiers.append(Int(unit))
        assets[slot].unitIdentifiers.sort()
        changes.append("unit \(unit)")
    }

    private func announce(_ slot: Int, isNew: Bool, changes: [String], time: CaptureTimestamp) {
        guard isNew || !changes.isEmpty else { return }
        pending.append(
            AssetEvent(
                change: isNew ? .new : .updated,
                asset: assets[slot],
                previous: nil,
                timestamp: time,
                detail: (isNew ? "first seen: " : "new ") + changes.joined(separator: ", ")
            )
        )
    }

    // MARK: - Protocols

    /// The slot of a device through a flow's cached index (`-1`: not yet looked up, `-2`: the inventory was full).
    private func slot(_ address: IPAddress, cached: inout Int32, time: CaptureTimestamp) -> (Int, Bool)? {
        if cached >= 0 {
            let slot = Int(cached)
            if assets[slot].lastSeen < time { assets[slot].lastSeen = time }
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
            let words = unitBits[slot]
            let bit = UInt64(1) << UInt64(unit & 63)
            let unitKnown: Bool
            switch unit >> 6 {
            case 0: unitKnown = words.0 & bit != 0
            case 1: unitKnown = words.1 & bit != 0
            case 2: unitKnown = words.2 & bit != 0
            default: unitKnown = words.3 & bit != 0
            }
            if !isNew, roleKnown, unitKnown, mac == nil || mac == 0 || assets[slot].macs.contains(mac!) { continue }
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
        if !isNew, roleKnown, assets[slot].dnp3Addresses.contains(Int(address)),
            mac == nil || mac == 0 || assets[slot].macs.contains(mac!)
        {
            return
        }
        var changes: [String] = []
        addRole(slot, role, changes: &changes)
        if !assets[slot].dnp3Addresses.contains(Int(address)) {
            if assets[slot].unitIdentifiers.count + assets[slot].dnp3Addresses.count < limits.maxAddressesPerAsset {
                assets[slot].dnp3Addresses.append(Int(address))
                assets[slot].dnp3Addresses.sort()
                changes.append("DNP3 address \(address)")
            } else {
                assets[slot].notTracked += 1
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
        var updated = assets[slot]
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
        let before = assets[slot]
        guard updated != before else { return }
        assets[slot] = updated
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
            pending.append(
                AssetEvent(
                    change: .identityChanged,
                    asset: updated,
                    previous: before,
                    timestamp: time,
                    detail: "identity changed: " + (changed + firstSeen).joined(separator: ", ")
                )
            )
        } else if !firstSeen.isEmpty {
            pending.append(
                AssetEvent(
                    change: .updated,
                    asset: updated,
                    previous: nil,
                    timestamp: time,
                    detail: "identity: " + firstSeen.joined(separator: ", ")
                )
            )
        }
    }

    /// Every device, by address, as `inventory` events.
    func inventoryEvents(at time: CaptureTimestamp) -> [AssetEvent] {
        assets.sorted { $0.address < $1.address }.map {
            AssetEvent(change: .inventory, asset: $0, previous: nil, timestamp: time, detail: "")
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

// SPDX-License-Identifier: Apache-2.0
import NetworkLayers

/// An open-addressing hash table from a flow's 5-tuple (either orientation) to a slot index, with the slots on a
/// least-recently-active list for idle expiry and eviction (STYLE.md §13: no `Dictionary`, no SipHash per packet).
///
/// Buckets hold `slot + 1` (0 is empty); deletions use backward-shift so no tombstones build up. The bucket count
/// is a power of two at least twice the slot limit, so probe runs stay short, and the bucket hash is keyed with a
/// random value per table, so that traffic cannot be crafted to pile its flows into one probe run (an unkeyed hash
/// let 100,000 chosen flows make every lookup walk them all). The layout never reaches the output.
struct FlowTable {
    /// The per-table secret of the bucket hash.
    private let secret: UInt64
    private var buckets: [Int32]
    private let mask: Int
    /// Per slot: its bucket hash, its 5-tuple (client first), and the LRU neighbours (-1 for none).
    private var hashes: [UInt64]
    private var keys: [FlowKey] = []
    private var older: [Int32]
    private var newer: [Int32]
    /// Least recently active slot, and most recently active.
    private(set) var oldest: Int32 = -1
    private(set) var newest: Int32 = -1

    init(maxSlots: Int) {
        var generator = SystemRandomNumberGenerator()
        secret = generator.next() | 1  // never 0: that is the unkeyed flow_id hash
        var size = 16
        while size < maxSlots * 2 { size <<= 1 }
        buckets = [Int32](repeating: 0, count: size)
        mask = size - 1
        hashes = []
        older = []
        newer = []
    }

    /// The keyed bucket hash of a 5-tuple, the same for both orientations.
    @inline(__always)
    private func bucketHash(
        _ a: IPAddress,
        _ b: IPAddress,
        _ portA: UInt16,
        _ portB: UInt16,
        _ ipProtocol: UInt8
    ) -> UInt64 {
        FlowKey.symmetricHash(a, b, portA, portB, ipProtocol, seed: secret)
    }

    /// Finds the flow of a packet from `source` to `destination` (either orientation).
    ///
    /// - Returns: the slot, and whether the packet travels client to server or back.
    @inline(__always)
    func find(
        source: IPAddress,
        destination: IPAddress,
        sourcePort: UInt16,
        destinationPort: UInt16,
        ipProtocol: UInt8
    ) -> (slot: Int, direction: Direction)? {
        let hash = bucketHash(source, destination, sourcePort, destinationPort, ipProtocol)
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = buckets[index]
            if entry == 0 { return nil }
            let slot = Int(entry - 1)
            if hashes[slot] == hash {
                let key = keys[slot]
                if key.ipProtocol == ipProtocol {
                    if key.clientPort == sourcePort && key.serverPort == destinationPort
                        && key.clientAddress == source && key.serverAddress == destination
                    {
                        return (slot, .toServer)
                    }
                    if key.clientPort == destinationPort && key.serverPort == sourcePort
                        && key.clientAddress == destination && key.serverAddress == source
                    {
                        return (slot, .toClient)
                    }
                }
            }
            index = (index + 1) & mask
        }
    }

    /// Records `slot` for `key` and makes it the most recently active.
    mutating func insert(slot: Int, key: FlowKey) {
        let hash = bucketHash(key.clientAddress, key.serverAddress, key.clientPort, key.serverPort, key.ipProtocol)
        while hashes.count <= slot {
            hashes.append(0)
            keys.append(key)
            older.append(-1)
            newer.append(-1)
        }
        hashes[slot] = hash
        keys[slot] = key
        var index = Int(truncatingIfNeeded: hash) & mask
        while buckets[index] != 0 { index = (index + 1) & mask }
        buckets[index] = Int32(slot + 1)
        linkAsNewest(slot)
    }

    /// Removes `slot` from the table and the activity list.
    mutating func remove(slot: Int) {
        let hash = hashes[slot]
        var index = Int(truncatingIfNeeded: hash) & mask
        while buckets[index] != Int32(slot + 1) { index = (index + 1) & mask }
        // Backward-shift deletion (Knuth 6.4 algorithm R).
        var hole = index
        var next = (hole + 1) & mask
        while buckets[next] != 0 {
            let home = Int(truncatingIfNeeded: hashes[Int(buckets[next] - 1)]) & mask
            let distanceHome = (next - home) & mask
            let distanceHole = (next - hole) & mask
            if distanceHome >= distanceHole {
                buckets[hole] = buckets[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        buckets[hole] = 0
        unlink(slot)
    }

    /// Marks `slot` most recently active.
    @inline(__always)
    mutating func touch(_ slot: Int) {
        if newest == Int32(slot) { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    private mutating func linkAsNewest(_ slot: Int) {
        older[slot] = newest
        newer[slot] = -1
        if newest >= 0 { newer[Int(newest)] = Int32(slot) }
        newest = Int32(slot)
        if oldest < 0 { oldest = Int32(slot) }
    }

    private mutating func unlink(_ slot: Int) {
        let before = older[slot]
        let after = newer[slot]
        if before >= 0 { newer[Int(before)] = after } else if oldest == Int32(slot) { oldest = after }
        if after >= 0 { older[Int(after)] = before } else if newest == Int32(slot) { newest = before }
        older[slot] = -1
        newer[slot] = -1
    }

    /// The slot after `slot` in activity order (towards the newest).
    func newer(than slot: Int) -> Int32 { newer[slot] }
}

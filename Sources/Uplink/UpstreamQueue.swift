// SPDX-License-Identifier: Apache-2.0
import Foundation
public import SensorEngine

/// What the sensor hands to the upstream link: closed summary windows (with the sensor's counters), inventory
/// changes, and alerts as their EVE records. Owned, `Sendable` values: they cross from the capture thread to the
/// uplink's task.
public enum UpstreamRecord: Sendable {
    case window(SummaryWindow)
    case asset(AssetEvent)
    /// One EVE `alert` record, UTF-8, without its newline.
    case alert([UInt8])
}

/// The bounded hand-off from the capture thread to the upstream link (STYLE.md §10): at most ``capacity``
/// records wait; past it the oldest is dropped and counted, so a link that is down never grows the sensor's
/// memory. The uplink (and its disk spool) drains it.
public final class UpstreamQueue: @unchecked Sendable {
    public let capacity: Int
    private let lock = NSLock()
    /// A ring: `storage[(head + i) % capacity]` for `i < count`.
    private var storage: [UpstreamRecord?]
    private var head = 0
    private var count = 0
    private var droppedCount = 0

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
        storage = []
    }

    /// Adds a record; when full, the oldest waiting record is dropped (and counted) to make room.
    public func push(_ record: UpstreamRecord) {
        lock.lock()
        defer { lock.unlock() }
        if storage.isEmpty { storage = Array(repeating: nil, count: capacity) }
        if count == capacity {
            storage[head] = nil
            head = (head + 1) % capacity
            count -= 1
            droppedCount += 1
        }
        storage[(head + count) % capacity] = record
        count += 1
    }

    /// Takes up to `limit` records, oldest first.
    public func pop(upTo limit: Int) -> [UpstreamRecord] {
        lock.lock()
        defer { lock.unlock() }
        var taken: [UpstreamRecord] = []
        while count > 0, taken.count < limit {
            if let record = storage[head] { taken.append(record) }
            storage[head] = nil
            head = (head + 1) % capacity
            count -= 1
        }
        return taken
    }

    /// Records waiting, and records dropped because the queue was full.
    public var depth: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    public var dropped: Int {
        lock.lock()
        defer { lock.unlock() }
        return droppedCount
    }
}

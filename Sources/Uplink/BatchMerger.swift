// SPDX-License-Identifier: Apache-2.0
public import SummaryModel

/// Merges spooled batches into one coarser batch while the link is down (the spool's first answer to its quota).
///
/// - Windows become one window spanning them all; each pair's summaries add up: counts and bytes add, latency keeps
///   the minimum, the maximum and the count-weighted mean, and its p95 becomes the largest of the merged p95s (an
///   upper bound); polls add by key with the interval-weighted mean period and the largest jitter; address blocks,
///   object groups, alerts and anomalies are united.
/// - Alerts, inventory changes and loss reports are kept whole: merging never loses an alert.
/// - The merged batch lists every sequence number it replaces, so the center counts them as delivered.
public enum BatchMerger {
    /// How many times summaries may be merged (each merge joins up to ``batchesPerMerge`` batches: 1 minute, then
    /// 16 minutes, about 4 hours, about 3 days).
    public static let maxCoarsening: UInt32 = 3
    public static let batchesPerMerge = 16

    /// The merged batch, without its own sensor, sequence and signature (the spool numbers it).
    public static func merge(_ batches: [UplinkBatch]) -> UplinkBatch {
        var merged = UplinkBatch()
        let ordered = batches.sorted { $0.sequence < $1.sequence }
        var replaced: [Otsensor_Uplink_V1_SequenceRange] = []
        var pairs: [PairKey: Otsensor_Uplink_V1_PairSummary] = [:]
        var pairOrder: [PairKey] = []
        var window = Otsensor_Uplink_V1_Window()
        var windowSeen = false
        var latestCounters: (Int64, Otsensor_Uplink_V1_Counters)?
        merged.startUs = .max
        merged.endUs = .min
        for batch in ordered {
            replaced += covered(by: batch)
            merged.coarsening = max(merged.coarsening, batch.coarsening + 1)
            merged.startUs = min(merged.startUs, batch.startUs)
            merged.endUs = max(merged.endUs, batch.endUs)
            for part in batch.windows {
                if !windowSeen {
                    window.startUs = part.startUs
                    window.endUs = part.endUs
                    windowSeen = true
                }
                window.startUs = min(window.startUs, part.startUs)
                window.endUs = max(window.endUs, part.endUs)
                window.pairsNotSummarized += part.pairsNotSummarized
                if part.hasCounters, latestCounters == nil || part.endUs >= latestCounters!.0 {
                    latestCounters = (part.endUs, part.counters)
                }
                for pair in part.pairs {
                    let key = PairKey(pair)
                    if var existing = pairs[key] {
                        add(pair, to: &existing)
                        pairs[key] = existing
                    } else {
                        pairs[key] = pair
                        pairOrder.append(key)
                    }
                }
            }
            merged.alerts.append(contentsOf: batch.alerts)
            merged.assetChanges.append(contentsOf: batch.assetChanges)
            merged.losses.append(contentsOf: batch.losses)
            if batch.hasHealth { merged.health = batch.health }
            merged.sensorVersion = batch.sensorVersion
        }
        if windowSeen {
            if let latestCounters { window.counters = latestCounters.1 }
            window.pairs = pairOrder.compactMap { pairs[$0] }
            merged.windows = [window]
        }
        if merged.startUs == .max { merged.startUs = 0 }
        if merged.endUs == .min { merged.endUs = 0 }
        merged.replaces = join(replaced)
        return merged
    }

    /// The sequence numbers a batch accounts for: its own and those it replaces, as joined ranges.
    public static func covered(by batch: UplinkBatch) -> [Otsensor_Uplink_V1_SequenceRange] {
        join([range(batch.sequence)] + batch.replaces)
    }

    /// The range holding one number.
    public static func range(_ number: UInt64) -> Otsensor_Uplink_V1_SequenceRange {
        var range = Otsensor_Uplink_V1_SequenceRange()
        range.first = number
        range.last = number
        return range
    }

    /// Sorted ranges with overlapping and adjacent ones joined (inverted ones left out).
    public static func join(_ ranges: [Otsensor_Uplink_V1_SequenceRange]) -> [Otsensor_Uplink_V1_SequenceRange] {
        var joined: [Otsensor_Uplink_V1_SequenceRange] = []
        for range in ranges.filter({ $0.first <= $0.last }).sorted(by: { $0.first < $1.first }) {
            if let last = joined.last, range.first <= last.last &+ 1 {
                joined[joined.count - 1].last = max(last.last, range.last)
            } else {
                joined.append(range)
            }
        }
        return joined
    }

    struct PairKey: Hashable {
        var appProto: String
        var client: [UInt8]
        var server: [UInt8]
        var serverPort: UInt32
        var ipProtocol: UInt32
        init(_ pair: Otsensor_Uplink_V1_PairSummary) {
            appProto = pair.appProto
            client = Array(pair.client)
            server = Array(pair.server)
            serverPort = pair.serverPort
            ipProtocol = pair.ipProtocol
        }
    }

    static func add(_ other: Otsensor_Uplink_V1_PairSummary, to pair: inout Otsensor_Uplink_V1_PairSummary) {
        pair.flows += other.flows
        pair.packetsToServer += other.packetsToServer
        pair.packetsToClient += other.packetsToClient
        pair.bytesToServer += other.bytesToServer
        pair.bytesToClient += other.bytesToClient
        for function in other.functions {
            if let index = pair.functions.firstIndex(where: {
                $0.unitIdentifierPlusOne == function.unitIdentifierPlusOne
                    && $0.dnp3MasterPlusOne == function.dnp3MasterPlusOne
                    && $0.dnp3OutstationPlusOne == function.dnp3OutstationPlusOne
                    && $0.functionCode == function.functionCode
            }) {
                pair.functions[index].count += function.count
                pair.functions[index].exceptions += function.exceptions
            } else {
                pair.functions.append(function)
            }
        }
        pair.exceptions = addCodes(pair.exceptions, other.exceptions)
        pair.objects = addCodes(pair.objects, other.objects)
        if other.hasLatency {
            if pair.hasLatency {
                var latency = pair.latency
                let count = latency.count + other.latency.count
                if count > 0 {
                    let weighted =
                        (Double(latency.mean) * Double(latency.count) + Double(other.latency.mean)
                            * Double(other.latency.count)) / Double(count)
                    latency.mean = Int64(weighted.rounded())
                }
                latency.count = count
                latency.minimum = min(latency.minimum, other.latency.minimum)
                latency.maximum = max(latency.maximum, other.latency.maximum)
                latency.p95 = max(latency.p95, other.latency.p95)
                pair.latency = latency
            } else {
                pair.latency = other.latency
            }
        }
        for poll in other.polls {
            if let index = pair.polls.firstIndex(where: { $0.key == poll.key }) {
                var mine = pair.polls[index]
                if poll.hasPeriod_p {
                    if mine.hasPeriod_p {
                        let intervals = mine.intervals + poll.intervals
                        if intervals > 0 {
                            mine.periodMean = Int64(
                                ((Double(mine.periodMean) * Double(mine.intervals) + Double(poll.periodMean)
                                    * Double(poll.intervals)) / Double(intervals)).rounded()
                            )
                        }
                        mine.jitter = max(mine.jitter, poll.jitter)
                    } else {
                        mine.hasPeriod_p = true
                        mine.periodMean = poll.periodMean
                        mine.jitter = poll.jitter
                    }
                }
                mine.count += poll.count
                mine.intervals += poll.intervals
                pair.polls[index] = mine
            } else {
                pair.polls.append(poll)
            }
        }
        pair.blocksRead = uniteBlocks(pair.blocksRead, other.blocksRead)
        pair.blocksWritten = uniteBlocks(pair.blocksWritten, other.blocksWritten)
        for alert in other.alerts {
            if let index = pair.alerts.firstIndex(where: { $0.gid == alert.gid && $0.sid == alert.sid }) {
                pair.alerts[index].count += alert.count
            } else {
                pair.alerts.append(alert)
            }
        }
        pair.anomalies = addNames(pair.anomalies, other.anomalies)
        pair.truncated = addNames(pair.truncated, other.truncated)
    }

    static func addCodes(
        _ mine: [Otsensor_Uplink_V1_CodeCount],
        _ other: [Otsensor_Uplink_V1_CodeCount]
    ) -> [Otsensor_Uplink_V1_CodeCount] {
        var result = mine
        for item in other {
            if let index = result.firstIndex(where: { $0.code == item.code }) {
                result[index].count += item.count
            } else {
                result.append(item)
            }
        }
        return result
    }

    static func addNames(
        _ mine: [Otsensor_Uplink_V1_NameCount],
        _ other: [Otsensor_Uplink_V1_NameCount]
    ) -> [Otsensor_Uplink_V1_NameCount] {
        var result = mine
        for item in other {
            if let index = result.firstIndex(where: { $0.name == item.name }) {
                result[index].count += item.count
            } else {
                result.append(item)
            }
        }
        return result
    }

    static func uniteBlocks(
        _ mine: [Otsensor_Uplink_V1_AddressBlock],
        _ other: [Otsensor_Uplink_V1_AddressBlock]
    ) -> [Otsensor_Uplink_V1_AddressBlock] {
        var result = mine
        for block in other where !result.contains(block) { result.append(block) }
        return result
    }
}

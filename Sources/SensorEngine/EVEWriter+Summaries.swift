// SPDX-License-Identifier: Apache-2.0
import DNP3
import ModbusTCP
import NetworkLayers
import WireFormat

/// `stats`, `summary` and `asset` records. `stats` follows Suricata's stats record (`capture.kernel_packets`,
/// `decoder.pkts`, `flow.active`, `app_layer.tx.modbus`, `detect.alert`); `summary` and `asset` are ours, with
/// Suricata's header fields (`src_ip`, `dest_ip`, `dest_port`, `proto`, `app_proto`).
extension EVEWriter {
    public func summaryWindow(_ window: SummaryWindow) {
        if types.contains(.summary) {
            for pair in window.pairs { writeSummary(pair, window: window) }
        }
        if types.contains(.stats) { writeStats(window) }
    }

    private func writeStats(_ window: SummaryWindow) {
        let statistics = window.statistics
        json.beginObject()
        json.member("timestamp", timestamp: window.end)
        json.member("event_type", "stats")
        json.beginObject("stats")
        json.member("window_start", timestamp: window.start)
        json.member("window_end", timestamp: window.end)
        if let health = window.health {
            json.member("uptime", health.uptimeSeconds)
            var received: UInt64 = 0
            var dropped: UInt64 = 0
            var interfaceDropped: UInt64 = 0
            for interface in health.interfaces {
                received += interface.received
                dropped += interface.dropped
                interfaceDropped += interface.interfaceDropped
            }
            json.beginObject("capture")
            json.member("kernel_packets", received)
            json.member("kernel_drops", dropped)
            json.member("kernel_ifdrops", interfaceDropped)
            json.beginArray("interfaces")
            for interface in health.interfaces {
                json.beginObject()
                json.member("name", interface.name)
                json.member("kernel_packets", interface.received)
                json.member("kernel_drops", interface.dropped)
                json.member("kernel_ifdrops", interface.interfaceDropped)
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
        json.beginObject("decoder")
        json.member("pkts", statistics.packets)
        json.member("bytes", statistics.bytes)
        json.member("ipv4", statistics.ipv4Packets)
        json.member("ipv6", statistics.ipv6Packets)
        json.member("tcp", statistics.tcpPackets)
        json.member("udp", statistics.udpPackets)
        json.member("ipv4_frag", statistics.ipFragments)
        json.member("invalid", statistics.decodeErrors.values.reduce(0, +))
        json.endObject()
        json.beginObject("flow")
        json.member("total", statistics.flowsCreated)
        json.member("active", window.activeFlows)
        json.member("timeout", statistics.flowsTimedOut)
        json.member("evicted", statistics.flowsEvicted)
        json.endObject()
        json.beginObject("tcp")
        json.member("reassembly_gap", statistics.streamGaps)
        json.member("retransmissions", statistics.streamRetransmissions)
        json.endObject()
        json.beginObject("app_layer")
        json.beginObject("tx")
        json.member("modbus", statistics.modbusTransactions + statistics.modbusUnanswered)
        json.member("dnp3", statistics.dnp3FragmentsByFunction.reduce(0, +))
        json.endObject()
        json.endObject()
        json.beginObject("detect")
        json.member("alert", window.alertsSoFar)
        json.member("anomalies", statistics.anomalies.values.reduce(0, +))
        json.endObject()
        json.beginObject("summaries")
        json.member("pairs", window.pairs.count)
        json.member("pairs_not_summarized", window.pairsNotSummarized)
        json.member("assets", window.assets)
        json.member("assets_not_tracked", window.assetsNotTracked)
        json.endObject()
        if let health = window.health {
            json.beginObject("sensor")
            json.member("memory_rss", health.residentBytes)
            json.member("cpu_seconds", double: (health.cpuSeconds * 1000).rounded() / 1000)
            json.member("upstream_queue", health.upstreamQueueDepth)
            json.member("upstream_dropped", health.upstreamDropped)
            json.endObject()
        }
        json.endObject()
        endRecord()
    }

    private func writeSummary(_ pair: PairSummary, window: SummaryWindow) {
        json.beginObject()
        json.member("timestamp", timestamp: window.end)
        json.member("event_type", "summary")
        json.member("src_ip", pair.client.description)
        json.member("dest_ip", pair.server.description)
        json.member("dest_port", Int(pair.serverPort))
        json.member("proto", pair.ipProtocol == 17 ? "UDP" : "TCP")
        json.member("app_proto", pair.appProto)
        json.beginObject("summary")
        json.member("window_start", timestamp: window.start)
        json.member("window_end", timestamp: window.end)
        json.member("flows", pair.flows)
        json.member("pkts_toserver", pair.packetsToServer)
        json.member("pkts_toclient", pair.packetsToClient)
        json.member("bytes_toserver", pair.bytesToServer)
        json.member("bytes_toclient", pair.bytesToClient)
        json.beginArray("functions")
        for function in pair.functions {
            json.beginObject()
            if let unit = function.unitIdentifier { json.member("unit_id", Int(unit)) }
            if let master = function.dnp3Master { json.member("master", Int(master)) }
            if let outstation = function.dnp3Outstation { json.member("outstation", Int(outstation)) }
            json.member("function_code", Int(function.functionCode))
            if pair.appProto == "dnp3" {
                let code = DNP3.Application.FunctionCode(rawValue: function.functionCode)
                json.member("function", code.name ?? "RESERVED_\(function.functionCode)")
            } else {
                json.member("function", Modbus.FunctionCode(rawValue: function.functionCode).suricataName)
            }
            json.member("count", function.count)
            if pair.appProto == "modbus" { json.member("exceptions", function.exceptions) }
            json.endObject()
        }
        json.endArray()
        if !pair.exceptions.isEmpty {
            json.beginArray("exceptions")
            for exception in pair.exceptions {
                json.beginObject()
                json.member("code", exception.code)
                json.member("name", Modbus.ExceptionCode(rawValue: UInt8(exception.code)).suricataName)
                json.member("count", exception.count)
                json.endObject()
            }
            json.endArray()
        }
        if let latency = pair.latency {
            json.beginObject("latency_us")
            json.member("count", latency.count)
            json.member("min", Int(latency.minimum))
            json.member("mean", Int(latency.mean))
            json.member("max", Int(latency.maximum))
            json.member("p95", Int(latency.p95))
            json.endObject()
        }
        if !pair.polls.isEmpty {
            json.beginArray("polls")
            for poll in pair.polls {
                json.beginObject()
                json.member("request", poll.key)
                json.member("count", poll.count)
                json.member("intervals", poll.intervals)
                if let mean = poll.periodMean { json.member("period_us", Int(mean)) }
                if let jitter = poll.jitter { json.member("jitter_us", Int(jitter)) }
                json.endObject()
            }
            json.endArray()
        }
        writeBlocks("blocks_read", pair.blocksRead)
        writeBlocks("blocks_written", pair.blocksWritten)
        if !pair.objects.isEmpty {
            json.beginArray("objects")
            for object in pair.objects {
                json.beginObject()
                json.member("group", object.code >> 8)
                json.member("variation", object.code & 0xFF)
                json.member("count", object.count)
                json.endObject()
            }
            json.endArray()
        }
        if !pair.alerts.isEmpty {
            json.beginArray("alerts")
            for alert in pair.alerts {
                json.beginObject()
                json.member("gid", alert.gid)
                json.member("signature_id", alert.sid)
                json.member("rev", alert.rev)
                json.member("signature", alert.signature)
                json.member("count", alert.count)
                json.endObject()
            }
            json.endArray()
        }
        if !pair.anomalies.isEmpty {
            json.beginArray("anomalies")
            for anomaly in pair.anomalies {
                json.beginObject()
                json.member("event", anomaly.name)
                json.member("count", anomaly.count)
                json.endObject()
            }
            json.endArray()
        }
        if !pair.truncated.isEmpty {
            json.beginObject("truncated")
            for entry in pair.truncated { json.member(entry.name, entry.count) }
            json.endObject()
        }
        json.endObject()
        endRecord()
    }

    private func writeBlocks(_ key: String, _ blocks: [AddressBlock]) {
        guard !blocks.isEmpty else { return }
        json.beginArray(key)
        for block in blocks {
            json.beginObject()
            json.member("unit_id", Int(block.unitIdentifier))
            json.member("table", block.table)
            json.member("start", block.start)
            json.member("end", block.end)
            json.endObject()
        }
        json.endArray()
    }

    public func assetChanged(_ event: AssetEvent) {
        guard types.contains(.asset) else { return }
        json.beginObject()
        json.member("timestamp", timestamp: event.timestamp)
        json.member("event_type", "asset")
        json.beginObject("asset")
        writeAssetFields(event.asset)
        json.member("change", event.change.rawValue)
        if !event.detail.isEmpty { json.member("detail", event.detail) }
        if let previous = event.previous {
            json.beginObject("previous")
            if let vendor = previous.vendor { json.member("vendor", vendor) }
            if let code = previous.productCode { json.member("product_code", code) }
            if let revision = previous.revision { json.member("revision", revision) }
            if let name = previous.productName { json.member("product_name", name) }
            if let model = previous.modelName { json.member("model_name", model) }
            json.endObject()
        }
        json.endObject()
        endRecord()
    }

    private func writeAssetFields(_ asset: AssetRecord) {
        json.member("ip", asset.address.description)
        json.beginArray("mac")
        for mac in asset.macs { json.element(AssetInventory.macText(mac)) }
        json.endArray()
        json.beginArray("roles")
        for role in asset.roles { json.element(role) }
        json.endArray()
        if !asset.unitIdentifiers.isEmpty {
            json.beginArray("unit_ids")
            for unit in asset.unitIdentifiers { json.element(unit) }
            json.endArray()
        }
        if !asset.dnp3Addresses.isEmpty {
            json.beginArray("dnp3_addresses")
            for address in asset.dnp3Addresses { json.element(address) }
            json.endArray()
        }
        if let vendor = asset.vendor { json.member("vendor", vendor) }
        if let code = asset.productCode { json.member("product_code", code) }
        if let revision = asset.revision { json.member("revision", revision) }
        if let name = asset.productName { json.member("product_name", name) }
        if let model = asset.modelName { json.member("model_name", model) }
        json.member("first_seen", timestamp: asset.firstSeen)
        json.member("last_seen", timestamp: asset.lastSeen)
        if asset.notTracked > 0 { json.member("not_tracked", asset.notTracked) }
    }
}

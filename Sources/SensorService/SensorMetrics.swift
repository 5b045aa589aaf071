// SPDX-License-Identifier: Apache-2.0
import CoreMetrics
import Foundation
public import Prometheus
public import SensorEngine
public import Uplink

/// The sensor's figures at one moment, taken on the capture thread and handed to ``SensorMetrics``.
public struct MetricsSnapshot: Sendable, Equatable {
    public var packets = 0
    public var bytes = 0
    public var decodeErrors = 0
    public var flowsActive = 0
    public var flowsTotal = 0
    public var flowsEvicted = 0
    public var flowsTimedOut = 0
    public var modbusTransactions = 0
    public var dnp3Messages = 0
    /// Anomaly events and alerts by name (`modbus.invalid_length`; `[1:9000001:1] message`).
    public var anomalies: [String: Int] = [:]
    public var alerts: [String: Int] = [:]
    public var health = SensorHealth()
    /// EVE writes that failed (disk full), and files rotated.
    public var outputFailures = 0
    public var outputRotations = 0
    public var reloads = 0
    public var reloadFailures = 0
    /// The link to the center, when there is one.
    public var uplink: UplinkFigures?

    public init() {}
}

/// Prometheus metrics (swift-metrics through swift-prometheus's factory), named as Prometheus recommends:
/// `otsensor_` prefix, `_total` for counters, base units (bytes, seconds).
///
/// The engine's counters are cumulative; ``update(_:)`` turns each snapshot into counter increments, so a scrape
/// always sees monotonic counters. Alerts are labelled by signature id and message (bounded by the rule set),
/// anomalies by event name (bounded by the decoders' names).
public final class SensorMetrics: @unchecked Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let lock = NSLock()
    private var last = MetricsSnapshot()
    private var counters: [String: CoreMetrics.Counter] = [:]
    private var gauges: [String: CoreMetrics.Gauge] = [:]

    public init() {
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// The metric of that name and labels, made once through the Prometheus factory.
    private func cached<Metric>(
        _ cache: inout [String: Metric],
        _ name: String,
        _ labels: [(String, String)],
        make: (String, [(String, String)], any MetricsFactory) -> Metric
    ) -> Metric {
        let key = name + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        if let existing = cache[key] { return existing }
        let made = make(name, labels, factory)
        cache[key] = made
        return made
    }

    private func counter(_ name: String, _ labels: [(String, String)] = []) -> CoreMetrics.Counter {
        cached(&counters, name, labels) { CoreMetrics.Counter(label: $0, dimensions: $1, factory: $2) }
    }

    private func gauge(_ name: String, _ labels: [(String, String)] = []) -> CoreMetrics.Gauge {
        cached(&gauges, name, labels) { CoreMetrics.Gauge(label: $0, dimensions: $1, factory: $2) }
    }

    private func add(_ name: String, _ labels: [(String, String)] = [], _ now: Int, _ before: Int) {
        let metric = counter(name, labels)
        if now > before { metric.increment(by: Int64(now - before)) }
    }

    /// Records a snapshot: counters grow by the difference from the previous one, gauges take its values.
    public func update(_ snapshot: MetricsSnapshot) {
        lock.lock()
        defer { lock.unlock() }
        let before = last
        add("otsensor_packets_total", [], snapshot.packets, before.packets)
        add("otsensor_bytes_total", [], snapshot.bytes, before.bytes)
        add("otsensor_decode_errors_total", [], snapshot.decodeErrors, before.decodeErrors)
        add("otsensor_flows_total", [], snapshot.flowsTotal, before.flowsTotal)
        add("otsensor_flows_evicted_total", [], snapshot.flowsEvicted, before.flowsEvicted)
        add("otsensor_flows_timed_out_total", [], snapshot.flowsTimedOut, before.flowsTimedOut)
        add(
            "otsensor_transactions_total",
            [("protocol", "modbus")],
            snapshot.modbusTransactions,
            before.modbusTransactions
        )
        add("otsensor_transactions_total", [("protocol", "dnp3")], snapshot.dnp3Messages, before.dnp3Messages)
        for (name, count) in snapshot.anomalies {
            add("otsensor_anomalies_total", [("event", name)], count, before.anomalies[name] ?? 0)
        }
        for (name, count) in snapshot.alerts {
            add("otsensor_alerts_total", [("signature", name)], count, before.alerts[name] ?? 0)
        }
        for interface in snapshot.health.interfaces {
            let previous = before.health.interfaces.first { $0.name == interface.name }
            let labels = [("interface", interface.name)]
            add("otsensor_capture_received_total", labels, Int(interface.received), Int(previous?.received ?? 0))
            add("otsensor_capture_kernel_drops_total", labels, Int(interface.dropped), Int(previous?.dropped ?? 0))
            add(
                "otsensor_capture_interface_drops_total",
                labels,
                Int(interface.interfaceDropped),
                Int(previous?.interfaceDropped ?? 0)
            )
        }
        add(
            "otsensor_upstream_dropped_total",
            [],
            snapshot.health.upstreamDropped,
            before.health.upstreamDropped
        )
        add("otsensor_eve_write_failures_total", [], snapshot.outputFailures, before.outputFailures)
        add("otsensor_eve_rotations_total", [], snapshot.outputRotations, before.outputRotations)
        add("otsensor_reloads_total", [("result", "ok")], snapshot.reloads, before.reloads)
        add("otsensor_reloads_total", [("result", "failed")], snapshot.reloadFailures, before.reloadFailures)
        if let uplink = snapshot.uplink {
            let previous = before.uplink ?? UplinkFigures()
            add("otsensor_uplink_batches_sent_total", [], uplink.batchesSent, previous.batchesSent)
            add("otsensor_uplink_bytes_sent_total", [], uplink.bytesSent, previous.bytesSent)
            add("otsensor_uplink_upload_failures_total", [], uplink.uploadFailures, previous.uploadFailures)
            add("otsensor_uplink_batches_refused_total", [], uplink.batchesRefused, previous.batchesRefused)
            add("otsensor_uplink_batches_merged_total", [], uplink.batchesMerged, previous.batchesMerged)
            add("otsensor_uplink_windows_dropped_total", [], uplink.windowsDropped, previous.windowsDropped)
            add("otsensor_uplink_alerts_dropped_total", [], uplink.alertsDropped, previous.alertsDropped)
            gauge("otsensor_uplink_spool_batches").record(uplink.spoolBatches)
            gauge("otsensor_uplink_spool_bytes").record(uplink.spoolBytes)
        }
        gauge("otsensor_flows_active").record(snapshot.flowsActive)
        gauge("otsensor_upstream_queue_depth").record(snapshot.health.upstreamQueueDepth)
        gauge("otsensor_resident_memory_bytes").record(snapshot.health.residentBytes)
        gauge("otsensor_cpu_seconds").record(snapshot.health.cpuSeconds)
        gauge("otsensor_uptime_seconds").record(snapshot.health.uptimeSeconds)
        last = snapshot
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Logging
public import ServiceLifecycle

/// The live sensor's uplink as a service (STYLE.md §10): it drains the capture side's ``UpstreamQueue`` into
/// batches in the spool and sends them. Listed before the sensor in the service group, so it stops after it: by
/// then every closed window and alert is in the queue; the last batch is spooled and one last upload is tried
/// (``shutdownSeconds``). What is not acknowledged stays in the spool for the next start.
public final class UplinkService: Service, @unchecked Sendable {
    public let link: UplinkLink
    private let queue: UpstreamQueue
    private let logger: Logger
    /// How often the queue is drained and uploads tried, in milliseconds.
    public var tickMilliseconds = 500
    /// Time allowed for the last uploads at shutdown.
    public var shutdownSeconds = 5.0

    public init(link: UplinkLink, queue: UpstreamQueue, logger: Logger) {
        self.link = link
        self.queue = queue
        self.logger = logger
    }

    public func run() async throws {
        logger.info(
            "uplink to \(link.client?.settings.url ?? "nowhere")",
            metadata: [
                "sensor_id": "\(link.spool.settings.sensorID)", "spool": "\(link.spool.settings.directory)",
                "spooled": "\(link.spool.entries.count)", "next_sequence": "\(link.spool.totals.nextSequence)",
            ]
        )
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            drainQueue()
            if !link.isBackingOff { await link.send() }
            let tick = tickMilliseconds
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(tick)) }
        }
        drainQueue()
        link.flush()
        let empty = await link.send(until: Date().addingTimeInterval(shutdownSeconds))
        logger.info(
            "uplink stopped",
            metadata: [
                "sent": "\(link.batchesSent)", "spooled": "\(link.spool.entries.count)",
                "state": "\(empty ? "all acknowledged" : "the rest is sent at the next start")",
            ]
        )
        await link.shutdown()
    }

    private func drainQueue() {
        while true {
            let records = queue.pop(upTo: 1024)
            if records.isEmpty { return }
            for record in records { link.accept(record) }
        }
    }
}

// SPDX-License-Identifier: Apache-2.0

/// Where formatted records go, in chunks of whole lines. The executable writes to a file or standard output;
/// tests keep the bytes in memory (``MemoryOutput``).
public protocol RecordOutput: AnyObject {
    /// Writes `bytes` whole.
    func write(_ bytes: [UInt8])
}

/// Keeps every byte written, for tests and for callers that post-process records.
public final class MemoryOutput: RecordOutput {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ bytes: [UInt8]) { self.bytes.append(contentsOf: bytes) }
    /// Forgets what was written, keeping the capacity.
    public func removeAll() { bytes.removeAll(keepingCapacity: true) }
    /// The bytes as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    /// The text split into lines, without empty ones.
    public var lines: [String] { text.split(separator: "\n").map(String.init) }
}

/// A sink that writes nothing: for `--format summary` and learning, where the engine's counters (or the baseline
/// model) are the output. The engine then neither builds DNP3 message records nor alert lists.
public final class DiscardingSink: EngineEventSink {
    public init() {}
    public func modbusTransaction(
        _ event: ModbusTransactionEvent,
        requestADU: borrowing Span<UInt8>,
        responseADU: borrowing Span<UInt8>
    ) {}
    public func anomaly(_ event: AnomalyEvent) {}
    public func flowEnded(_ event: FlowEndEvent) {}
    public var receivesDNP3Messages: Bool { false }
    public var receivesAlerts: Bool { false }
}

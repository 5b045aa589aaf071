// SPDX-License-Identifier: Apache-2.0
import ModbusTCP
import SensorTestSupport
import Testing
import WireFormat

@Suite struct TransactionTrackerTests {
    func request(_ tid: UInt16, unit: UInt8 = 1, function: UInt8 = 3) throws -> ([UInt8], Modbus.Message) {
        let bytes =
            FrameBuilder.be16(tid) + FrameBuilder.hex("0000 0006") + [unit, function] + FrameBuilder.hex("0000 0001")
        return (bytes, try Modbus.Message(parsing: bytes.span, isRequest: true))
    }

    func response(_ tid: UInt16, unit: UInt8 = 1, function: UInt8 = 3) throws -> Modbus.Message {
        let bytes =
            FrameBuilder.be16(tid) + FrameBuilder.hex("0000 0005") + [unit, function] + FrameBuilder.hex("02 0007")
        return try Modbus.Message(parsing: bytes.span, isRequest: false)
    }

    func time(_ milliseconds: Int64) -> CaptureTimestamp {
        CaptureTimestamp(seconds: milliseconds / 1000, microseconds: Int32(milliseconds % 1000) * 1000)
    }

    @Test func pairsByTransactionUnitAndFunction() throws {
        var tracker = Modbus.TransactionTracker()
        for tid: UInt16 in [1, 2] {
            let (bytes, message) = try request(tid)
            _ = tracker.add(message, adu: bytes.span, packetNumber: UInt64(tid), timestamp: time(0), provisional: false)
        }
        let value1 = tracker.match(try response(2))
        #expect(value1 == 1)
        let value2 = tracker.match(try response(2, unit: 9))
        #expect(value2 == nil)
        let value3 = tracker.match(try response(2, function: 4))
        #expect(value3 == nil)
        #expect(tracker.match(try response(1, function: 0x83)) == 0)  // an exception answers its function
        let paired = tracker.remove(at: 1)
        #expect(paired.transactionNumber == 2)
        #expect(paired.packetNumber == 2)
        #expect(paired.adu == (try request(2)).0)
    }

    @Test func expiresUnansweredRequestsOnCaptureTime() throws {
        var limits = Modbus.Limits()
        limits.responseTimeoutMicroseconds = 1_000_000
        var tracker = Modbus.TransactionTracker(limits: limits)
        let (bytes, message) = try request(7)
        _ = tracker.add(message, adu: bytes.span, packetNumber: 1, timestamp: time(0), provisional: false)
        let value4 = tracker.popExpired(now: time(900))
        #expect(value4 == nil)
        let value5 = tracker.popExpired(now: time(1_001))?.message.header.transactionIdentifier
        #expect(value5 == 7)
        #expect(tracker.pending.isEmpty)
    }

    /// One past the limit flags the flood once and gives up the oldest; memory stays at the limit.
    @Test func capsPendingRequestsAndFlagsTheFlood() throws {
        var limits = Modbus.Limits()
        limits.maxPendingTransactionsPerFlow = 50
        var tracker = Modbus.TransactionTracker(limits: limits)
        var floods = 0
        var evicted: [UInt16] = []
        for tid in 0..<UInt16(120) {
            let (bytes, message) = try request(tid)
            let result = tracker.add(message, adu: bytes.span, packetNumber: 1, timestamp: time(0), provisional: false)
            if result.flooded { floods += 1 }
            if result.evicted, let old = tracker.popEvicted() {
                evicted.append(old.message.header.transactionIdentifier)
                tracker.recycle(old)
            }
            #expect(tracker.pending.count <= 50)
        }
        #expect(floods == 1)
        #expect(evicted == Array(0..<70))
        #expect(tracker.pending.first?.message.header.transactionIdentifier == 70)
    }
}

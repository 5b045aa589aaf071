// SPDX-License-Identifier: Apache-2.0
public import WireFormat

extension Modbus {
    /// The decoded fields of one PDU (function code + data, MB §4.1), as values and ranges into the ADU bytes.
    ///
    /// Ranges (`values`, `data`, `objects`) index the span the message was parsed from: the whole ADU. Register and
    /// coil values are read from it on demand (``RegisterValues``, ``CoilValues``), never copied into arrays.
    public enum Fields: Sendable, Hashable {
        /// No data (requests of 7, 11, 12, 17), or a PDU too short to read anything from.
        case none
        /// Read request of 1, 2, 3, 4 (MB §6.1-§6.4): starting address and quantity.
        case readRequest(startingAddress: UInt16, quantity: UInt16)
        /// Read response of 1, 2 (coil/input status bits) and 3, 4, 23 (registers): byte count and the values.
        case readResponse(byteCount: UInt8, values: Range<Int>)
        /// Request and response of 5 and 6 (MB §6.5, §6.6): the address and the value.
        case writeSingle(address: UInt16, value: UInt16)
        /// Request of 15 and 16 (MB §6.11, §6.12).
        case writeMultipleRequest(startingAddress: UInt16, quantity: UInt16, byteCount: UInt8, values: Range<Int>)
        /// Response of 15 and 16: the echoed address and quantity.
        case writeMultipleResponse(startingAddress: UInt16, quantity: UInt16)
        /// Request and response of 22 (MB §6.16).
        case maskWrite(address: UInt16, andMask: UInt16, orMask: UInt16)
        /// Request of 23 (MB §6.17).
        case readWriteRequest(
            readStartingAddress: UInt16,
            readQuantity: UInt16,
            writeStartingAddress: UInt16,
            writeQuantity: UInt16,
            writeByteCount: UInt8,
            values: Range<Int>
        )
        /// Request and response of 8 (MB §6.8): sub-function and its data.
        case diagnostic(subfunction: UInt16, data: Range<Int>)
        /// Response of 7 (MB §6.7): the exception status byte (8 outputs).
        case exceptionStatus(UInt8)
        /// Response of 11 (MB §6.9).
        case commEventCounter(status: UInt16, eventCount: UInt16)
        /// Response of 12 (MB §6.10).
        case commEventLog(
            byteCount: UInt8,
            status: UInt16,
            eventCount: UInt16,
            messageCount: UInt16,
            events: Range<Int>
        )
        /// Response of 17 (MB §6.13): byte count, server-specific data ending in the run indicator status.
        case reportServerID(byteCount: UInt8, data: Range<Int>)
        /// Request and response of 20 and 21 (MB §6.14, §6.15): the byte count and the sub-requests/responses.
        case fileRecord(byteCount: UInt8, records: Range<Int>)
        /// Request of 24 (MB §6.18).
        case fifoRequest(pointerAddress: UInt16)
        /// Response of 24: byte count (2 bytes, covering the FIFO count too), FIFO count, values.
        case fifoResponse(byteCount: UInt16, fifoCount: UInt16, values: Range<Int>)
        /// Request of 43/14 Read Device Identification (MB §6.21).
        case readDeviceIdentificationRequest(readDeviceIDCode: UInt8, objectID: UInt8)
        /// Response of 43/14: the header fields and the object list (id, length, value) as a range.
        case readDeviceIdentificationResponse(
            readDeviceIDCode: UInt8,
            conformityLevel: UInt8,
            moreFollows: UInt8,
            nextObjectID: UInt8,
            numberOfObjects: UInt8,
            objects: Range<Int>
        )
        /// Other MEI types of 43 (13, CANopen General Reference; unknown types): the MEI type and its data.
        case mei(meiType: UInt8, data: Range<Int>)
        /// An exception response (MB §7).
        case exception(ExceptionCode)
        /// User-defined, reserved and unknown codes: the data bytes, kept raw.
        case raw(Range<Int>)
    }

    /// One decoded Modbus/TCP ADU: MBAP header, function code, fields, and what is wrong with it.
    public struct Message: Sendable, Hashable {
        public var header: MBAPHeader
        /// The function code byte as sent (with the exception bit in an exception response).
        public var functionCode: FunctionCode
        /// Whether this travelled client to server.
        public var isRequest: Bool
        public var fields: Fields
        /// Suricata's error flags.
        public var errorFlags: ErrorFlags
        /// The range of the PDU (function code onward) within the ADU bytes.
        public var pdu: Range<Int>
        /// The range of the PDU data (after the function code) within the ADU bytes.
        public var data: Range<Int>
        /// Bytes inside the MBAP length that the function does not use (reported as ``Anomaly/invalidLength``).
        public var trailingBytes: Int
        /// For an invalid Write Single Coil value, the value.
        public var invalidCoilValue: UInt16?

        /// The anomaly events this message raises by itself (pairing adds others).
        public var anomalies: [Anomaly] {
            var list: [Anomaly] = []
            if errorFlags.contains(.protocolIdentifier) { list.append(.invalidProtocolID) }
            if errorFlags.contains(.dataLength) { list.append(.invalidLength) }
            if invalidCoilValue != nil { list.append(.invalidCoilValue) }
            if errorFlags.contains(.dataValue) && invalidCoilValue == nil { list.append(.invalidValue) }
            if errorFlags.contains(.functionCode) { list.append(.invalidFunctionCode) }
            if errorFlags.contains(.exceptionCode) { list.append(.invalidExceptionCode) }
            return list
        }
    }
}

// MARK: - Parsing

extension Modbus.Message {
    /// Parses one whole ADU (MBAP header and PDU) sliced to exactly its MBAP length.
    ///
    /// A PDU that is too short, too long or holds out-of-range values still gives a message: what could be read
    /// is in ``fields`` and the trouble is in ``errorFlags`` (never thrown: STYLE.md §4).
    ///
    /// - Parameters:
    ///   - adu: the ADU bytes; the PDU is everything after the 7-byte header.
    ///   - isRequest: whether the ADU travelled client to server (requests and responses differ in layout).
    /// - Throws: ``WireError/truncated(at:needed:available:)`` when fewer than 8 bytes (header + function code)
    ///   are given.
    public init(parsing adu: borrowing Span<UInt8>, isRequest: Bool) throws(WireError) {
        let header = try Modbus.MBAPHeader(parsing: adu)
        guard adu.count >= 8 else { throw .truncated(at: 7, needed: 1, available: adu.count - 7) }
        let functionCode = Modbus.FunctionCode(adu[7])
        self.header = header
        self.functionCode = functionCode
        self.isRequest = isRequest
        self.fields = .none
        self.errorFlags = []
        self.pdu = 7..<adu.count
        self.data = 8..<adu.count
        self.trailingBytes = 0
        self.invalidCoilValue = nil
        if !header.hasValidProtocolIdentifier { errorFlags.insert(.protocolIdentifier) }
        if !header.hasValidLength || header.aduSize != adu.count { errorFlags.insert(.dataLength) }
        if isRequest && (functionCode.rawValue == 0 || functionCode.isException) {
            errorFlags.insert(.functionCode)
        }
        var parser = PDUParser(start: 8, end: adu.count)
        if !isRequest && functionCode.isException {
            parseException(adu, &parser)
        } else if isRequest {
            parseRequest(adu, &parser)
        } else {
            parseResponse(adu, &parser)
        }
        let used = parser.offset - 8
        let available = adu.count - 8
        if parser.truncated {
            errorFlags.insert(.dataLength)
        } else if used < available {
            trailingBytes = available - used
            errorFlags.insert(.dataLength)
        }
    }

    /// A cursor over the PDU data that records, instead of throwing, that the data ran out.
    struct PDUParser {
        var offset: Int
        let end: Int
        var truncated = false

        init(start: Int, end: Int) {
            self.offset = start
            self.end = end
        }

        var remaining: Int { max(end - offset, 0) }

        mutating func has(_ count: Int) -> Bool {
            if end - offset >= count { return true }
            truncated = true
            return false
        }

        mutating func u8(_ bytes: borrowing Span<UInt8>) -> UInt8 {
            let value = bytes[offset]  // callers check has(_:) first
            offset += 1
            return value
        }

        mutating func u16(_ bytes: borrowing Span<UInt8>) -> UInt16 {
            let value = bytes.loadUInt16BigEndian(at: offset)  // callers check has(_:) first
            offset += 2
            return value
        }

        /// Takes up to `count` bytes; records truncation if fewer remain.
        mutating func take(_ count: Int) -> Range<Int> {
            let taken = min(max(count, 0), remaining)
            if taken < count { truncated = true }
            let range = offset..<(offset + taken)
            offset += taken
            return range
        }

        mutating func rest() -> Range<Int> {
            let range = offset..<max(offset, end)
            offset = range.upperBound
            return range
        }
    }

    private mutating func parseException(_ adu: borrowing Span<UInt8>, _ parser: inout PDUParser) {
        guard parser.has(1) else { return }
        let code = Modbus.ExceptionCode(parser.u8(adu))
        fields = .exception(code)
        // Undefined codes, and 0x80 | a function that does not exist, are both Suricata's EXC_CODE.
        if !code.isKnown { errorFlags.insert(.exceptionCode) }
    }

    private mutating func parseRequest(_ adu: borrowing Span<UInt8>, _ parser: inout PDUParser) {
        switch functionCode.rawValue {
        case 1, 2, 3, 4:
            guard parser.has(4) else { fields = .raw(parser.rest()); return }
            let address = parser.u16(adu)
            let quantity = parser.u16(adu)
            fields = .readRequest(startingAddress: address, quantity: quantity)
            let limit = functionCode.rawValue <= 2 ? Modbus.Limits.maxReadBits : Modbus.Limits.maxReadRegisters
            if quantity == 0 || Int(quantity) > limit { errorFlags.insert(.dataValue) }
        case 5, 6:
            guard parser.has(4) else { fields = .raw(parser.rest()); return }
            let address = parser.u16(adu)
            let value = parser.u16(adu)
            fields = .writeSingle(address: address, value: value)
            checkCoilValue(value)
        case 15, 16:
            guard parser.has(5) else { fields = .raw(parser.rest()); return }
            let address = parser.u16(adu)
            let quantity = parser.u16(adu)
            let byteCount = parser.u8(adu)
            let values = parser.take(Int(byteCount))
            fields = .writeMultipleRequest(
                startingAddress: address,
                quantity: quantity,
                byteCount: byteCount,
                values: values
            )
            let isCoils = functionCode.rawValue == 15
            let limit = isCoils ? Modbus.Limits.maxWriteCoils : Modbus.Limits.maxWriteRegisters
            let expectedCount = isCoils ? (Int(quantity) + 7) / 8 : Int(quantity) * 2
            if quantity == 0 || Int(quantity) > limit || Int(byteCount) != expectedCount {
                errorFlags.insert(.dataValue)
            }
        case 22:
            guard parser.has(6) else { fields = .raw(parser.rest()); return }
            fields = .maskWrite(address: parser.u16(adu), andMask: parser.u16(adu), orMask: parser.u16(adu))
        case 23:
            guard parser.has(9) else { fields = .raw(parser.rest()); return }
            let readAddress = parser.u16(adu)
            let readQuantity = parser.u16(adu)
            let writeAddress = parser.u16(adu)
            let writeQuantity = parser.u16(adu)
            let byteCount = parser.u8(adu)
            let values = parser.take(Int(byteCount))
            fields = .readWriteRequest(
                readStartingAddress: readAddress,
                readQuantity: readQuantity,
                writeStartingAddress: writeAddress,
                writeQuantity: writeQuantity,
                writeByteCount: byteCount,
                values: values
            )
            if readQuantity == 0 || Int(readQuantity) > Modbus.Limits.maxReadRegisters || writeQuantity == 0
                || Int(writeQuantity) > Modbus.Limits.maxReadWriteWriteRegisters
                || Int(byteCount) != Int(writeQuantity) * 2
            {
                errorFlags.insert(.dataValue)
            }
        case 7, 11, 12, 17:
            fields = .none
        case 8:
            parseDiagnostic(adu, &parser)
        case 20, 21:
            guard parser.has(1) else { return }
            let byteCount = parser.u8(adu)
            fields = .fileRecord(byteCount: byteCount, records: parser.take(Int(byteCount)))
            // MB §6.14: 0x07..0xF5 for 20; each sub-request is 7 bytes. MB §6.15: 0x09..0xFB for 21.
            let valid =
                functionCode.rawValue == 20
                ? (7...0xF5).contains(Int(byteCount)) && byteCount % 7 == 0 : (9...0xFB).contains(Int(byteCount))
            if !valid { errorFlags.insert(.dataValue) }
        case 24:
            guard parser.has(2) else { fields = .raw(parser.rest()); return }
            fields = .fifoRequest(pointerAddress: parser.u16(adu))
        case 43:
            parseMEI(adu, &parser)
        default:
            fields = .raw(parser.rest())
        }
    }

    private mutating func parseResponse(_ adu: borrowing Span<UInt8>, _ parser: inout PDUParser) {
        switch functionCode.rawValue {
        case 1, 2, 3, 4, 23:
            guard parser.has(1) else { return }
            let byteCount = parser.u8(adu)
            let values = parser.take(Int(byteCount))
            fields = .readResponse(byteCount: byteCount, values: values)
            let isRegisters = functionCode.rawValue >= 3
            // MB §6.1-§6.4: N bytes of status, or 2 x N register bytes; at most 250 (2000 bits) / 250 (125 regs).
            if byteCount == 0 || byteCount > 250 || (isRegisters && byteCount % 2 != 0) {
                errorFlags.insert(.dataValue)
            }
        case 5, 6:
            guard parser.has(4) else { fields = .raw(parser.rest()); return }
            let address = parser.u16(adu)
            let value = parser.u16(adu)
            fields = .writeSingle(address: address, value: value)
            checkCoilValue(value)
        case 15, 16:
            guard parser.has(4) else { fields = .raw(parser.rest()); return }
            let address = parser.u16(adu)
            let quantity = parser.u16(adu)
            fields = .writeMultipleResponse(startingAddress: address, quantity: quantity)
            let limit = functionCode.rawValue == 15 ? Modbus.Limits.maxWriteCoils : Modbus.Limits.maxWriteRegisters
            if quantity == 0 || Int(quantity) > limit { errorFlags.insert(.dataValue) }
        case 22:
            guard parser.has(6) else { fields = .raw(parser.rest()); return }
            fields = .maskWrite(address: parser.u16(adu), andMask: parser.u16(adu), orMask: parser.u16(adu))
        case 7:
            guard parser.has(1) else { return }
            fields = .exceptionStatus(parser.u8(adu))
        case 8:
            parseDiagnostic(adu, &parser)
        case 11:
            guard parser.has(4) else { fields = .raw(parser.rest()); return }
            fields = .commEventCounter(status: parser.u16(adu), eventCount: parser.u16(adu))
        case 12:
            guard parser.has(7) else { fields = .raw(parser.rest()); return }
            let byteCount = parser.u8(adu)
            let status = parser.u16(adu)
            let eventCount = parser.u16(adu)
            let messageCount = parser.u16(adu)
            let events = parser.take(Int(byteCount) - 6)
            fields = .commEventLog(
                byteCount: byteCount,
                status: status,
                eventCount: eventCount,
                messageCount: messageCount,
                events: events
            )
            if byteCount < 6 { errorFlags.insert(.dataValue) }
        case 17:
            guard parser.has(1) else { return }
            let byteCount = parser.u8(adu)
            fields = .reportServerID(byteCount: byteCount, data: parser.take(Int(byteCount)))
        case 20, 21:
            guard parser.has(1) else { return }
            let byteCount = parser.u8(adu)
            fields = .fileRecord(byteCount: byteCount, records: parser.take(Int(byteCount)))
        case 24:
            guard parser.has(4) else { fields = .raw(parser.rest()); return }
            let byteCount = parser.u16(adu)
            let fifoCount = parser.u16(adu)
            let values = parser.take(Int(fifoCount) * 2)
            fields = .fifoResponse(byteCount: byteCount, fifoCount: fifoCount, values: values)
            // MB §6.18: the byte count covers the FIFO count (2 bytes) and the values; at most 31 values.
            if Int(byteCount) != 2 + Int(fifoCount) * 2 || Int(fifoCount) > Modbus.Limits.maxFIFOCount {
                errorFlags.insert(.dataValue)
            }
        case 43:
            parseMEI(adu, &parser)
        default:
            fields = .raw(parser.rest())
        }
    }

    private mutating func parseDiagnostic(_ adu: borrowing Span<UInt8>, _ parser: inout PDUParser) {
        guard parser.has(2) else { fields = .raw(parser.rest()); return }
        let subfunction = parser.u16(adu)
        fields = .diagnostic(subfunction: subfunction, data: parser.rest())
    }

    private mutating func parseMEI(_ adu: borrowing Span<UInt8>, _ parser: inout PDUParser) {
        guard parser.has(1) else { return }
        let meiType = parser.u8(adu)
        guard meiType == 14 else {
            fields = .mei(meiType: meiType, data: parser.rest())
            return
        }
        if isRequest {
            guard parser.has(2) else {
                fields = .mei(meiType: meiType, data: parser.rest())
                return
            }
            let code = parser.u8(adu)
            let objectID = parser.u8(adu)
            fields = .readDeviceIdentificationRequest(readDeviceIDCode: code, objectID: objectID)
            if code == 0 || code > 4 { errorFlags.insert(.dataValue) }  // MB §6.21: codes 01..04
        } else {
            guard parser.has(5) else {
                fields = .mei(meiType: meiType, data: parser.rest())
                return
            }
            let code = parser.u8(adu)
            let conformity = parser.u8(adu)
            let moreFollows = parser.u8(adu)
            let nextObjectID = parser.u8(adu)
            let numberOfObjects = parser.u8(adu)
            // Walk the objects only to find where they end; their contents are read on demand.
            let objectsStart = parser.offset
            var remainingObjects = Int(numberOfObjects)
            while remainingObjects > 0 && parser.has(2) {
                parser.offset += 1
                let length = Int(parser.u8(adu))
                _ = parser.take(length)
                remainingObjects -= 1
            }
            if remainingObjects > 0 { parser.truncated = true }
            fields = .readDeviceIdentificationResponse(
                readDeviceIDCode: code,
                conformityLevel: conformity,
                moreFollows: moreFollows,
                nextObjectID: nextObjectID,
                numberOfObjects: numberOfObjects,
                objects: objectsStart..<parser.offset
            )
        }
    }

    private mutating func checkCoilValue(_ value: UInt16) {
        // MB §6.5: "0xFF00 requests the output to be ON. 0x0000 requests it to be OFF. All other values are
        // illegal and will not affect the output."
        if functionCode.rawValue == 5 && value != 0x0000 && value != 0xFF00 {
            errorFlags.insert(.dataValue)
            invalidCoilValue = value
        }
    }
}

// MARK: - Values

extension Modbus {
    /// The 16-bit register values in a range of bytes (big-endian, MB §4.2), read on demand.
    public struct RegisterValues: Sendable, Hashable {
        /// The bytes, within the ADU span; an odd final byte is ignored.
        public var bytes: Range<Int>
        public init(bytes: Range<Int>) { self.bytes = bytes }
        /// The number of whole registers.
        public var count: Int { bytes.count / 2 }
        /// Register `index` (0-based) read from `adu`.
        public func value(at index: Int, in adu: borrowing Span<UInt8>) -> UInt16 {
            adu.loadUInt16BigEndian(at: bytes.lowerBound + 2 * index)
        }
    }

    /// Coil or discrete-input bits packed 8 to a byte, first bit in the low bit of the first byte (MB §6.1).
    public struct CoilValues: Sendable, Hashable {
        public var bytes: Range<Int>
        public init(bytes: Range<Int>) { self.bytes = bytes }
        /// Bit `index` read from `adu`.
        public func value(at index: Int, in adu: borrowing Span<UInt8>) -> Bool {
            adu[bytes.lowerBound + index / 8] & (1 << UInt8(index % 8)) != 0
        }
    }
}

// MARK: - File records (FC 20, 21)

extension Modbus {
    /// One sub-request or sub-response of Read File Record (MB §6.14) or Write File Record (MB §6.15).
    ///
    /// ```
    /// FC 20 request:   reference type (1) | file number (2) | record number (2) | record length (2)
    /// FC 20 response:  file response length (1) | reference type (1) | record data (2 x N)
    /// FC 21 both:      reference type (1) | file number (2) | record number (2) | record length (2) | data (2 x N)
    /// ```
    public struct FileRecord: Sendable, Hashable {
        /// 6 for every defined file (MB §6.14: "The reference type: 1 byte (must be specified as 6)").
        public var referenceType: UInt8
        /// Absent in FC 20 responses.
        public var fileNumber: UInt16?
        public var recordNumber: UInt16?
        /// Record length in registers, where the sub-request states it.
        public var recordLength: UInt16?
        /// The record's register bytes, within the ADU.
        public var data: Range<Int>

        public init(
            referenceType: UInt8,
            fileNumber: UInt16?,
            recordNumber: UInt16?,
            recordLength: UInt16?,
            data: Range<Int>
        ) {
            self.referenceType = referenceType
            self.fileNumber = fileNumber
            self.recordNumber = recordNumber
            self.recordLength = recordLength
            self.data = data
        }

        /// Reads the file record at `offset` of `adu`, not past `end`.
        ///
        /// - Returns: the record and the offset after it, or nil when the bytes left cannot hold one (a
        ///   truncated or lying byte count: what was read stays valid, the rest is not interpreted).
        public static func parse(
            _ adu: borrowing Span<UInt8>,
            at offset: Int,
            end: Int,
            function: FunctionCode,
            isRequest: Bool
        ) -> (record: FileRecord, next: Int)? {
            let end = min(end, adu.count)
            guard offset >= 0, offset < end else { return nil }
            if function.rawValue == 20 && !isRequest {
                let length = Int(adu[offset])
                guard length >= 1, offset + 1 + length <= end else { return nil }
                let record = FileRecord(
                    referenceType: adu[offset + 1],
                    fileNumber: nil,
                    recordNumber: nil,
                    recordLength: nil,
                    data: (offset + 2)..<(offset + 1 + length)
                )
                return (record, offset + 1 + length)
            }
            guard end - offset >= 7 else { return nil }
            let recordLength = adu.loadUInt16BigEndian(at: offset + 5)
            let dataCount = function.rawValue == 21 ? Int(recordLength) * 2 : 0
            guard offset + 7 + dataCount <= end else { return nil }
            let record = FileRecord(
                referenceType: adu[offset],
                fileNumber: adu.loadUInt16BigEndian(at: offset + 1),
                recordNumber: adu.loadUInt16BigEndian(at: offset + 3),
                recordLength: recordLength,
                data: (offset + 7)..<(offset + 7 + dataCount)
            )
            return (record, offset + 7 + dataCount)
        }
    }
}

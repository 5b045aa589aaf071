// SPDX-License-Identifier: Apache-2.0
import ModbusTCP
import SensorTestSupport
import Testing
import WireFormat

/// One byte-table fixture: an ADU, written one wire field per line, and the whole expected parse.
struct MessageFixture: CustomTestStringConvertible, Sendable {
    var name: String
    var hex: String
    var isRequest: Bool
    var fields: Modbus.Fields
    var errorFlags: Modbus.ErrorFlags = []
    var trailingBytes = 0
    var testDescription: String { name }
    var bytes: [UInt8] { FrameBuilder.hex(hex) }
}

@Suite struct MessageParsingTests {
    // MARK: - Valid requests and responses, every public function code

    static let fixtures: [MessageFixture] = [
        MessageFixture(
            name: "FC1 Read Coils request",
            hex: """
                0001  # transaction identifier 1
                0000  # protocol identifier 0
                0006  # length 6
                11    # unit identifier 17
                01    # function code 1
                0013  # starting address 19
                0025  # quantity 37
                """,
            isRequest: true,
            fields: .readRequest(startingAddress: 19, quantity: 37)
        ),
        MessageFixture(
            name: "FC1 Read Coils response",
            hex: """
                0001 0000 0008 11  # MBAP: tid 1, length 8, unit 17
                01                 # function code 1
                05                 # byte count 5
                cd6bb20e1b         # coil status 20..56
                """,
            isRequest: false,
            fields: .readResponse(byteCount: 5, values: 9..<14)
        ),
        MessageFixture(
            name: "FC2 Read Discrete Inputs request",
            hex: "0002 0000 0006 11 | 02 | 00c4 | 0016".replacingOccurrences(of: "|", with: ""),
            isRequest: true,
            fields: .readRequest(startingAddress: 196, quantity: 22)
        ),
        MessageFixture(
            name: "FC3 Read Holding Registers request",
            hex: "0003 0000 0006 11  03  006b  0003",
            isRequest: true,
            fields: .readRequest(startingAddress: 107, quantity: 3)
        ),
        MessageFixture(
            name: "FC3 Read Holding Registers response",
            hex: """
                0003 0000 0009 11  # MBAP: length 9
                03                 # function code 3
                06                 # byte count 6
                022b 0000 0064     # registers 555, 0, 100
                """,
            isRequest: false,
            fields: .readResponse(byteCount: 6, values: 9..<15)
        ),
        MessageFixture(
            name: "FC4 Read Input Registers request",
            hex: "0004 0000 0006 11  04  0008  0001",
            isRequest: true,
            fields: .readRequest(startingAddress: 8, quantity: 1)
        ),
        MessageFixture(
            name: "FC5 Write Single Coil request ON",
            hex: "0005 0000 0006 11  05  00ac  ff00",
            isRequest: true,
            fields: .writeSingle(address: 172, value: 0xFF00)
        ),
        MessageFixture(
            name: "FC5 Write Single Coil value 0x0001 is invalid",
            hex: "0005 0000 0006 11  05  00ac  0001",
            isRequest: true,
            fields: .writeSingle(address: 172, value: 1),
            errorFlags: .dataValue
        ),
        MessageFixture(
            name: "FC6 Write Single Register response",
            hex: "0006 0000 0006 11  06  0001  0003",
            isRequest: false,
            fields: .writeSingle(address: 1, value: 3)
        ),
        MessageFixture(
            name: "FC7 Read Exception Status request and response",
            hex: "0007 0000 0003 11  07  6d",
            isRequest: false,
            fields: .exceptionStatus(0x6D)
        ),
        MessageFixture(
            name: "FC8 Diagnostics Return Query Data",
            hex: "0008 0000 0006 11  08  0000  a537",
            isRequest: true,
            fields: .diagnostic(subfunction: 0, data: 10..<12)
        ),
        MessageFixture(
            name: "FC11 Get Comm Event Counter response",
            hex: "000b 0000 0006 11  0b  ffff  0108",
            isRequest: false,
            fields: .commEventCounter(status: 0xFFFF, eventCount: 0x108)
        ),
        MessageFixture(
            name: "FC12 Get Comm Event Log response",
            hex: """
                000c 0000 000b 11  # MBAP: length 11
                0c                 # function code 12
                08                 # byte count 8
                0000               # status
                0108               # event count
                0121               # message count
                2000               # events
                """,
            isRequest: false,
            fields: .commEventLog(byteCount: 8, status: 0, eventCount: 0x108, messageCount: 0x121, events: 15..<17)
        ),
        MessageFixture(
            name: "FC15 Write Multiple Coils request",
            hex: """
                000f 0000 0009 11  # MBAP: length 9
                0f                 # function code 15
                0013               # starting address 19
                000a               # quantity 10
                02                 # byte count 2
                cd01               # outputs
                """,
            isRequest: true,
            fields: .writeMultipleRequest(startingAddress: 19, quantity: 10, byteCount: 2, values: 13..<15)
        ),
        MessageFixture(
            name: "FC15 Write Multiple Coils response",
            hex: "000f 0000 0006 11  0f  0013  000a",
            isRequest: false,
            fields: .writeMultipleResponse(startingAddress: 19, quantity: 10)
        ),
        MessageFixture(
            name: "FC16 Write Multiple Registers request",
            hex: """
                0010 0000 000b 11  # MBAP: length 11
                10                 # function code 16
                0001               # starting address 1
                0002               # quantity 2
                04                 # byte count 4
                000a 0102          # registers 10, 258
                """,
            isRequest: true,
            fields: .writeMultipleRequest(startingAddress: 1, quantity: 2, byteCount: 4, values: 13..<17)
        ),
        MessageFixture(
            name: "FC16 byte count disagreeing with quantity",
            hex: "0010 0000 000b 11  10  0001  0003  04  000a 0102",
            isRequest: true,
            fields: .writeMultipleRequest(startingAddress: 1, quantity: 3, byteCount: 4, values: 13..<17),
            errorFlags: .dataValue
        ),
        MessageFixture(
            name: "FC17 Report Server ID response",
            hex: "0011 0000 0006 11  11  03  ab cd ff",
            isRequest: false,
            fields: .reportServerID(byteCount: 3, data: 9..<12)
        ),
        MessageFixture(
            name: "FC20 Read File Record request",
            hex: """
                0014 0000 000a 11  # MBAP: length 10
                14                 # function code 20
                07                 # byte count 7
                06 0004 0001 0002  # reference type 6, file 4, record 1, length 2
                """,
            isRequest: true,
            fields: .fileRecord(byteCount: 7, records: 9..<16)
        ),
        MessageFixture(
            name: "FC21 Write File Record request",
            hex: """
                0015 0000 000c 11  # MBAP: length 12
                15                 # function code 21
                09                 # request data length 9
                06 0004 0007 0001  # reference type 6, file 4, record 7, record length 1
                06af               # record data
                """,
            isRequest: true,
            fields: .fileRecord(byteCount: 9, records: 9..<18)
        ),
        MessageFixture(
            name: "FC22 Mask Write Register",
            hex: "0016 0000 0008 11  16  0004  00f2  0025",
            isRequest: true,
            fields: .maskWrite(address: 4, andMask: 0xF2, orMask: 0x25)
        ),
        MessageFixture(
            name: "FC23 Read/Write Multiple registers request",
            hex: """
                0017 0000 0011 11  # MBAP: length 17
                17                 # function code 23
                0003               # read starting address 3
                0006               # quantity to read 6
                000e               # write starting address 14
                0003               # quantity to write 3
                06                 # write byte count 6
                00ff 00ff 00ff     # write registers
                """,
            isRequest: true,
            fields: .readWriteRequest(
                readStartingAddress: 3,
                readQuantity: 6,
                writeStartingAddress: 14,
                writeQuantity: 3,
                writeByteCount: 6,
                values: 17..<23
            )
        ),
        MessageFixture(
            name: "FC24 Read FIFO Queue response",
            hex: """
                0018 0000 000a 11  # MBAP: length 10
                18                 # function code 24
                0006               # byte count 6 (FIFO count + 2 values)
                0002               # FIFO count 2
                01b8 1284          # values 440, 4740
                """,
            isRequest: false,
            fields: .fifoResponse(byteCount: 6, fifoCount: 2, values: 12..<16)
        ),
        MessageFixture(
            name: "FC43/14 Read Device Identification request",
            hex: "002b 0000 0005 11  2b  0e  01  00",
            isRequest: true,
            fields: .readDeviceIdentificationRequest(readDeviceIDCode: 1, objectID: 0)
        ),
        MessageFixture(
            name: "FC43/14 Read Device Identification response",
            hex: """
                002b 0000 0011 11  # MBAP: length 17
                2b 0e              # function 43, MEI type 14
                01 01 00 00 02     # code 1, conformity 1, more follows 0, next object 0, 2 objects
                00 03 414243       # object 0, length 3, "ABC"
                01 02 5859         # object 1, length 2, "XY"
                """,
            isRequest: false,
            fields: .readDeviceIdentificationResponse(
                readDeviceIDCode: 1,
                conformityLevel: 1,
                moreFollows: 0,
                nextObjectID: 0,
                numberOfObjects: 2,
                objects: 14..<23
            )
        ),
        MessageFixture(
            name: "Exception response 0x83 code 2",
            hex: "0003 0000 0003 11  83  02",
            isRequest: false,
            fields: .exception(.illegalDataAddress)
        ),
        MessageFixture(
            name: "Exception with undefined code 9",
            hex: "0003 0000 0003 11  83  09",
            isRequest: false,
            fields: .exception(Modbus.ExceptionCode(9)),
            errorFlags: .exceptionCode
        ),
        MessageFixture(
            name: "FC90 vendor code kept raw",
            hex: "0000 0000 0005 00  5a  00 02 01",
            isRequest: true,
            fields: .raw(8..<11)
        ),
        MessageFixture(
            name: "Request with function code 0 is invalid",
            hex: "0001 0000 0002 01  00",
            isRequest: true,
            fields: .raw(8..<8),
            errorFlags: .functionCode
        ),
        MessageFixture(
            name: "Protocol identifier not 0",
            hex: "0001 0001 0006 01  03  0000  0001",
            isRequest: true,
            fields: .readRequest(startingAddress: 0, quantity: 1),
            errorFlags: .protocolIdentifier
        ),
        MessageFixture(
            name: "Quantity 0 is out of range",
            hex: "0001 0000 0006 01  03  0000  0000",
            isRequest: true,
            fields: .readRequest(startingAddress: 0, quantity: 0),
            errorFlags: .dataValue
        ),
        MessageFixture(
            name: "Quantity 126 registers is over the limit",
            hex: "0001 0000 0006 01  03  0000  007e",
            isRequest: true,
            fields: .readRequest(startingAddress: 0, quantity: 126),
            errorFlags: .dataValue
        ),
        MessageFixture(
            name: "Trailing bytes inside the MBAP length",
            hex: "0001 0000 0009 01  03  0000  0001  aabbcc",
            isRequest: true,
            fields: .readRequest(startingAddress: 0, quantity: 1),
            errorFlags: .dataLength,
            trailingBytes: 3
        ),
        MessageFixture(
            name: "PDU shorter than its function needs",
            hex: "0001 0000 0004 01  03  0000",
            isRequest: true,
            fields: .raw(8..<10),
            errorFlags: .dataLength
        ),
        // MARK: the other half of every function (MB §6 examples)
        MessageFixture(
            name: "FC2 Read Discrete Inputs response",
            hex: "0002 0000 0006 11  02  03  acdb35",
            isRequest: false,
            fields: .readResponse(byteCount: 3, values: 9..<12)
        ),
        MessageFixture(
            name: "FC4 Read Input Registers response",
            hex: "0004 0000 0005 11  04  02  000a",
            isRequest: false,
            fields: .readResponse(byteCount: 2, values: 9..<11)
        ),
        MessageFixture(
            name: "FC5 Write Single Coil response (echo)",
            hex: "0005 0000 0006 11  05  00ac  ff00",
            isRequest: false,
            fields: .writeSingle(address: 172, value: 0xFF00)
        ),
        MessageFixture(
            name: "FC6 Write Single Register request",
            hex: "0006 0000 0006 11  06  0001  0003",
            isRequest: true,
            fields: .writeSingle(address: 1, value: 3)
        ),
        MessageFixture(
            name: "FC7 Read Exception Status request",
            hex: "0007 0000 0002 11  07",
            isRequest: true,
            fields: .none
        ),
        MessageFixture(
            name: "FC8 Diagnostics response (echo)",
            hex: "0008 0000 0006 11  08  0000  a537",
            isRequest: false,
            fields: .diagnostic(subfunction: 0, data: 10..<12)
        ),
        MessageFixture(
            name: "FC11 Get Comm Event Counter request",
            hex: "000b 0000 0002 11  0b",
            isRequest: true,
            fields: .none
        ),
        MessageFixture(
            name: "FC12 Get Comm Event Log request",
            hex: "000c 0000 0002 11  0c",
            isRequest: true,
            fields: .none
        ),
        MessageFixture(
            name: "FC16 Write Multiple Registers response",
            hex: "0010 0000 0006 11  10  0001  0002",
            isRequest: false,
            fields: .writeMultipleResponse(startingAddress: 1, quantity: 2)
        ),
        MessageFixture(
            name: "FC17 Report Server ID request",
            hex: "0011 0000 0002 11  11",
            isRequest: true,
            fields: .none
        ),
        MessageFixture(
            name: "FC20 Read File Record response",
            hex: """
                0014 0000 000f 11  # MBAP: length 15
                14                 # function code 20
                0c                 # response data length 12
                05 06 0df8 0e6b    # file response length 5, reference type 6, 2 registers
                05 06 3350 0044    # the second sub-response
                """,
            isRequest: false,
            fields: .fileRecord(byteCount: 12, records: 9..<21)
        ),
        MessageFixture(
            name: "FC21 Write File Record response (echo)",
            hex: "0015 0000 000c 11  15  09  06 0004 0007 0001 06af",
            isRequest: false,
            fields: .fileRecord(byteCount: 9, records: 9..<18)
        ),
        MessageFixture(
            name: "FC22 Mask Write Register response (echo)",
            hex: "0016 0000 0008 11  16  0004  00f2  0025",
            isRequest: false,
            fields: .maskWrite(address: 4, andMask: 0xF2, orMask: 0x25)
        ),
        MessageFixture(
            name: "FC23 Read/Write Multiple registers response",
            hex: "0017 0000 000f 11  17  0c  00fe 0acd 0001 0003 000d 00ff",
            isRequest: false,
            fields: .readResponse(byteCount: 12, values: 9..<21)
        ),
        MessageFixture(
            name: "FC24 Read FIFO Queue request",
            hex: "0018 0000 0004 11  18  04de",
            isRequest: true,
            fields: .fifoRequest(pointerAddress: 0x04DE)
        ),
        MessageFixture(
            name: "FC43/13 CANopen General Reference request (data kept raw)",
            hex: "002b 0000 0006 11  2b  0d  01 02 03",
            isRequest: true,
            fields: .mei(meiType: 13, data: 9..<12)
        ),
    ]

    @Test(arguments: fixtures)
    func parsesWholeMessage(_ fixture: MessageFixture) throws {
        let bytes = fixture.bytes
        let message = try Modbus.Message(parsing: bytes.span, isRequest: fixture.isRequest)
        #expect(message.fields == fixture.fields)
        #expect(message.errorFlags == fixture.errorFlags)
        #expect(message.trailingBytes == fixture.trailingBytes)
        #expect(Int(message.header.length) == bytes.count - 6 || message.errorFlags.contains(.dataLength))
        #expect(message.pdu == 7..<bytes.count)
        #expect(message.functionCode.rawValue == bytes[7])
    }

    @Test func readsRegisterAndCoilValuesOnDemand() throws {
        let bytes = FrameBuilder.hex("0003 0000 0009 11 03 06 022b 0000 0064")
        let message = try Modbus.Message(parsing: bytes.span, isRequest: false)
        guard case .readResponse(_, let range) = message.fields else {
            Issue.record("not a read response")
            return
        }
        let registers = Modbus.RegisterValues(bytes: range)
        #expect(registers.count == 3)
        let value1 = (0..<3).map { registers.value(at: $0, in: bytes.span) }
        #expect(value1 == [555, 0, 100])

        let coils = FrameBuilder.hex("0001 0000 0005 11 01 02 cd 01")
        let coilMessage = try Modbus.Message(parsing: coils.span, isRequest: false)
        guard case .readResponse(_, let coilRange) = coilMessage.fields else {
            Issue.record("not a read response")
            return
        }
        let bits = Modbus.CoilValues(bytes: coilRange)
        // 0xCD = 1100 1101: coils 0..7 are 1,0,1,1,0,0,1,1 (low bit first, MB §6.1); 0x01 sets coil 8.
        let value2 = (0..<10).map { bits.value(at: $0, in: coils.span) }
        #expect(value2 == [true, false, true, true, false, false, true, true, true, false])
    }

    // MARK: - Malformed

    @Test(arguments: 0..<7)
    func rejectsTruncatedMBAPHeader(length: Int) {
        let bytes = Array(FrameBuilder.hex("0001 0000 0006 11 03 0000 0001").prefix(length))
        #expect(throws: WireError.truncated(at: 0, needed: 7, available: length)) {
            try Modbus.MBAPHeader(parsing: bytes.span)
        }
    }

    @Test func rejectsADUWithoutFunctionCode() {
        let bytes = FrameBuilder.hex("0001 0000 0001 11")
        #expect(throws: WireError.truncated(at: 7, needed: 1, available: 0)) {
            try Modbus.Message(parsing: bytes.span, isRequest: true)
        }
    }

    /// Every prefix of every fixture (from the function code on) parses without trapping, and flags the length.
    @Test(arguments: fixtures)
    func flagsEveryTruncatedPDU(_ fixture: MessageFixture) throws {
        let bytes = fixture.bytes
        for length in 8..<bytes.count {
            let prefix = Array(bytes.prefix(length))
            let message = try Modbus.Message(parsing: prefix.span, isRequest: fixture.isRequest)
            #expect(message.errorFlags.contains(.dataLength), "prefix \(length) of \(fixture.name)")
            #expect(message.pdu.upperBound <= length)
        }
    }

    // MARK: - Pairing checks

    @Test func detectsResponsesThatDoNotFitTheirRequest() throws {
        let request = FrameBuilder.hex("0001 0000 0006 01 03 0000 0002")
        let good = FrameBuilder.hex("0001 0000 0007 01 03 04 0001 0002")
        let short = FrameBuilder.hex("0001 0000 0005 01 03 02 0001")
        let requestMessage = try Modbus.Message(parsing: request.span, isRequest: true)
        let goodMessage = try Modbus.Message(parsing: good.span, isRequest: false)
        let shortMessage = try Modbus.Message(parsing: short.span, isRequest: false)
        let value3 = Modbus.responseMatchesRequest(
            request: requestMessage,
            requestADU: request.span,
            response: goodMessage,
            responseADU: good.span
        )
        #expect(value3)
        let value4 = Modbus.responseMatchesRequest(
            request: requestMessage,
            requestADU: request.span,
            response: shortMessage,
            responseADU: short.span
        )
        #expect(!value4)

        let write = FrameBuilder.hex("0002 0000 0006 01 06 0004 1234")
        let wrongEcho = FrameBuilder.hex("0002 0000 0006 01 06 0004 1235")
        let writeMessage = try Modbus.Message(parsing: write.span, isRequest: true)
        let echoMessage = try Modbus.Message(parsing: wrongEcho.span, isRequest: false)
        let value5 = Modbus.responseMatchesRequest(
            request: writeMessage,
            requestADU: write.span,
            response: echoMessage,
            responseADU: wrongEcho.span
        )
        #expect(!value5)
    }

    // MARK: - Codes

    @Test func namesFunctionAndExceptionCodesAsSuricataDoes() {
        #expect(Modbus.FunctionCode(3).suricataName == "RdHoldRegs")
        #expect(Modbus.FunctionCode(0x83).suricataName == "RdHoldRegs")
        #expect(Modbus.FunctionCode(0x83).isException)
        #expect(Modbus.FunctionCode(43).suricataName == "MEI")
        #expect(Modbus.FunctionCode(90).suricataName == "Unknown")
        #expect(Modbus.FunctionCode(90).category == .reserved)
        #expect(Modbus.FunctionCode(65).category == .userDefined)
        #expect(Modbus.FunctionCode(30).category == .publicUnassigned)
        #expect(Modbus.FunctionCode(16).category == .publicAssigned)
        #expect(Modbus.ExceptionCode(11).suricataName == "GatewayTargetFailToResp")
        #expect(Modbus.ExceptionCode(2).description == "2 (ILLEGAL DATA ADDRESS)")
        #expect(!Modbus.ExceptionCode(9).isKnown)
        #expect(Modbus.ErrorFlags([.dataValue, .protocolIdentifier]).suricataDescription == "DATA_VALUE | PROTO_ID")
        #expect(Modbus.ErrorFlags().suricataDescription == "NONE")
    }
}

@Suite struct FileRecordTests {
    func records(_ hex: String, isRequest: Bool) throws -> [Modbus.FileRecord] {
        let adu = FrameBuilder.hex(hex)
        let message = try Modbus.Message(parsing: adu.span, isRequest: isRequest)
        guard case .fileRecord(_, let range) = message.fields else { return [] }
        var result: [Modbus.FileRecord] = []
        var offset = range.lowerBound
        while let (record, next) = Modbus.FileRecord.parse(
            adu.span,
            at: offset,
            end: range.upperBound,
            function: message.functionCode,
            isRequest: isRequest
        ) {
            result.append(record)
            offset = next
        }
        return result
    }

    /// MB §6.14's example: two sub-requests, file 4 record 1 length 2, file 3 record 9 length 2.
    @Test func readsReadFileRecordSubRequestsAndResponses() throws {
        let request = try records("0001 0000 0011 01 14 0e  06 0004 0001 0002  06 0003 0009 0002", isRequest: true)
        #expect(
            request == [
                Modbus.FileRecord(referenceType: 6, fileNumber: 4, recordNumber: 1, recordLength: 2, data: 16..<16),
                Modbus.FileRecord(referenceType: 6, fileNumber: 3, recordNumber: 9, recordLength: 2, data: 23..<23),
            ]
        )
        let response = try records("0001 0000 000f 01 14 0c  05 06 0df8 0e6b  05 06 3350 0044", isRequest: false)
        #expect(
            response == [
                Modbus.FileRecord(
                    referenceType: 6,
                    fileNumber: nil,
                    recordNumber: nil,
                    recordLength: nil,
                    data: 11..<15
                ),
                Modbus.FileRecord(
                    referenceType: 6,
                    fileNumber: nil,
                    recordNumber: nil,
                    recordLength: nil,
                    data: 17..<21
                ),
            ]
        )
    }

    /// MB §6.15's example: file 4, record 7, three registers.
    @Test func readsWriteFileRecordSubRequests() throws {
        let request = try records("0001 0000 0010 01 15 0d  06 0004 0007 0003 06af 04be 100d", isRequest: true)
        #expect(
            request == [
                Modbus.FileRecord(referenceType: 6, fileNumber: 4, recordNumber: 7, recordLength: 3, data: 16..<22)
            ]
        )
    }

    @Test func stopsAtASubRequestTheByteCountCannotHold() throws {
        // The record length says 9 registers; only 1 follows.
        let request = try records("0001 0000 000c 01 15 09  06 0004 0007 0009 06af", isRequest: true)
        #expect(request.isEmpty)
    }
}

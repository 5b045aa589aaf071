// SPDX-License-Identifier: Apache-2.0
import DNP3
import SensorTestSupport
import Testing
import WireFormat

/// The data link layer: CRC-16/DNP, the header, and the in-place view of user data. Fixtures are frames from the
/// shared captures (ITI/ICS-Security-Tools), with the field values tshark 4.0 shows for them.
@Suite struct LinkLayerTests {
    /// A Read (class 0-3 poll) from master 1 to outstation 10, one frame (iti-read_and_response.pcap, frame 4).
    static let readRequest = FrameBuilder.hex(
        """
        0564        # start octets
        14          # LENGTH 20: control, addresses and 15 octets of user data
        c4          # CONTROL: DIR 1, PRM 1, FCB 0, FCV 0, function 4 UNCONFIRMED_USER_DATA
        0a00        # DESTINATION 10
        0100        # SOURCE 1
        8fed        # header CRC 0xED8F
        c0c0013c02063c03063c04063c0106   # user data block 0 (15 octets): transport 0xC0, application ...
        8a51        # block CRC
        """
    )

    /// A Write of g10v1 (iti-write_binary_output.pcap): 9 octets of user data.
    static let writeRequest = FrameBuilder.hex("0564 0e c4 0300 0400 6682 c0c0020a010002020027 c0")

    @Test func computesTheCRCCheckValue() {
        let text = Array("123456789".utf8)
        #expect(DNP3.Link.CRC.compute(text.span, 0..<9) == 0xEA82)
    }

    @Test func parsesTheHeaderOfARealFrame() throws {
        let frame = Self.readRequest
        let header = try DNP3.Link.Header(parsing: frame.span)
        #expect(header.length == 20)
        #expect(header.control.rawValue == 0xC4)
        #expect(header.control.direction)
        #expect(header.control.primary)
        #expect(!header.control.frameCountBit)
        #expect(!header.control.frameCountValid)
        #expect(header.control.functionCode == .unconfirmedUserData)
        #expect(header.control.functionCode.name(primary: true) == "UNCONFIRMED_USER_DATA")
        #expect(header.destination == 10)
        #expect(header.source == 1)
        #expect(header.crcValid)
        #expect(header.userDataLength == 15)
        #expect(header.frameSize == frame.count)
    }

    @Test func readsUserDataInPlaceAcrossBlocks() throws {
        // A 250-octet user data frame: 16 blocks, the last of 10 octets; logical octet i is i & 0xFF.
        let userData = (0..<250).map { UInt8($0 & 0xFF) }
        let frame = Self.frame(control: 0x44, destination: 1, source: 1024, userData: userData)
        let header = try DNP3.Link.Header(parsing: frame.span)
        #expect(header.crcValid)
        #expect(header.frameSize == DNP3.Link.Header.maximumFrameSize)
        let view = DNP3.Link.UserData(frameStart: 0, count: header.userDataLength)
        #expect(view.blockCount == 16)
        #expect((0..<250).allSatisfy { view.byte($0, in: frame.span) == userData[$0] })
        #expect(view.firstBadBlock(in: frame.span) == nil)
        var damaged = frame
        damaged[view.offset(of: 37)] ^= 0x01  // octet 37 lies in block 2
        #expect(view.firstBadBlock(in: damaged.span) == 2)
    }

    @Test func flagsAHeaderWhoseCRCFails() throws {
        var frame = Self.writeRequest
        frame[2] = 0x0F  // LENGTH changed, CRC not
        let header = try DNP3.Link.Header(parsing: frame.span)
        #expect(!header.crcValid)
    }

    @Test(arguments: 0..<10)
    func rejectsATruncatedHeader(length: Int) {
        let bytes = Array(Self.writeRequest.prefix(length))
        #expect(throws: WireError.truncated(at: 0, needed: 10, available: length)) {
            try DNP3.Link.Header(parsing: bytes.span)
        }
    }

    @Test func rejectsWrongStartOctets() {
        let bytes = FrameBuilder.hex("0565 0e c4 0300 0400 6682")
        #expect(throws: WireError.invalidField(.dnp3StartOctets, value: 0x0565, at: 0)) {
            try DNP3.Link.Header(parsing: bytes.span)
        }
    }

    @Test func computesFrameSizesFromTheLength() {
        #expect(DNP3.Link.Header.frameSize(userDataLength: 0) == 10)
        #expect(DNP3.Link.Header.frameSize(userDataLength: 1) == 13)
        #expect(DNP3.Link.Header.frameSize(userDataLength: 16) == 28)
        #expect(DNP3.Link.Header.frameSize(userDataLength: 17) == 31)
        #expect(DNP3.Link.Header.frameSize(userDataLength: 250) == 292)
    }

    /// Builds a frame with valid CRCs (the CRC itself is checked against the standard's check value above and
    /// the real frames).
    static func frame(control: UInt8, destination: UInt16, source: UInt16, userData: [UInt8]) -> [UInt8] {
        FrameBuilder.dnp3Frame(control: control, destination: destination, source: source, userData: userData)
    }

    @Test func realFramesCarryValidBlockCRCs() throws {
        for frame in [Self.readRequest, Self.writeRequest] {
            let header = try DNP3.Link.Header(parsing: frame.span)
            #expect(header.crcValid)
            #expect(header.frameSize == frame.count)
            let view = DNP3.Link.UserData(frameStart: 0, count: header.userDataLength)
            #expect(view.firstBadBlock(in: frame.span) == nil)
        }
    }
}

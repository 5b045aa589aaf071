// SPDX-License-Identifier: Apache-2.0
public import WireFormat

extension DNP3.Link {
    /// The primary or secondary function code in the low four bits of the link control octet (IEEE 1815-2012
    /// §9.2.4.1.3, Tables 9-1 and 9-2). What the code means depends on the PRM bit.
    public struct FunctionCode: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }

        // Primary (PRM = 1).
        public static let resetLinkStates = FunctionCode(rawValue: 0)
        public static let testLinkStates = FunctionCode(rawValue: 2)
        public static let confirmedUserData = FunctionCode(rawValue: 3)
        public static let unconfirmedUserData = FunctionCode(rawValue: 4)
        public static let requestLinkStatus = FunctionCode(rawValue: 9)
        // Secondary (PRM = 0).
        public static let ack = FunctionCode(rawValue: 0)
        public static let nack = FunctionCode(rawValue: 1)
        public static let linkStatus = FunctionCode(rawValue: 11)
        public static let notSupported = FunctionCode(rawValue: 15)

        /// The standard's name for the code in the role the PRM bit gives, or nil for a code it does not define.
        public func name(primary: Bool) -> String? {
            switch (primary, rawValue) {
            case (true, 0): "RESET_LINK_STATES"
            case (true, 2): "TEST_LINK_STATES"
            case (true, 3): "CONFIRMED_USER_DATA"
            case (true, 4): "UNCONFIRMED_USER_DATA"
            case (true, 9): "REQUEST_LINK_STATUS"
            case (false, 0): "ACK"
            case (false, 1): "NACK"
            case (false, 11): "LINK_STATUS"
            case (false, 15): "NOT_SUPPORTED"
            default: nil
            }
        }
    }

    /// The link control octet (IEEE 1815-2012 §9.2.4.1.3, Figure 9-3).
    ///
    /// ```
    ///   7     6     5           4           3 2 1 0
    /// +-----+-----+-----------+-----------+---------------+
    /// | DIR | PRM | FCB / res | FCV / DFC | function code |
    /// +-----+-----+-----------+-----------+---------------+
    /// ```
    public struct ControlField: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// DIR: 1 when the frame comes from the master.
        public var direction: Bool { rawValue & 0x80 != 0 }
        /// PRM: 1 when the frame comes from the primary (initiating) station.
        public var primary: Bool { rawValue & 0x40 != 0 }
        /// FCB: the frame count bit (primary frames).
        public var frameCountBit: Bool { primary && rawValue & 0x20 != 0 }
        /// FCV: whether the frame count bit is valid (primary frames).
        public var frameCountValid: Bool { primary && rawValue & 0x10 != 0 }
        /// DFC: data flow control, the secondary station's buffers are full (secondary frames).
        public var dataFlowControl: Bool { !primary && rawValue & 0x10 != 0 }
        public var functionCode: FunctionCode { FunctionCode(rawValue: rawValue) }
    }

    /// The 10-octet header of a link frame (IEEE 1815-2012 §9.2.4.1, Figure 9-2).
    ///
    /// ```
    /// +------+------+--------+---------+-------------+-------------+---------+
    /// | 0x05 | 0x64 | LENGTH | CONTROL | DESTINATION |   SOURCE    |   CRC   |
    /// |  1   |  1   |   1    |    1    |  2 (LSB 1st)| 2 (LSB 1st) | 2       |
    /// +------+------+--------+---------+-------------+-------------+---------+
    /// ```
    ///
    /// LENGTH counts CONTROL, DESTINATION, SOURCE and the user data, not the CRCs: 5 (no user data) to 255.
    public struct Header: Hashable, Sendable {
        public var length: UInt8
        public var control: ControlField
        public var destination: UInt16
        public var source: UInt16
        /// Whether the header CRC matched. A header whose CRC fails is never trusted for its length.
        public var crcValid: Bool

        /// The size of the header in octets.
        public static let size = 10
        /// The smallest LENGTH: control and addresses, no user data (§9.2.4.1.2).
        public static let minimumLength = 5
        /// The largest frame: LENGTH 255 gives 250 octets of user data in 16 blocks, each with its CRC.
        public static let maximumFrameSize = 292

        /// Reads the header at `offset` of `bytes`.
        ///
        /// - Throws: ``WireError/truncated(at:needed:available:)`` with fewer than 10 octets;
        ///   ``WireError/invalidField(_:value:at:)`` when the start octets are not 0x05 0x64.
        public init(parsing bytes: borrowing Span<UInt8>, at offset: Int = 0) throws(WireError) {
            guard offset >= 0, bytes.count - offset >= Self.size else {
                throw .truncated(at: offset, needed: Self.size, available: max(bytes.count - offset, 0))
            }
            guard bytes[offset] == 0x05, bytes[offset + 1] == 0x64 else {
                throw .invalidField(.dnp3StartOctets, value: Int(bytes.loadUInt16BigEndian(at: offset)), at: offset)
            }
            // Bounds checked above: 10 octets from offset.
            length = bytes[offset + 2]
            control = ControlField(rawValue: bytes[offset + 3])
            destination = bytes.loadUInt16LittleEndian(at: offset + 4)
            source = bytes.loadUInt16LittleEndian(at: offset + 6)
            crcValid = CRC.verify(bytes, offset..<(offset + 8))
        }

        /// The octets of user data: LENGTH - 5.
        public var userDataLength: Int { max(Int(length) - Self.minimumLength, 0) }

        /// The whole frame's size: header, user data, and a 2-octet CRC after every 16 octets of user data and
        /// after the last, shorter block.
        public var frameSize: Int { Self.frameSize(userDataLength: userDataLength) }

        /// The frame size for `userDataLength` octets of user data.
        public static func frameSize(userDataLength: Int) -> Int {
            size + userDataLength + 2 * ((userDataLength + 15) / 16)
        }
    }

    /// The user data of one frame, read in place: logical octet `i` of the user data lies at frame offset
    /// `10 + 18 * (i / 16) + i % 16`, because every 16 octets are followed by their CRC (§9.2.4.2). No copy is
    /// made to strip the CRCs.
    public struct UserData: Hashable, Sendable {
        /// Where the frame starts in the span it was parsed from.
        public var frameStart: Int
        /// The number of user-data octets.
        public var count: Int

        public init(frameStart: Int, count: Int) {
            self.frameStart = frameStart
            self.count = count
        }

        /// The span offset of logical user-data octet `index` (0..<count).
        @inlinable
        public func offset(of index: Int) -> Int {
            frameStart + Header.size + 18 * (index / 16) + index % 16
        }

        /// Logical user-data octet `index`, read from `frame`.
        @inlinable
        public func byte(_ index: Int, in frame: borrowing Span<UInt8>) -> UInt8 {
            frame[offset(of: index)]
        }

        /// The number of data blocks (each at most 16 octets and its CRC).
        public var blockCount: Int { (count + 15) / 16 }

        /// Whether block `index`'s CRC matches its octets.
        public func blockCRCValid(_ index: Int, in frame: borrowing Span<UInt8>) -> Bool {
            let start = frameStart + Header.size + 18 * index
            let length = min(16, count - 16 * index)
            return CRC.verify(frame, start..<(start + length))
        }

        /// The index of the first block whose CRC fails, or nil when every block is intact.
        public func firstBadBlock(in frame: borrowing Span<UInt8>) -> Int? {
            for index in 0..<blockCount where !blockCRCValid(index, in: frame) { return index }
            return nil
        }
    }
}

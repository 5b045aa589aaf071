// SPDX-License-Identifier: Apache-2.0

extension DNP3.Application {
    /// What the object parser found suspicious in a fragment. The names are Suricata's where it has one
    /// (`unknown_object`, `too_many_objects`, `too_many_points`, `malformed`).
    public struct ObjectAnomalies: OptionSet, Hashable, Sendable {
        public var rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        /// A group and variation the object library does not define.
        public static let unknownObject = Self(rawValue: 1 << 0)
        /// More object headers than ``Limits/maxObjectsPerFragment``.
        public static let tooManyObjects = Self(rawValue: 1 << 1)
        /// A header declaring more objects than ``Limits/maxPointsPerHeader``.
        public static let tooManyPoints = Self(rawValue: 1 << 2)
        /// A start-stop range whose stop is below its start.
        public static let rangeStopBeforeStart = Self(rawValue: 1 << 3)
        /// Variation 0 ("any variation") in a response, where objects must have a definite variation
        /// (IEEE 1815-2012 §4.4.3; DNP TB2014-006 on the zero-length octet-string "zip bomb").
        public static let variationZeroInResponse = Self(rawValue: 1 << 4)
        /// The objects could not be parsed to the end: a truncated header or data, a reserved or impossible
        /// qualifier, trailing octets.
        public static let malformed = Self(rawValue: 1 << 5)
    }

    /// One object header and where its objects lie in the fragment.
    public struct ObjectBlock: Hashable, Sendable {
        public var header: ObjectHeader
        /// Where the header starts (a logical fragment offset).
        public var offset: Int
        /// The object library's layout for the group and variation, nil when it defines none.
        public var layout: DNP3.Objects.Layout?
        /// Whether the objects carry data (a response, a request that writes or controls, or a size prefix), as
        /// opposed to a request that only names them (READ of a range).
        public var carriesData: Bool
        /// The octets after the header that hold the objects, prefixes included.
        public var data: Range<Int>
        /// The objects to list as points: the declared count, or 0 when they carry nothing to list, their data is
        /// cut short, or the count is over ``Limits/maxPointsPerHeader``.
        public var pointCount: Int
        /// The size of each object after its prefix, when all are the same size.
        public var objectSize: Int?
        /// Bits per object for packed objects (g1v1, g3v1, g10v1, g80v1), else 0.
        public var packedBits: Int
    }

    /// Reads the object headers of one fragment in turn (IEEE 1815-2012 §4.4), working out where each header's
    /// objects end without decoding them, so that an object it does not decode is never mis-parsed. The work is
    /// bounded by the octets present: a header that claims 65,535 objects in ten octets costs one bounds check.
    ///
    /// Parsing stops at the first error (``error``); the headers before it stay valid.
    public struct ObjectParser: Sendable {
        public let functionCode: FunctionCode
        public let limits: Limits
        /// The next header's offset.
        public private(set) var offset: Int
        /// The headers read so far.
        public private(set) var objectCount = 0
        /// Why parsing stopped early, if it did.
        public private(set) var error: DNP3.ParseError?
        /// Everything suspicious found so far.
        public private(set) var anomalies: ObjectAnomalies = []
        /// The first group and variation the object library does not define, for the report.
        public private(set) var firstUnknown: (group: UInt8, variation: UInt8)?
        private var stopped = false

        /// Starts after `header` in a fragment.
        public init(header: Header, limits: Limits = Limits()) {
            self.functionCode = header.functionCode
            self.limits = limits
            self.offset = header.size
        }

        /// Whether every object header was read and every object stepped over.
        public var isComplete: Bool { stopped && error == nil && !anomalies.contains(.tooManyObjects) }

        private mutating func noteUnknown(_ group: UInt8, _ variation: UInt8) {
            anomalies.insert(.unknownObject)
            if firstUnknown == nil { firstUnknown = (group, variation) }
        }

        private mutating func fail(_ error: DNP3.ParseError) {
            self.error = error
            anomalies.insert(.malformed)
            stopped = true
        }

        /// The next object header, or nil at the end of the fragment or after an error.
        public mutating func next(in bytes: borrowing Span<UInt8>, view: DNP3.FragmentView) -> ObjectBlock? {
            guard !stopped else { return nil }
            guard offset < view.count else {
                stopped = true
                return nil
            }
            guard objectCount < limits.maxObjectsPerFragment else {
                anomalies.insert(.tooManyObjects)
                stopped = true
                return nil
            }
            let header: ObjectHeader
            do {
                header = try ObjectHeader(parsing: bytes, view: view, at: offset)
            } catch {
                fail(error)
                guard case .reservedQualifier(let qualifier, _) = error else { return nil }
                // Listed (as Zeek and tshark list it) with no range and no objects; parsing stops here.
                objectCount += 1
                let group = view.byte(offset, in: bytes)
                let variation = view.byte(offset + 1, in: bytes)
                if DNP3.Objects.layout(group: group, variation: variation) == nil { noteUnknown(group, variation) }
                return ObjectBlock(
                    header: ObjectHeader(group: group, variation: variation, qualifier: QualifierCode(qualifier)),
                    offset: offset,
                    layout: DNP3.Objects.layout(group: group, variation: variation),
                    carriesData: false,
                    data: (offset + 3)..<(offset + 3),
                    pointCount: 0,
                    objectSize: nil,
                    packedBits: 0
                )
            }
            objectCount += 1
            let start = offset + header.size
            let layout = DNP3.Objects.layout(group: header.group, variation: header.variation)
            if layout == nil { noteUnknown(header.group, header.variation) }
            let isResponse = functionCode.isResponse
            if isResponse && header.variation == 0 && header.group != 0 && header.group != 60
                && header.qualifier.rangeCode != 6
            {
                anomalies.insert(.variationZeroInResponse)
            }
            let carriesData =
                isResponse || functionCode.requestCarriesObjectData || header.qualifier.prefixIsSize
            var block = ObjectBlock(
                header: header,
                offset: offset,
                layout: layout,
                carriesData: carriesData,
                data: start..<start,
                pointCount: 0,
                objectSize: nil,
                packedBits: 0
            )
            if header.stopBeforeStart {
                // Reported as its own anomaly, not also as `malformed`.
                anomalies.insert(.rangeStopBeforeStart)
                error = .rangeStopBeforeStart(start: header.start, stop: header.stop, at: offset)
                offset = start
                stopped = true
                return block
            }
            let count = header.count
            // Checked by ObjectHeader: the prefix code is not reserved.
            let prefixSize = header.qualifier.prefixSize ?? 0
            let remaining = view.count - start
            var length = 0
            if header.qualifier.prefixIsSize {
                // A size prefix says how long each object is, whatever the group: stepped over by it.
                guard let walked = walkSizePrefixed(header, from: start, prefixSize: prefixSize, in: bytes, view: view)
                else { return block }
                length = walked
            } else if !carriesData || layout == .some(.none) || count == 0 {
                // Objects named, not carried: only their prefixes (an index list) are on the wire.
                length = count * prefixSize
                block.objectSize = 0
            } else {
                switch layout {
                case nil:
                    fail(.unknownGroupVariation(group: header.group, variation: header.variation, at: offset))
                    return block
                case .fixed(let size):
                    length = count * (prefixSize + size)
                    block.objectSize = size
                case .packed(let bits):
                    guard prefixSize == 0 else {
                        fail(
                            .invalidQualifier(
                                header.qualifier.rawValue,
                                group: header.group,
                                variation: header.variation,
                                at: offset + 2
                            )
                        )
                        return block
                    }
                    length = (count * bits + 7) / 8
                    block.packedBits = bits
                case .sizeFromVariation:
                    length = count * (prefixSize + Int(header.variation))
                    block.objectSize = Int(header.variation)
                case .variable:
                    guard let walked = walkSelfSized(header, from: start, prefixSize: prefixSize, in: bytes, view: view)
                    else { return block }
                    length = walked
                case .some(.none):
                    length = count * prefixSize  // handled above; kept for exhaustiveness
                }
            }
            guard length <= remaining else {
                offset = start
                fail(
                    .objectDataTruncated(
                        group: header.group,
                        variation: header.variation,
                        at: start,
                        needed: length,
                        available: remaining
                    )
                )
                return block
            }
            block.data = start..<(start + length)
            offset = start + length
            if count > limits.maxPointsPerHeader {
                anomalies.insert(.tooManyPoints)
            } else if carriesData && layout != .some(.none) && header.variation != 0 {
                block.pointCount = count
            } else if carriesData && header.qualifier.prefixIsSize {
                block.pointCount = count
            }
            return block
        }

        /// Steps over objects each preceded by a size prefix; the total length, or nil after reporting an error.
        private mutating func walkSizePrefixed(
            _ header: ObjectHeader,
            from start: Int,
            prefixSize: Int,
            in bytes: borrowing Span<UInt8>,
            view: DNP3.FragmentView
        ) -> Int? {
            var position = start
            var index = 0
            // Each object takes at least its prefix, so the loop ends within the fragment's octets.
            while index < header.count {
                guard view.count - position >= prefixSize else {
                    offset = start
                    fail(
                        .objectDataTruncated(
                            group: header.group,
                            variation: header.variation,
                            at: position,
                            needed: prefixSize,
                            available: view.count - position
                        )
                    )
                    return nil
                }
                let size = Int(view.unsignedLittleEndian(at: position, width: prefixSize, in: bytes))
                position += prefixSize
                guard view.count - position >= size else {
                    offset = start
                    fail(
                        .objectDataTruncated(
                            group: header.group,
                            variation: header.variation,
                            at: position,
                            needed: size,
                            available: view.count - position
                        )
                    )
                    return nil
                }
                position += size
                index += 1
            }
            return position - start
        }

        /// Steps over free-format objects that carry their own length (device attributes); the total length, or
        /// nil after reporting an error.
        private mutating func walkSelfSized(
            _ header: ObjectHeader,
            from start: Int,
            prefixSize: Int,
            in bytes: borrowing Span<UInt8>,
            view: DNP3.FragmentView
        ) -> Int? {
            var position = start
            var index = 0
            while index < header.count {
                position += prefixSize
                guard position < view.count else {
                    offset = start
                    fail(
                        .objectDataTruncated(
                            group: header.group,
                            variation: header.variation,
                            at: position,
                            needed: 1,
                            available: 0
                        )
                    )
                    return nil
                }
                guard
                    let size = DNP3.Objects.variableObjectSize(
                        group: header.group,
                        variation: header.variation,
                        at: position,
                        of: view,
                        in: bytes
                    ),
                    size > 0
                else {
                    offset = start
                    fail(
                        .invalidQualifier(
                            header.qualifier.rawValue,
                            group: header.group,
                            variation: header.variation,
                            at: offset + 2
                        )
                    )
                    return nil
                }
                guard view.count - position >= size else {
                    offset = start
                    fail(
                        .objectDataTruncated(
                            group: header.group,
                            variation: header.variation,
                            at: position,
                            needed: size,
                            available: view.count - position
                        )
                    )
                    return nil
                }
                position += size
                index += 1
            }
            return position - start
        }
    }

    /// One object of a block: its prefix, its point index and where its octets lie.
    public struct Point: Hashable, Sendable {
        /// The prefix value (0 without a prefix).
        public var prefix: UInt64
        /// The point index: the index prefix, or the range start plus the object's position.
        public var index: UInt64
        /// The size prefix, for size-prefixed objects.
        public var size: UInt64?
        /// The object's octets after its prefix (empty for packed objects).
        public var object: Range<Int>
        /// For packed objects, the bit offset of this object from the start of the block's data.
        public var bitOffset: Int?
    }

    /// Walks the points of one ``ObjectBlock`` lazily (stepfunc's ranged sequence, without a borrowed lifetime).
    public struct PointCursor: Sendable {
        public let block: ObjectBlock
        private var position: Int
        private var ordinal = 0

        public init(_ block: ObjectBlock) {
            self.block = block
            self.position = block.data.lowerBound
        }

        /// The next point, or nil after the last (or when the octets run out, which the parser has ruled out).
        public mutating func next(in bytes: borrowing Span<UInt8>, view: DNP3.FragmentView) -> Point? {
            guard ordinal < block.pointCount else { return nil }
            let header = block.header
            let base = UInt64(header.start)
            defer { ordinal += 1 }
            if block.packedBits > 0 {
                return Point(
                    prefix: 0,
                    index: base + UInt64(ordinal),
                    size: nil,
                    object: block.data,
                    bitOffset: ordinal * block.packedBits
                )
            }
            let prefixSize = header.qualifier.prefixSize ?? 0
            guard block.data.upperBound - position >= prefixSize else { return nil }
            let prefix = prefixSize > 0 ? view.unsignedLittleEndian(at: position, width: prefixSize, in: bytes) : 0
            position += prefixSize
            let size: Int
            if header.qualifier.prefixIsSize {
                size = Int(prefix)
            } else if let fixed = block.objectSize {
                size = fixed
            } else if let own = DNP3.Objects.variableObjectSize(
                group: header.group,
                variation: header.variation,
                at: position,
                of: view,
                in: bytes
            ) {
                size = own
            } else {
                return nil
            }
            guard size >= 0, block.data.upperBound - position >= size else { return nil }
            let object = position..<(position + size)
            position += size
            return Point(
                prefix: prefix,
                index: header.qualifier.prefixIsIndex ? prefix : base + UInt64(ordinal),
                size: header.qualifier.prefixIsSize ? prefix : nil,
                object: object,
                bitOffset: nil
            )
        }
    }
}

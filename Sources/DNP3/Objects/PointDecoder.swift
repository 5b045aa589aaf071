// SPDX-License-Identifier: Apache-2.0

// The point decoders: one object's octets in, its fields out through a `PointFieldVisitor`, in wire order and with
// the names of Suricata's EVE output (suricata-eve.md §2.4). Groups that table does not list (g0, g13, g31, g33,
// g34, g81, g83, g86, g102, g110-g113, g121, g122, and the g70/g120 variations) are named in the same style.
//
// Nothing here allocates: the visitor receives integers, doubles, and ranges of the view for strings and base64
// data. Every read stays inside the object's range:
// - a fixed-size object shorter than its size gives no fields and `false` (the object parser never hands over such
//   a range; the check is defence in depth);
// - a free-format object (g0, g70, g83v1, g120) shorter than its fixed fields gives no fields and `false`; a string
//   or data field whose length (or offset) from the wire does not lie inside the object is OMITTED, not clamped,
//   together with the fields after it whose position depends on it.

extension DNP3.Objects {
    // MARK: - Free-format object sizes

    /// The size of the free-format object at `offset` of `view` from its own length field, for objects sent
    /// without a size prefix, or nil when the object carries no length of its own (or its length field lies
    /// outside the view).
    ///
    /// - Device attributes (group 0, IEEE 1815-2012 Annex A.1): data type (1), length (1), value: `2 + length`.
    /// - Private registration object (g83v1, Annex A.31): vendor code (4), object id (2), length (2), data:
    ///   `8 + length`.
    ///
    /// The size may exceed the octets left in the view; the caller checks it.
    public static func variableObjectSize(
        group: UInt8,
        variation: UInt8,
        at offset: Int,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>
    ) -> Int? {
        guard offset >= 0, offset < view.count else { return nil }
        let available = view.count - offset
        switch group {
        case 0 where variation != 0:
            guard available >= 2 else { return nil }
            return 2 + Int(view.byte(offset + 1, in: bytes))
        case 83 where variation == 1:
            guard available >= 8 else { return nil }
            return 8 + Int(view.unsignedLittleEndian(at: offset + 6, width: 2, in: bytes))
        default:
            return nil
        }
    }

    // MARK: - Decoding one object

    /// Decodes the one object of `group`/`variation` whose octets are `object` (a range of `view`), calling
    /// `visitor` with its fields in wire order.
    ///
    /// Flags are passed as 0 or 1, times as the raw 48-bit DNP3 time (milliseconds since 1970-01-01 UTC), signed
    /// analog values through `field(_:signed:)`, floating-point values through `field(_:float:)`, strings and
    /// binary data as ranges of `view` (empty ranges included: the writer decides whether to omit them).
    ///
    /// Packed objects (g1v1, g3v1, g10v1, g12v3, g80v1) are decoded per point by
    /// ``decodePackedPoint(group:variation:bitOffset:data:of:in:into:)``; class objects, data sets and obsolete
    /// groups have no decoder.
    ///
    /// - Returns: false when the group/variation has no decoder, or when `object` is too short for the object's
    ///   fixed fields (then no field was passed to `visitor`).
    public static func decodePoint<V: PointFieldVisitor>(
        group: UInt8,
        variation: UInt8,
        object: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>,
        into visitor: inout V
    ) -> Bool {
        guard object.lowerBound >= 0, object.upperBound <= view.count else { return false }
        switch group {
        case 0:
            return decodeDeviceAttribute(variation: variation, object, view, bytes, &visitor)
        case 1, 2, 3, 4, 10, 11, 13:
            return decodeBinary(group: group, variation: variation, object, view, bytes, &visitor)
        case 12:
            return decodeControlBlock(variation: variation, object, view, bytes, &visitor)
        case 20, 21, 22, 23:
            return decodeCounter(group: group, variation: variation, object, view, bytes, &visitor)
        case 30, 31, 32, 33, 34, 40, 41, 42, 43:
            return decodeAnalog(group: group, variation: variation, object, view, bytes, &visitor)
        case 50, 51, 52:
            return decodeTime(group: group, variation: variation, object, view, bytes, &visitor)
        case 70:
            return decodeFileControl(variation: variation, object, view, bytes, &visitor)
        case 81, 83, 86, 102, 121, 122:
            return decodeOther(group: group, variation: variation, object, view, bytes, &visitor)
        case 110, 111, 112, 113:
            // Annex A.41-A.44: the object is an octet string as long as the variation number.
            guard variation != 0 else { return false }
            visitor.field("value", string: object, of: view, in: bytes)
            return true
        case 120:
            return decodeAuthentication(variation: variation, object, view, bytes, &visitor)
        default:
            return false
        }
    }

    /// Decodes one point of a packed object: `bitOffset` bits from the start of `data`, the octets that hold
    /// the whole header's packed points (least significant bit first, IEEE 1815-2012 §4.4 and Annex A).
    ///
    /// g1v1, g10v1 and g80v1 give `state` (one bit), g3v1 gives `state` (two bits, 0-3), g12v3 (pattern mask)
    /// gives `point`.
    ///
    /// - Returns: false when the group/variation is not packed or the bit lies outside `data`.
    public static func decodePackedPoint<V: PointFieldVisitor>(
        group: UInt8,
        variation: UInt8,
        bitOffset: Int,
        data: Range<Int>,
        of view: DNP3.FragmentView,
        in bytes: borrowing Span<UInt8>,
        into visitor: inout V
    ) -> Bool {
        let mask: UInt8
        let name: StaticString
        switch (group, variation) {
        case (1, 1), (10, 1), (80, 1):
            mask = 1
            name = "state"
        case (3, 1):
            mask = 3
            name = "state"
        case (12, 3):
            mask = 1
            name = "point"
        default:
            return false
        }
        guard bitOffset >= 0, data.lowerBound >= 0, data.upperBound <= view.count, bitOffset >> 3 < data.count
        else { return false }
        // Two-bit points start at even bit offsets, so a point never straddles two octets.
        let octet = view.byte(data.lowerBound + (bitOffset >> 3), in: bytes)
        visitor.field(name, UInt64(octet >> UInt8(bitOffset & 7) & mask))
        return true
    }
}

// MARK: - Reading inside one object

/// A read position inside one object whose size was checked before the reads: the reads themselves do not check.
private struct FixedReader {
    let view: DNP3.FragmentView
    var position: Int

    @inline(__always)
    mutating func unsigned(_ width: Int, _ bytes: borrowing Span<UInt8>) -> UInt64 {
        defer { position += width }
        return view.unsignedLittleEndian(at: position, width: width, in: bytes)
    }

    @inline(__always)
    mutating func signed(_ width: Int, _ bytes: borrowing Span<UInt8>) -> Int64 {
        defer { position += width }
        return view.signedLittleEndian(at: position, width: width, in: bytes)
    }

    @inline(__always)
    mutating func float32(_ bytes: borrowing Span<UInt8>) -> Double {
        Double(Float(bitPattern: UInt32(truncatingIfNeeded: unsigned(4, bytes))))
    }

    @inline(__always)
    mutating func float64(_ bytes: borrowing Span<UInt8>) -> Double {
        Double(bitPattern: unsigned(8, bytes))
    }

    /// The DNP3 time (IEEE 1815-2012 §11.9.2): 48-bit milliseconds since 1970-01-01 UTC.
    @inline(__always)
    mutating func time(_ bytes: borrowing Span<UInt8>) -> UInt64 { unsigned(6, bytes) }
}

/// The reader at the start of `object` when `object` holds at least `size` octets.
@inline(__always)
private func fixedReader(_ object: Range<Int>, size: Int, _ view: DNP3.FragmentView) -> FixedReader? {
    object.count >= size ? FixedReader(view: view, position: object.lowerBound) : nil
}

/// The `count` octets at `position` when they lie inside `bounds`, else nil.
@inline(__always)
private func slice(_ position: Int, count: Int, within bounds: Range<Int>) -> Range<Int>? {
    guard count >= 0, position >= bounds.lowerBound, position <= bounds.upperBound,
        bounds.upperBound - position >= count
    else { return nil }
    return position..<(position + count)
}

// MARK: - Flag octets

extension DNP3.Objects {
    /// Bits 0-4 of every flag octet (F5): ONLINE, RESTART, COMM_LOST, REMOTE_FORCED, LOCAL_FORCED.
    @inline(__always)
    fileprivate static func commonFlags<V: PointFieldVisitor>(_ octet: UInt64, _ visitor: inout V) {
        visitor.field("online", octet & 1)
        visitor.field("restart", octet >> 1 & 1)
        visitor.field("comm_lost", octet >> 2 & 1)
        visitor.field("remote_forced", octet >> 3 & 1)
        visitor.field("local_forced", octet >> 4 & 1)
    }

    /// F5 and bits 5, 6 and 7 under the names the group uses.
    @inline(__always)
    fileprivate static func flags<V: PointFieldVisitor>(
        _ octet: UInt64,
        _ bit5: StaticString,
        _ bit6: StaticString,
        _ bit7: StaticString,
        _ visitor: inout V
    ) {
        commonFlags(octet, &visitor)
        visitor.field(bit5, octet >> 5 & 1)
        visitor.field(bit6, octet >> 6 & 1)
        visitor.field(bit7, octet >> 7 & 1)
    }
}

// MARK: - Binary inputs and outputs (Annex A.2-A.9)

extension DNP3.Objects {
    /// Binary inputs (g1, g2; Annex A.2, A.3), double-bit inputs (g3, g4; A.4, A.5), binary outputs (g10, g11;
    /// A.6, A.7) and binary output command events (g13; A.9).
    fileprivate static func decodeBinary<V: PointFieldVisitor>(
        group: UInt8,
        variation: UInt8,
        _ object: Range<Int>,
        _ view: DNP3.FragmentView,
        _ bytes: borrowing Span<UInt8>,
        _ visitor: inout V
    ) -> Bool {
        switch (group, variation) {
        case (1, 2), (2, 2), (2, 3):
            // Flags: F5, CHATTER_FILTER (5), reserved (6), STATE (7); then a 48-bit or a 16-bit relative time.
            let size = variation == 2 ? (group == 1 ? 1 : 7) : 3
            guard var reader = fixedReader(object, size: size, view) else { return false }
            flags(reader.unsigned(1, bytes), "chatter_filter", "reserved", "state", &visitor)
            if group == 2 && variation == 2 { visitor.field("timestamp", reader.time(bytes)) }
            if group == 2 && variation == 3 { visitor.field("timestamp", reader.unsigned(2, bytes)) }
        case (2, 1):
            // Suricata reads the whole flag octet into `state` (suricata-eve.md §2.4); so does this decoder.
            guard var reader = fixedReader(object, size: 1, view) else { return false }
            visitor.field("state", reader.unsigned(1, bytes))
        case (3, 2), (4, 1), (4, 2), (4, 3):
            // Flags: F5, CHATTER_FILTER (5), STATE (6-7, the double-bit state 0-3).
            let size = group == 4 && variation == 2 ? 7 : (group == 4 && variation == 3 ? 3 : 1)
            guard var reader = fixedReader(object, size: size, view) else { return false }
            let octet = reader.unsigned(1, bytes)
            commonFlags(octet, &visitor)
            visitor.field("chatter_filter", octet >> 5 & 1)
            visitor.field("state", octet >> 6 & 3)
            if group == 4 && variation == 2 { visitor.field("timestamp", reader.time(bytes)) }
            if group == 4 && variation == 3 { visitor.field("relative_time_ms", reader.unsigned(2, bytes)) }
        case (10, 2), (11, 1), (11, 2):
            // Flags: F5, reserved (5, 6), STATE (7).
            guard var reader = fixedReader(object, size: group == 11 && variation == 2 ? 7 : 1, view) else {
                return false
            }
            flags(reader.unsigned(1, bytes), "reserved0", "reserved1", "state", &visitor)
            if group == 11 && variation == 2 { visitor.field("timestamp", reader.time(bytes)) }
        case (13, 1), (13, 2):
            // Status octet: command status (0-6), commanded state (7).
            guard var reader = fixedReader(object, size: variation == 2 ? 7 : 1, view) else { return false }
            let octet = reader.unsigned(1, bytes)
            visitor.field("status_code", octet & 0x7F)
            visitor.field("commanded_state", octet >> 7)
            if variation == 2 { visitor.field("timestamp", reader.time(bytes)) }
        default:
            return false
        }
        return true
    }

    /// The control relay output block (g12v1) and pattern control block (g12v2), Annex A.8.1 and A.8.2.
    ///
    /// ```
    /// +--------------+-------+-----------+-----------+--------+
    /// | control code | count |  on-time  | off-time  | status |
    /// |      1       |   1   | 4 (ms, LE)| 4 (ms, LE)|   1    |
    /// +--------------+-------+-----------+-----------+--------+
    /// control code: op type (0-3), QU (4), CR (5), TCC (6-7); status: code (0-6), reserved (7)
    /// ```
    fileprivate static func decodeControlBlock<V: PointFieldVisitor>(
        variation: UInt8,
        _ object: Range<Int>,
        _ view: DNP3.FragmentView,
        _ bytes: borrowing Span<UInt8>,
        _ visitor: inout V
    ) -> Bool {
        guard variation == 1 || variation == 2, var reader = fixedReader(object, size: 11, view) else { return false }
        let code = reader.unsigned(1, bytes)
        visitor.field("op_type", code & 0x0F)
        visitor.field("qu", code >> 4 & 1)
        visitor.field("cr", code >> 5 & 1)
        visitor.field("tcc", code >> 6)
        visitor.field("count", reader.unsigned(1, bytes))
        visitor.field("ontime", reader.unsigned(4, bytes))
        visitor.field("offtime", reader.unsigned(4, bytes))
        let status = reader.unsigned(1, bytes)
        visitor.field("status_code", status & 0x7F)
        visitor.field("reserved", status >> 7)
        return true
    }
}

// MARK: - Counters (Annex A.10-A.13)

extension DNP3.Objects {
    /// How Suricata names flag bits 5-7 of a counter object: the names differ by variation, and some of them
    /// (g22v5, g23v2) do not follow the delta/non-delta split of Annex A; they are kept as Suricata writes them.
    private enum CounterFlags {
        case rolloverDiscontinuity  // ROLLOVER, DISCONTINUITY, reserved0
        case rolloverReserved  // ROLLOVER, reserved0, reserved1
        case rolloverDiscontinuityReserved1  // ROLLOVER, DISCONTINUITY, reserved1 (g21v5, g21v6)
    }

    /// Counters (g20), frozen counters (g21), counter events (g22) and frozen counter events (g23): optional
    /// flags, a 32-bit (odd variations) or 16-bit (even variations) unsigned count, an optional 48-bit time.
    fileprivate static func decodeCounter<V: PointFieldVisitor>(
        group: UInt8,
        variation: UInt8,
        _ object: Range<Int>,
        _ view: DNP3.FragmentView,
        _ bytes: borrowing Span<UInt8>,
        _ visitor: inout V
    ) -> Bool {
        var names: CounterFlags? = nil
        var timed = false
        switch (group, variation) {
        case (20, 1), (20, 2), (21, 1), (21, 2), (22, 1), (22, 2), (23, 1):
            names = .rolloverDiscontinuity
        case (20, 3), (20, 4), (21, 3), (21, 4), (22, 3), (22, 4), (23, 2), (23, 3), (23, 4):
            names = .rolloverReserved
        case (21, 5), (21, 6):
            names = .rolloverDiscontinuityReserved1
            timed = true
        case (22, 6), (23, 5), (23, 6):
            names = .rolloverDiscontinuity
            timed = true
        case (21, 7), (21, 8), (22, 5), (22, 7), (22, 8), (23, 7), (23, 8):
            names = .rolloverReserved
            timed = true
        case (20, 5...8), (21, 9...12):
            break
        default:
            return false
        }
        let width = variation & 1 == 1 ? 4 : 2
        let size = (names == nil ? 0 : 1) + width + (timed ? 6 : 0)
        guard var reader = fixedReader(object, size: size, view) else { return false }
        if let names {
            let octet = reader.unsigned(1, bytes)
            switch names {
            case .rolloverDiscontinuity: flags(octet, "rollover", "discontinuity", "reserved0", &visitor)
            case .rolloverReserved: flags(octet, "rollover", "reserved0", "reserved1", &visitor)
            case .rolloverDiscontinuityReserved1: flags(octet, "rollover", "discontinuity", "reserved1", &visitor)
            }
        }
        visitor.field("count", reader.unsigned(width, bytes))
        if timed { visitor.field("timestamp", reader.time(bytes)) }
        return true
    }
}

// MARK: - Analog inputs and outputs (Annex A.14-A.22)

extension DNP3.Objects {
    private enum AnalogValue {
        case int16, int32, float32, float64

        var size: Int {
            switch self {
            case .int16: 2
            case .int32, .float32: 4
            case .float64: 8
            }
        }
    }

    /// Analog inputs (g30, g31, g32, g33), deadbands (g34), analog output status (g40), analog output blocks
    /// (g41), analog output events (g42) and analog output command events (g43).
    fileprivate static func decodeAnalog<V: PointFieldVisitor>(
        group: UInt8,
        variation: UInt8,
        _ object: Range<Int>,
        _ view: DNP3.FragmentView,
        _ bytes: borrowing Span<UInt8>,
        _ visitor: inout V
    ) -> Bool {
        // The shape of the object: a leading octet (flags, or a command status), the value, a trailer.
        // Odd variations carry the wider value (32-bit integer, single precision), even ones the narrower (16-bit,
        // double precision); the group says which variations are integers.
        var flagged = true
        var timed = false
        var integer = variation <= 4
        switch (group, variation) {
        case (30, 1...6):
            flagged = variation != 3 && variation != 4
        case (31, 1...8):
            integer = variation <= 6
            flagged = variation != 5 && variation != 6
            timed = variation == 3 || variation == 4
        case (32, 1...8), (33, 1...8), (42, 1...8), (43, 1...8):
            timed = variation == 3 || variation == 4 || variation >= 7
        case (34, 1...3):
            // Deadbands are unsigned (g34v1, g34v2) or a float (g34v3), with no flags.
            guard var reader = fixedReader(object, size: variation == 1 ? 2 : 4, view) else { return false }
            if variation == 3 {
                visitor.field("deadband_value", float: reader.float32(bytes))
            } else {
                visitor.field("deadband_value", reader.unsigned(variation == 1 ? 2 : 4, bytes))
            }
            return true
        case (40, 1...4), (41, 1...4):
            integer = variation <= 2
            flagged = group == 40
        default:
            return false
        }
        let wide = variation & 1 == 1
        let value: AnalogValue = integer ? (wide ? .int32 : .int16) : (wide ? .float32 : .float64)
        let trailer = group == 41 ? 1 : (timed ? 6 : 0)
        guard var reader = fixedReader(object, size: (flagged ? 1 : 0) + value.size + trailer, view) else {
            return false
        }
        var name: StaticString = "value"
        if flagged {
            let octet = reader.unsigned(1, bytes)
            if group == 43 {
                visitor.field("status_code", octet & 0x7F)
                visitor.field("reserved0", octet >> 7)
                name = "commanded_value"
            } else {
                flags(octet, "over_range", "reference_err", "reserved0", &visitor)
            }
        }
        switch value {
        case .int16: visitor.field(name, signed: reader.signed(2, bytes))
        case .int32: visitor.field(name, signed: reader.signed(4, bytes))
        case .float32: visitor.field(name, float: reader.float32(bytes))
        case .float64: visitor.field(name, float: reader.float64(bytes))
        }
        if group == 41 { visitor.field("control_status", reader.unsigned(1, bytes)) }
        if timed { visitor.field("timestamp", reader.time(bytes)) }
        return true
    }
}

// MARK: - Times (Annex A.23-A.25)

extension DNP3.Objects {
    /// Time and date (g50), common time-of-occurrence (g51) and time delays (g52).
    fileprivate static func decodeTime<V: PointFieldVisitor>(
        group: UInt8,
        variation: UInt8,
        _ object: Range<Int>,
        _ view: DNP3.FragmentView,
        _ bytes: borrowing Span<UInt8>,
        _ visitor: inout V
    ) -> Bool {
        switch (group, variation) {
        case (50, 1), (50, 3), (51, 1), (51, 2):
            guard var reader = fixedReader(object, size: 6, view) else { return false }
            visitor.field("timestamp", reader.time(bytes))
        case (50, 2):
            // Absolute time and a 32-bit interval in milliseconds.
            guard var reader = fixedReader(object, size: 10, view) else { return false }
            visitor.field("timestamp", reader.time(bytes))
            visitor.field("interval", reader.unsigned(4, bytes))
        case (50, 4):
            // Absolute time, a 32-bit interval count and the interval units code.
            guard var reader = fixedReader(object, size: 11, view) else { return false }
            visitor.field("timestamp", reader.time(bytes))
            visitor.field("interval_count", reader.unsigned(4, bytes))
            visitor.field("interval_units", reader.unsigned(1, bytes))
        case (52, 1), (52, 2):
            guard var reader = fixedReader(object, size: 2, view) else { return false }
            visitor.field(variation == 1 ? "delay_secs" : "delay_ms", reader.unsigned(2, bytes))
        default:
            return false
        }
        return true
    }
}

// MARK: - Other fixed-size objects

extension DNP3.Objects {
    /// Device storage (g81v1, Annex A.29), the private registration object (g83v1, A.31), data set descriptor
    /// characteristics (g86v2, A.33), unsigned integers (g102v1, A.40) and security statistics (g121, g122;
    /// A.46, A.47).
    fileprivate static func decodeOther<V: PointFieldVisitor>(
        group: UInt8,
        variation: UInt8,
        _ object: Range<Int>,
        _ view: DNP3.FragmentView,
        _ bytes: borrowing Span<UInt8>,
        _ visitor: inout V
    ) -> Bool {
        switch (group, variation) {
        case (81, 1):
            // Fill percentage (0-6), overflow (7), then the group and variation of the stored objects.
            guard var reader = fixedReader(object, size: 3, view) else { return false }
            let octet = reader.unsigned(1, bytes)
            visitor.field("fill_percentage", octet & 0x7F)
            visitor.field("overflow_state", octet >> 7)
            visitor.field("group", reader.unsigned(1, bytes))
            visitor.field("variation", reader.unsigned(1, bytes))
        case (83, 1):
            // Vendor code (4 characters), object identifier, length, then `length` octets of vendor data.
            guard var reader = fixedReader(object, size: 8, view) else { return false }
            let start = object.lowerBound
            visitor.field("data->vendor_code", string: start..<(start + 4), of: view, in: bytes)
            reader.position += 4
            visitor.field("object_id", reader.unsigned(2, bytes))
            let length = reader.unsigned(2, bytes)
            visitor.field("length", length)
            if let data = slice(reader.position, count: Int(length), within: object) {
                visitor.field("data->data_objects", base64: data, of: view, in: bytes)
            }
        case (86, 2):
            // Characteristics: RD, WR, ST, EV, DF (bits 0-4), padding (5-7).
            guard var reader = fixedReader(object, size: 1, view) else { return false }
            let octet = reader.unsigned(1, bytes)
            visitor.field("rd", octet & 1)
            visitor.field("wr", octet >> 1 & 1)
            visitor.field("st", octet >> 2 & 1)
            visitor.field("ev", octet >> 3 & 1)
            visitor.field("df", octet >> 4 & 1)
            visitor.field("padding0", octet >> 5 & 1)
            visitor.field("padding1", octet >> 6 & 1)
            visitor.field("padding2", octet >> 7 & 1)
        case (102, 1):
            guard var reader = fixedReader(object, size: 1, view) else { return false }
            visitor.field("value", reader.unsigned(1, bytes))
        case (121, 1), (122, 1), (122, 2):
            // Flags: F5, reserved (5), DISCONTINUITY (6), reserved (7); association, 32-bit count, time.
            let timed = group == 122 && variation == 2
            guard var reader = fixedReader(object, size: timed ? 13 : 7, view) else { return false }
            flags(reader.unsigned(1, bytes), "reserved0", "discontinuity", "reserved1", &visitor)
            visitor.field("association_id", reader.unsigned(2, bytes))
            visitor.field("count_value", reader.unsigned(4, bytes))
            if timed { visitor.field("timestamp", reader.time(bytes)) }
        default:
            return false
        }
        return true
    }
}

// MARK: - Device attributes (Annex A.1)

extension DNP3.Objects {
    /// A device attribute (group 0): data type code, length, then `length` octets of value.
    ///
    /// ```
    /// +-----------+--------+------------------+
    /// | data type | length |      value       |
    /// |     1     |   1    |  length octets   |
    /// +-----------+--------+------------------+
    /// ```
    ///
    /// The value is written as unsigned for UINT (2) and DNP3 TIME (7), signed for INT (3), a float for FLT (4)
    /// of 4 or 8 octets, and as a string for VSTR (1), OSTR (5), BSTR (6), the attribute lists (254, 255) and any
    /// other code or width. A value that does not fit inside the object is omitted.
    fileprivate static func decodeDeviceAttribute<V: PointFieldVisitor>(
        variation: UInt8,
        _ object: Range<Int>,
        _ view: DNP3.FragmentView,
        _ bytes: borrowing Span<UInt8>,
        _ visitor: inout V
    ) -> Bool {
        guard variation != 0, var reader = fixedReader(object, size: 2, view) else { return false }
        let dataType = reader.unsigned(1, bytes)
        let length = Int(reader.unsigned(1, bytes))
        visitor.field("data_type", dataType)
        visitor.field("length", UInt64(length))
        guard let value = slice(reader.position, count: length, within: object) else { return true }
        switch (dataType, length) {
        case (2, 1...8), (7, 1...8):
            visitor.field("value", reader.unsigned(length, bytes))
        case (3, 1...8):
            visitor.field("value", signed: reader.signed(length, bytes))
        case (4, 4):
            visitor.field("value", float: reader.float32(bytes))
        case (4, 8):
            visitor.field("value", float: reader.float64(bytes))
        default:
            visitor.field("value", string: value, of: view, in: bytes)
        }
        return true
    }
}

// MARK: - File-control (Annex A.27)

extension DNP3.Objects {
    /// File-control objects (group 70).
    ///
    /// Strings located by an offset from the start of the object (g70v2, g70v3, g70v7) are read where the offset
    /// says; one whose offset and size do not lie after the fixed fields and inside the object is omitted. Strings
    /// that run to the end of the object (g70v4, v5, v6, v8) are the octets after the fixed fields.
    fileprivate static func decodeFileControl<V: PointFieldVisitor>(
        variation: UInt8,
        _ object: Range<Int>,
        _ view: DNP3.FragmentView,
        _ bytes: borrowing Span<UInt8>,
        _ visitor: inout V
    ) -> Bool {
        switch variation {
        case 1:
            // File identifier (superseded by v3-v7): 34 octets of fixed fields, the file name, the data size and
            // the data, one after the other.
            guard var reader = fixedReader(object, size: 34, view) else { return false }
            let filenameSize = reader.unsigned(2, bytes)
            visitor.field("filename_size", filenameSize)
            visitor.field("filetype_code", reader.unsigned(1, bytes))
            visitor.field("attribute_code", reader.unsigned(1, bytes))
            visitor.field("start_record", reader.unsigned(2, bytes))
            visitor.field("end_record", reader.unsigned(2, bytes))
            visitor.field("file_size", reader.unsigned(4, bytes))
            visitor.field("created_timestamp", reader.time(bytes))
            visitor.field("permission", reader.unsigned(2, bytes))
            visitor.field("file_id", reader.unsigned(4, bytes))
            visitor.field("owner_id", reader.unsigned(4, bytes))
            visitor.field("group_id", reader.unsigned(4, bytes))
            visitor.field("file_function_code", reader.unsigned(1, bytes))
            visitor.field("status_code", reader.unsigned(1, bytes))
            guard let filename = slice(reader.position, count: Int(filenameSize), within: object) else { return true }
            visitor.field("filename", string: filename, of: view, in: bytes)
            reader.position = filename.upperBound
            guard slice(reader.position, count: 2, within: object) != nil else { return true }
            let dataSize = reader.unsigned(2, bytes)
            visitor.field("data_size", dataSize)
            if let data = slice(reader.position, count: Int(dataSize), within: object) {
                visitor.field("data", string: data, of: view, in: bytes)
            }
        case 2:
            // Authentication: user name and password, each located by offset and size.
            guard var reader = fixedReader(object, size: 12, view) else { return false }
            let usernameOffset = reader.unsigned(2, bytes)
            let usernameSize = reader.unsigned(2, bytes)
            let passwordOffset = reader.unsigned(2, bytes)
            let passwordSize = reader.unsigned(2, bytes)
            visitor.field("username_offset", usernameOffset)
            visitor.field("username_size", usernameSize)
            visitor.field("password_offset", passwordOffset)
            visitor.field("password_size", passwordSize)
            visitor.field("authentication_key", reader.unsigned(4, bytes))
            let strings = (object.lowerBound + 12)..<object.upperBound
            let start = object.lowerBound
            if let username = slice(start + Int(usernameOffset), count: Int(usernameSize), within: strings) {
                visitor.field("username", string: username, of: view, in: bytes)
            }
            if let password = slice(start + Int(passwordOffset), count: Int(passwordSize), within: strings) {
                visitor.field("password", string: password, of: view, in: bytes)
            }
        case 3:
            // File command: open, delete.
            guard var reader = fixedReader(object, size: 26, view) else { return false }
            let filenameOffset = reader.unsigned(2, bytes)
            let filenameSize = reader.unsigned(2, bytes)
            visitor.field("filename_offset", filenameOffset)
            visitor.field("filename_size", filenameSize)
            visitor.field("created", reader.time(bytes))
            visitor.field("permissions", reader.unsigned(2, bytes))
            visitor.field("authentication_key", reader.unsigned(4, bytes))
            visitor.field("file_size", reader.unsigned(4, bytes))
            visitor.field("operational_mode", reader.unsigned(2, bytes))
            visitor.field("maximum_block_size", reader.unsigned(2, bytes))
            visitor.field("request_id", reader.unsigned(2, bytes))
            let strings = (object.lowerBound + 26)..<object.upperBound
            if let filename = slice(object.lowerBound + Int(filenameOffset), count: Int(filenameSize), within: strings)
            {
                visitor.field("filename", string: filename, of: view, in: bytes)
            }
        case 4:
            // File command status: the outstation's answer to open, close, delete or abort; optional text.
            guard var reader = fixedReader(object, size: 13, view) else { return false }
            visitor.field("file_handle", reader.unsigned(4, bytes))
            visitor.field("file_size", reader.unsigned(4, bytes))
            visitor.field("maximum_block_size", reader.unsigned(2, bytes))
            visitor.field("request_id", reader.unsigned(2, bytes))
            visitor.field("status_code", reader.unsigned(1, bytes))
            visitor.field("optional_text", string: reader.position..<object.upperBound, of: view, in: bytes)
        case 5:
            // File transport: one block of file data (the block number's top bit marks the last block).
            guard var reader = fixedReader(object, size: 8, view) else { return false }
            visitor.field("file_handle", reader.unsigned(4, bytes))
            visitor.field("block_number", reader.unsigned(4, bytes))
            visitor.field("file_data", string: reader.position..<object.upperBound, of: view, in: bytes)
        case 6:
            // File transport status.
            guard var reader = fixedReader(object, size: 9, view) else { return false }
            visitor.field("file_handle", reader.unsigned(4, bytes))
            visitor.field("block_number", reader.unsigned(4, bytes))
            visitor.field("status_code", reader.unsigned(1, bytes))
            visitor.field("optional_text", string: reader.position..<object.upperBound, of: view, in: bytes)
        case 7:
            // File descriptor: one directory entry or the answer to get file information.
            guard var reader = fixedReader(object, size: 20, view) else { return false }
            let filenameOffset = reader.unsigned(2, bytes)
            let filenameSize = reader.unsigned(2, bytes)
            visitor.field("filename_offset", filenameOffset)
            visitor.field("filename_size", filenameSize)
            visitor.field("file_type", reader.unsigned(2, bytes))
            visitor.field("file_size", reader.unsigned(4, bytes))
            visitor.field("created_timestamp", reader.time(bytes))
            visitor.field("permissions", reader.unsigned(2, bytes))
            visitor.field("request_id", reader.unsigned(2, bytes))
            let strings = (object.lowerBound + 20)..<object.upperBound
            if let filename = slice(object.lowerBound + Int(filenameOffset), count: Int(filenameSize), within: strings)
            {
                visitor.field("filename", string: filename, of: view, in: bytes)
            }
        case 8:
            // File specification string: the whole object.
            visitor.field("file_specification", string: object, of: view, in: bytes)
        default:
            return false
        }
        return true
    }
}

// MARK: - Secure authentication (Annex A.45)

extension DNP3.Objects {
    /// Secure authentication objects (group 120, SAv5).
    ///
    /// Fields with a length of their own are read one after the other; one that does not fit inside the object is
    /// omitted together with the fields after it. Fields that run to the end of the object take the octets after the
    /// fixed fields.
    fileprivate static func decodeAuthentication<V: PointFieldVisitor>(
        variation: UInt8,
        _ object: Range<Int>,
        _ view: DNP3.FragmentView,
        _ bytes: borrowing Span<UInt8>,
        _ visitor: inout V
    ) -> Bool {
        switch variation {
        case 1:
            // Challenge: sequence number, user, MAC algorithm, reason, challenge data.
            guard var reader = fixedReader(object, size: 8, view) else { return false }
            visitor.field("csq", reader.unsigned(4, bytes))
            visitor.field("usr", reader.unsigned(2, bytes))
            visitor.field("mal", reader.unsigned(1, bytes))
            visitor.field("reason", reader.unsigned(1, bytes))
            visitor.field("data->challenge_data", base64: reader.position..<object.upperBound, of: view, in: bytes)
        case 2:
            // Reply: sequence number, user, MAC value.
            guard var reader = fixedReader(object, size: 6, view) else { return false }
            visitor.field("csq", reader.unsigned(4, bytes))
            visitor.field("usr", reader.unsigned(2, bytes))
            visitor.field("data->mac_value", base64: reader.position..<object.upperBound, of: view, in: bytes)
        case 3:
            // Aggressive mode request.
            guard var reader = fixedReader(object, size: 6, view) else { return false }
            visitor.field("csq", reader.unsigned(4, bytes))
            visitor.field("user_number", reader.unsigned(2, bytes))
        case 4:
            // Session key status request.
            guard var reader = fixedReader(object, size: 2, view) else { return false }
            visitor.field("user_number", reader.unsigned(2, bytes))
        case 5:
            // Session key status: key change sequence number, user, algorithms, status, challenge data, MAC.
            guard var reader = fixedReader(object, size: 11, view) else { return false }
            visitor.field("ksq", reader.unsigned(4, bytes))
            visitor.field("user_number", reader.unsigned(2, bytes))
            visitor.field("key_wrap_alg", reader.unsigned(1, bytes))
            visitor.field("key_status", reader.unsigned(1, bytes))
            visitor.field("mal", reader.unsigned(1, bytes))
            let challengeLength = reader.unsigned(2, bytes)
            visitor.field("challenge_data_len", challengeLength)
            guard let challenge = slice(reader.position, count: Int(challengeLength), within: object) else {
                return true
            }
            visitor.field("data->challenge_data", base64: challenge, of: view, in: bytes)
            visitor.field("data->mac_value", base64: challenge.upperBound..<object.upperBound, of: view, in: bytes)
        case 6:
            // Session key change: key change sequence number, user, wrapped key data.
            guard var reader = fixedReader(object, size: 6, view) else { return false }
            visitor.field("ksq", reader.unsigned(4, bytes))
            visitor.field("usr", reader.unsigned(2, bytes))
            visitor.field("data->wrapped_key_data", base64: reader.position..<object.upperBound, of: view, in: bytes)
        case 7:
            // Error: sequence number, user, association, error code, time of error, error text.
            guard var reader = fixedReader(object, size: 15, view) else { return false }
            visitor.field("sequence_number", reader.unsigned(4, bytes))
            visitor.field("usr", reader.unsigned(2, bytes))
            visitor.field("association_id", reader.unsigned(2, bytes))
            visitor.field("error_code", reader.unsigned(1, bytes))
            visitor.field("time_of_error", reader.time(bytes))
            visitor.field("error_text", string: reader.position..<object.upperBound, of: view, in: bytes)
        case 8:
            // User certificate.
            guard var reader = fixedReader(object, size: 2, view) else { return false }
            visitor.field("key_change_method", reader.unsigned(1, bytes))
            visitor.field("certificate_type", reader.unsigned(1, bytes))
            visitor.field("data->certificate", base64: reader.position..<object.upperBound, of: view, in: bytes)
        case 9:
            // MAC: the whole object.
            visitor.field("data->mac_value", base64: object, of: view, in: bytes)
        case 10:
            // User status change: three lengths, then user name, user public key and certification data.
            guard var reader = fixedReader(object, size: 16, view) else { return false }
            visitor.field("key_change_method", reader.unsigned(1, bytes))
            visitor.field("operation", reader.unsigned(1, bytes))
            visitor.field("scs", reader.unsigned(4, bytes))
            visitor.field("user_role", reader.unsigned(2, bytes))
            visitor.field("user_role_expiry_interval", reader.unsigned(2, bytes))
            let usernameLength = reader.unsigned(2, bytes)
            let keyLength = reader.unsigned(2, bytes)
            let certificationLength = reader.unsigned(2, bytes)
            visitor.field("username_len", usernameLength)
            visitor.field("user_public_key_len", keyLength)
            visitor.field("certification_data_len", certificationLength)
            guard let username = slice(reader.position, count: Int(usernameLength), within: object) else {
                return true
            }
            visitor.field("username", string: username, of: view, in: bytes)
            guard let key = slice(username.upperBound, count: Int(keyLength), within: object) else { return true }
            visitor.field("data->user_public_key", base64: key, of: view, in: bytes)
            if let certification = slice(key.upperBound, count: Int(certificationLength), within: object) {
                visitor.field("data->certification_data", base64: certification, of: view, in: bytes)
            }
        case 11:
            // Update key change request: two lengths, then user name and master challenge data.
            guard var reader = fixedReader(object, size: 5, view) else { return false }
            visitor.field("key_change_method", reader.unsigned(1, bytes))
            let usernameLength = reader.unsigned(2, bytes)
            let challengeLength = reader.unsigned(2, bytes)
            visitor.field("username_len", usernameLength)
            visitor.field("master_challenge_data_len", challengeLength)
            guard let username = slice(reader.position, count: Int(usernameLength), within: object) else {
                return true
            }
            visitor.field("username", string: username, of: view, in: bytes)
            if let challenge = slice(username.upperBound, count: Int(challengeLength), within: object) {
                visitor.field("data->master_challenge_data", base64: challenge, of: view, in: bytes)
            }
        case 12, 13:
            // Update key change reply (challenge data) and update key change (encrypted update key).
            guard var reader = fixedReader(object, size: 8, view) else { return false }
            visitor.field("ksq", reader.unsigned(4, bytes))
            visitor.field("user_number", reader.unsigned(2, bytes))
            let length = reader.unsigned(2, bytes)
            visitor.field(variation == 12 ? "challenge_data_len" : "encrypted_update_key_len", length)
            if let data = slice(reader.position, count: Int(length), within: object) {
                let name: StaticString =
                    variation == 12 ? "data->challenge_data" : "data->encrypted_update_key_data"
                visitor.field(name, base64: data, of: view, in: bytes)
            }
        case 14:
            // Update key change signature: the whole object.
            visitor.field("data->digital_signature", base64: object, of: view, in: bytes)
        case 15:
            // Update key change confirmation: the whole object is a MAC.
            visitor.field("data->mac", base64: object, of: view, in: bytes)
        default:
            return false
        }
        return true
    }
}

extension DNP3.Objects {
    /// Whether ``decodePoint(group:variation:object:of:in:into:)`` decodes objects of this group and variation at all
    /// (asked of an all-zero object long enough for any fixed fields). Writers list points only for such groups, as
    /// Suricata does; an object of such a group that does not decode is cut short, and reported.
    public static func hasPointDecoder(group: UInt8, variation: UInt8) -> Bool {
        var discard = DiscardFields()
        return decodePoint(
            group: group,
            variation: variation,
            object: 0..<zeros.count,
            of: .contiguous(count: zeros.count),
            in: zeros.span,
            into: &discard
        )
    }

    /// The minimum object every decoder's fixed fields fit in, with room to spare.
    private static let zeros = [UInt8](repeating: 0, count: 512)

    private struct DiscardFields: PointFieldVisitor {
        mutating func field(_ name: StaticString, _ value: UInt64) {}
        mutating func field(_ name: StaticString, signed value: Int64) {}
        mutating func field(_ name: StaticString, float value: Double) {}
        mutating func field(
            _ name: StaticString,
            string range: Range<Int>,
            of view: DNP3.FragmentView,
            in bytes: borrowing Span<UInt8>
        ) {}
        mutating func field(
            _ name: StaticString,
            base64 range: Range<Int>,
            of view: DNP3.FragmentView,
            in bytes: borrowing Span<UInt8>
        ) {}
    }
}

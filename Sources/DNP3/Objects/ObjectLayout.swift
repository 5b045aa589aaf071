// SPDX-License-Identifier: Apache-2.0

extension DNP3 {
    /// The object library (IEEE 1815-2012 Annex A): what each group and variation looks like on the wire, and the
    /// values of its points.
    public enum Objects {}
}

extension DNP3.Objects {
    /// How the objects of one group and variation occupy the octets after an object header (IEEE 1815-2012
    /// §4.4 and Annex A). The object parser uses it to step over objects it does not decode, so that an object is
    /// never mis-parsed: a group/variation with no layout is reported as unknown and ends the fragment's parse.
    public enum Layout: Sendable, Hashable {
        /// Every object is `size` octets (before any prefix).
        case fixed(size: Int)
        /// Objects are packed `bits` bits each (1 or 2), least significant first, the header's objects together
        /// rounded up to whole octets (g1v1, g3v1, g10v1, g80v1).
        case packed(bits: Int)
        /// Every object is as many octets as the variation number (octet strings g110, g111, virtual terminal
        /// g112, g113). Variation 0 names no size and carries no data.
        case sizeFromVariation
        /// The object carries no data: class data (g60), variation 0 ("any variation") in a request, and groups
        /// used only to name points.
        case none
        /// Free-format objects whose size is given by the object prefix (qualifier 0x5B, a 16-bit size prefix),
        /// or by their own length fields: file transfer (g70), secure authentication (g120), device attributes
        /// (g0) and data sets (g85-g88).
        case variable
    }
}

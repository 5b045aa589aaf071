// SPDX-License-Identifier: Apache-2.0
import NetworkLayers

extension Detection {
    /// A set of unsigned integers as sorted, disjoint, non-adjacent closed ranges: how a rule header's addresses
    /// and ports are kept once their variables, lists and negations are resolved. Membership is a binary search
    /// over a flat array: no recursion and no reference counting on the packet path, however the header was
    /// written.
    struct IntervalSet<Value: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable, Equatable {
        private(set) var ranges: [ClosedRange<Value>]

        static var empty: IntervalSet { IntervalSet(normalized: []) }
        static var all: IntervalSet { IntervalSet(normalized: [Value.min...Value.max]) }

        private init(normalized ranges: [ClosedRange<Value>]) { self.ranges = ranges }

        /// The union of `ranges`, in any order, overlapping or not.
        init(_ ranges: [ClosedRange<Value>]) {
            var merged: [ClosedRange<Value>] = []
            for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if let last = merged.last, last.upperBound == .max || range.lowerBound <= last.upperBound + 1 {
                    merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
                } else {
                    merged.append(range)
                }
            }
            self.ranges = merged
        }

        var isAll: Bool { ranges.count == 1 && ranges[0] == Value.min...Value.max }

        func union(_ other: IntervalSet) -> IntervalSet { IntervalSet(ranges + other.ranges) }

        var complement: IntervalSet {
            var gaps: [ClosedRange<Value>] = []
            var next = Value.min
            var exhausted = false
            for range in ranges {
                if range.lowerBound > next { gaps.append(next...(range.lowerBound - 1)) }
                if range.upperBound == .max {
                    exhausted = true
                    break
                }
                next = range.upperBound + 1
            }
            if !exhausted { gaps.append(next...Value.max) }
            return IntervalSet(normalized: gaps)
        }

        func intersection(_ other: IntervalSet) -> IntervalSet {
            var result: [ClosedRange<Value>] = []
            var i = 0
            var j = 0
            while i < ranges.count && j < other.ranges.count {
                let low = max(ranges[i].lowerBound, other.ranges[j].lowerBound)
                let high = min(ranges[i].upperBound, other.ranges[j].upperBound)
                if low <= high { result.append(low...high) }
                if ranges[i].upperBound < other.ranges[j].upperBound { i += 1 } else { j += 1 }
            }
            return IntervalSet(normalized: result)
        }

        func subtracting(_ other: IntervalSet) -> IntervalSet { intersection(other.complement) }

        func contains(_ value: Value) -> Bool {
            var low = 0
            var high = ranges.count
            while low < high {
                let middle = (low + high) / 2
                if ranges[middle].upperBound < value {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            return low < ranges.count && ranges[low].lowerBound <= value
        }
    }

    /// A rule header's addresses, IPv4 and IPv6 kept apart (`!$HOME_NET` holds every IPv6 address outside it too).
    struct AddressSet: Sendable, Equatable {
        var v4: IntervalSet<UInt32>
        var v6: IntervalSet<UInt128>

        static let all = AddressSet(v4: .all, v6: .all)
        static let empty = AddressSet(v4: .empty, v6: .empty)

        init(v4: IntervalSet<UInt32>, v6: IntervalSet<UInt128>) {
            self.v4 = v4
            self.v6 = v6
        }

        init(_ network: Network) {
            if network.address.isIPv4 {
                let bits = min(max(network.prefixLength, 0), 32)
                let mask: UInt32 = bits == 0 ? 0 : UInt32.max << UInt32(32 - bits)
                let first = UInt32(truncatingIfNeeded: network.address.low) & mask
                self.init(v4: IntervalSet([first...(first | ~mask)]), v6: .empty)
            } else {
                let bits = min(max(network.prefixLength, 0), 128)
                let mask: UInt128 = bits == 0 ? 0 : UInt128.max << UInt128(128 - bits)
                let first = Self.value(network.address) & mask
                self.init(v4: .empty, v6: IntervalSet([first...(first | ~mask)]))
            }
        }

        static func value(_ address: IPAddress) -> UInt128 { UInt128(address.high) << 64 | UInt128(address.low) }

        var isAll: Bool { v4.isAll && v6.isAll }
        var complement: AddressSet { AddressSet(v4: v4.complement, v6: v6.complement) }
        func union(_ other: AddressSet) -> AddressSet { AddressSet(v4: v4.union(other.v4), v6: v6.union(other.v6)) }
        func subtracting(_ other: AddressSet) -> AddressSet {
            AddressSet(v4: v4.subtracting(other.v4), v6: v6.subtracting(other.v6))
        }

        func matches(_ address: IPAddress) -> Bool {
            address.isIPv4 ? v4.contains(UInt32(truncatingIfNeeded: address.low)) : v6.contains(Self.value(address))
        }
    }

    /// A rule header's ports.
    typealias PortSet = IntervalSet<UInt16>
}

extension Detection.IntervalSet where Value == UInt16 {
    func matches(_ port: UInt16) -> Bool { contains(port) }
}

// SPDX-License-Identifier: Apache-2.0

extension Baseline {
    /// How traffic is judged against a model: the tolerances and windows, all in capture time. `otsensor.yaml`
    /// sets them under `baseline:`; these defaults suit a plant whose masters poll every few hundred milliseconds
    /// to a few minutes.
    public struct Settings: Equatable, Sendable {
        /// The jitter factor: a poll that comes sooner than the shortest learned interval divided by it departs
        /// from its period. 1.5 tolerates a master that slips half a period, which learned jitter of a few percent
        /// never does. The first poll on a new connection is not judged (masters poll at once when they connect).
        public var periodTolerance = 1.5
        /// Polls missed before a poll counts as stopped (an inactive channel): silence longer than this many
        /// times the longest learned interval, or than the longest learned silence, whichever is longer. Three
        /// missed polls is the usual SCADA convention for a channel failure; it rides over a device restart.
        public var missedPolls = 3.0
        /// Intervals a request needs in learning before its timing is judged: fewer cannot tell a poll from a
        /// request repeated by chance.
        public var minimumPollIntervals = 5
        /// The most jitter (standard deviation over mean period) a poll may have to be judged: requests repeated
        /// at irregular times (an operator's reads) are not polls.
        public var maximumPollJitter = 0.25
        /// The rate window, seconds: requests per pair are counted in windows of this length aligned on capture
        /// time.
        public var rateWindowSeconds: Int64 = 10
        /// A window with more than `rateFactor` times the learned maximum (and at least `rateMinimumExcess` more
        /// requests than it) is a rate spike: a poll storm, a flood, a brute-force loop.
        public var rateFactor = 3.0
        public var rateMinimumExcess = 10
        /// The scan window, seconds: deviations from one client are held this long, so that many of one kind make
        /// one scan alert instead of many small ones; single deviations are reported when it closes.
        public var scanWindowSeconds: Int64 = 30
        /// Distinct never-learned units (or DNP3 addresses), function codes, or address blocks from one client
        /// within the scan window that make a scan.
        public var scanUnits = 5
        public var scanFunctions = 5
        public var scanAddresses = 10
        /// Learning: also learn the range of values read per address (Modbus read responses), and judge reads
        /// against it. Off by default: process values swing with the plant, written setpoints do not.
        public var learnReadValues = false
        public var limits = Limits()

        public init() {}

        /// Problems with the settings, one sentence each (empty when they are usable).
        public var problems: [String] {
            var problems: [String] = []
            if !(periodTolerance >= 1 && periodTolerance <= 100) {
                problems.append("period-tolerance must be 1 to 100")
            }
            if !(missedPolls >= 1 && missedPolls <= 1_000) { problems.append("missed-polls must be 1 to 1000") }
            if !(1...1_000_000).contains(minimumPollIntervals) {
                problems.append("min-poll-intervals must be 1 to 1000000")
            }
            if !(maximumPollJitter >= 0 && maximumPollJitter <= 10) {
                problems.append("max-poll-jitter must be 0 to 10")
            }
            if !(1...86_400).contains(rateWindowSeconds) { problems.append("rate-window must be 1 to 86400 seconds") }
            if !(rateFactor >= 1 && rateFactor <= 1_000_000) { problems.append("rate-factor must be 1 to 1000000") }
            if !(0...1_000_000_000).contains(rateMinimumExcess) {
                problems.append("rate-min-excess must be 0 to 1000000000")
            }
            if !(1...86_400).contains(scanWindowSeconds) { problems.append("scan-window must be 1 to 86400 seconds") }
            for (name, value) in [("scan-units", scanUnits), ("scan-functions", scanFunctions)]
            where !(2...256).contains(value) {
                problems.append("\(name) must be 2 to 256")
            }
            if !(2...Limits.maxScanItems).contains(scanAddresses) {
                problems.append("scan-addresses must be 2 to \(Limits.maxScanItems)")
            }
            return problems
        }
    }

    /// The sizes of a model and of detection state: each list has a limit, and what a full list turns away is
    /// counted (learning) or reported (detection), never silently lost.
    public struct Limits: Equatable, Sendable {
        /// Devices and pairs: a plant segment has dozens to a few thousand; 65,536 bounds a model learned on a
        /// scan or spoofed traffic to a few tens of megabytes.
        public var maxDevices = 65_536
        public var maxPairs = 65_536
        /// Stations per pair: 256 is every Modbus unit identifier; a DNP3 channel has a handful of addresses.
        public var maxStationsPerPair = 256
        /// Function codes per station: all 256 octet values.
        public var maxFunctionsPerStation = 256
        /// DNP3 group/variation pairs per function (Annex A has about 300).
        public var maxObjectsPerFunction = 512
        /// Address blocks per table and access: past it the two nearest blocks are merged (the model coarsens, it
        /// never forgets an address it learned).
        public var maxBlocksPerTable = 256
        /// Addresses with learned values per function: past it the function's values are marked incomplete and
        /// not judged.
        public var maxValuesPerFunction = 4_096
        /// Polls per function: a master polls a few blocks per function; 256 bounds a scan learned by mistake.
        public var maxPollsPerFunction = 256
        /// MAC addresses per device (a device behind a router shows the router's).
        public var maxMACsPerDevice = 16
        /// Blocks per function, all tables together (a DNP3 function can name many groups): past it the
        /// function's blocks are marked incomplete and not judged.
        public var maxBlocksPerFunction = 1_024
        /// Stations, functions, objects, blocks, values and polls in one model together: the lists' limits
        /// multiply, this bounds their product. An item costs up to about 1.6 KB in memory and 300 octets of file
        /// (measured on a learned scan of 260,096 functions: 458 MB, 90 MB of file), so 200,000 items stay under
        /// about 320 MB; a plant's model has a few thousand.
        public var maxModelItems = 200_000
        /// Detection: deviations reported once each, remembered per run; past it the oldest half is forgotten
        /// (counted), so new deviations are still raised and an old one may be raised again.
        public var maxReportedItems = 65_536
        /// Detection: deviations held in scan windows, all clients together (each about 1 KB); past it they are
        /// raised at once (counted).
        public var maxHeldAlerts = 65_536
        /// Detection: clients with deviations in an open scan window.
        public var maxScanClients = 4_096
        /// The most distinct items one client's scan window remembers per kind.
        public static let maxScanItems = 1_024

        public init() {}
    }
}

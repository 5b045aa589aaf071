// SPDX-License-Identifier: Apache-2.0
public import Baseline
public import Detection
import Logging
public import ServiceLifecycle
import UnixSignals

/// Reloads rules and the baseline model on SIGHUP, as daemons do (`systemctl reload`): the configuration file,
/// the rule files and the model are read again, and swapped into the running sensor if all of them are good;
/// otherwise the running ones stay and the error is logged.
public struct ReloadService: Service {
    /// What a reload loads: the new rule set and monitor, or why it failed (one line).
    public typealias Loader = @Sendable () -> Result<Loaded, ReloadFailure>
    /// The new rule set and monitor.
    public typealias Loaded = (Detection.RuleSet?, Baseline.Monitor?)

    public struct ReloadFailure: Error, CustomStringConvertible {
        /// One line per problem, each at its `file:line`.
        public var problems: [String]
        public init(_ problems: [String]) { self.problems = problems }
        public var description: String { problems.joined(separator: "; ") }
    }

    private let sensor: LiveSensor
    private let load: Loader

    public init(sensor: LiveSensor, load: @escaping Loader) {
        self.sensor = sensor
        self.load = load
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            switch load() {
            case .success(let (rules, baseline)):
                sensor.reload(rules: rules, baseline: baseline)
            case .failure(let failure):
                sensor.reloadFailed(failure.problems)
            }
        }
    }
}

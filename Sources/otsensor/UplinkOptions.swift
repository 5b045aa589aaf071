// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import Foundation
import Logging
import SensorConfiguration
import SummaryModel
import Uplink

/// `otsensor keygen`: makes the sensor's Ed25519 signing key.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the sensor's signing key (Ed25519) and print its public key for enrollment at the center.",
        discussion: """
            Writes the private key to FILE (mode 0600; an existing file is never replaced) and the public key, \
            base64, to FILE.pub and to standard output. Enroll it at the center with \
            `otsensor-center sensor add --id ID --public-key KEY`.
            """
    )

    @Option(help: "The key file to write (default /etc/otsensor/sensor.key).")
    var key = "/etc/otsensor/sensor.key"

    func run() throws {
        let sensorKey = SensorKey()
        do {
            try sensorKey.write(to: key)
            try DurableFile.write(Array((sensorKey.publicKeyText + "\n").utf8), to: key + ".pub", mode: 0o644)
        } catch let error as BatchError {
            StandardError.write("otsensor: \(Terminal.safe(error.description))\n")
            throw ExitCode(2)
        } catch {
            StandardError.write("otsensor: \(Terminal.safe("\(error)"))\n")
            throw ExitCode(2)
        }
        print(sensorKey.publicKeyText)
    }
}

/// The options that point a command at the center (`run`, `replay`); each overrides the configuration's `uplink:`.
struct UplinkOptions: ParsableArguments {
    @Option(help: "Send batches to the center at this URL (https://HOST:PORT).")
    var center: String?

    @Option(help: "The sensor's ID, as enrolled at the center.")
    var sensorID: String?

    @Option(name: .customLong("key"), help: "The sensor's signing key (default /etc/otsensor/sensor.key).")
    var keyFile: String?

    @Option(help: "The CA certificate (PEM) that signed the center's certificate; the only one trusted.")
    var centerCA: String?

    @Option(help: "Client certificate (PEM) for mutual TLS.")
    var clientCertificate: String?

    @Option(help: "Client key (PEM) for mutual TLS.")
    var clientKey: String?

    @Option(help: "The spool directory, where batches wait until the center acknowledges them.")
    var spool: String?

    @Option(help: "Payload compression: zstd (default), deflate or none.")
    var compression: String?

    /// The uplink settings from the configuration with these options over them; nil when no center is named.
    func resolve(
        _ configured: RunSettings.UplinkSettings?,
        defaultSpool: String? = nil
    ) throws
        -> RunSettings.UplinkSettings?
    {
        guard center != nil || configured?.center != nil else {
            if sensorID != nil || keyFile != nil || centerCA != nil || spool != nil {
                throw ValidationError("--sensor-id, --key, --center-ca and --spool go with --center")
            }
            return nil
        }
        var settings = configured ?? RunSettings.UplinkSettings()
        if configured == nil, let defaultSpool { settings.spool = defaultSpool }
        if let center { settings.center = center }
        if let sensorID { settings.sensorID = sensorID }
        if let keyFile { settings.key = keyFile }
        if let centerCA { settings.ca = centerCA }
        if let clientCertificate { settings.clientCertificate = clientCertificate }
        if let clientKey { settings.clientKey = clientKey }
        if let spool { settings.spool = spool }
        if let compression { settings.compression = compression }
        return settings
    }

    /// What the uplink needs from files, read and checked before anything starts (and before privileges drop).
    struct Prepared {
        var key: SensorKey
        var sensorID: String
        var center: CenterSettings
        var tls: CenterClient.TLSMaterial
        /// The HTTP client; made last, once nothing else can fail (it must be shut down before it goes).
        func makeClient() -> CenterClient { CenterClient(settings: center, tls: tls) }
    }

    /// Every problem with the settings, the key and the TLS files, one line each, and what they give when there is
    /// none (for `run`, `replay --center` and `config check` alike).
    static func check(_ settings: RunSettings.UplinkSettings) -> (problems: [String], prepared: Prepared?) {
        var problems: [String] = []
        if settings.sensorID == nil {
            problems.append("the uplink needs the sensor's ID (--sensor-id, or uplink sensor-id)")
        } else if let id = settings.sensorID, !RunSettings.UplinkSettings.isValidSensorID(id) {
            problems.append("sensor ID '\(id)' is not 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'")
        }
        if UplinkCompression(name: settings.compression) == nil {
            problems.append("compression is zstd, deflate or none")
        }
        var center = CenterSettings(
            url: settings.center ?? "",
            caFile: settings.ca,
            clientCertificate: settings.clientCertificate,
            clientKey: settings.clientKey
        )
        center.requestTimeoutSeconds = 30
        problems += center.problems
        if center.url.lowercased().hasPrefix("https"), settings.ca == nil {
            problems.append("an https center needs its CA certificate (--center-ca, or uplink ca): it is pinned")
        }
        var tls: CenterClient.TLSMaterial?
        if center.problems.isEmpty {
            do {
                tls = try CenterClient.loadTLS(center)
            } catch {
                problems.append(error.description)
            }
        }
        var key: SensorKey?
        do {
            key = try SensorKey.read(from: settings.key)
        } catch {
            problems.append(error.description)
        }
        guard problems.isEmpty, let key, let tls, let sensorID = settings.sensorID else { return (problems, nil) }
        return ([], Prepared(key: key, sensorID: sensorID, center: center, tls: tls))
    }

    /// ``check(_:)``, with each problem on standard error and status 2.
    static func prepare(_ settings: RunSettings.UplinkSettings) throws -> Prepared {
        let (problems, prepared) = check(settings)
        guard let prepared else {
            for problem in problems { StandardError.write("otsensor: \(Terminal.safe(problem))\n") }
            throw ExitCode(2)
        }
        return prepared
    }

    /// Opens the spool (as the user the process runs as by then).
    static func spool(
        _ settings: RunSettings.UplinkSettings,
        key: SensorKey,
        sensorID: String
    ) throws -> Spool {
        do {
            return try Spool(
                settings: Spool.Settings(
                    directory: settings.spool,
                    quotaBytes: settings.spoolQuota,
                    sensorID: sensorID,
                    key: key,
                    compression: UplinkCompression(name: settings.compression) ?? .zstd,
                    sensorVersion: OTSensorRelease.version
                )
            )
        } catch {
            StandardError.write("otsensor: \(Terminal.safe(error.description))\n")
            throw ExitCode(2)
        }
    }

    /// Where `replay --center` spools without --spool: `$XDG_STATE_HOME/otsensor/spool-ID`, or
    /// `~/.local/state/otsensor/spool-ID`.
    static func fieldSpool(sensorID: String?) -> String {
        let environment = ProcessInfo.processInfo.environment
        let state = environment["XDG_STATE_HOME"] ?? (NSHomeDirectory() + "/.local/state")
        return state + "/otsensor/spool-\(sensorID ?? "sensor")"
    }
}

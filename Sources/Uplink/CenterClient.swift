// SPDX-License-Identifier: Apache-2.0
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Where and how the sensor reaches its center.
public struct CenterSettings: Sendable, Equatable {
    /// The center's base URL (`https://center.example:8443`); batches go to `<url>/v1/batches`.
    public var url: String
    /// PEM file with the CA that signed the center's certificate: the only root trusted (pinned).
    public var caFile: String?
    /// PEM files for mutual TLS, when the center asks for a client certificate.
    public var clientCertificate: String?
    public var clientKey: String?
    /// Time allowed for one upload (30 s).
    public var requestTimeoutSeconds: Int64 = 30

    public init(url: String, caFile: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil) {
        self.url = url
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
    }

    /// Problems with the settings, one line each (checked before anything starts).
    public var problems: [String] {
        var problems: [String] = []
        guard let components = URLComponents(string: url), let scheme = components.scheme, components.host != nil
        else {
            return ["center URL \(url) is not a URL (https://HOST:PORT)"]
        }
        if scheme != "https" && scheme != "http" { problems.append("center URL \(url): the scheme must be https") }
        if scheme == "http" && !["127.0.0.1", "localhost", "::1", "[::1]"].contains(components.host ?? "") {
            problems.append("center URL \(url): plain http is only allowed to loopback; use https")
        }
        for (name, file) in [("ca", caFile), ("client-certificate", clientCertificate), ("client-key", clientKey)] {
            if let file, !FileManager.default.isReadableFile(atPath: file) {
                problems.append("center \(name) \(file) cannot be read")
            }
        }
        if (clientCertificate == nil) != (clientKey == nil) {
            problems.append("mutual TLS needs both client-certificate and client-key")
        }
        return problems
    }
}

/// What the center said about one batch.
public enum UploadOutcome: Sendable, Equatable {
    /// 2xx: stored, or already stored (a retry). Delete it.
    case acknowledged(status: Int)
    /// 4xx: the center will never take this batch. Keep it aside and report it.
    case refused(status: Int, reason: String)
    /// 5xx, a timeout or a network error: try again later.
    case retry(reason: String)
}

/// Posts sealed batches to the center over HTTPS (AsyncHTTPClient), trusting only the configured CA and presenting
/// a client certificate when configured.
public final class CenterClient: Sendable {
    public let settings: CenterSettings
    private let client: HTTPClient
    private let endpoint: String

    /// - Throws: when a certificate or key file cannot be loaded.
    public init(settings: CenterSettings) throws {
        self.settings = settings
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        if let certificate = settings.clientCertificate, let key = settings.clientKey {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout.connect = .seconds(10)
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        endpoint = settings.url.hasSuffix("/") ? settings.url + "v1/batches" : settings.url + "/v1/batches"
    }

    /// Sends one batch body.
    public func upload(_ body: [UInt8]) async -> UploadOutcome {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-protobuf")
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(settings.requestTimeoutSeconds))
            let reply = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            let status = Int(response.status.code)
            switch status {
            case 200..<300: return .acknowledged(status: status)
            case 400..<500: return .refused(status: status, reason: Self.reason(reply, status: status))
            default: return .retry(reason: "the center answered \(status): \(Self.reason(reply, status: status))")
            }
        } catch {
            return .retry(reason: "\(error)")
        }
    }

    /// The `error` field of the center's JSON reply, or the reply itself.
    static func reason(_ reply: String, status: Int) -> String {
        if let data = reply.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        {
            let status = object["status"] as? String
            let error = object["error"] as? String
            return [status, error].compactMap { $0 }.joined(separator: ": ")
        }
        return reply.isEmpty ? "status \(status)" : String(reply.prefix(200))
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}

/// Exponential backoff with jitter: after the n-th failure in a row, wait a random time between half and all of
/// `min(maximum, base × 2^(n-1))`.
public struct Backoff: Sendable {
    public var baseSeconds: Double
    public var maximumSeconds: Double
    public private(set) var failures = 0

    public init(baseSeconds: Double = 1, maximumSeconds: Double = 300) {
        self.baseSeconds = baseSeconds
        self.maximumSeconds = maximumSeconds
    }

    /// Records a failure and returns the delay before the next attempt, in seconds.
    public mutating func fail() -> Double {
        failures += 1
        let ceiling = min(maximumSeconds, baseSeconds * pow(2, Double(min(failures - 1, 30))))
        return Double.random(in: (ceiling / 2)...ceiling)
    }

    public mutating func succeed() { failures = 0 }
}

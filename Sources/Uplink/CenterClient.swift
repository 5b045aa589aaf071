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
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            return ["center URL \(url) is not a URL (https://HOST:PORT)"]
        }
        if scheme != "https" && scheme != "http" { problems.append("center URL \(url): the scheme must be https") }
        if scheme == "http" && !["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) {
            problems.append("center URL \(url): plain http is only allowed to loopback; use https")
        }
        if let port = components.port, !(1...65_535).contains(port) {
            problems.append("center URL \(url): port \(port) is not 1 to 65535")
        }
        if components.query != nil || components.fragment != nil {
            problems.append("center URL \(url): give the center's base URL (https://HOST:PORT), without ? or #")
        }
        if !components.path.isEmpty && components.path != "/" {
            problems.append(
                "center URL \(url): give the center's base URL (https://HOST:PORT); batches go to /v1/batches under it"
            )
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

/// A TLS file that cannot be used, in one line naming it.
public struct CenterClientError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
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

    /// The TLS material, loaded from the settings' files (while the process may still read root's files).
    public struct TLSMaterial: Sendable {
        fileprivate var configuration: TLSConfiguration
    }

    /// Loads the CA, the client certificate and its key.
    ///
    /// - Throws: ``CenterClientError`` naming the file that cannot be read or used.
    public static func loadTLS(_ settings: CenterSettings) throws(CenterClientError) -> TLSMaterial {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            guard let roots = try? NIOSSLCertificate.fromPEMFile(caFile), !roots.isEmpty else {
                throw CenterClientError("the center CA \(caFile) is not a PEM certificate")
            }
            tls.trustRoots = .certificates(roots)
        }
        if let certificate = settings.clientCertificate, let key = settings.clientKey {
            guard let chain = try? NIOSSLCertificate.fromPEMFile(certificate), !chain.isEmpty else {
                throw CenterClientError("the client certificate \(certificate) is not a PEM certificate")
            }
            guard let privateKey = try? NIOSSLPrivateKey(file: key, format: .pem) else {
                throw CenterClientError("the client key \(key) is not a PEM private key")
            }
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(privateKey)
            // The TLS library checks that the key belongs to the certificate when it builds its context.
            guard (try? NIOSSLContext(configuration: tls)) != nil else {
                throw CenterClientError("the client key \(key) does not match the client certificate \(certificate)")
            }
        }
        return TLSMaterial(configuration: tls)
    }

    /// Makes the HTTP client; call ``shutdown()`` before it goes (async-http-client requires it).
    public init(settings: CenterSettings, tls: TLSMaterial) {
        self.settings = settings
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls.configuration)
        configuration.timeout.connect = .seconds(10)
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        endpoint = settings.url.hasSuffix("/") ? settings.url + "v1/batches" : settings.url + "/v1/batches"
    }

    /// Sends one batch body.
    public func upload(_ body: [UInt8]) async -> UploadOutcome {
        let timeout = settings.requestTimeoutSeconds
        do {
            // The whole exchange, the reply's body included, within the timeout: a center (or a link) that stalls
            // after the headers must not hold the uplink.
            let (status, reply) = try await withThrowingTaskGroup(of: (Int, String)?.self) { group in
                group.addTask { [client, endpoint] in
                    var request = HTTPClientRequest(url: endpoint)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/x-protobuf")
                    request.body = .bytes(ByteBuffer(bytes: body))
                    let response = try await client.execute(request, timeout: .seconds(timeout))
                    let body = try await response.body.collect(upTo: 64 * 1024)
                    return (Int(response.status.code), String(buffer: body))
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(timeout))
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                guard let first else { throw CenterClientError("no complete answer within \(timeout) s") }
                return first
            }
            switch status {
            case 200..<300: return .acknowledged(status: status)
            // Request timeout and rate limiting (from the center or a proxy on the way) pass: try again later.
            case 408, 429: return .retry(reason: "the center answered \(status): \(Self.reason(reply, status: status))")
            case 400..<500: return .refused(status: status, reason: Self.reason(reply, status: status))
            default: return .retry(reason: "the center answered \(status): \(Self.reason(reply, status: status))")
            }
        } catch let error as CenterClientError {
            return .retry(reason: error.description)
        } catch {
            let text = "\(error)"
            return .retry(reason: explainTLS(text) ?? text)
        }
    }

    /// A transport error in the user's terms where the cause is known (TLS verification both ways).
    func explainTLS(_ text: String) -> String? {
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return
                "TLS: the center's certificate does not verify against the CA \(settings.caFile ?? "(none given)") (or does not name the host of \(settings.url))"
        }
        if text.contains("CERTIFICATE_REQUIRED") {
            return "TLS: the center asks for a client certificate (client-certificate and client-key)"
        }
        if text.contains("UNKNOWN_CA") || text.contains("BAD_CERTIFICATE") {
            return "TLS: the center does not accept the client certificate \(settings.clientCertificate ?? "")"
        }
        return nil
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

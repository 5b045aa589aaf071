// SPDX-License-Identifier: Apache-2.0
import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The request context of both listeners.
public typealias CenterRequestContext = BasicRequestContext

// MARK: - Routers

/// The sensors' listener: `POST /v1/batches` and `GET /v1/health`.
public func buildIngestRouter(_ ingest: Ingest) -> Router<CenterRequestContext> {
    let router = Router(context: CenterRequestContext.self)
    router.post("/v1/batches") { request, _ -> Response in
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > ingest.maxBodyBytes {
            return jsonResponse(ingest.tooLarge.status, ingest.tooLarge.body)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: ingest.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            return jsonResponse(ingest.tooLarge.status, ingest.tooLarge.body)
        }
        let reply = await ingest.ingest(Array(buffer.readableBytesView))
        return jsonResponse(reply.status, reply.body)
    }
    addHealthRoute(router)
    return router
}

/// The analysts' listener: `GET /v1/sensors`, `/v1/alerts`, `/v1/assets`, `/v1/summaries`, `/v1/events` and
/// `/v1/health`.
public func buildAPIRouter(store: any CenterStore, logger: Logger) -> Router<CenterRequestContext> {
    let router = Router(context: CenterRequestContext.self)
    for kind in QueryKind.allCases {
        router.get("/v1/\(kind.rawValue)") { request, _ -> Response in
            let parameters = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            let filter: QueryFilter
            do {
                filter = try QueryFilter(kind: kind, parameters: parameters)
            } catch let error as QueryError {
                return jsonResponse(400, .object(["status": "bad_request", "error": .string(error.description)]))
            }
            do {
                return jsonResponse(200, try await store.query(kind, filter).json)
            } catch {
                logger.error("query failed", metadata: ["query": "\(kind.rawValue)", "error": "\(error)"])
                return jsonResponse(
                    503,
                    .object(["status": "unavailable", "error": "the database failed; retry later"])
                )
            }
        }
    }
    addHealthRoute(router)
    return router
}

private func addHealthRoute(_ router: Router<CenterRequestContext>) {
    router.get("/v1/health") { _, _ -> Response in
        jsonResponse(200, .object(["status": "ok"]))
    }
}

func jsonResponse(_ status: Int, _ body: JSON) -> Response {
    Response(
        status: .init(code: status),
        headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: body.text + "\n"))
    )
}

// MARK: - Application

/// Builds the center: the ingest listener (TLS, optionally mutual) as the application, with the store and the
/// query API's listener as its services.
///
/// Opens and migrates the store first, so configuration and database
/// errors surface before anything listens.
///
/// - Throws: ``ConfigurationError`` for settings and TLS files; the database's error when it cannot be opened.
public func buildApplication(
    _ settings: CenterSettings,
    logger: Logger = Logger(label: "otsensor-center")
) async throws -> some ApplicationProtocol {
    try settings.validate()
    let location = try settings.storeLocation
    let store: any CenterStore
    switch location {
    case .sqlite(let directory):
        let sqlite = try SQLiteStore(directory: directory)
        try await sqlite.migrate()
        store = sqlite
    case .postgres(let postgres):
        // A short-lived client migrates (and proves the database reachable); the service's client then runs with
        // the application.
        try await withCenterStore(location, logger: logger) { _ in }
        store = PostgresStore(location: postgres, logger: logger)
    }
    let certificates = try settings.tlsCertificate.map { _ in try CertificateReloader(settings) }
    let tls = try settings.tlsConfiguration(certificates)
    let report = ListeningReport(tls: tls != nil, clientCA: settings.clientCA != nil, logger: logger)

    let api = Application(
        router: buildAPIRouter(store: store, logger: logger),
        configuration: .init(address: .hostname(settings.apiListen.host, port: settings.apiListen.port)),
        onServerRunning: { channel in report.listening(api: channel.localAddress) },
        logger: logger
    )
    let ingest = Ingest(store: store, maxBodyBytes: settings.maxBodyBytes, logger: logger)
    // A connection that sends nothing for 30 s is closed, so idle or stalled clients cannot hold buffers for ever.
    let idle = HTTP1Channel.Configuration(idleTimeout: .seconds(30))
    return Application(
        router: buildIngestRouter(ingest),
        server: try tls.map { try .tls(.http1(configuration: idle), tlsConfiguration: $0) }
            ?? .http1(configuration: idle),
        configuration: .init(address: .hostname(settings.listen.host, port: settings.listen.port)),
        services: [store, api, ReloadService(certificates: certificates, logger: logger)],
        onServerRunning: { channel in report.listening(ingest: channel.localAddress) },
        logger: logger
    )
}

/// Builds the center and runs it until SIGTERM or SIGINT (graceful shutdown: the listeners stop accepting, requests
/// in flight finish, the store closes). SIGHUP reads the ingest listener's certificate and key again.
public func runCenter(_ settings: CenterSettings, logger: Logger) async throws {
    // A SIGHUP before the reload service traps it would end the process: it is ignored from the start.
    signal(SIGHUP, SIG_IGN)
    let application = try await buildApplication(settings, logger: logger)
    try await application.runService()
}

extension CenterSettings {
    /// The ingest listener's TLS configuration, or nil for plain HTTP. Its certificate and key come from
    /// `certificates` at every handshake, so a reload reaches new connections.
    ///
    /// - Throws: ``ConfigurationError`` naming the file that cannot be read.
    func tlsConfiguration(_ certificates: CertificateReloader?) throws(ConfigurationError) -> TLSConfiguration? {
        guard let certificates else { return nil }
        let pair = certificates.current
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: pair.chain,
            privateKey: pair.key
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.sslContextCallback = certificates.callback
        if let clientCA {
            let roots = try CertificateReloader.certificates(clientCA, key: "client-ca")
            // A server that verifies requires the client's certificate (NIOSSL sets SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
            // sensors have no host names to check.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(roots)
        }
        return configuration
    }
}

/// The ingest listener's certificate chain and private key, read again on SIGHUP (`systemctl reload`): new
/// connections get the new pair, connections already open keep theirs, so a certificate is renewed without a
/// restart. A pair that cannot be read, or whose key does not match the certificate, leaves the running pair in
/// place. The client CA and the other settings are read only at start.
final class CertificateReloader: Sendable {
    private let certificatePath: String
    private let keyPath: String
    /// A certificate chain and its private key.
    struct Pair: Sendable {
        var chain: [NIOSSLCertificateSource]
        var key: NIOSSLPrivateKeySource
    }

    private let pair: Mutex<Pair>

    /// - Throws: ``ConfigurationError`` when the files cannot be read or do not belong together.
    init(_ settings: CenterSettings) throws(ConfigurationError) {
        certificatePath = settings.tlsCertificate ?? ""
        keyPath = settings.tlsKey ?? ""
        pair = Mutex(try Self.checkedPair(certificate: certificatePath, key: keyPath))
    }

    var current: Pair { pair.withLock { $0 } }

    /// Handed to NIOSSL, which asks at every TLS handshake (BoringSSL's certificate callback).
    var callback: NIOSSLContextCallback {
        { [self] _, promise in
            let current = self.current
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = current.chain
            override.privateKey = current.key
            promise.succeed(override)
        }
    }

    /// Reads the files again and, if they are good, swaps the pair in.
    ///
    /// - Throws: ``ConfigurationError``; the running pair then stays.
    func reload() throws(ConfigurationError) {
        let fresh = try Self.checkedPair(certificate: certificatePath, key: keyPath)
        pair.withLock { $0 = fresh }
    }

    /// The certificate chain and key from their PEM files.
    ///
    /// - Throws: ``ConfigurationError`` naming the file that cannot be read.
    private static func read(
        certificate: String,
        key: String
    ) throws(ConfigurationError) -> (
        chain: [NIOSSLCertificate], key: NIOSSLPrivateKey
    ) {
        let chain = try certificates(certificate, key: "tls-certificate")
        do {
            return (chain, try NIOSSLPrivateKey(file: key, format: .pem))
        } catch {
            throw ConfigurationError("tls-key: cannot read \(key) as a PEM private key (\(error))")
        }
    }

    /// The PEM certificates of a file, at least one.
    ///
    /// - Throws: ``ConfigurationError`` naming the configuration key and the file.
    static func certificates(_ path: String, key: String) throws(ConfigurationError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw ConfigurationError("\(key): cannot read \(path) as PEM certificates (\(error))")
        }
        guard !certificates.isEmpty else { throw ConfigurationError("\(key): \(path) holds no certificate") }
        return certificates
    }

    /// The pair, once a TLS context has accepted it (BoringSSL refuses a key that does not match the certificate).
    private static func checkedPair(certificate: String, key: String) throws(ConfigurationError) -> Pair {
        let (chain, privateKey) = try read(certificate: certificate, key: key)
        do {
            _ = try NIOSSLContext(
                configuration: .makeServerConfiguration(
                    certificateChain: chain.map { .certificate($0) },
                    privateKey: .privateKey(privateKey)
                )
            )
        } catch {
            throw ConfigurationError("tls-key: \(key) does not match the certificate in \(certificate) (\(error))")
        }
        return Pair(chain: chain.map { .certificate($0) }, key: .privateKey(privateKey))
    }
}

/// Reloads the ingest listener's certificate and key on SIGHUP, logging the outcome; without TLS there is nothing
/// to reload, and it says so.
struct ReloadService: Service {
    let certificates: CertificateReloader?
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            guard let certificates else {
                logger.notice("SIGHUP: nothing to reload (plain HTTP); other settings change with a restart")
                continue
            }
            do {
                try certificates.reload()
                logger.notice("SIGHUP: reloaded the TLS certificate and key; new connections use them")
            } catch {
                logger.error("SIGHUP: reload failed, the running certificate stays: \(error.description)")
            }
        }
    }
}

/// Logs one line once both listeners are bound, with the ports they got (port 0 picks one).
final class ListeningReport: Sendable {
    private struct State {
        var ingest: SocketAddress?
        var api: SocketAddress?
        var logged = false
    }

    private let state = Mutex(State())
    private let tls: Bool
    private let clientCA: Bool
    private let logger: Logger

    init(tls: Bool, clientCA: Bool, logger: Logger) {
        self.tls = tls
        self.clientCA = clientCA
        self.logger = logger
    }

    func listening(ingest address: SocketAddress?) { update { $0.ingest = address } }
    func listening(api address: SocketAddress?) { update { $0.api = address } }

    private func update(_ change: (inout State) -> Void) {
        let line: String? = state.withLock { state in
            change(&state)
            guard !state.logged, let ingest = state.ingest, let api = state.api else { return nil }
            state.logged = true
            let mode = tls ? (clientCA ? "mutual tls" : "tls") : "plain http"
            return "listening on \(Self.text(ingest)) (ingest, \(mode)) and \(Self.text(api)) (api)"
        }
        if let line { logger.notice("\(line)") }
    }

    private static func text(_ address: SocketAddress) -> String {
        let host = address.ipAddress ?? "?"
        let port = address.port.map(String.init) ?? "?"
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

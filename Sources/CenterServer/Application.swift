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
    let tls = try settings.tlsConfiguration()
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
        services: [store, api],
        onServerRunning: { channel in report.listening(ingest: channel.localAddress) },
        logger: logger
    )
}

/// Builds the center and runs it until SIGTERM or SIGINT (graceful shutdown: the listeners stop accepting, requests
/// in flight finish, the store closes).
public func runCenter(_ settings: CenterSettings, logger: Logger) async throws {
    let application = try await buildApplication(settings, logger: logger)
    try await application.runService()
}

extension CenterSettings {
    /// The ingest listener's TLS configuration from the PEM files, or nil for plain HTTP.
    ///
    /// - Throws: ``ConfigurationError`` naming the file that cannot be read.
    func tlsConfiguration() throws(ConfigurationError) -> TLSConfiguration? {
        guard let tlsCertificate, let tlsKey else { return nil }
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(tlsCertificate)
        } catch {
            throw ConfigurationError("tls-certificate: cannot read \(tlsCertificate) as PEM certificates (\(error))")
        }
        guard !chain.isEmpty else {
            throw ConfigurationError("tls-certificate: \(tlsCertificate) holds no certificate")
        }
        do {
            key = try NIOSSLPrivateKey(file: tlsKey, format: .pem)
        } catch {
            throw ConfigurationError("tls-key: cannot read \(tlsKey) as a PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        if let clientCA {
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(clientCA)
            } catch {
                throw ConfigurationError("client-ca: cannot read \(clientCA) as PEM certificates (\(error))")
            }
            guard !roots.isEmpty else { throw ConfigurationError("client-ca: \(clientCA) holds no certificate") }
            // A server that verifies requires the client's certificate (NIOSSL sets SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
            // sensors have no host names to check.
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(roots)
        }
        return configuration
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

import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The one HTTP client all cloud providers share: a keep-alive pool per host (HTTP/2 where
/// the server offers it), connect and read timeouts, and error mapping to ``ProviderError``.
///
/// Create one per process (or use ``shared``), hand it to every provider, call
/// ``prewarm(urls:)`` at start so the first turn does not pay for DNS, TCP and TLS, and
/// ``shutdown()`` on exit.
public final class ProviderHTTPClient: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Time allowed to open a connection (TCP and TLS).
        public var connectTimeout: Duration
        /// Longest silence on a connection with a request in flight before it is dropped; a
        /// backstop for dead peers. Each provider has tighter per-request limits of its own.
        public var readTimeout: Duration
        /// How long an idle keep-alive connection stays in the pool.
        public var idleConnectionTimeout: Duration
        /// Soft cap on HTTP/1.1 connections per host (HTTP/2 multiplexes on one).
        public var maxConnectionsPerHost: Int
        /// Allow HTTP/2 when the server offers it over TLS (ALPN).
        public var allowHTTP2: Bool
        /// Keep retrying a refused or failed connect until the request's deadline. Off by
        /// default: on a call it is better to fail fast and let the fallback speak.
        public var retryFailedConnects: Bool

        public init(
            connectTimeout: Duration = .seconds(5),
            readTimeout: Duration = .seconds(60),
            idleConnectionTimeout: Duration = .seconds(90),
            maxConnectionsPerHost: Int = 64,
            allowHTTP2: Bool = true,
            retryFailedConnects: Bool = false
        ) {
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
            self.idleConnectionTimeout = idleConnectionTimeout
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.allowHTTP2 = allowHTTP2
            self.retryFailedConnects = retryFailedConnects
        }
    }

    /// A process-wide client with default settings. It is never shut down.
    public static let shared = ProviderHTTPClient()

    public let configuration: Configuration
    /// The event loops the client's connections (and the WebSocket streams) run on.
    public let eventLoopGroup: any EventLoopGroup
    let http: HTTPClient
    let logger: Logger

    public init(
        configuration: Configuration = Configuration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "earshot.providers.http")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        var http = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .init(configuration.connectTimeout), read: .init(configuration.readTimeout)),
            connectionPool: .init(
                idleTimeout: .init(configuration.idleConnectionTimeout),
                concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnectionsPerHost
            ),
            proxy: nil,
            ignoreUncleanSSLShutdown: false,
            decompression: .disabled
        )
        // Not AsyncHTTPClient's `preWarmedHTTP1ConnectionCount`: in 1.37 a pool with it set
        // never finishes `shutdown()`. ``prewarm(urls:)`` does the warming instead.
        http.connectionPool.retryConnectionEstablishment = configuration.retryFailedConnects
        http.httpVersion = configuration.allowHTTP2 ? .automatic : .http1Only
        self.http = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: http, backgroundActivityLogger: logger)
    }

    /// Closes the pool. Requests still running fail.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Opens a connection to each URL's host (a `HEAD` request whose status is ignored), so it
    /// sits warm in the pool when the first real request comes. Never throws; failures are
    /// logged at debug level and the first real request simply connects again.
    public func prewarm(urls: [String], timeout: Duration = .seconds(5)) async {
        await withTaskGroup(of: Void.self) { group in
            for url in Set(urls) {
                group.addTask {
                    var request = HTTPClientRequest(url: url)
                    request.method = .HEAD
                    do {
                        let response = try await self.http.execute(request, timeout: .init(timeout))
                        // Reading to the end is what returns the connection to the pool.
                        _ = try await response.body.collect(upTo: 64 * 1024)
                        self.logger.debug("prewarmed", metadata: ["http.host": "\(Self.host(of: url))"])
                    } catch {
                        self.logger.debug(
                            "prewarm failed",
                            metadata: ["http.host": "\(Self.host(of: url))", "error": "\(ProviderHTTPErrors.map(error, what: "prewarm"))"]
                        )
                    }
                }
            }
        }
    }

    /// Prewarms `urls` now and then every `interval` until the calling task is cancelled, so a
    /// call after a quiet spell still finds warm connections (servers and the pool drop idle
    /// ones). Run it as a long-lived service task; keep `interval` under the idle timeout.
    public func keepWarm(urls: [String], every interval: Duration = .seconds(60)) async {
        while !Task.isCancelled {
            await prewarm(urls: urls)
            try? await Task.sleep(for: interval)
        }
    }

    static func host(of url: String) -> Substring {
        let afterScheme = url.firstRange(of: "://").map { url[$0.upperBound...] } ?? Substring(url)
        return afterScheme.prefix { $0 != "/" && $0 != "?" }
    }
}

/// One request as a provider builds it. `what` names it in errors ("openai chat"); `secrets`
/// are scrubbed from any error text that comes back.
struct ProviderRequest: Sendable {
    var method: HTTPMethod = .POST
    var url: String
    var headers: HTTPHeaders = [:]
    var body: ByteBuffer?
    var what: String
    var secrets: [ProviderSecret] = []

    func clientRequest() -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body {
            request.body = .bytes(body)
        }
        return request
    }
}

extension ProviderHTTPClient {
    /// Sends `request` and hands the response body to `consume` while it streams in.
    ///
    /// A non-2xx status becomes ``ProviderError/http(status:body:)`` with the first 200 bytes
    /// of the body. `timeouts` bound the wait for the first body byte, each later gap and
    /// (optionally) the whole exchange; when one runs out the request is cancelled (the
    /// connection closed) and ``ProviderError/timeout(_:)`` thrown. Cancelling the calling task
    /// cancels the request the same way and throws `CancellationError`.
    func execute<Result: Sendable>(
        _ request: ProviderRequest,
        timeouts: RequestTimeouts,
        consume: @escaping @Sendable (ProviderResponseBody) async throws -> Result
    ) async throws -> Result {
        let meter = ProgressMeter(timeouts: timeouts)
        do {
            return try await meter.enforce(what: request.what) {
                let response = try await self.http.execute(
                    request.clientRequest(),
                    deadline: .now() + .init(timeouts.firstByte),
                    logger: self.logger
                )
                guard (200..<300).contains(response.status.code) else {
                    throw await Self.statusError(response, request: request)
                }
                return try await consume(ProviderResponseBody(response.body, meter: meter, what: request.what))
            }
        } catch {
            throw ProviderHTTPErrors.map(error, what: request.what)
        }
    }

    /// Sends `request` and returns the whole body (at most `limit` bytes).
    func collect(_ request: ProviderRequest, timeouts: RequestTimeouts, limit: Int = 1 << 20) async throws -> ByteBuffer {
        try await execute(request, timeouts: timeouts) { body in
            var all = ByteBuffer()
            for try await chunk in body {
                guard all.readableBytes + chunk.readableBytes <= limit else {
                    throw ProviderError.malformed("\(request.what): response larger than \(limit) bytes")
                }
                all.writeImmutableBuffer(chunk)
            }
            return all
        }
    }

    private static func statusError(_ response: HTTPClientResponse, request: ProviderRequest) async -> ProviderError {
        var prefix: [UInt8] = []
        // Read a little past 200 bytes and stop: the rest of an error page is not worth waiting for.
        do {
            for try await chunk in response.body {
                prefix.append(contentsOf: chunk.readableBytesView.prefix(256 - prefix.count))
                if prefix.count >= 256 { break }
            }
        } catch {
            // A body cut short still leaves the status worth reporting.
        }
        let text = String(decoding: prefix.prefix(200), as: UTF8.self)
        return .http(status: Int(response.status.code), body: Redaction.scrub(text, secrets: request.secrets))
    }
}

/// The response body of an ``ProviderHTTPClient/execute(_:timeouts:consume:)`` call: chunks as
/// they arrive, each one resetting the idle timer; errors mapped to ``ProviderError``.
struct ProviderResponseBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let body: HTTPClientResponse.Body
    let meter: ProgressMeter
    let what: String

    init(_ body: HTTPClientResponse.Body, meter: ProgressMeter, what: String) {
        self.body = body
        self.meter = meter
        self.what = what
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator
        let meter: ProgressMeter
        let what: String

        mutating func next() async throws -> ByteBuffer? {
            do {
                guard let chunk = try await base.next() else { return nil }
                meter.advance()
                return chunk
            } catch {
                throw ProviderHTTPErrors.map(error, what: what)
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: body.makeAsyncIterator(), meter: meter, what: what)
    }
}

import EarshotAudio
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Twilio's recordings API for one simulated account, on loopback: the caller's recordings at
/// `GET /2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}` (a `.wav` suffix is
/// accepted too) as 8 kHz 16-bit PCM WAV files, the way Twilio serves them.
///
/// It can act like the real thing in the ways that trip servers up: the first few requests
/// for a fresh recording answer 404 (Twilio's upload lag) and, with HTTP authentication
/// required on the account, a request without the account's Basic credentials gets 401.
///
/// ```swift
/// let server = try await RecordingServer.start(accountSid: sid, options: .init(notFoundFirst: 1))
/// let url = server.add(recordingSid: TwilioIdentifier.make("RE"), muLaw: utterance)
/// // … the server under test downloads `url` …
/// print(server.requestCounts(recordingSid: sid))
/// await server.stop()
/// ```
public final class RecordingServer: Sendable {
    /// How the server answers.
    public struct Options: Sendable {
        /// Answer 404 to the first `notFoundFirst` authorised GETs of each recording.
        public var notFoundFirst: Int
        /// When set, a request without `Authorization: Basic base64(user:password)` gets 401.
        public var requireBasicAuth: (user: String, password: String)?

        public init(notFoundFirst: Int = 0, requireBasicAuth: (user: String, password: String)? = nil) {
            self.notFoundFirst = notFoundFirst
            self.requireBasicAuth = requireBasicAuth
        }
    }

    /// How a recording's requests were answered.
    public struct RequestCounts: Sendable, Codable, Equatable, CustomStringConvertible {
        /// 200 with the file.
        public var ok = 0
        /// 404: the recording was not "uploaded" yet.
        public var notFound = 0
        /// 401: missing or wrong credentials.
        public var unauthorized = 0

        public init(ok: Int = 0, notFound: Int = 0, unauthorized: Int = 0) {
            self.ok = ok
            self.notFound = notFound
            self.unauthorized = unauthorized
        }

        public var total: Int { ok + notFound + unauthorized }

        /// `200×1 404×2`, or `none`.
        public var description: String {
            let parts = [(200, ok), (404, notFound), (401, unauthorized)].filter { $0.1 > 0 }.map { "\($0.0)×\($0.1)" }
            return parts.isEmpty ? "none" : parts.joined(separator: " ")
        }
    }

    /// The account whose recordings are served.
    public let accountSid: String
    public let options: Options
    /// The port bound on 127.0.0.1.
    public let port: Int
    private let channel: any Channel
    private let state: RecordingServerState

    private init(accountSid: String, options: Options, channel: any Channel, state: RecordingServerState) throws(SimulatorError) {
        guard let port = channel.localAddress?.port else { throw .connectFailed("recording server has no local port") }
        self.accountSid = accountSid
        self.options = options
        self.port = port
        self.channel = channel
        self.state = state
    }

    /// Binds 127.0.0.1 on a free port and starts answering.
    public static func start(
        accountSid: String, options: Options = .init(), eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RecordingServer {
        let expectedAuthorization = options.requireBasicAuth.map { "Basic " + Base64.encode(Array("\($0.user):\($0.password)".utf8)) }
        let state = RecordingServerState(
            recordingsPath: "/2010-04-01/Accounts/\(accountSid)/Recordings/",
            notFoundFirst: options.notFoundFirst, expectedAuthorization: expectedAuthorization)
        let channel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                state.opened(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RecordingRequestHandler(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        do {
            return try RecordingServer(accountSid: accountSid, options: options, channel: channel, state: state)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Where `recordingSid` is served: what Twilio posts as `RecordingUrl`.
    public func recordingURL(recordingSid: String) -> String {
        baseURL + "/2010-04-01/Accounts/\(accountSid)/Recordings/\(recordingSid)"
    }

    /// Makes `muLaw` (8 kHz) available as `recordingSid` and returns its URL.
    @discardableResult
    public func add(recordingSid: String, muLaw: [UInt8]) -> String {
        add(recordingSid: recordingSid, file: WAV.encode(pcm16: MuLaw.decode(muLaw), sampleRate: 8000))
    }

    /// Serves `file` exactly as given (a broken WAV, say) as `recordingSid` and returns its URL.
    @discardableResult
    public func add(recordingSid: String, file: [UInt8]) -> String {
        state.add(recordingSid, wav: file)
        return recordingURL(recordingSid: recordingSid)
    }

    /// How the requests for `recordingSid` were answered so far.
    public func requestCounts(recordingSid: String) -> RequestCounts {
        state.counts(recordingSid)
    }

    /// Requests for paths that are not a known recording (answered 404).
    public var unknownRequests: Int { state.unknownRequests }

    /// Stops listening and closes the connections still open.
    public func stop() async {
        try? await channel.close()
        for connection in state.openConnections() {
            try? await connection.close()
        }
    }
}

/// What the connections share: the recordings, the counters, the open connections.
/// Touched from the server's event loops and from the call's task, hence the lock.
private final class RecordingServerState: @unchecked Sendable {
    let recordingsPath: String
    let notFoundFirst: Int
    let expectedAuthorization: String?
    private let lock = NSLock()
    private var files: [String: [UInt8]] = [:]
    private var requestCounts: [String: RecordingServer.RequestCounts] = [:]
    private var unknown = 0
    private var connections: [ObjectIdentifier: any Channel] = [:]

    init(recordingsPath: String, notFoundFirst: Int, expectedAuthorization: String?) {
        self.recordingsPath = recordingsPath
        self.notFoundFirst = notFoundFirst
        self.expectedAuthorization = expectedAuthorization
    }

    func add(_ sid: String, wav: [UInt8]) {
        locked { files[sid] = wav }
    }

    func counts(_ sid: String) -> RecordingServer.RequestCounts {
        locked { requestCounts[sid] ?? .init() }
    }

    var unknownRequests: Int { locked { unknown } }

    func opened(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        locked { connections[id] = channel }
        channel.closeFuture.whenComplete { _ in self.locked { _ = self.connections.removeValue(forKey: id) } }
    }

    func openConnections() -> [any Channel] { locked { Array(connections.values) } }

    enum Answer {
        case file([UInt8])
        case notFound
        case unauthorized
    }

    /// Decides one request's answer and counts it.
    func answer(path: String, authorization: String?) -> Answer {
        guard let sid = recordingSid(in: path) else {
            locked { unknown += 1 }
            return .notFound
        }
        return locked {
            guard let file = files[sid] else {
                unknown += 1
                return .notFound
            }
            var counts = requestCounts[sid] ?? .init()
            defer { requestCounts[sid] = counts }
            if let expectedAuthorization, !Self.matches(authorization, expectedAuthorization) {
                counts.unauthorized += 1
                return .unauthorized
            }
            // Only requests that got past authentication see the upload lag.
            if counts.notFound < notFoundFirst {
                counts.notFound += 1
                return .notFound
            }
            counts.ok += 1
            return .file(file)
        }
    }

    /// `RE…` from `/2010-04-01/Accounts/AC…/Recordings/RE…[.wav][?query]`.
    private func recordingSid(in path: String) -> String? {
        var path = Substring(path)
        if let query = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<query] }
        guard path.hasPrefix(recordingsPath) else { return nil }
        var sid = path.dropFirst(recordingsPath.count)
        if sid.lowercased().hasSuffix(".wav") { sid = sid.dropLast(4) }
        return sid.isEmpty || sid.contains("/") ? nil : String(sid)
    }

    /// The scheme is case-insensitive, the credentials are not.
    private static func matches(_ header: String?, _ expected: String) -> Bool {
        guard let header else { return false }
        let parts = header.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
        let wanted = expected.split(separator: " ", maxSplits: 1)
        return parts.count == 2 && parts[0].lowercased() == wanted[0].lowercased()
            && parts[1].trimmingCharacters(in: .whitespaces) == wanted[1]
    }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// Answers each HTTP request on one connection from the shared state.
private final class RecordingRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: RecordingServerState
    private var head: HTTPRequestHead?

    init(state: RecordingServerState) { self.state = state }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        var body: [UInt8] = []
        if head.method != .GET && head.method != .HEAD {
            status = .methodNotAllowed
            headers.add(name: "Allow", value: "GET, HEAD")
        } else {
            switch state.answer(path: head.uri, authorization: head.headers.first(name: "Authorization")) {
            case .file(let wav):
                status = .ok
                headers.add(name: "Content-Type", value: "audio/x-wav")
                body = wav
            case .notFound:
                status = .notFound
                headers.add(name: "Content-Type", value: "application/json")
                body = Array(#"{"code": 20404, "message": "The requested resource was not found", "status": 404}"#.utf8)
            case .unauthorized:
                status = .unauthorized
                headers.add(name: "WWW-Authenticate", value: #"Basic realm="Twilio API""#)
                headers.add(name: "Content-Type", value: "application/json")
                body = Array(#"{"code": 20003, "message": "Authenticate", "status": 401}"#.utf8)
            }
        }
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: head.isKeepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD, !body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !head.isKeepAlive {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

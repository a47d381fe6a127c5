import EarshotAudio
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Which provider endpoint a request was for.
public enum FakeRoute: String, Sendable, CaseIterable, Hashable {
    /// `POST …/chat/completions` (OpenAI-compatible, SSE)
    case chat
    /// `POST …/audio/transcriptions` (OpenAI multipart)
    case transcription
    /// `POST …/audio/speech` (OpenAI, raw 24 kHz PCM)
    case openAISpeech
    /// `POST /v1/text-to-speech/{voice}/stream` (ElevenLabs, raw μ-law)
    case elevenLabsSpeech
    /// `POST /v1/speak` (Deepgram Aura, raw μ-law)
    case deepgramSpeak
    /// `POST /v1/listen` (Deepgram batch)
    case deepgramListen
    /// `GET /v1/listen` upgraded to a WebSocket (Deepgram live)
    case deepgramLive
    /// Anything else (prewarm `HEAD`s land here): 404.
    case other
}

/// A way for the fake to misbehave, applied to the routes in ``FakeKnobs/faultRoutes``.
public enum FakeFault: Sendable, Equatable {
    /// Answer with this status and body instead.
    case status(Int, body: String = #"{"error":{"message":"fake failure","type":"server_error"}}"#)
    /// A chunk (chat, live) or a whole body (STT) that is not JSON.
    case malformedJSON
    /// Close the TCP connection after this many body chunks (tokens, audio chunks, live results).
    case cutMidway(afterChunks: Int)
    /// Send this many chunks, then go silent with the connection open.
    case stall(afterChunks: Int)
    /// Read the request and never answer.
    case neverAnswer
}

/// What the fake answers and how fast. Every field can be changed while it runs.
public struct FakeKnobs: Sendable {
    public init() {}

    /// The chat reply, one SSE chunk per element.
    public var llmReply: [String] = ["Hello", " there", "!"]
    /// Delay before the first chat chunk (after the response head).
    public var llmFirstTokenDelay: Duration = .zero
    /// Delay between chat chunks.
    public var llmTokenDelay: Duration = .zero
    /// Write each SSE event in several pieces, a millisecond apart (splits lines and CRLFs).
    public var sseSplitWrites = false
    /// Line ending of the SSE stream ("\n", "\r\n" or "\r").
    public var sseLineEnding = "\n"
    /// OpenAI TTS audio (sent as 24 kHz 16-bit little-endian PCM).
    public var ttsPCM: [Int16] = FakeAudio.pcmPattern(count: 4_800)
    /// ElevenLabs / Deepgram TTS audio (sent as raw μ-law).
    public var ttsMuLaw: [UInt8] = FakeAudio.muLawPattern(count: 1_600)
    /// Bytes per TTS body chunk; odd by default so PCM samples straddle chunks.
    public var ttsChunkBytes = 1_001
    /// Delay before the first TTS audio chunk (after the response head).
    public var ttsFirstByteDelay: Duration = .zero
    /// Delay between TTS chunks.
    public var ttsChunkDelay: Duration = .zero
    /// What the STT endpoints hear, batch or live.
    public var sttText = "I would like to book a table"
    /// Delay before a batch STT answer.
    public var sttDelay: Duration = .zero
    /// Live: audio bytes per interim result (1,600 = 200 ms of 8 kHz μ-law).
    public var liveInterimEveryBytes = 1_600
    /// Live: words per segment before a segment is sent `is_final`.
    public var liveSegmentWords = 3
    /// The misbehaviour to apply, if any.
    public var fault: FakeFault?
    /// Routes the fault applies to; nil for all (except ``FakeRoute/other``).
    public var faultRoutes: Set<FakeRoute>?
    /// When set, requests must carry this key (Bearer, Token or xi-api-key per route); others
    /// get a 401 whose body echoes the key they sent, as real providers do.
    public var expectedKey: String?

    func fault(for route: FakeRoute) -> FakeFault? {
        guard route != .other, let fault else { return nil }
        if let faultRoutes, !faultRoutes.contains(route) { return nil }
        return fault
    }
}

/// One request as the fake received it.
struct FakeRequest: Sendable {
    var method: HTTPMethod
    var uri: String
    var headers: HTTPHeaders
    var body: [UInt8]

    var path: Substring { uri.prefix { $0 != "?" } }
    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// The query's value for `name` (no percent-decoding beyond what the tests need).
    func query(_ name: String) -> String? {
        guard let q = uri.firstIndex(of: "?") else { return nil }
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.first == Substring(name) { return parts.count > 1 ? String(parts[1]).removingPercentEncoding() : "" }
        }
        return nil
    }
}

/// What the fake has seen.
struct FakeStats: Sendable {
    /// Requests per route (a live session counts once, at its upgrade).
    var requests: [FakeRoute: Int] = [:]
    /// The last request per route, body included.
    var lastRequest: [FakeRoute: FakeRequest] = [:]
    var connectionsOpened = 0
    var connectionsClosed = 0
    /// Responses whose connection the client closed before the fake had finished (cancelled
    /// requests, timeouts, live sockets dropped mid-session).
    var responsesAbandoned = 0
    /// Text fields of the last multipart transcription request.
    var transcriptionFields: [String: String] = [:]
    /// The last uploaded utterance (multipart file or Deepgram batch body), decoded.
    var uploadedAudio: WAVAudio?
    /// Live: audio bytes received over all sessions.
    /// HTTP response body chunks written, all routes (a stream's progress as the server sees it).
    var bodyChunksSent = 0
    var liveAudioBytes = 0
    /// Live: binary (audio) messages received over all sessions.
    var liveAudioMessages = 0
    /// Live: `type` of each text message received, in order (Finalize, KeepAlive, CloseStream).
    var liveMessages: [String] = []
    /// Live: for each entry of ``liveMessages``, the session's audio bytes received before it.
    var liveAudioBytesBeforeMessage: [Int] = []
    /// Live: sessions that ended with the client's close frame or CloseStream.
    var liveSessionsClosedCleanly = 0

    func count(_ route: FakeRoute) -> Int { requests[route, default: 0] }
}

/// Fake OpenAI, ElevenLabs and Deepgram endpoints on 127.0.0.1 that speak the real wire
/// formats (HTTP/1.1 with chunked bodies, SSE, multipart, WebSocket), with knobs for timing
/// and faults and counters of what arrived. One server answers every route, so one base URL
/// (`baseURL`, plus `/v1` for the OpenAI-style clients) configures all providers.
///
///     let fake = FakeProviderServer()
///     let port = try await fake.start()
///     fake.llmReply = ["Hi", "!"]
///     fake.fault = .status(500)
///     …
///     try await fake.stop()
@dynamicMemberLookup
public final class FakeProviderServer: Sendable {
    private let knobs: NIOLockedValueBox<FakeKnobs>
    private let statistics = NIOLockedValueBox(FakeStats())
    private let state = NIOLockedValueBox<(server: (any Channel)?, children: [ObjectIdentifier: any Channel])>((nil, [:]))
    let group: any EventLoopGroup

    public init(_ knobs: FakeKnobs = FakeKnobs(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.knobs = NIOLockedValueBox(knobs)
        self.group = group
    }

    /// Read or change a knob: `fake.llmReply = […]`.
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<FakeKnobs, Value>) -> Value {
        get { knobs.withLockedValue { $0[keyPath: keyPath] } }
        set { knobs.withLockedValue { $0[keyPath: keyPath] = newValue } }
    }

    var currentKnobs: FakeKnobs { knobs.withLockedValue { $0 } }
    var stats: FakeStats { statistics.withLockedValue { $0 } }

    func record(_ update: (inout FakeStats) -> Void) {
        statistics.withLockedValue(update)
    }

    func resetStats() {
        statistics.withLockedValue { $0 = FakeStats() }
    }

    /// The port once started.
    public var port: Int? { state.withLockedValue { $0.server?.localAddress?.port } }
    /// `http://127.0.0.1:PORT` (append `/v1` for OpenAI-style base URLs).
    public var baseURL: String { "http://127.0.0.1:\(port ?? 0)" }
    /// `ws://127.0.0.1:PORT` for Deepgram live.
    public var webSocketURL: String { "ws://127.0.0.1:\(port ?? 0)" }

    /// Binds an ephemeral port on 127.0.0.1 and returns it.
    @discardableResult
    public func start() async throws -> Int {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel) }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        state.withLockedValue { $0.server = server }
        return server.localAddress?.port ?? 0
    }

    /// Closes the listening socket and every open connection.
    public func stop() async throws {
        let (server, children) = state.withLockedValue { state in
            defer { state = (nil, [:]) }
            return (state.server, Array(state.children.values))
        }
        for child in children { try? await child.close() }
        try await server?.close()
    }

    /// Polls the stats until `condition` holds or `timeout` passes; returns whether it held.
    func waitUntil(timeout: Duration = .seconds(3), _ condition: (FakeStats) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(stats) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition(stats)
    }

    private func configure(_ channel: any Channel) throws {
        let id = ObjectIdentifier(channel)
        state.withLockedValue { $0.children[id] = channel }
        record { $0.connectionsOpened += 1 }
        channel.closeFuture.whenComplete { [self] _ in
            state.withLockedValue { _ = $0.children.removeValue(forKey: id) }
            record { $0.connectionsClosed += 1 }
        }
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 20,
            shouldUpgrade: { [self] channel, head in
                channel.eventLoop.makeSucceededFuture(self.acceptsLiveUpgrade(head) ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { [self] channel, head in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FakeDeepgramLiveHandler(server: self))
                }
            }
        )
        let sync = channel.pipeline.syncOperations
        try sync.configureHTTPServerPipeline(
            withServerUpgrade: (
                upgraders: [upgrader],
                completionHandler: { context in
                    context.pipeline.syncOperations.removeHandler(name: FakeHTTPHandler.name, promise: nil)
                }
            )
        )
        try sync.addHandler(FakeHTTPHandler(server: self), name: FakeHTTPHandler.name)
    }

    /// Live sessions are upgraded unless the key is wrong or a fault says otherwise; a refused
    /// upgrade goes on as a plain request, which ``FakeHTTPHandler`` answers.
    private func acceptsLiveUpgrade(_ head: HTTPRequestHead) -> Bool {
        let request = FakeRequest(method: head.method, uri: head.uri, headers: head.headers, body: [])
        guard route(of: request) == .deepgramLive else { return false }
        let knobs = currentKnobs
        if let key = knobs.expectedKey, head.headers.first(name: "Authorization") != "Token \(key)" { return false }
        switch knobs.fault(for: .deepgramLive) {
        case .status, .neverAnswer: return false
        default: break
        }
        record {
            $0.requests[.deepgramLive, default: 0] += 1
            $0.lastRequest[.deepgramLive] = request
        }
        return true
    }

    func route(of request: FakeRequest) -> FakeRoute {
        let path = request.path
        switch request.method {
        case .POST:
            if path.hasSuffix("/chat/completions") { return .chat }
            if path.hasSuffix("/audio/transcriptions") { return .transcription }
            if path.hasSuffix("/audio/speech") { return .openAISpeech }
            if path.hasPrefix("/v1/text-to-speech/"), path.hasSuffix("/stream") { return .elevenLabsSpeech }
            if path == "/v1/speak" { return .deepgramSpeak }
            if path == "/v1/listen" { return .deepgramListen }
        case .GET:
            if path == "/v1/listen" { return .deepgramLive }
        default:
            break
        }
        return .other
    }
}

/// Deterministic test audio.
public enum FakeAudio {
    /// PCM covering the whole range, positive and negative, no two neighbours equal.
    public static func pcmPattern(count: Int) -> [Int16] {
        (0..<count).map { Int16(truncatingIfNeeded: $0 &* 2_654 &- 30_000) }
    }

    public static func muLawPattern(count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
    }

    /// An utterance as a caller's phone would send it: a 440 Hz tone, 8 kHz μ-law.
    public static func utterance(milliseconds: Int) -> [UInt8] {
        let samples = (0..<(milliseconds * 8)).map { i in
            Int16(8_000 * sin(2 * Double.pi * 440 * Double(i) / 8_000))
        }
        return MuLaw.encode(samples)
    }
}

extension String {
    func removingPercentEncoding() -> String {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

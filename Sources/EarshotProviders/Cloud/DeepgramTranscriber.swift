import EarshotAudio
import NIOCore
import NIOHTTP1

/// Deepgram speech to text: live streaming over a WebSocket (`/v1/listen` with raw 8 kHz
/// μ-law, interim results on), and batch transcription of one utterance by `POST /v1/listen`.
public struct DeepgramTranscriber: SpeechToText {
    public struct Configuration: Sendable, Equatable {
        /// Name for logs and metric labels.
        public var name: String
        /// REST root (batch), without the version.
        public var baseURL: String
        /// WebSocket root (live), without the version: `wss://…`, or `ws://…` for a local fake.
        public var streamingURL: String
        /// Sent as `Authorization: Token …`. Required.
        public var apiKey: ProviderSecret?
        /// `nova-3`, `nova-2-phonecall`…
        public var model: String
        /// Punctuation and number formatting (the LLM reads better text).
        public var smartFormat: Bool
        /// Silence (ms) after which Deepgram marks `speech_final`; nil for its default.
        public var endpointingMilliseconds: Int?
        /// Ask for `UtteranceEnd` messages after this many ms without words; nil for none.
        public var utteranceEndMilliseconds: Int?
        /// Further query parameters (`keyterm`, `numerals`, `mip_opt_out`…).
        public var extraParameters: [String: String]
        /// Longest wait for a batch transcription.
        public var timeout: Duration
        /// Longest wait to open the live socket (TCP, TLS and the upgrade).
        public var connectTimeout: Duration
        /// How often a live stream sends `KeepAlive` (Deepgram closes after 10 s without
        /// audio); nil to send none.
        public var keepAliveInterval: Duration?
        /// After `CloseStream`, how long to wait for Deepgram's last results before dropping
        /// the socket.
        public var closeGrace: Duration
        /// Audio per WebSocket message on a live stream: 20 ms frames are joined up to this
        /// (Deepgram advises 20–250 ms). Longer means fewer, cheaper writes and interim results
        /// up to that much later; `Finalize` and `CloseStream` send what is pending first.
        /// 20 ms or less sends every frame on its own.
        public var audioBatch: Duration

        public init(
            name: String = "deepgram",
            baseURL: String = "https://api.deepgram.com",
            streamingURL: String = "wss://api.deepgram.com",
            apiKey: ProviderSecret? = nil,
            model: String = "nova-3",
            smartFormat: Bool = true,
            endpointingMilliseconds: Int? = nil,
            utteranceEndMilliseconds: Int? = nil,
            extraParameters: [String: String] = [:],
            timeout: Duration = .seconds(10),
            connectTimeout: Duration = .seconds(5),
            keepAliveInterval: Duration? = .seconds(4),
            closeGrace: Duration = .seconds(3),
            audioBatch: Duration = .milliseconds(100)
        ) {
            self.name = name
            self.baseURL = baseURL
            self.streamingURL = streamingURL
            self.apiKey = apiKey
            self.model = model
            self.smartFormat = smartFormat
            self.endpointingMilliseconds = endpointingMilliseconds
            self.utteranceEndMilliseconds = utteranceEndMilliseconds
            self.extraParameters = extraParameters
            self.timeout = timeout
            self.connectTimeout = connectTimeout
            self.keepAliveInterval = keepAliveInterval
            self.closeGrace = closeGrace
            self.audioBatch = audioBatch
        }
    }

    public let configuration: Configuration
    private let client: ProviderHTTPClient

    public init(configuration: Configuration, client: ProviderHTTPClient = .shared) {
        self.configuration = configuration
        self.client = client
    }

    public var name: String { configuration.name }

    /// Batch: the utterance as a μ-law WAV file.
    public func transcribe(muLaw: [UInt8], language: String) async throws -> Transcript {
        guard !muLaw.isEmpty else { return Transcript(text: "") }
        let request = try makeBatchRequest(muLaw: muLaw, language: language)
        let body = try await client.collect(request, timeouts: .total(configuration.timeout))
        let answer = try ProviderJSON.decode(DeepgramBatchResponse.self, from: body, what: request.what)
        guard let best = answer.results.channels.first?.alternatives.first else {
            throw ProviderError.malformed("\(request.what): no alternatives in the answer")
        }
        return Transcript(text: best.transcript, isFinal: true, confidence: best.confidence)
    }

    /// Live: opens the socket and returns once Deepgram has accepted it.
    public func openStream(language: String) async throws -> (any SpeechToTextStream)? {
        try await openLiveStream(language: language, on: nil)
    }

    /// Live, with the socket on `eventLoop`: pass the call's media channel loop and
    /// ``DeepgramLiveStream/send(muLaw:)`` made from that loop writes directly, with no hop to
    /// another thread (the per-frame path stays on one core).
    public func openLiveStream(language: String, on eventLoop: (any EventLoop)?) async throws -> DeepgramLiveStream {
        let key = try requireKey()
        let url = EndpointURL.withQuery(
            EndpointURL.join(configuration.streamingURL, "v1/listen"),
            [
                ("encoding", "mulaw"), ("sample_rate", "8000"), ("channels", "1"), ("interim_results", "true"),
            ] + commonParameters(language: language)
        )
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Token \(key.value)")
        headers.add(name: "User-Agent", value: "earshot")
        let what = "\(configuration.name) stream"
        let connection = try await WebSocketClient.connect(
            to: url,
            headers: headers,
            group: client.eventLoopGroup,
            eventLoop: eventLoop,
            connectTimeout: configuration.connectTimeout,
            handshakeTimeout: configuration.connectTimeout,
            binaryBatching: batchLimits,
            what: what,
            secrets: [key]
        )
        return DeepgramLiveStream(
            connection: connection,
            keepAliveInterval: configuration.keepAliveInterval,
            closeGrace: configuration.closeGrace,
            what: what
        )
    }

    func makeBatchRequest(muLaw: [UInt8], language: String) throws -> ProviderRequest {
        let key = try requireKey()
        var headers = HTTPHeaders.provider(contentType: "audio/wav", accept: "application/json")
        headers.add(name: "Authorization", value: "Token \(key.value)")
        var body = ByteBuffer()
        body.writeBytes(WAV.encode(muLaw: muLaw, sampleRate: 8000))
        return ProviderRequest(
            url: EndpointURL.withQuery(EndpointURL.join(configuration.baseURL, "v1/listen"), commonParameters(language: language)),
            headers: headers,
            body: body,
            what: "\(configuration.name) transcription",
            secrets: [key]
        )
    }

    /// 8 kHz μ-law is 8 bytes a millisecond.
    private var batchLimits: BinaryFrameBatcher.Limits? {
        let bytes = Int(configuration.audioBatch / .milliseconds(1)) * 8
        return bytes > 160 ? BinaryFrameBatcher.Limits(bytes: bytes, delay: configuration.audioBatch) : nil
    }

    private func requireKey() throws -> ProviderSecret {
        guard let key = configuration.apiKey else {
            throw ProviderError.unavailable("\(configuration.name): no API key")
        }
        return key
    }

    /// Deepgram takes BCP 47 tags as they are ("en-US", "hi"); empty means its default.
    private func commonParameters(language: String) -> [(String, String)] {
        var items: [(String, String)] = [("model", configuration.model), ("language", language)]
        if configuration.smartFormat { items.append(("smart_format", "true")) }
        if let endpointing = configuration.endpointingMilliseconds { items.append(("endpointing", String(endpointing))) }
        if let utteranceEnd = configuration.utteranceEndMilliseconds { items.append(("utterance_end_ms", String(utteranceEnd))) }
        items += configuration.extraParameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return items
    }
}

private struct DeepgramBatchResponse: Decodable {
    struct Results: Decodable {
        var channels: [Channel]
    }
    struct Channel: Decodable {
        var alternatives: [Alternative]
    }
    struct Alternative: Decodable {
        var transcript: String
        var confidence: Double?
    }

    var results: Results
}

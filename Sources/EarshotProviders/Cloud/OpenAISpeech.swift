import NIOCore
import NIOHTTP1

/// Text to speech through OpenAI's `POST /audio/speech` with `response_format: "pcm"`: raw
/// 24 kHz 16-bit little-endian mono, streamed as it is generated and passed on chunk by chunk
/// as ``AudioChunk/pcm16(_:sampleRate:)`` (the gateway resamples to 8 kHz).
public struct OpenAISpeech: TextToSpeech {
    /// The rate OpenAI's `pcm` format always has.
    public static let sampleRate = 24_000

    public struct Configuration: Sendable, Equatable {
        /// Name for logs and metric labels.
        public var name: String
        /// API root, up to and including the version (`…/v1`).
        public var baseURL: String
        /// Sent as `Authorization: Bearer …`; nil for local servers that need none.
        public var apiKey: ProviderSecret?
        /// `gpt-4o-mini-tts`, `tts-1`, `tts-1-hd`.
        public var model: String
        /// `alloy`, `coral`, `nova`, `shimmer`…
        public var voice: String
        /// Speaking style for `gpt-4o-mini-tts` (ignored by `tts-1`).
        public var instructions: String?
        /// 0.25…4.0; nil for the default.
        public var speed: Double?
        /// Longest wait for the first audio bytes.
        public var firstByteTimeout: Duration
        /// Longest gap between two audio chunks.
        public var idleTimeout: Duration

        public init(
            name: String = "openai-tts",
            baseURL: String = "https://api.openai.com/v1",
            apiKey: ProviderSecret? = nil,
            model: String = "gpt-4o-mini-tts",
            voice: String = "alloy",
            instructions: String? = nil,
            speed: Double? = nil,
            firstByteTimeout: Duration = .seconds(5),
            idleTimeout: Duration = .seconds(5)
        ) {
            self.name = name
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
            self.voice = voice
            self.instructions = instructions
            self.speed = speed
            self.firstByteTimeout = firstByteTimeout
            self.idleTimeout = idleTimeout
        }
    }

    public let configuration: Configuration
    private let client: ProviderHTTPClient

    public init(configuration: Configuration, client: ProviderHTTPClient = .shared) {
        self.configuration = configuration
        self.client = client
    }

    public var name: String { configuration.name }

    /// `language` is not sent: OpenAI's voices speak the language of the text.
    public func synthesize(_ text: String, language: String) -> AsyncThrowingStream<AudioChunk, any Error> {
        let client = self.client
        return speechStream(text: text, firstByte: configuration.firstByteTimeout, idle: configuration.idleTimeout,
                            request: { try makeRequest(text) }) { request, timeouts in
            ProducerStream.make { continuation in
                try await client.execute(request, timeouts: timeouts) { body in
                    var assembler = PCM16LittleEndianAssembler()
                    for try await chunk in body {
                        let samples = assembler.samples(from: chunk)
                        if !samples.isEmpty {
                            continuation.yield(.pcm16(samples, sampleRate: Self.sampleRate))
                        }
                    }
                }
            }
        }
    }

    func makeRequest(_ text: String) throws -> ProviderRequest {
        var headers = HTTPHeaders.provider(contentType: "application/json")
        if let key = configuration.apiKey {
            headers.add(name: "Authorization", value: "Bearer \(key.value)")
        }
        let body = SpeechRequestBody(
            model: configuration.model,
            input: text,
            voice: configuration.voice,
            instructions: configuration.instructions,
            speed: configuration.speed
        )
        return ProviderRequest(
            url: EndpointURL.join(configuration.baseURL, "audio/speech"),
            headers: headers,
            body: try ProviderJSON.body(body),
            what: "\(configuration.name) speech",
            secrets: configuration.apiKey.map { [$0] } ?? []
        )
    }
}

private struct SpeechRequestBody: Encodable {
    var model: String
    var input: String
    var voice: String
    var responseFormat = "pcm"
    var instructions: String?
    var speed: Double?

    enum CodingKeys: String, CodingKey {
        case model, input, voice, instructions, speed
        case responseFormat = "response_format"
    }
}

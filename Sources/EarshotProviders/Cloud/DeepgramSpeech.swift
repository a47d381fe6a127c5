import NIOCore
import NIOHTTP1

/// Text to speech through Deepgram Aura's REST endpoint,
/// `POST /v1/speak?model=…&encoding=mulaw&sample_rate=8000&container=none`: raw 8 kHz μ-law,
/// streamed as it is generated and passed on as ``AudioChunk/muLaw(_:)``.
public struct DeepgramSpeech: TextToSpeech {
    public struct Configuration: Sendable, Equatable {
        /// Name for logs and metric labels.
        public var name: String
        /// API root, without the version.
        public var baseURL: String
        /// Sent as `Authorization: Token …`. Required.
        public var apiKey: ProviderSecret?
        /// The voice, which also fixes the language: `aura-2-thalia-en`, `aura-2-celeste-es`…
        public var model: String
        /// Longest wait for the first audio bytes.
        public var firstByteTimeout: Duration
        /// Longest gap between two audio chunks.
        public var idleTimeout: Duration

        public init(
            name: String = "deepgram-tts",
            baseURL: String = "https://api.deepgram.com",
            apiKey: ProviderSecret? = nil,
            model: String = "aura-2-thalia-en",
            firstByteTimeout: Duration = .seconds(5),
            idleTimeout: Duration = .seconds(5)
        ) {
            self.name = name
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
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

    /// `language` is not sent: an Aura model speaks one language, chosen with the model.
    public func synthesize(_ text: String, language: String) -> AsyncThrowingStream<AudioChunk, any Error> {
        speechStream(text: text, firstByte: configuration.firstByteTimeout, idle: configuration.idleTimeout,
                     request: { try makeRequest(text) }) { request, timeouts in
            MuLawSpeechStream.make(client: client, request: request, timeouts: timeouts)
        }
    }

    func makeRequest(_ text: String) throws -> ProviderRequest {
        guard let key = configuration.apiKey else {
            throw ProviderError.unavailable("\(configuration.name): no API key")
        }
        var headers = HTTPHeaders.provider(contentType: "application/json")
        headers.add(name: "Authorization", value: "Token \(key.value)")
        let url = EndpointURL.withQuery(
            EndpointURL.join(configuration.baseURL, "v1/speak"),
            [("model", configuration.model), ("encoding", "mulaw"), ("sample_rate", "8000"), ("container", "none")]
        )
        return ProviderRequest(
            url: url,
            headers: headers,
            body: try ProviderJSON.body(["text": text]),
            what: "\(configuration.name) speech",
            secrets: [key]
        )
    }
}

import NIOCore
import NIOHTTP1

/// Text to speech through ElevenLabs' streaming endpoint,
/// `POST /v1/text-to-speech/{voice_id}/stream?output_format=ulaw_8000`: raw 8 kHz μ-law,
/// the phone line's own format, passed on chunk by chunk as ``AudioChunk/muLaw(_:)``.
public struct ElevenLabsSpeech: TextToSpeech {
    public struct Configuration: Sendable, Equatable {
        /// Name for logs and metric labels.
        public var name: String
        /// API root, without the version.
        public var baseURL: String
        /// Sent as `xi-api-key`. Required.
        public var apiKey: ProviderSecret?
        /// The voice's id (from `GET /v1/voices`).
        public var voiceID: String
        /// `eleven_flash_v2_5` (lowest latency), `eleven_turbo_v2_5`, `eleven_multilingual_v2`…
        public var modelID: String
        /// Send the call's language as `language_code` (ISO 639-1). Only some models accept it
        /// (Flash and Turbo v2.5); others reject the request.
        public var sendsLanguageCode: Bool
        /// Longest wait for the first audio bytes.
        public var firstByteTimeout: Duration
        /// Longest gap between two audio chunks.
        public var idleTimeout: Duration

        public init(
            name: String = "elevenlabs",
            baseURL: String = "https://api.elevenlabs.io",
            apiKey: ProviderSecret? = nil,
            voiceID: String,
            modelID: String = "eleven_flash_v2_5",
            sendsLanguageCode: Bool = false,
            firstByteTimeout: Duration = .seconds(5),
            idleTimeout: Duration = .seconds(5)
        ) {
            self.name = name
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.voiceID = voiceID
            self.modelID = modelID
            self.sendsLanguageCode = sendsLanguageCode
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

    public func synthesize(_ text: String, language: String) -> AsyncThrowingStream<AudioChunk, any Error> {
        speechStream(text: text, firstByte: configuration.firstByteTimeout, idle: configuration.idleTimeout,
                     request: { try makeRequest(text, language: language) }) { request, timeouts in
            MuLawSpeechStream.make(client: client, request: request, timeouts: timeouts)
        }
    }

    func makeRequest(_ text: String, language: String) throws -> ProviderRequest {
        guard let key = configuration.apiKey else {
            throw ProviderError.unavailable("\(configuration.name): no API key")
        }
        var headers = HTTPHeaders.provider(contentType: "application/json")
        headers.add(name: "xi-api-key", value: key.value)
        let path = "v1/text-to-speech/\(EndpointURL.percentEncode(configuration.voiceID))/stream"
        let body = ElevenLabsRequestBody(
            text: text,
            modelID: configuration.modelID,
            languageCode: configuration.sendsLanguageCode ? LanguageTag.primary(language) : nil
        )
        return ProviderRequest(
            url: EndpointURL.withQuery(EndpointURL.join(configuration.baseURL, path), [("output_format", "ulaw_8000")]),
            headers: headers,
            body: try ProviderJSON.body(body),
            what: "\(configuration.name) speech",
            secrets: [key]
        )
    }
}

private struct ElevenLabsRequestBody: Encodable {
    var text: String
    var modelID: String
    var languageCode: String?

    enum CodingKeys: String, CodingKey {
        case text
        case modelID = "model_id"
        case languageCode = "language_code"
    }
}

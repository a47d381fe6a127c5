import NIOCore
import NIOHTTP1

/// Batch speech to text through OpenAI's `POST /audio/transcriptions` (whisper-1,
/// gpt-4o-transcribe…) or a compatible server (Groq, faster-whisper and whisper.cpp servers).
///
/// The utterance goes up as `utterance.wav` in a multipart form with `model`, `language` (the
/// ISO 639-1 part of the call's tag) and `response_format=json`; the answer is `{"text": …}`.
public struct OpenAITranscriber: SpeechToText {
    public struct Configuration: Sendable, Equatable {
        /// Name for logs and metric labels.
        public var name: String
        /// API root, up to and including the version (`…/v1`).
        public var baseURL: String
        /// Sent as `Authorization: Bearer …`; nil for local servers that need none.
        public var apiKey: ProviderSecret?
        /// `whisper-1`, `gpt-4o-transcribe`, `gpt-4o-mini-transcribe`, `whisper-large-v3` (Groq)…
        public var model: String
        /// How the audio is packed; PCM16 is the safe default for compatible servers.
        public var wavEncoding: UtteranceWAVEncoding
        /// Optional text to steer spelling (names, jargon).
        public var prompt: String?
        /// Longest wait for the whole answer.
        public var timeout: Duration

        public init(
            name: String = "openai-stt",
            baseURL: String = "https://api.openai.com/v1",
            apiKey: ProviderSecret? = nil,
            model: String = "whisper-1",
            wavEncoding: UtteranceWAVEncoding = .pcm16,
            prompt: String? = nil,
            timeout: Duration = .seconds(10)
        ) {
            self.name = name
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
            self.wavEncoding = wavEncoding
            self.prompt = prompt
            self.timeout = timeout
        }
    }

    public let configuration: Configuration
    private let client: ProviderHTTPClient

    public init(configuration: Configuration, client: ProviderHTTPClient = .shared) {
        self.configuration = configuration
        self.client = client
    }

    public var name: String { configuration.name }

    public func transcribe(muLaw: [UInt8], language: String) async throws -> Transcript {
        guard !muLaw.isEmpty else { return Transcript(text: "") }
        let request = makeRequest(muLaw: muLaw, language: language)
        let body = try await client.collect(request, timeouts: .total(configuration.timeout))
        let answer = try ProviderJSON.decode(TranscriptionResponse.self, from: body, what: request.what)
        return Transcript(text: String(answer.text.trimmingWhitespace()), isFinal: true)
    }

    func makeRequest(muLaw: [UInt8], language: String) -> ProviderRequest {
        var form = MultipartFormData()
        form.append(file: "file", filename: "utterance.wav", contentType: "audio/wav",
                    bytes: configuration.wavEncoding.wav(fromMuLaw: muLaw))
        form.append(field: "model", value: configuration.model)
        if let language = LanguageTag.primary(language) {
            form.append(field: "language", value: language)
        }
        if let prompt = configuration.prompt, !prompt.isEmpty {
            form.append(field: "prompt", value: prompt)
        }
        form.append(field: "response_format", value: "json")

        var headers = HTTPHeaders.provider(contentType: form.contentType, accept: "application/json")
        if let key = configuration.apiKey {
            headers.add(name: "Authorization", value: "Bearer \(key.value)")
        }
        return ProviderRequest(
            url: EndpointURL.join(configuration.baseURL, "audio/transcriptions"),
            headers: headers,
            body: form.finished(),
            what: "\(configuration.name) transcription",
            secrets: configuration.apiKey.map { [$0] } ?? []
        )
    }
}

private struct TranscriptionResponse: Decodable {
    var text: String
}

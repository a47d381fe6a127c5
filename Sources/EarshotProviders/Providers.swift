/// One line of a conversation, as sent to a language model.
public struct ChatMessage: Sendable, Equatable, Codable {
    public enum Role: String, Sendable, Codable { case system, user, assistant }
    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// Audio as a provider delivers it. μ-law 8 kHz goes to the caller as is; PCM is resampled.
public enum AudioChunk: Sendable, Equatable {
    /// 16-bit PCM samples at `sampleRate` Hz, mono.
    case pcm16([Int16], sampleRate: Int)
    /// G.711 μ-law at 8 kHz, mono (what the phone line carries).
    case muLaw([UInt8])
}

/// A transcript from a speech-to-text provider.
public struct Transcript: Sendable, Equatable {
    public var text: String
    /// False for interim (streaming) results that may still change.
    public var isFinal: Bool
    /// 0…1 when the provider reports it.
    public var confidence: Double?

    public init(text: String, isFinal: Bool = true, confidence: Double? = nil) {
        self.text = text
        self.isFinal = isFinal
        self.confidence = confidence
    }
}

/// Why a provider call failed. The description is one log line; it never contains a key.
public enum ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer (or no next chunk) within the configured time.
    case timeout(String)
    /// The provider answered with an HTTP error status.
    case http(status: Int, body: String)
    /// The answer did not follow the provider's wire format.
    case malformed(String)
    /// The connection or stream ended before the answer was complete.
    case disconnected(String)
    /// The provider cannot be used (missing key, model files, unsupported language…).
    case unavailable(String)

    public var description: String {
        switch self {
        case .timeout(let what): "timeout: \(what)"
        case .http(let status, let body): "HTTP \(status): \(body.prefix(200))"
        case .malformed(let what): "malformed response: \(what)"
        case .disconnected(let what): "disconnected: \(what)"
        case .unavailable(let what): "unavailable: \(what)"
        }
    }

    /// A short, bounded label for metrics (`timeout`, `http`, `malformed`, `disconnected`, `unavailable`).
    public var kind: String {
        switch self {
        case .timeout: "timeout"
        case .http: "http"
        case .malformed: "malformed"
        case .disconnected: "disconnected"
        case .unavailable: "unavailable"
        }
    }
}

/// Speech to text. Batch: a whole utterance in, text out. Streaming (optional): a session
/// opened at call start, fed every frame, giving interim and final transcripts.
public protocol SpeechToText: Sendable {
    /// A short name for logs and metric labels.
    var name: String { get }
    /// Transcribes one utterance of 8 kHz μ-law audio.
    func transcribe(muLaw: [UInt8], language: String) async throws -> Transcript
    /// Opens a streaming session, or returns nil when this provider only does batch.
    func openStream(language: String) async throws -> (any SpeechToTextStream)?
}

extension SpeechToText {
    public func openStream(language: String) async throws -> (any SpeechToTextStream)? { nil }
}

/// A streaming speech-to-text session for one call.
public protocol SpeechToTextStream: AnyObject, Sendable {
    /// Feeds 8 kHz μ-law audio (a 20 ms frame). Must not block: it queues and returns.
    func send(muLaw: [UInt8])
    /// Interim and final transcripts, in order, until the session is closed or fails.
    var transcripts: AsyncThrowingStream<Transcript, any Error> { get }
    /// Asks the provider to finalise what it has heard so far (end of the caller's turn).
    func finalize()
    /// Ends the session.
    func close()
}

/// Options for one completion.
public struct CompletionOptions: Sendable, Equatable {
    public var model: String
    public var temperature: Double
    public var maxTokens: Int

    public init(model: String, temperature: Double = 0.7, maxTokens: Int = 256) {
        self.model = model
        self.temperature = temperature
        self.maxTokens = maxTokens
    }
}

/// A chat model: messages in, a cancellable stream of text deltas out.
public protocol LanguageModel: Sendable {
    var name: String { get }
    /// Streams the reply's text as it is generated. Cancelling the consuming task stops it.
    func complete(_ messages: [ChatMessage], options: CompletionOptions) -> AsyncThrowingStream<String, any Error>
}

/// Text to speech: text in, a cancellable stream of audio chunks out.
public protocol TextToSpeech: Sendable {
    var name: String { get }
    /// Synthesises `text`. Cancelling the consuming task stops it.
    func synthesize(_ text: String, language: String) -> AsyncThrowingStream<AudioChunk, any Error>
}

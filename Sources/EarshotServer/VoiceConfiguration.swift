import EarshotConversation
import EarshotProviders
import Foundation

/// Which providers speak and listen, and how. Read from the environment or the config file
/// only (keys are secrets); `earshot serve --help` and README list every variable.
public struct VoiceConfiguration: Sendable {
    /// Speech to text: `sphinx` (offline), `openai` (Whisper-style /audio/transcriptions), `deepgram` (live).
    public var stt = "sphinx"
    /// Language model: `scripted` (offline rules), `openai` (any OpenAI-compatible chat completions).
    public var llm = "scripted"
    /// Text to speech: `espeak` (offline), `openai`, `elevenlabs`, `deepgram`.
    public var tts = "espeak"
    /// The pipeline's behaviour: language, prompts, phrases, completion options, timeouts.
    public var pipeline = PipelineResponder.Configuration()
    /// Whether a greeting was configured explicitly (otherwise the rules file's greeting is used offline).
    public var greetingConfigured = false
    public var openAIBaseURL = "https://api.openai.com/v1"
    public var openAIKey: ProviderSecret?
    /// The chat model's own base URL and key, when it is not OpenAI (Groq, OpenRouter, Ollama, vLLM…).
    public var llmBaseURL: String?
    public var llmKey: ProviderSecret?
    public var sttModel: String?
    public var ttsModel: String?
    public var ttsVoice: String?
    public var deepgramBaseURL = "https://api.deepgram.com"
    public var deepgramStreamingURL = "wss://api.deepgram.com"
    public var deepgramKey: ProviderSecret?
    public var elevenLabsBaseURL = "https://api.elevenlabs.io"
    public var elevenLabsKey: ProviderSecret?
    /// The scripted model's rules file (JSON); the built-in front-desk script when unset.
    public var rulesFile: String?
    /// Phrase cache budget (bytes of μ-law) and optional directory.
    public var cacheBytes = 8 << 20
    public var cacheDirectory: String?
    /// Connections the shared provider HTTP client keeps per provider host.
    public var connectionsPerHost = 64

    public init() {}

    public static let names = (stt: ["sphinx", "openai", "deepgram"], llm: ["scripted", "openai"], tts: ["espeak", "openai", "elevenlabs", "deepgram"])

    public static let settings: [(key: String, meaning: String)] = [
        ("EARSHOT_STT", "sphinx | openai | deepgram (default sphinx, offline)"),
        ("EARSHOT_LLM", "scripted | openai (default scripted, offline)"),
        ("EARSHOT_TTS", "espeak | openai | elevenlabs | deepgram (default espeak, offline)"),
        ("EARSHOT_LANGUAGE", "language for every provider, e.g. en-US, hi-IN (default en-US)"),
        ("EARSHOT_SYSTEM_PROMPT", "the model's system prompt"),
        ("EARSHOT_GREETING", "said when a call starts (offline default: the rules file's greeting)"),
        ("EARSHOT_FALLBACK_PHRASE", "said when a stage fails (default \"Sorry, could you say that again?\")"),
        ("EARSHOT_REPROMPT_PHRASE / EARSHOT_GOODBYE_PHRASE", "said after a silent turn, and before hanging up after EARSHOT_MAX_SILENT_TURNS (3) in a row (/voice)"),
        ("EARSHOT_FIXED_PHRASES", "more phrases to synthesise at start-up, separated by |"),
        ("EARSHOT_LLM_MODEL / EARSHOT_LLM_TEMPERATURE / EARSHOT_LLM_MAX_TOKENS", "completion options (gpt-4o-mini, 0.7, 256)"),
        ("EARSHOT_LLM_BASE_URL / EARSHOT_LLM_API_KEY", "an OpenAI-compatible chat endpoint other than OpenAI"),
        ("EARSHOT_OPENAI_API_KEY (or OPENAI_API_KEY) / EARSHOT_OPENAI_BASE_URL", "OpenAI key and base URL (https://api.openai.com/v1)"),
        ("EARSHOT_STT_MODEL / EARSHOT_TTS_MODEL / EARSHOT_TTS_VOICE", "provider models and voice"),
        ("EARSHOT_DEEPGRAM_API_KEY / EARSHOT_DEEPGRAM_BASE_URL / EARSHOT_DEEPGRAM_STREAMING_URL", "Deepgram"),
        ("EARSHOT_ELEVENLABS_API_KEY / EARSHOT_ELEVENLABS_BASE_URL", "ElevenLabs (voice: EARSHOT_TTS_VOICE)"),
        ("EARSHOT_RULES_FILE", "the offline scripted model's rules (JSON)"),
        ("EARSHOT_TTS_CACHE_BYTES / EARSHOT_TTS_CACHE_DIR", "phrase cache budget (8 MiB) and optional directory"),
        ("EARSHOT_STT_TIMEOUT_MS / EARSHOT_LLM_TIMEOUT_MS / EARSHOT_TTS_TIMEOUT_MS", "per-stage limits (10000 each)"),
        ("EARSHOT_PROVIDER_CONNECTIONS", "HTTP connections per provider host (64); raise it for hundreds of calls per host"),
    ]

    static func load(_ value: (String) -> String?) throws -> VoiceConfiguration {
        var v = VoiceConfiguration()
        func pick(_ key: String, _ allowed: [String]) throws -> String? {
            guard let text = value(key)?.lowercased(), !text.isEmpty else { return nil }
            guard allowed.contains(text) else {
                throw ConfigurationError.invalid(key, "expected one of \(allowed.joined(separator: ", ")), got '\(text)'")
            }
            return text
        }
        func number<T: LosslessStringConvertible>(_ key: String, _ check: (T) -> Bool) throws -> T? {
            guard let text = value(key) else { return nil }
            guard let n = T(text.trimmingCharacters(in: .whitespaces)), check(n) else {
                throw ConfigurationError.invalid(key, "out of range or not a number: '\(text)'")
            }
            return n
        }
        if let s = try pick("EARSHOT_STT", names.stt) { v.stt = s }
        if let s = try pick("EARSHOT_LLM", names.llm) { v.llm = s }
        if let s = try pick("EARSHOT_TTS", names.tts) { v.tts = s }
        if let s = value("EARSHOT_LANGUAGE"), !s.isEmpty { v.pipeline.language = s }
        if let s = value("EARSHOT_SYSTEM_PROMPT") { v.pipeline.systemPrompt = s }
        if let s = value("EARSHOT_GREETING") {
            v.pipeline.greeting = s
            v.greetingConfigured = true
        }
        if let s = value("EARSHOT_FALLBACK_PHRASE"), !s.isEmpty { v.pipeline.fallbackPhrase = s }
        if let s = value("EARSHOT_REPROMPT_PHRASE"), !s.isEmpty { v.pipeline.repromptPhrase = s }
        if let s = value("EARSHOT_GOODBYE_PHRASE"), !s.isEmpty { v.pipeline.goodbyePhrase = s }
        if let n: Int = try number("EARSHOT_MAX_SILENT_TURNS", { (1...100).contains($0) }) { v.pipeline.maxSilentTurns = n }
        if let s = value("EARSHOT_FIXED_PHRASES") {
            v.pipeline.fixedPhrases = s.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let s = value("EARSHOT_LLM_MODEL"), !s.isEmpty { v.pipeline.completion.model = s }
        if let t: Double = try number("EARSHOT_LLM_TEMPERATURE", { (0...2).contains($0) }) { v.pipeline.completion.temperature = t }
        if let n: Int = try number("EARSHOT_LLM_MAX_TOKENS", { (1...100_000).contains($0) }) { v.pipeline.completion.maxTokens = n }
        if let ms: Int = try number("EARSHOT_STT_TIMEOUT_MS", { (100...600_000).contains($0) }) { v.pipeline.sttTimeout = .milliseconds(ms) }
        if let ms: Int = try number("EARSHOT_LLM_TIMEOUT_MS", { (100...600_000).contains($0) }) { v.pipeline.llmFirstTokenTimeout = .milliseconds(ms) }
        if let ms: Int = try number("EARSHOT_TTS_TIMEOUT_MS", { (100...600_000).contains($0) }) { v.pipeline.ttsFirstByteTimeout = .milliseconds(ms) }
        if let s = value("EARSHOT_OPENAI_BASE_URL"), !s.isEmpty { v.openAIBaseURL = s }
        v.openAIKey = ProviderSecret(value("EARSHOT_OPENAI_API_KEY") ?? value("OPENAI_API_KEY"))
        v.llmBaseURL = value("EARSHOT_LLM_BASE_URL")
        v.llmKey = ProviderSecret(value("EARSHOT_LLM_API_KEY"))
        v.sttModel = value("EARSHOT_STT_MODEL")
        v.ttsModel = value("EARSHOT_TTS_MODEL")
        v.ttsVoice = value("EARSHOT_TTS_VOICE")
        if let s = value("EARSHOT_DEEPGRAM_BASE_URL"), !s.isEmpty { v.deepgramBaseURL = s }
        if let s = value("EARSHOT_DEEPGRAM_STREAMING_URL"), !s.isEmpty { v.deepgramStreamingURL = s }
        v.deepgramKey = ProviderSecret(value("EARSHOT_DEEPGRAM_API_KEY"))
        if let s = value("EARSHOT_ELEVENLABS_BASE_URL"), !s.isEmpty { v.elevenLabsBaseURL = s }
        v.elevenLabsKey = ProviderSecret(value("EARSHOT_ELEVENLABS_API_KEY"))
        v.rulesFile = value("EARSHOT_RULES_FILE")
        if let n: Int = try number("EARSHOT_TTS_CACHE_BYTES", { $0 >= 0 }) { v.cacheBytes = n }
        v.cacheDirectory = value("EARSHOT_TTS_CACHE_DIR")
        if let n: Int = try number("EARSHOT_PROVIDER_CONNECTIONS", { (1...100_000).contains($0) }) { v.connectionsPerHost = n }
        return v
    }
}

/// Builds the configured responder: the STT → LLM → TTS pipeline with its providers, or a
/// built-in `echo` / `tone`.
public enum ResponderFactory {
    public static let names = ["pipeline", "echo", "tone"]

    public static func make(_ configuration: EarshotConfiguration, client: ProviderHTTPClient = .shared) throws -> any Responder {
        switch configuration.responder {
        case "echo": return EchoResponder()
        case "tone": return ToneResponder()
        default: return try makePipeline(configuration.voice, client: client)
        }
    }

    /// The HTTP client the configured cloud providers share: the process-wide one, or one with
    /// a larger connection pool when `EARSHOT_PROVIDER_CONNECTIONS` asks for it.
    public static func httpClient(_ v: VoiceConfiguration) -> ProviderHTTPClient {
        guard v.connectionsPerHost != ProviderHTTPClient.shared.configuration.maxConnectionsPerHost else { return .shared }
        return ProviderHTTPClient(configuration: .init(maxConnectionsPerHost: v.connectionsPerHost))
    }

    public static func makePipeline(_ v: VoiceConfiguration, client: ProviderHTTPClient = .shared) throws -> PipelineResponder {
        let llm = try makeLanguageModel(v, client)
        var pipeline = v.pipeline
        if let scripted = llm as? ScriptedLanguageModel, !v.greetingConfigured {
            pipeline.greeting = scripted.script.greeting
        }
        let cache = PhraseCache(maxBytes: v.cacheBytes, directory: v.cacheDirectory.map { URL(fileURLWithPath: $0) })
        return PipelineResponder(stt: try makeSpeechToText(v, client), llm: llm, tts: try makeTextToSpeech(v, client), cache: cache,
                                 configuration: pipeline)
    }

    static func require(_ key: ProviderSecret?, _ variable: String, for provider: String) throws -> ProviderSecret {
        guard let key else { throw ConfigurationError.invalid(variable, "required by \(provider)") }
        return key
    }

    static func makeSpeechToText(_ v: VoiceConfiguration, _ client: ProviderHTTPClient) throws -> any SpeechToText {
        switch v.stt {
        case "openai":
            return OpenAITranscriber(configuration: .init(
                baseURL: v.openAIBaseURL, apiKey: try require(v.openAIKey, "EARSHOT_OPENAI_API_KEY", for: "EARSHOT_STT=openai"),
                model: v.sttModel ?? "whisper-1", timeout: v.pipeline.sttTimeout), client: client)
        case "deepgram":
            return DeepgramTranscriber(configuration: .init(
                baseURL: v.deepgramBaseURL, streamingURL: v.deepgramStreamingURL,
                apiKey: try require(v.deepgramKey, "EARSHOT_DEEPGRAM_API_KEY", for: "EARSHOT_STT=deepgram"),
                model: v.sttModel ?? "nova-3", timeout: v.pipeline.sttTimeout), client: client)
        default:
            guard SphinxTranscriber.supports(language: v.pipeline.language) else {
                throw ConfigurationError.invalid("EARSHOT_LANGUAGE", "the offline recogniser (sphinx) has English only; choose EARSHOT_STT=openai or deepgram for \(v.pipeline.language)")
            }
            do { return try SphinxTranscriber() } catch { throw ConfigurationError.invalid("EARSHOT_STT", "sphinx: \(error)") }
        }
    }

    static func makeLanguageModel(_ v: VoiceConfiguration, _ client: ProviderHTTPClient) throws -> any LanguageModel {
        switch v.llm {
        case "openai":
            let key = v.llmKey ?? v.openAIKey
            if v.llmBaseURL == nil { _ = try require(key, "EARSHOT_OPENAI_API_KEY", for: "EARSHOT_LLM=openai") }
            return OpenAIChatModel(configuration: .init(
                baseURL: v.llmBaseURL ?? v.openAIBaseURL, apiKey: key, model: v.pipeline.completion.model,
                firstTokenTimeout: v.pipeline.llmFirstTokenTimeout), client: client)
        default:
            do { return try ScriptedLanguageModel(scriptPath: v.rulesFile) } catch {
                throw ConfigurationError.invalid("EARSHOT_RULES_FILE", "\(error)")
            }
        }
    }

    static func makeTextToSpeech(_ v: VoiceConfiguration, _ client: ProviderHTTPClient) throws -> any TextToSpeech {
        switch v.tts {
        case "openai":
            return OpenAISpeech(configuration: .init(
                baseURL: v.openAIBaseURL, apiKey: try require(v.openAIKey, "EARSHOT_OPENAI_API_KEY", for: "EARSHOT_TTS=openai"),
                model: v.ttsModel ?? "gpt-4o-mini-tts", voice: v.ttsVoice ?? "alloy", firstByteTimeout: v.pipeline.ttsFirstByteTimeout),
                client: client)
        case "elevenlabs":
            guard let voice = v.ttsVoice else { throw ConfigurationError.invalid("EARSHOT_TTS_VOICE", "ElevenLabs needs a voice id") }
            return ElevenLabsSpeech(configuration: .init(
                baseURL: v.elevenLabsBaseURL, apiKey: try require(v.elevenLabsKey, "EARSHOT_ELEVENLABS_API_KEY", for: "EARSHOT_TTS=elevenlabs"),
                voiceID: voice, modelID: v.ttsModel ?? "eleven_flash_v2_5", firstByteTimeout: v.pipeline.ttsFirstByteTimeout),
                client: client)
        case "deepgram":
            return DeepgramSpeech(configuration: .init(
                baseURL: v.deepgramBaseURL, apiKey: try require(v.deepgramKey, "EARSHOT_DEEPGRAM_API_KEY", for: "EARSHOT_TTS=deepgram"),
                model: v.ttsModel ?? "aura-2-thalia-en", firstByteTimeout: v.pipeline.ttsFirstByteTimeout),
                client: client)
        default:
            return EspeakSpeech()
        }
    }

    /// The base URLs the configured cloud providers use, to open connections at start.
    public static func prewarmURLs(_ v: VoiceConfiguration) -> [String] {
        var urls: [String] = []
        if v.stt == "openai" || v.tts == "openai" { urls.append(v.openAIBaseURL) }
        if v.llm == "openai" { urls.append(v.llmBaseURL ?? v.openAIBaseURL) }
        if v.stt == "deepgram" || v.tts == "deepgram" { urls.append(v.deepgramBaseURL) }
        if v.tts == "elevenlabs" { urls.append(v.elevenLabsBaseURL) }
        return urls
    }
}

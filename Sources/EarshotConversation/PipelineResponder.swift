import EarshotAudio
import EarshotProviders
import Foundation
import Logging

/// The real conversation: speech → text → a streamed model reply → sentence by sentence
/// speech. The model's text is cut by ``SentenceSplitter`` while it streams, and each
/// piece is synthesised as soon as it is complete, so the model, the synthesis of sentence
/// n+1 and the playback of sentence n overlap. Any provider failure turns into the
/// fallback phrase, from the cache; the call goes on.
public struct PipelineResponder: Responder {
    public struct Configuration: Sendable {
        /// Language for every provider that takes one, e.g. "en-US", "hi-IN".
        public var language = "en-US"
        public var systemPrompt = "You are a friendly voice assistant on a phone call. Answer in one to three short sentences."
        /// Said when the call starts (empty: no greeting).
        public var greeting = "Hello! How can I help you today?"
        /// Said whenever a stage fails.
        public var fallbackPhrase = "Sorry, could you say that again?"
        /// Said when the caller was given a turn and said nothing.
        public var repromptPhrase = "Sorry, I didn't hear anything. Are you still there?"
        /// Said before hanging up after ``maxSilentTurns`` silent turns in a row.
        public var goodbyePhrase = "I can't hear you, so I'll hang up now. Goodbye!"
        /// Silent turns in a row after which the call is ended.
        public var maxSilentTurns = 3
        /// Phrases to synthesise at start-up, besides the greeting and the fallback.
        public var fixedPhrases: [String] = []
        public var completion = CompletionOptions(model: "gpt-4o-mini")
        /// Limits for each stage: no answer in time is a failure of that stage.
        public var sttTimeout: Duration = .seconds(10)
        public var llmFirstTokenTimeout: Duration = .seconds(10)
        public var ttsFirstByteTimeout: Duration = .seconds(10)
        /// The marker a model puts in its reply to end the call (after saying the reply).
        public var endCallMarker = "[END_CALL]"
        /// Quality of PCM → 8 kHz resampling (0…10).
        public var resampleQuality = 4

        public init() {}
    }

    public let name = "pipeline"
    public let stt: any SpeechToText
    public let llm: any LanguageModel
    public let tts: any TextToSpeech
    public let cache: PhraseCache
    public let configuration: Configuration

    public init(stt: any SpeechToText, llm: any LanguageModel, tts: any TextToSpeech, cache: PhraseCache, configuration: Configuration) {
        self.stt = stt
        self.llm = llm
        self.tts = tts
        self.cache = cache
        self.configuration = configuration
    }

    /// Synthesises the greeting, the fallback and the fixed phrases into the cache (pinned).
    /// Returns the phrases that could not be synthesised.
    public func warmCache() async -> [String] {
        var failed: [String] = []
        let phrases = [configuration.greeting, configuration.fallbackPhrase, configuration.repromptPhrase, configuration.goodbyePhrase]
        for phrase in phrases + configuration.fixedPhrases where !phrase.isEmpty {
            if cache.audio(for: cacheKey(phrase)) != nil { continue }
            do {
                cache.insert(cacheKey(phrase), audio: try await synthesizeAll(phrase), pinned: true)
            } catch {
                failed.append(phrase)
            }
        }
        return failed
    }

    public func openTranscriber(for call: CallInfo) async -> LiveTranscriber? {
        guard let stream = try? await stt.openStream(language: configuration.language) else { return nil }
        return LiveTranscriber(stream: stream)
    }

    public func reply(to input: TurnInput) -> AsyncThrowingStream<ReplyEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                await run(input, continuation)
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func run(_ input: TurnInput, _ out: AsyncThrowingStream<ReplyEvent, any Error>.Continuation) async {
        let userText: String
        switch input.kind {
        case .callStarted:
            if !configuration.greeting.isEmpty { await speak(configuration.greeting, out) }
            return
        case .dtmf(let digits):
            userText = "(The caller pressed \(digits) on the keypad.)"
        case .silence(let consecutive):
            if consecutive >= configuration.maxSilentTurns {
                await speak(configuration.goodbyePhrase, out)
                out.yield(.hangUp)
            } else {
                await speak(configuration.repromptPhrase, out)
            }
            return
        case .unheard(let reason):
            out.yield(.failure(stage: "audio", reason: reason))
            return await speak(configuration.fallbackPhrase, out)
        case .speech(let audio):
            let started = ContinuousClock.now
            do {
                let text: String
                if let live = input.transcriber {
                    text = try await live.takeTurn(timeout: configuration.sttTimeout)
                } else {
                    text = try await withTimeout(configuration.sttTimeout, stage: "stt") {
                        try await stt.transcribe(muLaw: audio, language: configuration.language).text
                    }
                }
                out.yield(.timing(.stt, milliseconds: started.millisecondsSince))
                userText = text.trimmingWhitespace
            } catch {
                return await fail("stt", error, out)
            }
            out.yield(.transcript(userText))
            guard !userText.isEmpty else {
                // Heard nothing usable: ask again rather than send silence to the model.
                return await speak(configuration.fallbackPhrase, out)
            }
        }
        let messages = [ChatMessage(role: .system, content: configuration.systemPrompt)] + input.history
            + [ChatMessage(role: .user, content: userText)]
        await converse(messages, out)
    }

    /// Streams the model's reply through the splitter into synthesis, one sentence at a time.
    private func converse(_ messages: [ChatMessage], _ out: AsyncThrowingStream<ReplyEvent, any Error>.Continuation) async {
        let (sentences, sentenceSink) = AsyncStream<String>.makeStream()
        let marker = configuration.endCallMarker
        let started = ContinuousClock.now
        let llmResult = Task { () -> (endCall: Bool, error: (any Error)?) in
            var splitter = SentenceSplitter()
            var endCall = false
            var first = true
            defer { sentenceSink.finish() }
            do {
                let deltas = firstElement(of: llm.complete(messages, options: configuration.completion),
                                          within: configuration.llmFirstTokenTimeout, stage: "llm")
                for try await delta in deltas {
                    if first {
                        out.yield(.timing(.llmFirstToken, milliseconds: started.millisecondsSince))
                        first = false
                    }
                    var text = delta
                    if text.contains(marker) {
                        endCall = true
                        text = text.replacingOccurrences(of: marker, with: "")
                    }
                    for sentence in splitter.feed(text) { sentenceSink.yield(sentence) }
                }
                for sentence in splitter.flush() { sentenceSink.yield(sentence) }
                return (endCall, nil)
            } catch {
                return (endCall, error)
            }
        }
        // The model's task is not a child of this one: tie its life to this turn explicitly.
        await withTaskCancellationHandler {
            await speakSentences(sentences, llmResult: llmResult, marker: marker, out)
        } onCancel: {
            llmResult.cancel()
        }
    }

    private func speakSentences(
        _ sentences: AsyncStream<String>, llmResult: Task<(endCall: Bool, error: (any Error)?), Never>, marker: String,
        _ out: AsyncThrowingStream<ReplyEvent, any Error>.Continuation
    ) async {
        var spoke = false
        var ttsFailure: (any Error)?
        for await sentence in sentences {
            if Task.isCancelled { break }
            let clean = sentence.replacingOccurrences(of: marker, with: "").trimmingWhitespace
            guard !clean.isEmpty, ttsFailure == nil else { continue }
            do {
                try await speakThrowing(clean, timed: !spoke, out)
                spoke = true
            } catch {
                ttsFailure = error
            }
        }
        let result = await llmResult.value
        if Task.isCancelled { return }
        if let error = result.error { return await fail("llm", error, out) }
        if let ttsFailure { return await fail("tts", ttsFailure, out) }
        if !spoke { return await fail("llm", ProviderError.malformed("empty reply"), out) }
        if result.endCall { out.yield(.hangUp) }
    }

    /// Speaks a phrase, from the cache when possible; a synthesis failure is reported, not thrown.
    private func speak(_ text: String, _ out: AsyncThrowingStream<ReplyEvent, any Error>.Continuation) async {
        do {
            try await speakThrowing(text, timed: false, out)
        } catch {
            out.yield(.failure(stage: "tts", reason: "\(error)"))
        }
    }

    /// One segment: its text, then its audio — cached, or streamed from the TTS and cached.
    private func speakThrowing(_ text: String, timed: Bool, _ out: AsyncThrowingStream<ReplyEvent, any Error>.Continuation) async throws {
        out.yield(.segment(text: text))
        let key = cacheKey(text)
        if let audio = cache.audio(for: key) {
            out.yield(.audio(audio))
            return
        }
        let started = ContinuousClock.now
        var collected: [UInt8] = []
        var first = true
        let converter = AudioConverter(quality: configuration.resampleQuality)
        let chunks = firstElement(of: tts.synthesize(text, language: configuration.language),
                                  within: configuration.ttsFirstByteTimeout, stage: "tts")
        for try await chunk in chunks {
            if first {
                if timed { out.yield(.timing(.ttsFirstByte, milliseconds: started.millisecondsSince)) }
                first = false
            }
            let audio = try converter.muLaw(chunk)
            guard !audio.isEmpty else { continue }
            collected += audio
            out.yield(.audio(audio))
        }
        if Task.isCancelled { return } // a partial phrase is not worth keeping
        cache.insert(key, audio: collected)
    }

    /// Reports a failed stage and says the fallback phrase instead.
    private func fail(_ stage: String, _ error: any Error, _ out: AsyncThrowingStream<ReplyEvent, any Error>.Continuation) async {
        if Task.isCancelled || error is CancellationError { return }
        out.yield(.failure(stage: stage, reason: "\(error)"))
        await speak(configuration.fallbackPhrase, out)
    }

    private func synthesizeAll(_ text: String) async throws -> [UInt8] {
        let converter = AudioConverter(quality: configuration.resampleQuality)
        var audio: [UInt8] = []
        for try await chunk in tts.synthesize(text, language: configuration.language) { audio += try converter.muLaw(chunk) }
        return audio
    }

    private func cacheKey(_ text: String) -> String { PhraseCache.key(text: text, voice: tts.name + "/" + configuration.language) }
}

/// Provider audio → 8 kHz μ-law, keeping resampler state across the chunks of one phrase.
final class AudioConverter: @unchecked Sendable {
    private let quality: Int
    private var resampler: Resampler?

    init(quality: Int) { self.quality = quality }

    func muLaw(_ chunk: AudioChunk) throws -> [UInt8] {
        switch chunk {
        case .muLaw(let bytes):
            return bytes
        case .pcm16(let samples, let rate):
            if rate == 8000 { return MuLaw.encode(samples) }
            if resampler == nil || resampler?.inputRate != rate { resampler = try Resampler(from: rate, to: 8000, quality: quality) }
            return MuLaw.encode(try resampler!.process(samples))
        }
    }
}

/// The same stream, failing with ProviderError.timeout when its first element takes longer than `limit`.
func firstElement<T: Sendable>(of stream: AsyncThrowingStream<T, any Error>, within limit: Duration, stage: String) -> AsyncThrowingStream<T, any Error> {
    AsyncThrowingStream { continuation in
        let timer = Task {
            try await Task.sleep(for: limit)
            continuation.finish(throwing: ProviderError.timeout("\(stage) gave no first answer within \(limit)"))
        }
        let pump = Task {
            do {
                for try await element in stream {
                    timer.cancel()
                    continuation.yield(element)
                }
                timer.cancel()
                continuation.finish()
            } catch {
                timer.cancel()
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in
            timer.cancel()
            pump.cancel()
        }
    }
}

/// Runs `body`, failing with ProviderError.timeout when it takes longer than `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, stage: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw ProviderError.timeout("\(stage) gave no answer within \(limit)")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

extension ContinuousClock.Instant {
    /// Milliseconds from this instant to now.
    public var millisecondsSince: Double {
        let d = ContinuousClock.now - self
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}

import Foundation

/// Offline text to speech: espeak-ng, 16-bit PCM at 22,050 Hz.
///
/// espeak-ng is one engine per process, so every instance shares one owner thread and its
/// queue: requests are spoken one after another, a sentence at a time. A sentence takes a few
/// milliseconds to tens of milliseconds (espeak-ng runs some hundred times faster than real
/// time), then goes out in ``Configuration/chunkMilliseconds`` pieces; cancelling the consumer
/// drops the request if still queued, or stops it at the next sentence or chunk.
public struct EspeakSpeech: TextToSpeech {
    public struct Configuration: Sendable, Equatable {
        /// The espeak-ng-data directory (or its parent); nil: the library's default, which is
        /// `$ESPEAK_DATA_PATH` or Debian's `/usr/lib/<arch>/espeak-ng-data`. The first request
        /// of the process fixes it.
        public var dataDirectory: String?
        /// A voice variant for every language, e.g. "f3" (female) or "m2"; nil: the language's own.
        public var variant: String?
        /// Speaking rate, 80…450 words per minute.
        public var wordsPerMinute: Int
        /// Audio per yielded chunk, in milliseconds.
        public var chunkMilliseconds: Int

        public init(dataDirectory: String? = nil, variant: String? = nil, wordsPerMinute: Int = 165, chunkMilliseconds: Int = 100) {
            self.dataDirectory = dataDirectory
            self.variant = variant
            self.wordsPerMinute = wordsPerMinute
            self.chunkMilliseconds = chunkMilliseconds
        }

        /// Defaults overridden by `EARSHOT_ESPEAK_DATA`, `EARSHOT_ESPEAK_VARIANT` and
        /// `EARSHOT_ESPEAK_RATE`.
        public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Configuration {
            func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
            var configuration = Configuration(dataDirectory: value("EARSHOT_ESPEAK_DATA"), variant: value("EARSHOT_ESPEAK_VARIANT"))
            if let rate = value("EARSHOT_ESPEAK_RATE").flatMap(Int.init) { configuration.wordsPerMinute = rate }
            return configuration
        }
    }

    /// espeak-ng's output rate.
    public static let sampleRate = EspeakEngine.sampleRate

    public let name = "espeak-ng"
    public let configuration: Configuration

    public init(configuration: Configuration = .fromEnvironment()) {
        self.configuration = configuration
    }

    public func synthesize(_ text: String, language: String) -> AsyncThrowingStream<AudioChunk, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: AudioChunk.self)
        let request = SpeechRequest(text: text, language: language, configuration: configuration, output: continuation)
        continuation.onTermination = { _ in request.cancel() }
        let queued = EspeakEngine.thread.submit { engine in request.run(on: engine) }
        if !queued { continuation.finish(throwing: ProviderError.unavailable("espeak-ng: engine thread stopped")) }
        return stream
    }

    /// Resolves a language code to the espeak-ng voice that would speak it ("hi-IN" → "hi"),
    /// or throws ``ProviderError/unavailable(_:)``. Runs on the owner thread, after queued speech.
    public func voice(for language: String) async throws -> String {
        let configuration = configuration
        return try await EspeakEngine.thread.perform { engine in
            _ = try engine.open(dataDirectory: configuration.dataDirectory)
            return try engine.selectVoice(language: language, variant: configuration.variant)
        }
    }
}

/// One synthesis: made on the caller's side, run and finished on the owner thread.
private final class SpeechRequest: @unchecked Sendable {
    private let text: String
    private let language: String
    private let configuration: EspeakSpeech.Configuration
    private let output: AsyncThrowingStream<AudioChunk, any Error>.Continuation
    private let lock = NSLock()
    private var cancelled = false

    init(text: String, language: String, configuration: EspeakSpeech.Configuration,
         output: AsyncThrowingStream<AudioChunk, any Error>.Continuation) {
        self.text = text
        self.language = language
        self.configuration = configuration
        self.output = output
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    private var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    func run(on engine: Result<EspeakEngine, any Error>) {
        guard !isCancelled else { return }
        do {
            let engine = try engine.get()
            _ = try engine.open(dataDirectory: configuration.dataDirectory)
            try engine.selectVoice(language: language, variant: configuration.variant)
            try engine.setRate(wordsPerMinute: configuration.wordsPerMinute)
            let chunk = max(1, EspeakEngine.sampleRate * configuration.chunkMilliseconds / 1000)
            for piece in SpeechText.pieces(text) {
                guard !isCancelled else { break }
                try engine.speak(piece) { samples in
                    var start = samples.startIndex
                    while start < samples.endIndex, !isCancelled {
                        let end = min(start + chunk, samples.endIndex)
                        output.yield(.pcm16(Array(samples[start..<end]), sampleRate: EspeakEngine.sampleRate))
                        start = end
                    }
                }
            }
            output.finish()
        } catch {
            output.finish(throwing: error)
        }
    }
}

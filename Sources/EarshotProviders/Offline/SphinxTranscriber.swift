import Foundation

/// Offline speech to text: CMU pocketsphinx with Debian's US-English model (`pocketsphinx-en-us`).
///
/// Each utterance of 8 kHz μ-law is upsampled to the model's 16 kHz and decoded whole. The
/// model's filter bank (130–6,800 Hz) was trained on 16 kHz audio; decoding at 8 kHz would need
/// a narrower one than the model knows, and recognised almost nothing when measured. Plain
/// linear interpolation (the default ``Upsampling``) recognised the recorded fixture clearly
/// better than speexdsp's band-limited resampler (5 of 5 keywords against 3), and espeak-ng
/// speech as well, presumably because its spectral images put speech-like energy into the
/// 4–6.8 kHz filters that a clean phone band leaves empty.
///
/// Decoders are single-threaded, ~110 MB each and cost CPU for a third of the audio's duration,
/// so each runs on a thread of its own (``Configuration/decoders``, default 1) and callers queue.
/// Models load on first use, or at ``warmUp()``.
public final class SphinxTranscriber: SpeechToText {
    /// How 8 kHz calls reach a 16 kHz model.
    public enum Upsampling: String, Sendable, Equatable {
        /// Linear interpolation: leaves spectral images above 4 kHz; recognised better here.
        case linear
        /// speexdsp's band-limited resampler (quality 5): nothing above 4 kHz.
        case bandLimited = "band-limited"
    }

    public struct Configuration: Sendable, Equatable {
        /// Where Debian's `pocketsphinx-en-us` installs the model.
        public static let debianModelDirectory = "/usr/share/pocketsphinx/model/en-us"

        /// Acoustic model directory (pocketsphinx `-hmm`).
        public var acousticModel: String
        /// N-gram language model, ARPA or binary (`-lm`).
        public var languageModel: String
        /// Pronunciation dictionary (`-dict`).
        public var dictionary: String
        /// The rate the acoustic model was trained at: 16000 (Debian's en-us; calls are upsampled)
        /// or 8000 (a telephone model; calls are decoded as they are).
        public var modelSampleRate: Int
        /// How 8 kHz audio is brought to a 16 kHz model.
        public var upsampling: Upsampling
        /// Decoders, each with its own thread and its own copy of the model.
        public var decoders: Int
        /// Further pocketsphinx options applied last, e.g. `["-beam": "1e-40"]`.
        public var options: [String: String]

        /// The model files under `modelDirectory`, named as in Debian's package:
        /// `en-us/` (acoustic), `en-us.lm.bin` and `cmudict-en-us.dict`.
        public init(modelDirectory: String = debianModelDirectory, decoders: Int = 1, options: [String: String] = [:]) {
            acousticModel = modelDirectory + "/en-us"
            languageModel = modelDirectory + "/en-us.lm.bin"
            dictionary = modelDirectory + "/cmudict-en-us.dict"
            modelSampleRate = 16000
            upsampling = .linear
            self.decoders = decoders
            self.options = options
        }

        /// Defaults overridden by `EARSHOT_SPHINX_MODEL_DIR` (a directory laid out like Debian's),
        /// then `EARSHOT_SPHINX_HMM`, `EARSHOT_SPHINX_LM`, `EARSHOT_SPHINX_DICT` (single files),
        /// `EARSHOT_SPHINX_RATE` (8000 or 16000), `EARSHOT_SPHINX_UPSAMPLING` (`linear` or
        /// `band-limited`) and `EARSHOT_SPHINX_DECODERS`.
        public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Configuration {
            func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
            var configuration = Configuration(modelDirectory: value("EARSHOT_SPHINX_MODEL_DIR") ?? debianModelDirectory)
            if let hmm = value("EARSHOT_SPHINX_HMM") { configuration.acousticModel = hmm }
            if let lm = value("EARSHOT_SPHINX_LM") { configuration.languageModel = lm }
            if let dict = value("EARSHOT_SPHINX_DICT") { configuration.dictionary = dict }
            if let rate = value("EARSHOT_SPHINX_RATE").flatMap(Int.init) { configuration.modelSampleRate = rate }
            if let upsampling = value("EARSHOT_SPHINX_UPSAMPLING").flatMap(Upsampling.init(rawValue:)) {
                configuration.upsampling = upsampling
            }
            if let decoders = value("EARSHOT_SPHINX_DECODERS").flatMap(Int.init) { configuration.decoders = decoders }
            return configuration
        }
    }

    public let name = "pocketsphinx"
    public let configuration: Configuration
    private let threads: [EngineThread<SphinxDecoder>]

    /// Checks the configuration and starts the decoder threads; models load on first use.
    public init(configuration: Configuration = .fromEnvironment()) throws(ProviderError) {
        guard configuration.modelSampleRate == 8000 || configuration.modelSampleRate == 16000 else {
            throw .unavailable("pocketsphinx: model sample rate must be 8000 or 16000, not \(configuration.modelSampleRate)")
        }
        guard (1...16).contains(configuration.decoders) else {
            throw .unavailable("pocketsphinx: decoders must be 1…16, not \(configuration.decoders)")
        }
        self.configuration = configuration
        threads = (0..<configuration.decoders).map { index in
            EngineThread(name: "pocketsphinx-\(index)") { try SphinxDecoder(configuration: configuration) }
        }
    }

    deinit { threads.forEach { $0.stop() } }

    /// Loads every decoder now rather than on the first call; throws if the model is unusable.
    public func warmUp() async throws {
        for thread in threads { _ = try await thread.perform { _ in () } }
    }

    /// English only (`en`, `en-US`, `en_GB`, …; an empty code counts as English).
    public static func supports(language: String) -> Bool {
        let primary = language.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first
        return primary == nil || primary == "en"
    }

    public func transcribe(muLaw: [UInt8], language: String) async throws -> Transcript {
        guard Self.supports(language: language) else {
            throw ProviderError.unavailable("pocketsphinx: no model for language '\(language)' (English only)")
        }
        guard !muLaw.isEmpty else { return Transcript(text: "") }
        let thread = threads.min { $0.load < $1.load }!
        let text = try await thread.perform { decoder in try decoder.transcribe(muLaw: muLaw) }
        return Transcript(text: text, isFinal: true)
    }
}

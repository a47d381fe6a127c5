import Foundation
internal import CEarshotVoice

/// The process's espeak-ng, used only on ``EspeakEngine/thread``. espeak-ng is one global
/// engine (one synthesis at a time per process), so every ``EspeakSpeech`` shares this.
final class EspeakEngine {
    /// The owner thread; it lives as long as the process, as does espeak-ng once started.
    static let thread = EngineThread<EspeakEngine>(name: "espeak-ng") { EspeakEngine() }

    static let sampleRate = 22_050

    private var handle: OpaquePointer?
    private var dataDirectory: String?
    /// Language code → espeak-ng voice that answered for it (nil: none does).
    private var resolved: [String: String?] = [:]
    private var currentVoice: String?
    private var currentRate: Int32?
    private var samples = [Int16](repeating: 0, count: 22_050 * 8)
    /// Pieces synthesised so far (tests check that cancelled work is dropped).
    private(set) var piecesSpoken = 0

    deinit { es_espeak_destroy(handle) }

    /// Starts espeak-ng on first use with `dataDirectory`; later requests must agree with it.
    func open(dataDirectory: String?) throws(ProviderError) -> OpaquePointer {
        if let handle {
            guard dataDirectory == self.dataDirectory else {
                throw .unavailable("espeak-ng: already started with data directory \(self.dataDirectory ?? "(default)"), cannot switch to \(dataDirectory ?? "(default)")")
            }
            return handle
        }
        var err: Int32 = 0
        let created: OpaquePointer? = if let dataDirectory {
            dataDirectory.withCString { es_espeak_create($0, &err) }
        } else {
            es_espeak_create(nil, &err)
        }
        guard let created else {
            let why = VoiceCore.isNotFound(Int(err)) ? "no voice data in \(dataDirectory ?? "the default location")" : VoiceCore.message(Int(err))
            throw .unavailable("espeak-ng: \(why)")
        }
        handle = created
        self.dataDirectory = dataDirectory
        return created
    }

    /// Selects the voice for a language code ("en-US" → "en-us", "hi-IN" → "hi", "es" → "es"),
    /// plus a variant ("f3" → "en-us+f3"); returns the voice's name.
    @discardableResult
    func selectVoice(language: String, variant: String?) throws(ProviderError) -> String {
        guard let handle else { throw .unavailable("espeak-ng: not started") }
        let code = language.isEmpty ? "en-us" : language.lowercased().replacingOccurrences(of: "_", with: "-")
        let base: String?
        if let known = resolved[code] {
            base = known
        } else {
            base = Self.candidates(for: code).first { es_espeak_set_voice(handle, $0) == 0 }
            resolved[code] = base
            currentVoice = nil  // the probing changed espeak-ng's voice
        }
        guard let base else { throw .unavailable("espeak-ng: no voice for language '\(language)'") }
        let voice = variant.map { "\(base)+\($0)" } ?? base
        guard voice != currentVoice else { return voice }
        let rc = voice.withCString { es_espeak_set_voice(handle, $0) }
        guard rc == 0 else { throw .unavailable("espeak-ng: cannot select voice '\(voice)': \(VoiceCore.message(Int(rc)))") }
        currentVoice = voice
        return voice
    }

    /// Codes espeak-ng knows by another name.
    private static let aliases = ["zh": "cmn", "zh-cn": "cmn", "zh-tw": "cmn", "zh-hk": "yue", "no": "nb", "iw": "he"]

    /// "pt-br-x" → ["pt-br-x", "pt-br", "pt"]: the full tag, then shorter prefixes, each
    /// followed by its alias if it has one.
    static func candidates(for code: String) -> [String] {
        let parts = code.split(separator: "-")
        let prefixes = (1...max(parts.count, 1)).reversed().map { parts.prefix($0).joined(separator: "-") }
        return prefixes.flatMap { [$0] + (aliases[$0].map { [$0] } ?? []) }.filter { !$0.isEmpty }
    }

    func setRate(wordsPerMinute: Int) throws(ProviderError) {
        guard let handle else { throw .unavailable("espeak-ng: not started") }
        let rate = Int32(clamping: wordsPerMinute)
        guard rate != currentRate else { return }
        let rc = es_espeak_set_rate(handle, rate)
        guard rc == 0 else { throw .unavailable("espeak-ng: bad speaking rate \(wordsPerMinute) (80…450 words per minute)") }
        currentRate = rate
    }

    /// Speaks one piece of text (at most `ES_ESPEAK_MAX_TEXT_BYTES`, which ``SpeechText``'s
    /// pieces are well under) and hands its samples to `body`.
    func speak(_ piece: String, _ body: (ArraySlice<Int16>) -> Void) throws(ProviderError) {
        guard let handle else { throw .unavailable("espeak-ng: not started") }
        let bytes = piece.utf8.count
        // At the slowest rate espeak-ng needs ~0.15 s a character; grow if that proves short.
        let wanted = (bytes + 16) * 3_400
        if samples.count < wanted { samples = [Int16](repeating: 0, count: wanted) }
        while true {
            let count = piece.withCString { text in
                samples.withUnsafeMutableBufferPointer { out in
                    es_espeak_synthesize(handle, text, bytes, out.baseAddress, out.count)
                }
            }
            if count == Int(ES_ENOSPC), samples.count < 64 * wanted {
                samples = [Int16](repeating: 0, count: samples.count * 4)
                continue
            }
            guard count >= 0 else { throw .unavailable("espeak-ng: synthesis failed: \(VoiceCore.message(count))") }
            piecesSpoken += 1
            body(samples[..<count])
            return
        }
    }
}

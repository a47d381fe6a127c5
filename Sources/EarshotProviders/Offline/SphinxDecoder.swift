import Foundation
import EarshotAudio
internal import CEarshotVoice

/// One pocketsphinx decoder and its 8 kHz → model-rate upsampling. Lives on one ``EngineThread``.
final class SphinxDecoder {
    private let handle: OpaquePointer
    private let upsampling: SphinxTranscriber.Upsampling?
    private let bandLimited: Resampler?
    private var text = [CChar](repeating: 0, count: 8192)

    init(configuration: SphinxTranscriber.Configuration) throws(ProviderError) {
        let options = configuration.options.sorted { $0.key < $1.key }.flatMap { [$0.key, $0.value] }
        var err: Int32 = 0
        let created: OpaquePointer? = withCStrings(options) { optionPointers in
            configuration.acousticModel.withCString { hmm in
                configuration.languageModel.withCString { lm in
                    configuration.dictionary.withCString { dict in
                        optionPointers.withUnsafeBufferPointer { opts in
                            var cfg = es_sphinx_config(
                                acoustic_model: hmm, language_model: lm, dictionary: dict,
                                sample_rate: Int32(clamping: configuration.modelSampleRate),
                                options: opts.baseAddress, option_count: opts.count)
                            return es_sphinx_create(&cfg, &err)
                        }
                    }
                }
            }
        }
        guard let created else {
            let why = VoiceCore.isNotFound(Int(err))
                ? "model files not found (acoustic model \(configuration.acousticModel), language model \(configuration.languageModel), dictionary \(configuration.dictionary))"
                : VoiceCore.message(Int(err))
            throw .unavailable("pocketsphinx: \(why)")
        }
        handle = created
        upsampling = configuration.modelSampleRate == 8000 ? nil : configuration.upsampling
        if upsampling == .bandLimited {
            do {
                bandLimited = try Resampler(from: 8000, to: 16000, quality: 5)
            } catch {
                es_sphinx_destroy(created)
                throw .unavailable("pocketsphinx: cannot make an 8 to 16 kHz resampler: \(error)")
            }
        } else {
            bandLimited = nil
        }
    }

    deinit { es_sphinx_destroy(handle) }

    /// Decodes one utterance of 8 kHz μ-law; returns the hypothesis (lower case, no punctuation).
    func transcribe(muLaw: [UInt8]) throws(ProviderError) -> String {
        let pcm = try modelRatePCM(muLaw)
        let count = pcm.withUnsafeBufferPointer { samples in
            text.withUnsafeMutableBufferPointer { out in
                es_sphinx_decode(handle, samples.baseAddress, samples.count, out.baseAddress, out.count)
            }
        }
        // ES_ENOSPC still leaves a terminated prefix: 8 KB of words is a truncation nobody hears.
        guard count >= 0 || count == Int(ES_ENOSPC) else {
            throw .unavailable("pocketsphinx: decoding failed: \(VoiceCore.message(count))")
        }
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    private func modelRatePCM(_ muLaw: [UInt8]) throws(ProviderError) -> [Int16] {
        let pcm = MuLaw.decode(muLaw)
        switch upsampling {
        case nil:
            return pcm
        case .linear:
            return Self.interpolateLinearly(pcm)
        case .bandLimited:
            guard let bandLimited else { return pcm }
            do {
                try bandLimited.reset()
                // 20 ms of trailing silence pushes the filter's delay line out with the last word.
                return try bandLimited.process(pcm + [Int16](repeating: 0, count: 160))
            } catch {
                throw .unavailable("pocketsphinx: resampling failed: \(error)")
            }
        }
    }

    /// Doubles the rate by putting the mean of each pair of samples between them.
    static func interpolateLinearly(_ pcm: [Int16]) -> [Int16] {
        guard let last = pcm.last else { return [] }
        return [Int16](unsafeUninitializedCapacity: pcm.count * 2) { out, count in
            for i in 0..<pcm.count {
                let next = i + 1 < pcm.count ? pcm[i + 1] : last
                out[2 * i] = pcm[i]
                out[2 * i + 1] = Int16((Int32(pcm[i]) + Int32(next)) / 2)
            }
            count = pcm.count * 2
        }
    }
}

/// Calls `body` with C strings for `strings`, valid only during the call.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) })
}

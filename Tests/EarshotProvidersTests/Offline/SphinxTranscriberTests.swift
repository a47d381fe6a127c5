import EarshotAudio
import Foundation
import Testing

@testable import EarshotProviders

extension OfflineVoiceTests {
    /// One decoder for every test: loading the model takes a second and ~100 MB.
    static let sharedTranscriber = Result { try SphinxTranscriber(configuration: .fromEnvironment()) }

    /// Speaks `text` with espeak-ng and turns it into what a phone line carries, 8 kHz μ-law, cut
    /// as a turn detector would: with 300 ms of silence before (pre-roll) and after (end of turn).
    static func telephoneSpeech(_ text: String, speech: EspeakSpeech) async throws -> [UInt8] {
        let pcm = try await OfflineVoiceTests.collectSpeech(speech.synthesize(text, language: "en-US")).samples
        let narrowband = try Resampler(from: 22_050, to: 8_000, quality: 5).process(pcm)
        let silence = [UInt8](repeating: 0xFF, count: 2_400)
        return silence + MuLaw.encode(narrowband) + silence
    }

    /// The share of `expected` words found in `text`'s words.
    static func wordRecall(_ expected: [String], in text: String) -> Double {
        let heard = Set(text.lowercased().split(separator: " ").map(String.init))
        return Double(expected.filter(heard.contains).count) / Double(expected.count)
    }

    @Suite("pocketsphinx transcription")
    struct SphinxTranscriberTests {
        /// Sentences a caller of the demo restaurant might say, and the words that carry them.
        static let sentences: [(text: String, keywords: [String])] = [
            ("I would like to book a table for four people.", ["book", "table", "four", "people"]),
            ("What time do you open on Sunday?", ["time", "open", "sunday"]),
            ("Thank you very much, goodbye.", ["thank", "you", "goodbye"]),
            ("Can you tell me your address, please?", ["tell", "address", "please"]),
            ("Do you have vegetarian dishes on the menu?", ["vegetarian", "dishes", "menu"]),
        ]

        @Test("recognises words of espeak-ng sentences carried as 8 kHz μ-law")
        func recognisesTelephoneSpeech() async throws {
            let transcriber = try OfflineVoiceTests.sharedTranscriber.get()
            // pocketsphinx hears espeak-ng's default male voice poorly; its f2 variant, a little
            // slower, is closer to the speech the model was trained on.
            let speaker = EspeakSpeech(configuration: .init(variant: "f2", wordsPerMinute: 150))
            var found = 0.0
            var total = 0.0
            var heardSentences = 0
            for sentence in Self.sentences {
                let audio = try await OfflineVoiceTests.telephoneSpeech(sentence.text, speech: speaker)
                let started = ContinuousClock.now
                let transcript = try await transcriber.transcribe(muLaw: audio, language: "en-US")
                let took = ContinuousClock.now - started
                let recall = OfflineVoiceTests.wordRecall(sentence.keywords, in: transcript.text)
                print("pocketsphinx: \"\(sentence.text)\" → \"\(transcript.text)\" (\(Int(recall * 100)) % of keywords, \(took) for \(audio.count / 8) ms)")
                #expect(transcript.isFinal)
                if recall > 0 { heardSentences += 1 }
                found += recall * Double(sentence.keywords.count)
                total += Double(sentence.keywords.count)
            }
            print("pocketsphinx: \(Int(found)) of \(Int(total)) keywords recognised, in \(heardSentences) of \(Self.sentences.count) sentences")
            // Measured with the C API over 12 runs: 6–9 of the 16 keywords, in 4 of the 5
            // sentences (espeak-ng's frication noise is random, so runs differ a little).
            #expect(found / total >= 0.3)
            #expect(heardSentences >= 3)
        }

        static let fixtureKeywords = ["hello", "book", "table", "people", "goodbye"]

        /// 13.8 s of recorded speech (a table booking) as 8 kHz μ-law, shared with the VAD tests.
        static func fixture() throws -> [UInt8] {
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/../../Fixtures/vad/speech8k.ulaw"
            return Array(try #require(FileManager.default.contents(atPath: path), "missing fixture \(path)"))
        }

        @Test("recognises words of recorded speech from the VAD fixture (8 kHz μ-law)")
        func recognisesFixture() async throws {
            let transcript = try await OfflineVoiceTests.sharedTranscriber.get().transcribe(muLaw: try Self.fixture(), language: "en")
            let recall = OfflineVoiceTests.wordRecall(Self.fixtureKeywords, in: transcript.text)
            print("pocketsphinx: fixture → \"\(transcript.text)\" (\(Int(recall * 100)) % of keywords)")
            #expect(recall >= 0.8)
        }

        @Test("linear upsampling recognises the fixture at least as well as band-limited")
        func upsamplingChoice() async throws {
            let audio = try Self.fixture()
            var configuration = SphinxTranscriber.Configuration.fromEnvironment()
            configuration.upsampling = .bandLimited
            let bandLimited = try await SphinxTranscriber(configuration: configuration).transcribe(muLaw: audio, language: "en")
            let linear = try await OfflineVoiceTests.sharedTranscriber.get().transcribe(muLaw: audio, language: "en")
            let linearRecall = OfflineVoiceTests.wordRecall(Self.fixtureKeywords, in: linear.text)
            let bandLimitedRecall = OfflineVoiceTests.wordRecall(Self.fixtureKeywords, in: bandLimited.text)
            print("pocketsphinx: fixture, linear \(Int(linearRecall * 100)) % vs band-limited \(Int(bandLimitedRecall * 100)) % of keywords: \"\(bandLimited.text)\"")
            #expect(linearRecall >= bandLimitedRecall)
            #expect(SphinxDecoder.interpolateLinearly([0, 100, -100]) == [0, 50, 100, 0, -100, -100])
            #expect(SphinxDecoder.interpolateLinearly([]) == [])
        }

        @Test("English only", arguments: ["hi-IN", "es", "fr-FR", "de"])
        func otherLanguages(language: String) async throws {
            let transcriber = try OfflineVoiceTests.sharedTranscriber.get()
            await #expect(throws: ProviderError.unavailable("pocketsphinx: no model for language '\(language)' (English only)")) {
                _ = try await transcriber.transcribe(muLaw: [0xFF], language: language)
            }
            #expect(SphinxTranscriber.supports(language: "en-GB") && SphinxTranscriber.supports(language: "en_us"))
        }

        @Test("silence and empty audio give an empty transcript")
        func silence() async throws {
            let transcriber = try OfflineVoiceTests.sharedTranscriber.get()
            #expect(try await transcriber.transcribe(muLaw: [], language: "en-US").text == "")
            let second = [UInt8](repeating: 0xFF, count: 8_000)  // μ-law silence
            #expect(try await transcriber.transcribe(muLaw: second, language: "en-US").text == "")
        }

        @Test("a missing model is unavailable, with the paths in the message")
        func missingModel() async throws {
            let transcriber = try SphinxTranscriber(configuration: .init(modelDirectory: "/nonexistent/model"))
            do {
                try await transcriber.warmUp()
                Issue.record("warmed up without a model")
            } catch let error as ProviderError {
                #expect(error.kind == "unavailable")
                #expect(error.description.contains("/nonexistent/model/en-us.lm.bin"))
            }
            await #expect(throws: ProviderError.self) {
                _ = try await transcriber.transcribe(muLaw: [0xFF], language: "en")
            }
            #expect(throws: ProviderError.self) { try SphinxTranscriber(configuration: .init(decoders: 0)) }
        }

        @Test("configuration from the environment")
        func environment() {
            let configuration = SphinxTranscriber.Configuration.fromEnvironment([
                "EARSHOT_SPHINX_MODEL_DIR": "/models/en", "EARSHOT_SPHINX_DICT": "/models/my.dict", "EARSHOT_SPHINX_DECODERS": "2",
            ])
            #expect(configuration.acousticModel == "/models/en/en-us")
            #expect(configuration.languageModel == "/models/en/en-us.lm.bin")
            #expect(configuration.dictionary == "/models/my.dict")
            #expect(configuration.decoders == 2)
            #expect(SphinxTranscriber.Configuration.fromEnvironment([:]) == SphinxTranscriber.Configuration())
        }

        @Test("a cancelled transcription waiting for the decoder returns at once")
        func cancellation() async throws {
            let transcriber = try OfflineVoiceTests.sharedTranscriber.get()
            try await transcriber.warmUp()
            let long = try await OfflineVoiceTests.telephoneSpeech(String(repeating: "Please book a table for two people tonight. ", count: 3), speech: EspeakSpeech())
            async let busy = transcriber.transcribe(muLaw: long, language: "en")
            try await Task.sleep(for: .milliseconds(100))
            let queued = Task { try await transcriber.transcribe(muLaw: long, language: "en") }
            try await Task.sleep(for: .milliseconds(100))
            let started = ContinuousClock.now
            queued.cancel()
            await #expect(throws: CancellationError.self) { try await queued.value }
            #expect(ContinuousClock.now - started < .seconds(1))
            _ = try await busy  // the running decode still completes
        }
    }
}

import Foundation
import Testing

@testable import EarshotProviders

/// espeak-ng and pocketsphinx tests share one engine thread and two CPU cores: one at a time.
@Suite("Offline voice", .serialized)
struct OfflineVoiceTests {
    /// Collects a synthesis into PCM samples at 22,050 Hz, checking every chunk's format.
    static func collectSpeech(_ stream: AsyncThrowingStream<AudioChunk, any Error>) async throws -> (samples: [Int16], chunks: [Int]) {
        var samples: [Int16] = []
        var chunks: [Int] = []
        for try await chunk in stream {
            guard case .pcm16(let pcm, let rate) = chunk else {
                Issue.record("espeak-ng sent \(chunk), not PCM")
                continue
            }
            #expect(rate == 22_050)
            samples += pcm
            chunks.append(pcm.count)
        }
        return (samples, chunks)
    }
}

extension OfflineVoiceTests {
    @Suite("espeak-ng speech")
    struct EspeakSpeechTests {
        let speech = EspeakSpeech(configuration: .init())

        @Test("speaks a sentence: 22,050 Hz PCM, a plausible length, in 100 ms chunks")
        func speaksASentence() async throws {
            let started = ContinuousClock.now
            let (samples, chunks) = try await OfflineVoiceTests.collectSpeech(speech.synthesize("Thank you for calling. How can I help you today?", language: "en-US"))
            let elapsed = ContinuousClock.now - started
            let seconds = Double(samples.count) / 22_050
            print("espeak-ng: \(String(format: "%.2f", seconds)) s of speech in \(chunks.count) chunks, made in \(elapsed)")
            #expect(seconds > 1.5 && seconds < 6)  // ten words at 165 words a minute, with a pause
            #expect(chunks.count > 10)
            #expect(chunks.allSatisfy { $0 > 0 && $0 <= 2_205 })
            #expect(samples.map { abs(Int($0)) }.max() ?? 0 > 1_000)
            #expect(EspeakSpeech.sampleRate == 22_050)
        }

        @Test("nothing to say is an empty stream")
        func emptyText() async throws {
            #expect(try await OfflineVoiceTests.collectSpeech(speech.synthesize("", language: "en-US")).samples.isEmpty)
            #expect(try await OfflineVoiceTests.collectSpeech(speech.synthesize(" ... ", language: "en-US")).samples.isEmpty)
        }

        @Test("voices by language code", arguments: [
            ("en-US", "en-us"), ("en_us", "en-us"), ("en-GB", "en"), ("hi-IN", "hi"), ("es", "es"),
            ("es-419", "es-419"), ("es-MX", "es"), ("pt-BR", "pt-br"), ("fr-CA", "fr"), ("zh-CN", "cmn"),
            ("", "en-us"),
        ])
        func voices(language: String, voice: String) async throws {
            #expect(try await speech.voice(for: language) == voice)
        }

        @Test("a variant is appended to the voice")
        func variant() async throws {
            let female = EspeakSpeech(configuration: .init(variant: "f3"))
            #expect(try await female.voice(for: "en-US") == "en-us+f3")
            let (samples, _) = try await OfflineVoiceTests.collectSpeech(female.synthesize("Hello.", language: "en-US"))
            #expect(!samples.isEmpty)
        }

        @Test("an unknown language is unavailable")
        func unknownLanguage() async throws {
            await #expect(throws: ProviderError.unavailable("espeak-ng: no voice for language 'xx-YY'")) {
                _ = try await OfflineVoiceTests.collectSpeech(speech.synthesize("Hello.", language: "xx-YY"))
            }
            await #expect(throws: ProviderError.self) { _ = try await speech.voice(for: "qq") }
        }

        @Test("speaks Hindi and Spanish text")
        func otherLanguages() async throws {
            let hindi = try await OfflineVoiceTests.collectSpeech(speech.synthesize("नमस्ते, आप कैसे हैं?", language: "hi-IN")).samples
            let spanish = try await OfflineVoiceTests.collectSpeech(speech.synthesize("Hola, ¿cómo estás?", language: "es")).samples
            #expect(hindi.count > 22_050 / 2 && spanish.count > 22_050 / 2)
        }

        @Test("a bad speaking rate or data directory is unavailable")
        func badConfiguration() async throws {
            await #expect(throws: ProviderError.self) {
                _ = try await OfflineVoiceTests.collectSpeech(EspeakSpeech(configuration: .init(wordsPerMinute: 20)).synthesize("Hi.", language: "en"))
            }
            await #expect(throws: ProviderError.self) {
                _ = try await OfflineVoiceTests.collectSpeech(EspeakSpeech(configuration: .init(dataDirectory: "/nonexistent")).synthesize("Hi.", language: "en"))
            }
        }

        @Test("cancelled requests are dropped from the queue; a consumer that stops stops the synthesis")
        func cancellation() async throws {
            let sentences = String(repeating: "This sentence is one of many. ", count: 40)
            let before = try await EspeakEngine.thread.perform { $0.piecesSpoken }

            // Hold the owner thread so the requests below are still queued when they are dropped.
            let gate = DispatchSemaphore(value: 0)
            EspeakEngine.thread.submit { _ in gate.wait() }
            for _ in 0..<3 { _ = speech.synthesize(sentences, language: "en-US") }  // dropped unread
            gate.signal()
            #expect(try await EspeakEngine.thread.perform { $0.piecesSpoken } == before)

            // Read one chunk, then stop listening: the rest of the forty sentences are not made.
            for try await _ in speech.synthesize(sentences, language: "en-US") { break }
            let spoken = try await EspeakEngine.thread.perform { $0.piecesSpoken } - before
            #expect(spoken >= 1 && spoken < 40)
        }

        @Test("text is cut at sentence ends and under the byte limit")
        func speechText() {
            #expect(SpeechText.pieces("Hello there. It costs 3.5 dollars! Okay?\nNew line; next") ==
                ["Hello there.", "It costs 3.5 dollars!", "Okay?", "New line;", "next"])
            #expect(SpeechText.pieces("  ...  \n\n ") == [])
            let long = Array(repeating: "word", count: 500).joined(separator: " ")
            let pieces = SpeechText.pieces(long, limit: 100)
            #expect(pieces.allSatisfy { $0.utf8.count <= 100 })
            #expect(pieces.joined(separator: " ") == long)
            let unbroken = String(repeating: "é", count: 300)
            #expect(SpeechText.pieces(unbroken, limit: 100).allSatisfy { $0.utf8.count <= 100 })
            #expect(SpeechText.pieces(unbroken, limit: 100).joined() == unbroken)
        }
    }
}

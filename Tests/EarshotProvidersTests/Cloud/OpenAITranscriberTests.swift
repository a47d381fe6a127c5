@testable import EarshotFakes
import EarshotAudio
import Testing

@testable import EarshotProviders

@Suite("OpenAI transcription against the fake")
struct OpenAITranscriberTests {
    private let utterance = FakeAudio.utterance(milliseconds: 1_200)

    private func transcriber(_ fake: FakeProviderServer, _ client: ProviderHTTPClient,
                             encoding: UtteranceWAVEncoding = .pcm16, timeout: Duration = .seconds(5)) -> OpenAITranscriber {
        OpenAITranscriber(
            configuration: .init(baseURL: fake.baseURL + "/v1", apiKey: "sk-stt-key-abcdef123456", model: "whisper-1",
                                 wavEncoding: encoding, prompt: "Earshot", timeout: timeout),
            client: client
        )
    }

    @Test(arguments: [UtteranceWAVEncoding.pcm16, .muLaw])
    func uploadsAWAVAndReturnsTheText(encoding: UtteranceWAVEncoding) async throws {
        try await withFakeProviders { fake, client in
            fake.sttText = "  I'd like to book a table.  "
            let transcript = try await transcriber(fake, client, encoding: encoding).transcribe(muLaw: utterance, language: "en-US")
            #expect(transcript == Transcript(text: "I'd like to book a table.", isFinal: true))

            let stats = fake.stats
            #expect(stats.transcriptionFields == ["model": "whisper-1", "language": "en", "response_format": "json", "prompt": "Earshot"])
            let audio = try #require(stats.uploadedAudio)
            #expect(audio.sampleRate == 8_000)
            #expect(audio.encoding == (encoding == .pcm16 ? .pcm16 : .muLaw))
            #expect(audio.samples == MuLaw.decode(utterance), "the audio arrives sample for sample")
            let request = try #require(stats.lastRequest[.transcription])
            #expect(request.path == "/v1/audio/transcriptions")
            #expect(request.headers.first(name: "Authorization") == "Bearer sk-stt-key-abcdef123456")
        }
    }

    @Test(arguments: [("hi-IN", "hi"), ("en", "en"), ("pt_BR", "pt")])
    func languageIsTheISO639Part(tag: String, expected: String) async throws {
        try await withFakeProviders { fake, client in
            _ = try await transcriber(fake, client).transcribe(muLaw: utterance, language: tag)
            #expect(fake.stats.transcriptionFields["language"] == expected)
        }
    }

    @Test(arguments: ["", "auto"])
    func noLanguageLetsTheProviderDetect(tag: String) async throws {
        try await withFakeProviders { fake, client in
            _ = try await transcriber(fake, client).transcribe(muLaw: utterance, language: tag)
            #expect(fake.stats.transcriptionFields["language"] == nil)
        }
    }

    @Test func emptyAudioMakesNoRequest() async throws {
        try await withFakeProviders { fake, client in
            let transcript = try await transcriber(fake, client).transcribe(muLaw: [], language: "en")
            #expect(transcript.text == "")
            #expect(fake.stats.count(.transcription) == 0)
        }
    }

    @Test func faults() async throws {
        try await withFakeProviders { fake, client in
            // Short limits only where a timeout is the point: a loaded machine may take longer
            // than that for a first request.
            let quick = transcriber(fake, client, timeout: .milliseconds(300))
            let patient = transcriber(fake, client, timeout: .seconds(10))
            let cases: [(FakeFault, String)] = [
                (.status(500), "http"), (.status(429), "http"), (.malformedJSON, "malformed"),
                (.cutMidway(afterChunks: 0), "disconnected"), (.stall(afterChunks: 0), "timeout"), (.neverAnswer, "timeout"),
            ]
            for (fault, kind) in cases {
                fake.fault = fault
                let stt = kind == "timeout" ? quick : patient
                let error = await providerError { _ = try await stt.transcribe(muLaw: utterance, language: "en") }
                #expect(error?.kind == kind, "\(fault) → \(String(describing: error))")
            }
        }
    }

    @Test func slowAnswerTimesOut() async throws {
        try await withFakeProviders { fake, client in
            fake.sttDelay = .seconds(2)
            let start = ContinuousClock.now
            let error = await providerError { _ = try await transcriber(fake, client, timeout: .milliseconds(250)).transcribe(muLaw: utterance, language: "en") }
            #expect(error?.kind == "timeout")
            #expect(ContinuousClock.now - start < .seconds(1))
        }
    }

    @Test func cancellationClosesTheRequest() async throws {
        try await withFakeProviders { fake, client in
            fake.sttDelay = .seconds(5)
            let stt = transcriber(fake, client, timeout: .seconds(10))
            let task = Task { try await stt.transcribe(muLaw: utterance, language: "en") }
            #expect(await fake.waitUntil { $0.count(.transcription) == 1 })
            task.cancel()
            let error = await thrownError { _ = try await task.value }
            #expect(error is CancellationError, "\(String(describing: error))")
            #expect(await fake.waitUntil(timeout: .seconds(1)) { $0.responsesAbandoned == 1 })
        }
    }
}

@testable import EarshotFakes
import Foundation
import NIOCore
import Testing

@testable import EarshotProviders

/// The three TTS providers share the streaming path; each is run through the same cases.
enum SpeechProviderKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case openAI, elevenLabs, deepgram

    var testDescription: String { rawValue }

    var route: FakeRoute {
        switch self {
        case .openAI: .openAISpeech
        case .elevenLabs: .elevenLabsSpeech
        case .deepgram: .deepgramSpeak
        }
    }

    func make(_ fake: FakeProviderServer, _ client: ProviderHTTPClient, key: ProviderSecret? = "test-key-0123456789",
              firstByte: Duration = .seconds(5), idle: Duration = .seconds(5)) -> any TextToSpeech {
        switch self {
        case .openAI:
            OpenAISpeech(configuration: .init(baseURL: fake.baseURL + "/v1", apiKey: key, model: "gpt-4o-mini-tts", voice: "coral",
                                              firstByteTimeout: firstByte, idleTimeout: idle), client: client)
        case .elevenLabs:
            ElevenLabsSpeech(configuration: .init(baseURL: fake.baseURL, apiKey: key, voiceID: "voice 42", modelID: "eleven_flash_v2_5",
                                                  sendsLanguageCode: true, firstByteTimeout: firstByte, idleTimeout: idle), client: client)
        case .deepgram:
            DeepgramSpeech(configuration: .init(baseURL: fake.baseURL, apiKey: key, model: "aura-2-thalia-en",
                                                firstByteTimeout: firstByte, idleTimeout: idle), client: client)
        }
    }

    /// The audio as it should come out of the provider, in the provider's own chunk format.
    func expectedAudio(_ fake: FakeProviderServer) -> [AudioChunk] {
        switch self {
        case .openAI: [.pcm16(fake.ttsPCM, sampleRate: 24_000)]
        case .elevenLabs, .deepgram: [.muLaw(fake.ttsMuLaw)]
        }
    }
}

@Suite("Text to speech against the fake")
struct SpeechProviderTests {
    private func flatten(_ chunks: [AudioChunk]) -> [AudioChunk] {
        if chunks.allSatisfy({ if case .muLaw = $0 { true } else { false } }) { return [.muLaw(chunks.muLawBytes)] }
        return [.pcm16(chunks.pcmSamples, sampleRate: 24_000)]
    }

    @Test(arguments: SpeechProviderKind.allCases)
    func streamsTheWholeAudioExactly(kind: SpeechProviderKind) async throws {
        try await withFakeProviders { fake, client in
            fake.ttsChunkBytes = 333  // odd: PCM samples straddle chunks
            let chunks = try await collect(kind.make(fake, client).synthesize("Hello there.", language: "en-US"))
            #expect(chunks.count > 1, "audio is passed on chunk by chunk")
            #expect(flatten(chunks) == kind.expectedAudio(fake))
            for chunk in chunks {
                if case .pcm16(_, let rate) = chunk { #expect(rate == 24_000) }
            }
        }
    }

    @Test(arguments: SpeechProviderKind.allCases)
    func requestsFollowEachProvidersWireFormat(kind: SpeechProviderKind) async throws {
        try await withFakeProviders { fake, client in
            _ = try await collect(kind.make(fake, client).synthesize("Hi \"there\"", language: "hi-IN"))
            let request = try #require(fake.stats.lastRequest[kind.route])
            let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            switch kind {
            case .openAI:
                #expect(request.path == "/v1/audio/speech")
                #expect(request.headers.first(name: "Authorization") == "Bearer test-key-0123456789")
                #expect(body["model"] as? String == "gpt-4o-mini-tts")
                #expect(body["input"] as? String == "Hi \"there\"")
                #expect(body["voice"] as? String == "coral")
                #expect(body["response_format"] as? String == "pcm")
            case .elevenLabs:
                #expect(request.path == "/v1/text-to-speech/voice%2042/stream")
                #expect(request.query("output_format") == "ulaw_8000")
                #expect(request.headers.first(name: "xi-api-key") == "test-key-0123456789")
                #expect(body["text"] as? String == "Hi \"there\"")
                #expect(body["model_id"] as? String == "eleven_flash_v2_5")
                #expect(body["language_code"] as? String == "hi")
            case .deepgram:
                #expect(request.path == "/v1/speak")
                #expect(request.query("model") == "aura-2-thalia-en")
                #expect(request.query("encoding") == "mulaw")
                #expect(request.query("sample_rate") == "8000")
                #expect(request.query("container") == "none")
                #expect(request.headers.first(name: "Authorization") == "Token test-key-0123456789")
                #expect(body as? [String: String] == ["text": "Hi \"there\""])
            }
        }
    }

    @Test(arguments: SpeechProviderKind.allCases)
    func firstChunkComesBeforeTheRest(kind: SpeechProviderKind) async throws {
        try await withFakeProviders { fake, client in
            fake.ttsChunkDelay = .milliseconds(100)
            fake.ttsChunkBytes = 800
            fake.ttsMuLaw = FakeAudio.muLawPattern(count: 2_400)
            fake.ttsPCM = FakeAudio.pcmPattern(count: 1_200)  // three chunks either way
            var chunks = 0
            var sentWhenFirstArrived: Int?
            let baseline = fake.stats.bodyChunksSent
            for try await _ in kind.make(fake, client).synthesize("Hello.", language: "en") {
                chunks += 1
                if sentWhenFirstArrived == nil { sentWhenFirstArrived = fake.stats.bodyChunksSent - baseline }
            }
            // Structural, not timed (a loaded machine must not fail it): a client that buffered
            // the whole body would deliver one chunk, after the fake had sent all three.
            #expect(chunks == 3)
            #expect(sentWhenFirstArrived.map { $0 < 3 } == true, "first chunk only after \(sentWhenFirstArrived ?? -1) were sent")
        }
    }

    @Test(arguments: SpeechProviderKind.allCases)
    func faults(kind: SpeechProviderKind) async throws {
        try await withFakeProviders { fake, client in
            let quick = kind.make(fake, client, firstByte: .milliseconds(300), idle: .milliseconds(200))
            let patient = kind.make(fake, client, firstByte: .seconds(10), idle: .seconds(10))
            let cases: [(FakeFault, String)] = [
                (.status(500), "http"), (.status(401, body: "unauthorized"), "http"),
                (.cutMidway(afterChunks: 1), "disconnected"), (.stall(afterChunks: 1), "timeout"), (.neverAnswer, "timeout"),
            ]
            for (fault, kind) in cases {
                fake.fault = fault
                let tts = kind == "timeout" ? quick : patient
                let error = await providerError { _ = try await collect(tts.synthesize("Hello.", language: "en")) }
                #expect(error?.kind == kind, "\(fault) → \(String(describing: error))")
            }
        }
    }

    @Test(arguments: SpeechProviderKind.allCases)
    func slowFirstByteTimesOut(kind: SpeechProviderKind) async throws {
        try await withFakeProviders { fake, client in
            fake.ttsFirstByteDelay = .seconds(2)
            let start = ContinuousClock.now
            let error = await providerError {
                _ = try await collect(kind.make(fake, client, firstByte: .milliseconds(250)).synthesize("Hello.", language: "en"))
            }
            #expect(error?.kind == "timeout")
            #expect(ContinuousClock.now - start < .seconds(1))
        }
    }

    @Test(arguments: SpeechProviderKind.allCases)
    func cancellingTheConsumerClosesTheRequest(kind: SpeechProviderKind) async throws {
        try await withFakeProviders { fake, client in
            fake.ttsChunkDelay = .milliseconds(50)
            fake.ttsChunkBytes = 10
            let tts = kind.make(fake, client)
            let consumer = Task {
                for try await _ in tts.synthesize("A long sentence.", language: "en") {}
            }
            #expect(await fake.waitUntil { $0.count(kind.route) == 1 })
            try await Task.sleep(for: .milliseconds(100))
            consumer.cancel()
            _ = try? await consumer.value
            #expect(await fake.waitUntil(timeout: .seconds(1)) { $0.responsesAbandoned == 1 })
        }
    }

    @Test(arguments: SpeechProviderKind.allCases)
    func emptyTextMakesNoRequest(kind: SpeechProviderKind) async throws {
        try await withFakeProviders { fake, client in
            let chunks = try await collect(kind.make(fake, client).synthesize("  ", language: "en"))
            #expect(chunks.isEmpty)
            #expect(fake.stats.count(kind.route) == 0)
        }
    }

    @Test(arguments: [SpeechProviderKind.elevenLabs, .deepgram])
    func missingKeyIsUnavailable(kind: SpeechProviderKind) async throws {
        try await withFakeProviders { fake, client in
            let error = await providerError { _ = try await collect(kind.make(fake, client, key: nil).synthesize("Hi", language: "en")) }
            #expect(error?.kind == "unavailable")
            #expect(fake.stats.count(kind.route) == 0)
        }
    }

    @Test(arguments: SpeechProviderKind.allCases)
    func wrongKeyIsHTTP401WithoutTheKey(kind: SpeechProviderKind) async throws {
        try await withFakeProviders { fake, client in
            fake.expectedKey = "right-key-000000"
            let error = try #require(await providerError {
                _ = try await collect(kind.make(fake, client, key: "wrong-key-SECRET-999").synthesize("Hi", language: "en"))
            })
            #expect(error == .http(status: 401, body: #"{"error":{"message":"Incorrect API key provided: <redacted>."}}"#))
        }
    }
}

@Suite("PCM assembly across chunk boundaries")
struct PCM16AssemblerTests {
    @Test(arguments: [1, 2, 3, 4, 5])
    func anySplitGivesTheSameSamples(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let samples = FakeAudio.pcmPattern(count: 999)
        let bytes = samples.flatMap { [UInt8(truncatingIfNeeded: UInt16(bitPattern: $0)), UInt8(truncatingIfNeeded: UInt16(bitPattern: $0) >> 8)] }
        var assembler = PCM16LittleEndianAssembler()
        var out: [Int16] = []
        var start = 0
        while start < bytes.count {
            let length = min(bytes.count - start, Int(random.next() % 7))
            out += assembler.samples(from: ByteBuffer(bytes: bytes[start..<(start + length)]))
            start += length
        }
        #expect(out == samples)
        #expect(!assembler.hasPartialSample)
    }
}

@testable import EarshotFakes
import EarshotAudio
import EarshotConversation
import EarshotProviders
import EarshotServer
import EarshotSimulator
import Foundation
import NIOConcurrencyHelpers
import Testing

/// Wraps the real pipeline and records what it was asked and what it answered, so tests can
/// see transcripts, segments, stage timings and failures of calls placed through the gateway.
final class RecordingResponder: Responder, @unchecked Sendable {
    let name = "recording"
    let inner: PipelineResponder
    private let log = NIOLockedValueBox<(inputs: [TurnInput], events: [[ReplyEvent]])>(([], []))

    init(_ inner: PipelineResponder) { self.inner = inner }

    var inputs: [TurnInput] { log.withLockedValue { $0.inputs } }
    var replies: [[ReplyEvent]] { log.withLockedValue { $0.events } }

    func openTranscriber(for call: CallInfo) async -> LiveTranscriber? { await inner.openTranscriber(for: call) }

    func reply(to input: TurnInput) -> AsyncThrowingStream<ReplyEvent, any Error> {
        let slot = log.withLockedValue { box -> Int in
            box.inputs.append(input)
            box.events.append([])
            return box.events.count - 1
        }
        let upstream = inner.reply(to: input)
        let log = self.log
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in upstream {
                        log.withLockedValue { $0.events[slot].append(event) }
                        continuation.yield(event)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

extension [ReplyEvent] {
    var segments: [String] { compactMap { if case .segment(let t) = $0 { t } else { nil } } }
    var transcript: String? { lazy.compactMap { if case .transcript(let t) = $0 { t } else { nil } }.first }
    var failures: [String] { compactMap { if case .failure(let stage, _) = $0 { stage } else { nil } } }
    var audioBytes: Int { reduce(0) { if case .audio(let a) = $1 { $0 + a.count } else { $0 } } }
    func timing(_ stage: ReplyStage) -> Double? {
        lazy.compactMap { if case .timing(let s, let ms) = $0, s == stage { ms } else { nil } }.first
    }
}

/// The gateway with the STT → LLM → TTS pipeline against fake providers on 127.0.0.1.
struct PipelineGateway {
    let fake: FakeProviderServer
    let responder: RecordingResponder
    let app: EarshotApp
    let port: Int
    let task: Task<Void, any Error>

    static func start(
        _ knobs: FakeKnobs, client: ProviderHTTPClient = .shared, liveSTT: Bool = false,
        configure: (inout PipelineResponder.Configuration) -> Void = { _ in }
    ) async throws -> PipelineGateway {
        let fake = FakeProviderServer(knobs)
        _ = try await fake.start()
        let stt: any SpeechToText = liveSTT
            ? DeepgramTranscriber(configuration: .init(baseURL: fake.baseURL, streamingURL: fake.webSocketURL, apiKey: "k"), client: client)
            : OpenAITranscriber(configuration: .init(baseURL: fake.baseURL + "/v1", apiKey: "k"), client: client)
        var configuration = PipelineResponder.Configuration()
        configuration.greeting = ""
        configuration.sttTimeout = .seconds(2)
        configuration.llmFirstTokenTimeout = .seconds(2)
        configuration.ttsFirstByteTimeout = .seconds(2)
        configure(&configuration)
        let pipeline = PipelineResponder(
            stt: stt,
            llm: OpenAIChatModel(configuration: .init(baseURL: fake.baseURL + "/v1", apiKey: "k"), client: client),
            tts: DeepgramSpeech(configuration: .init(baseURL: fake.baseURL, apiKey: "k"), client: client),
            cache: PhraseCache(), configuration: configuration)
        #expect(await pipeline.warmCache().isEmpty)
        let responder = RecordingResponder(pipeline)
        var server = EarshotConfiguration()
        server.port = 0
        server.logLevel = .error
        let port = NIOLockedValueBox<Int?>(nil)
        let app = buildApplication(configuration: server, responder: responder, signals: []) { channel in
            port.withLockedValue { $0 = channel.localAddress?.port }
        }
        let task = Task { try await app.run() }
        while port.withLockedValue({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        return PipelineGateway(fake: fake, responder: responder, app: app, port: port.withLockedValue { $0 }!, task: task)
    }

    /// One real-time call with a synthetic caller saying `turns` utterances.
    func call(turns: Int = 1, pause: Duration = .milliseconds(2500), maxWait: Duration = .seconds(8)) async throws -> CallReport {
        var configuration = CallSimulator.Configuration(serverURL: "http://127.0.0.1:\(port)")
        configuration.maxWait = maxWait
        configuration.trailingSilence = .seconds(1)
        let clip = CallClip.synthetic(turns: turns, speech: .milliseconds(1200), pause: pause)
        return try await CallSimulator(configuration: configuration, clip: clip).run()
    }

    func stop() async {
        await app.serviceGroup.triggerGracefulShutdown()
        _ = try? await task.value
        try? await fake.stop()
    }
}

@Suite(.serialized) struct GatewayPipelineTests {
    @Test func spokenTurnGoesThroughSTTLLMAndTTSAndIsCached() async throws {
        var knobs = FakeKnobs()
        knobs.sttText = "I would like to book a table"
        knobs.llmReply = ["Sure", ", I can", " book that.", " For how many", " people?"]
        let gateway = try await PipelineGateway.start(knobs)
        defer { Task { await gateway.stop() } }

        let report = try await gateway.call()
        let events = try #require(gateway.responder.replies.last)
        #expect(events.transcript == "I would like to book a table")
        #expect(events.segments == ["Sure, I can book that.", "For how many people?"])
        #expect(events.timing(.stt) != nil && events.timing(.llmFirstToken) != nil && events.timing(.ttsFirstByte) != nil)
        #expect(events.failures.isEmpty)
        #expect(report.received["media", default: 0] > 0)
        #expect(report.turns.first?.latencyMilliseconds != nil)
        // The fake's μ-law audio came through the gateway: as many bytes as it synthesised, in 20 ms frames.
        #expect(events.audioBytes == 2 * FakeKnobs().ttsMuLaw.count)
        #expect(report.botAudio.count >= events.audioBytes)
        let ttsRequests = gateway.fake.stats.count(.deepgramSpeak)

        // The same reply again: both sentences play from the phrase cache, no TTS request.
        _ = try await gateway.call()
        #expect(gateway.fake.stats.count(.deepgramSpeak) == ttsRequests)
        #expect(gateway.responder.replies.last?.segments == ["Sure, I can book that.", "For how many people?"])
        #expect(gateway.responder.replies.last?.timing(.ttsFirstByte) == nil) // nothing was synthesised
    }

    @Test func streamingRecogniserIsFedEveryFrameAndFinalisedAtTurnEnd() async throws {
        var knobs = FakeKnobs()
        knobs.sttText = "what time do you open"
        knobs.llmReply = ["We open at noon."]
        let gateway = try await PipelineGateway.start(knobs, liveSTT: true)
        defer { Task { await gateway.stop() } }
        _ = try await gateway.call()
        let events = try #require(gateway.responder.replies.last)
        #expect(events.transcript == "what time do you open")
        #expect(events.segments == ["We open at noon."])
        // The live session heard the call's audio (not a batch upload) and was finalised.
        #expect(gateway.fake.stats.liveAudioBytes > 8000)
        #expect(gateway.fake.stats.count(.transcription) == 0 && gateway.fake.stats.count(.deepgramListen) == 0)
        #expect(gateway.fake.stats.liveMessages.contains { $0.contains("Finalize") })
    }

    enum Stage: String, CaseIterable, Sendable { case stt, llm, tts, llmTimeout, llmCut }

    @Test(arguments: Stage.allCases)
    func aFailingStageGivesTheFallbackAndTheCallGoesOn(_ stage: Stage) async throws {
        let gateway = try await PipelineGateway.start(FakeKnobs()) { $0.fallbackPhrase = "Sorry, could you say that again?" }
        defer { Task { await gateway.stop() } }
        // The fallback phrase was synthesised at start; the provider fails from now on.
        switch stage {
        case .stt: gateway.fake.fault = .status(500); gateway.fake.faultRoutes = [.transcription]
        case .llm: gateway.fake.fault = .malformedJSON; gateway.fake.faultRoutes = [.chat]
        case .tts: gateway.fake.fault = .status(503); gateway.fake.faultRoutes = [.deepgramSpeak]
        case .llmTimeout: gateway.fake.llmFirstTokenDelay = .seconds(5)
        case .llmCut: gateway.fake.fault = .cutMidway(afterChunks: 1); gateway.fake.faultRoutes = [.chat]
        }
        let report = try await gateway.call(maxWait: .seconds(10))
        let events = try #require(gateway.responder.replies.last)
        let failedStage = stage == .stt ? "stt" : stage == .tts ? "tts" : "llm"
        #expect(events.failures == [failedStage])
        #expect(events.segments.last == "Sorry, could you say that again?")
        #expect(report.received["media", default: 0] > 0) // the caller heard the fallback
        #expect(report.endReason != .connectionLost)
    }

    @Test func hangingUpMidReplyCancelsTheProviderRequest() async throws {
        var knobs = FakeKnobs()
        knobs.fault = .stall(afterChunks: 1) // the model sends one token, then nothing
        knobs.faultRoutes = [.chat]
        let gateway = try await PipelineGateway.start(knobs) { $0.llmFirstTokenTimeout = .seconds(30) }
        defer { Task { await gateway.stop() } }
        _ = try await gateway.call(maxWait: .seconds(2)) // the caller hangs up while the model stalls
        // No task outlives its call: the stalled request's connection is closed by the gateway.
        #expect(await gateway.fake.waitUntil(timeout: .seconds(5)) { $0.responsesAbandoned >= 1 })
        try await Task.sleep(for: .milliseconds(200))
        #expect(gateway.app.services.registry.activeCalls == 0)
    }
}

/// The offline default, end to end: espeak-ng speaks a caller's sentence, the call goes through
/// the gateway, pocketsphinx must hear words of it, and the scripted model answers aloud.
@Suite(.serialized) struct OfflinePipelineCallTests {
    @Test func espeakCallerIsHeardByPocketsphinx() async throws {
        // espeak-ng's f2 variant, a little slow, is the voice pocketsphinx's model hears best.
        let caller = EspeakSpeech(configuration: .init(variant: "f2", wordsPerMinute: 150))
        var pcm: [Int16] = []
        var rate = 8000
        for try await chunk in caller.synthesize("What time do you open on Sunday?", language: "en-US") {
            if case .pcm16(let samples, let r) = chunk { pcm += samples; rate = r }
        }
        let speech = MuLaw.encode(try Resampler(from: rate, to: 8000).process(pcm))
        let silence = [UInt8](repeating: 0xFF, count: 8000 * 3)
        let clip = try CallClip(muLaw: silence + speech + silence, turnDetection: .init())

        var voice = PipelineResponder.Configuration()
        voice.greeting = ""
        let pipeline = PipelineResponder(stt: try SphinxTranscriber(), llm: ScriptedLanguageModel(), tts: EspeakSpeech(),
                                         cache: PhraseCache(), configuration: voice)
        let responder = RecordingResponder(pipeline)
        var server = EarshotConfiguration()
        server.port = 0
        server.logLevel = .error
        let port = NIOLockedValueBox<Int?>(nil)
        let app = buildApplication(configuration: server, responder: responder, signals: []) { channel in
            port.withLockedValue { $0 = channel.localAddress?.port }
        }
        let task = Task { try await app.run() }
        defer { Task { await app.serviceGroup.triggerGracefulShutdown(); _ = try? await task.value } }
        while port.withLockedValue({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }

        var configuration = CallSimulator.Configuration(serverURL: "http://127.0.0.1:\(port.withLockedValue { $0 }!)")
        configuration.maxWait = .seconds(15)
        let report = try await CallSimulator(configuration: configuration, clip: clip).run()

        let heard = try #require(responder.replies.last?.transcript).lowercased()
        let words = ["what", "time", "open", "sunday"].filter { heard.contains($0) }
        #expect(words.count >= 2, "pocketsphinx heard: \(heard)")
        #expect(!(responder.replies.last?.segments.isEmpty ?? true))
        #expect(report.received["media", default: 0] > 0)
    }
}

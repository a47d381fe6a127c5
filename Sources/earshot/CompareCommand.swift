import ArgumentParser
import EarshotConversation
import EarshotFakes
import EarshotProviders
import EarshotServer
import EarshotSimulator
import Foundation
import Logging
import NIOConcurrencyHelpers

/// `earshot compare`: the A/B of the two architectures. One conversation goes through
/// `/voice-stream` (Media Streams: VAD, streaming pipeline) and through `/voice` (`<Record>` →
/// download → STT → LLM → TTS → `<Play>`), on one in-process server whose providers are the
/// fakes on 127.0.0.1 with the same fixed delays, and the command prints end of speech → first
/// reply audio for both.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "A/B: the same conversation through /voice-stream and /voice, with the same fake-provider delays.",
        discussion: """
            Starts fake OpenAI-style STT and chat and Deepgram-style TTS on 127.0.0.1 with fixed \
            delays, an Earshot server using them (no phrase cache, so every turn pays for TTS), then \
            places the same call twice in real time: once as Media Streams (`earshot call`), once as \
            the record flow (`earshot call --mode record`). For /voice the latency counts Twilio's own \
            <Record timeout> as configured: end of speech → timeout → action webhook → <Play> first byte. \
            Twilio's recording upload and its fetch of the TwiML over the internet are not in either figure.
            """
    )

    @Argument(help: "Caller audio (WAV or raw μ-law). Default: a synthetic caller with --turns utterances.")
    var audio: String?

    @Option(help: "Utterances of the synthetic caller.")
    var turns = 3

    @Option(help: "Fake STT delay, ms (batch transcription, both flows).")
    var sttMs = 300

    @Option(help: "Fake model delay to the first token, ms.")
    var llmMs = 400

    @Option(help: "Fake model delay between tokens, ms.")
    var tokenMs = 20

    @Option(help: "Fake TTS delay to the first byte, ms.")
    var ttsMs = 200

    @Option(help: "<Record timeout>, seconds of silence before Twilio ends a recording.")
    var recordTimeout = 1

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard turns >= 1, sttMs >= 0, llmMs >= 0, tokenMs >= 0, ttsMs >= 0, (1...60).contains(recordTimeout) else {
            throw ValidationError("delays must be ≥ 0, --turns ≥ 1, --record-timeout 1…60")
        }
    }

    func run() async throws {
        var knobs = FakeKnobs()
        knobs.sttText = "I would like to book a table for two"
        knobs.sttDelay = .milliseconds(sttMs)
        knobs.llmReply = ["Sure", ", I can", " book that", " for you.", " What time", " would you", " like?"]
        knobs.llmFirstTokenDelay = .milliseconds(llmMs)
        knobs.llmTokenDelay = .milliseconds(tokenMs)
        knobs.ttsFirstByteDelay = .milliseconds(ttsMs)
        knobs.ttsMuLaw = FakeAudio.muLawPattern(count: 8000)  // one second per sentence
        let fake = FakeProviderServer(knobs)
        try await fake.start()
        let client = ProviderHTTPClient()
        var pipeline = PipelineResponder.Configuration()
        pipeline.greeting = ""
        let responder = PipelineResponder(
            stt: OpenAITranscriber(configuration: .init(baseURL: fake.baseURL + "/v1", apiKey: "fake"), client: client),
            llm: OpenAIChatModel(configuration: .init(baseURL: fake.baseURL + "/v1", apiKey: "fake"), client: client),
            tts: DeepgramSpeech(configuration: .init(baseURL: fake.baseURL, apiKey: "fake"), client: client),
            cache: PhraseCache(maxBytes: 0), configuration: pipeline)
        _ = await responder.warmCache()

        var server = EarshotConfiguration()
        server.port = 0
        server.logLevel = .error
        server.record.timeoutSeconds = recordTimeout
        let port = NIOLockedValueBox<Int?>(nil)
        let app = buildApplication(configuration: server, logger: Logger(label: "earshot.compare"), responder: responder, signals: []) { channel in
            port.withLockedValue { $0 = channel.localAddress?.port }
        }
        let serverTask = Task { try await app.run() }
        func shutdown() async {
            await app.serviceGroup.triggerGracefulShutdown()
            _ = try? await serverTask.value
            try? await client.shutdown()
            try? await fake.stop()
        }
        do {
            while port.withLockedValue({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
            let url = "http://127.0.0.1:\(port.withLockedValue { $0 }!)"
            let clip = try audio.map { try CallClip.load(path: $0) }
                ?? CallClip.synthetic(turns: turns, speech: .milliseconds(1400), pause: .milliseconds(4500))
            if !json { print("placing the call through /voice-stream (\(clip.utterances.count) utterances, real time)…") }
            var stream = CallSimulator.Configuration(serverURL: url)
            stream.maxWait = .seconds(15)
            let streamReport = try await CallSimulator(configuration: stream, clip: clip).run()
            if !json { print("placing the call through /voice…") }
            let recordReport = try await RecordCallSimulator(configuration: .init(serverURL: url), clip: clip).run()
            let result = Comparison(delays: .init(sttMs: sttMs, llmFirstTokenMs: llmMs, llmTokenMs: tokenMs, ttsFirstByteMs: ttsMs,
                                                  recordTimeoutMs: recordTimeout * 1000),
                                    stream: streamReport, record: recordReport)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(result.render(), terminator: "")
            }
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }
}

/// The A/B result: per utterance, end of speech → first reply audio through each endpoint.
struct Comparison: Codable {
    struct Delays: Codable {
        var sttMs, llmFirstTokenMs, llmTokenMs, ttsFirstByteMs, recordTimeoutMs: Int
    }

    struct Row: Codable {
        var turn: Int
        var streamMs: Double?
        var recordMs: Double?
        /// /voice's parts: Twilio's record timeout, the action webhook's round trip, the <Play> first byte.
        var recordTimeoutMs: Int?
        var recordWebhookMs: Double?
        var recordPlayFirstByteMs: Double?
    }

    var delays: Delays
    var rows: [Row]

    init(delays: Delays, stream: CallReport, record: RecordCallReport) {
        self.delays = delays
        let spoken = record.turns.filter { !$0.silent }
        rows = (0..<max(stream.turns.count, spoken.count)).map { i in
            let r = i < spoken.count ? spoken[i] : nil
            return Row(turn: i + 1, streamMs: i < stream.turns.count ? stream.turns[i].latencyMilliseconds : nil,
                       recordMs: r?.latencyMilliseconds, recordTimeoutMs: r?.recordTimeoutMilliseconds,
                       recordWebhookMs: r?.actionRoundTripMilliseconds, recordPlayFirstByteMs: r?.playFirstByteMilliseconds)
        }
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    func render() -> String {
        func ms(_ v: Double?) -> String { v.map { String(Int($0.rounded())) } ?? "—" }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
        var out = "\nA/B — end of speech → first reply audio, ms (fake providers: STT \(delays.sttMs), model first token "
            + "\(delays.llmFirstTokenMs) + \(delays.llmTokenMs)/token, TTS first byte \(delays.ttsFirstByteMs); "
            + "<Record timeout> \(delays.recordTimeoutMs))\n\n"
        out += pad("turn", 7) + pad("/voice-stream", 15) + pad("/voice", 9) + "/voice = record timeout + webhook + <Play> first byte\n"
        for row in rows {
            let parts = row.recordTimeoutMs.map { "\($0) + \(ms(row.recordWebhookMs)) + \(ms(row.recordPlayFirstByteMs))" } ?? ""
            out += pad(String(row.turn), 7) + pad(ms(row.streamMs), 15) + pad(ms(row.recordMs), 9) + parts + "\n"
        }
        let stream = Self.median(rows.compactMap(\.streamMs)), record = Self.median(rows.compactMap(\.recordMs))
        out += pad("median", 7) + pad(ms(stream), 15) + pad(ms(record), 9)
        if let stream, let record, stream > 0 { out += String(format: "/voice-stream answers %.1f× sooner", record / stream) }
        return out + "\n"
    }
}

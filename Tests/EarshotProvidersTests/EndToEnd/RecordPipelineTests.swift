@testable import EarshotFakes
import EarshotConversation
import EarshotProviders
import EarshotServer
import EarshotSimulator
import Foundation
import Testing

/// The record-then-play flow end to end: `RecordCallSimulator` plays Twilio (webhook,
/// recordings served from its own loopback server, `<Play>` fetches), the gateway runs the real
/// pipeline against the fake providers.
@Suite(.serialized) struct RecordPipelineTests {
    static func recordCall(_ gateway: PipelineGateway, turns: Int = 2, notFoundFirst: Int = 0,
                           silentTurns: Set<Int> = []) async throws -> RecordCallReport {
        var configuration = RecordCallSimulator.Configuration(serverURL: "http://127.0.0.1:\(gateway.port)")
        configuration.realtime = false
        configuration.recordingNotFoundFirst = notFoundFirst
        configuration.silentTurns = silentTurns
        let clip = CallClip.synthetic(turns: turns, speech: .milliseconds(1200), pause: .milliseconds(1500))
        return try await RecordCallSimulator(configuration: configuration, clip: clip).run()
    }

    @Test func eachRecordingGoesThroughSTTLLMAndTTSAndIsPlayedBack() async throws {
        var knobs = FakeKnobs()
        knobs.sttText = "a table for two please"
        knobs.llmReply = ["Sure", ", for two.", " What time?"]
        let gateway = try await PipelineGateway.start(knobs)
        defer { Task { await gateway.stop() } }

        let report = try await Self.recordCall(gateway, notFoundFirst: 1)
        #expect(report.endReason == .callerHungUp)
        #expect(report.turns.count == 2)
        for (n, turn) in report.turns.enumerated() {
            // Twilio's upload lag: one 404, then the file.
            #expect(turn.recordingRequests == .init(ok: 1, notFound: 1))
            // Two sentences of the fake's μ-law, played back whole.
            #expect(turn.replyAudioMilliseconds == 2 * FakeKnobs().ttsMuLaw.count / 8)
            let stages = Set(turn.serverTiming.map(\.name))
            #expect(stages.isSuperset(of: ["download", "decode", "stt", "llm", "reply", "total"]), "\(stages)")
            // The second turn's sentences come from the phrase cache: no TTS request, no TTS stage.
            #expect(stages.contains("tts") == (n == 0), "\(stages)")
            // End of speech → first reply audio counts Twilio's record timeout.
            #expect((turn.latencyMilliseconds ?? 0) >= Double(turn.recordTimeoutMilliseconds))
        }
        // The second turn's model request carried the first exchange.
        let inputs = gateway.responder.inputs.filter { if case .speech = $0.kind { true } else { false } }
        #expect(inputs.count == 2)
        #expect(inputs.last?.history.map(\.content) == ["a table for two please", "Sure, for two. What time?"])
        #expect(gateway.fake.stats.lastRequest[.chat]?.bodyText.contains("Sure, for two. What time?") == true)
        // The uploaded utterance is the caller's recording, not silence.
        #expect((gateway.fake.stats.uploadedAudio?.milliseconds ?? 0) >= 1000)
    }

    @Test func aFailingModelGivesTheFallbackAndTheNextRecord() async throws {
        var knobs = FakeKnobs()
        knobs.fault = .status(500)
        knobs.faultRoutes = [.chat]
        let gateway = try await PipelineGateway.start(knobs) { $0.fallbackPhrase = "Sorry, could you say that again?" }
        defer { Task { await gateway.stop() } }

        let report = try await Self.recordCall(gateway, turns: 1)
        let turn = try #require(report.turns.first)
        #expect((turn.replyAudioMilliseconds) > 0)
        #expect(report.requests.last?.verbs.contains("Record") == true)
        let events = try #require(gateway.responder.replies.last)
        #expect(events.failures == ["llm"])
        #expect(events.segments == ["Sorry, could you say that again?"])
    }

    @Test func anEmptyRecordingIsRepromptedThroughTheRedirect() async throws {
        let gateway = try await PipelineGateway.start(FakeKnobs()) { $0.repromptPhrase = "Are you still there?" }
        defer { Task { await gateway.stop() } }

        let report = try await Self.recordCall(gateway, turns: 1, silentTurns: [1])
        #expect(report.requests.map(\.kind) == [.webhook, .redirect, .action])
        #expect(gateway.responder.inputs.map(\.kind).contains(.silence(consecutive: 1)))
        #expect(gateway.responder.replies.contains { $0.segments == ["Are you still there?"] })
        // The caller's utterance was still heard on the next <Record>.
        #expect(gateway.responder.inputs.contains { if case .speech = $0.kind { true } else { false } })
    }
}

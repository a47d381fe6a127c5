import AsyncHTTPClient
import EarshotAudio
import EarshotConversation
import EarshotServer
import EarshotSimulator
import EarshotTwilio
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Testing

/// The record-then-play flow (`/voice`) over real HTTP: the server fetches recordings from a
/// loopback recording server the way it fetches Twilio's.
@Suite(.serialized) struct RecordFlowTests {
    static let token = "record-flow-token"
    static let accountSid = "AC" + String(repeating: "d", count: 32)
    static let callSid = "CA" + String(repeating: "e", count: 32)

    /// One utterance the server's VAD calls speech.
    static let speech: [UInt8] = {
        let clip = CallClip.synthetic(turns: 1, speech: .milliseconds(1200), pause: .milliseconds(400))
        let u = clip.utterances[0]
        return Array(clip.muLaw[(u.startMilliseconds * 8)..<(u.endMilliseconds * 8)])
    }()

    static func form(_ extra: [(name: String, value: String)] = []) -> [(name: String, value: String)] {
        [("AccountSid", accountSid), ("CallSid", callSid), ("CallStatus", "in-progress"), ("From", "+15550001111"),
         ("To", "+15550002222")] + extra
    }

    static func recordingForm(url: String, seconds: Int = 2) -> [(name: String, value: String)] {
        form([("RecordingUrl", url), ("RecordingDuration", String(seconds)), ("RecordingSid", "RE" + String(repeating: "1", count: 32)),
              ("Digits", "")])
    }

    @Test func voiceGreetsThenRecordsWithTheConfiguredLimits() async throws {
        let responder = TurnResponder(greeting: "Welcome to the test line.")
        let server = try await TestServer.start(configure: {
            $0.publicURL = "https://voice.example.com"
            $0.record.timeoutSeconds = 2
            $0.record.maxLengthSeconds = 12
        }, responder: responder)
        defer { Task { await server.stop() } }

        let answer = try await post(server.baseURL + "/voice", form: Self.form())
        #expect(answer.status == 200)
        let verbs = try #require(TwiML.verbs(in: answer.body))
        #expect(verbs.count == 3)
        guard case .play(let url) = verbs[0] else { Issue.record("expected <Play>, got \(answer.body)"); return }
        #expect(url.hasPrefix("https://voice.example.com/audio/") && url.hasSuffix(".wav"))
        guard case .record(let record) = verbs[1] else { Issue.record("expected <Record>, got \(answer.body)"); return }
        #expect(record == TwiML.Record(action: "/voice/recording", timeout: 2, maxLength: 12, playBeep: false, trim: true))
        guard case .redirect(let reprompt) = verbs[2] else { Issue.record("expected <Redirect>"); return }
        #expect(reprompt == "/voice/reprompt")

        // The greeting's audio is served as an 8 kHz μ-law WAV.
        let audio = try await get(server.baseURL + URL(string: url)!.path)
        #expect(audio.status == 200 && audio.headers.first(name: "Content-Type") == "audio/wav")
        let wav = try WAV.decode(audio.bytes)
        #expect(wav.encoding == .muLaw && wav.sampleRate == 8000 && wav.samples.count == responder.segmentBytes)
        // A second call shares the stored greeting rather than storing it again.
        let again = try await post(server.baseURL + "/voice", form: Self.form().map { $0.name == "CallSid" ? ($0.name, "CA2") : $0 })
        #expect(again.body.contains(url))
    }

    @Test func aRecordingThatIsNotThereYetIsFetchedAndAnswered() async throws {
        let recordings = try await RecordingServer.start(accountSid: Self.accountSid, options: .init(notFoundFirst: 2))
        defer { Task { await recordings.stop() } }
        let responder = TurnResponder()
        let server = try await TestServer.start(configure: { $0.publicURL = "https://voice.example.com" }, responder: responder)
        defer { Task { await server.stop() } }

        _ = try await post(server.baseURL + "/voice", form: Self.form())
        let sid = "RE" + String(repeating: "a", count: 32)
        let url = recordings.add(recordingSid: sid, muLaw: Self.speech)
        let answer = try await post(server.baseURL + "/voice/recording", form: Self.recordingForm(url: url))
        #expect(answer.status == 200)
        #expect(recordings.requestCounts(recordingSid: sid) == .init(ok: 1, notFound: 2))

        // The responder heard the whole utterance, with the call's identity.
        let input = try #require(responder.inputs.last)
        guard case .speech(let heard) = input.kind else { Issue.record("expected speech, got \(input.kind)"); return }
        #expect(heard.count == Self.speech.count)
        #expect(input.index == 1 && input.call.callSid == Self.callSid && input.call.parameters["From"] == "+15550001111")
        #expect(input.history == [ChatMessage(role: .assistant, content: "Hi there.")])

        // <Play> of the reply, then the next <Record>.
        let verbs = try #require(TwiML.verbs(in: answer.body))
        guard case .play(let play) = verbs.first, case .record = verbs.dropFirst().first else {
            Issue.record("expected <Play> then <Record>: \(answer.body)"); return
        }
        let wav = try WAV.decode(try await get(server.baseURL + URL(string: play)!.path).bytes)
        #expect(wav.samples.count == 2 * responder.segmentBytes)

        // The latency record comes back as Server-Timing, and is in the metrics.
        let timing = ServerTimingMetric.parse(answer.headers.first(name: "Server-Timing") ?? "")
        #expect(Set(timing.map(\.name)).isSuperset(of: ["download", "decode", "reply", "total"]))
        #expect(try await httpGet(server.baseURL + "/metrics").body.contains(#"earshot_record_stage_seconds_count{stage="download"}"#))

        // The next turn carries the history: what the caller said and what they heard.
        let second = "RE" + String(repeating: "b", count: 32)
        _ = try await post(server.baseURL + "/voice/recording",
                           form: Self.recordingForm(url: recordings.add(recordingSid: second, muLaw: Self.speech)))
        #expect(responder.inputs.last?.index == 2)
        #expect(responder.inputs.last?.history.map(\.content) == ["Hi there.", "heard \(Self.speech.count) bytes", "One. Two."])
    }

    @Test func aMalformedRecordingGetsTheFallbackAndTheCallGoesOn() async throws {
        let recordings = try await RecordingServer.start(accountSid: Self.accountSid)
        defer { Task { await recordings.stop() } }
        let responder = TurnResponder()
        let server = try await TestServer.start(responder: responder)
        defer { Task { await server.stop() } }

        let sid = "RE" + String(repeating: "c", count: 32)
        let url = recordings.add(recordingSid: sid, file: Array("RIFF\u{4}\0\0\0WAVEjunk, not a wav at all".utf8))
        let answer = try await post(server.baseURL + "/voice/recording", form: Self.recordingForm(url: url))
        #expect(answer.status == 200)
        guard case .unheard(let reason) = responder.inputs.last?.kind else {
            Issue.record("expected .unheard, got \(String(describing: responder.inputs.last?.kind))"); return
        }
        #expect(reason.contains("WAV"))
        let verbs = try #require(TwiML.verbs(in: answer.body))
        #expect(verbs.contains { if case .record = $0 { true } else { false } })
        #expect(try await httpGet(server.baseURL + "/metrics").body.contains(#"earshot_errors_total{kind="recording_malformed"}"#))
    }

    @Test func aRecordingThatNeverAppearsIsGivenUpOnInTime() async throws {
        let recordings = try await RecordingServer.start(accountSid: Self.accountSid, options: .init(notFoundFirst: 1_000))
        defer { Task { await recordings.stop() } }
        let responder = TurnResponder()
        let server = try await TestServer.start(configure: { $0.record.recordingWait = .milliseconds(400) }, responder: responder)
        defer { Task { await server.stop() } }

        let sid = "RE" + String(repeating: "d", count: 32)
        let answer = try await post(server.baseURL + "/voice/recording",
                                    form: Self.recordingForm(url: recordings.add(recordingSid: sid, muLaw: Self.speech)))
        #expect(answer.status == 200 && answer.body.contains("<Record"))
        let counts = recordings.requestCounts(recordingSid: sid)
        #expect(counts.ok == 0 && counts.notFound >= 2 && counts.notFound <= 4)
        guard case .unheard = responder.inputs.last?.kind else { Issue.record("expected .unheard"); return }
    }

    @Test func aBadSignatureIsRefusedBeforeAnythingIsFetched() async throws {
        let recordings = try await RecordingServer.start(accountSid: Self.accountSid)
        defer { Task { await recordings.stop() } }
        let responder = TurnResponder()
        let server = try await TestServer.start(configure: {
            $0.publicURL = "https://voice.example.com"
            $0.twilioAuthToken = Self.token
        }, responder: responder)
        defer { Task { await server.stop() } }

        let sid = "RE" + String(repeating: "e", count: 32)
        let form = Self.recordingForm(url: recordings.add(recordingSid: sid, muLaw: Self.speech))
        let forged = try TwilioSignature.compute(authToken: "not-the-token", url: "https://voice.example.com/voice/recording", parameters: form)
        #expect(try await post(server.baseURL + "/voice/recording", form: form, headers: [("X-Twilio-Signature", forged)]).status == 403)
        #expect(try await post(server.baseURL + "/voice/recording", form: form).status == 403)
        #expect(try await post(server.baseURL + "/voice", form: Self.form()).status == 403)
        #expect(try await post(server.baseURL + "/voice/reprompt", form: Self.form()).status == 403)
        #expect(recordings.requestCounts(recordingSid: sid).total == 0)
        #expect(responder.inputs.isEmpty)

        // Signed over the public URL, the same request is answered.
        let good = try TwilioSignature.compute(authToken: Self.token, url: "https://voice.example.com/voice/recording", parameters: form)
        #expect(try await post(server.baseURL + "/voice/recording", form: form, headers: [("X-Twilio-Signature", good)]).status == 200)
        #expect(recordings.requestCounts(recordingSid: sid).ok == 1)
    }

    @Test func recordingsAreFetchedWithTheAccountsBasicAuth() async throws {
        let recordings = try await RecordingServer.start(accountSid: Self.accountSid,
                                                         options: .init(requireBasicAuth: (Self.accountSid, Self.token)))
        defer { Task { await recordings.stop() } }
        let responder = TurnResponder()
        let server = try await TestServer.start(configure: {
            $0.twilioAuthToken = Self.token
            $0.record.accountSid = Self.accountSid
        }, responder: responder)
        defer { Task { await server.stop() } }

        let sid = "RE" + String(repeating: "f", count: 32)
        let form = Self.recordingForm(url: recordings.add(recordingSid: sid, muLaw: Self.speech))
        let signature = try TwilioSignature.compute(authToken: Self.token, url: server.baseURL + "/voice/recording", parameters: form)
        let answer = try await post(server.baseURL + "/voice/recording", form: form, headers: [("X-Twilio-Signature", signature)])
        #expect(answer.status == 200)
        #expect(recordings.requestCounts(recordingSid: sid) == .init(ok: 1))
        guard case .speech = responder.inputs.last?.kind else { Issue.record("expected speech"); return }
    }

    @Test func silenceIsRepromptedAndEndsTheCallAfterALimit() async throws {
        let recordings = try await RecordingServer.start(accountSid: Self.accountSid)
        defer { Task { await recordings.stop() } }
        let responder = TurnResponder()
        let server = try await TestServer.start(responder: responder)
        defer { Task { await server.stop() } }

        // A recording of silence, an empty recording (Twilio follows the <Redirect>), a zero-length one.
        let silent = recordings.add(recordingSid: "RE" + String(repeating: "0", count: 32), muLaw: [UInt8](repeating: 0xFF, count: 8000))
        _ = try await post(server.baseURL + "/voice/recording", form: Self.recordingForm(url: silent))
        _ = try await post(server.baseURL + "/voice/reprompt", form: Self.form())
        let third = try await post(server.baseURL + "/voice/recording", form: Self.recordingForm(url: silent, seconds: 0))
        let kinds = responder.inputs.map(\.kind)
        #expect(kinds == [.silence(consecutive: 1), .silence(consecutive: 2), .silence(consecutive: 3)])
        // The responder said goodbye on the third: <Play> then <Hangup/>, no more <Record>.
        #expect(third.body.contains("<Hangup/>") && !third.body.contains("<Record"))
        // Speech resets the count.
        _ = try await post(server.baseURL + "/voice", form: Self.form())
        _ = try await post(server.baseURL + "/voice/reprompt", form: Self.form())
        let url = recordings.add(recordingSid: "RE" + String(repeating: "9", count: 32), muLaw: Self.speech)
        _ = try await post(server.baseURL + "/voice/recording", form: Self.recordingForm(url: url))
        _ = try await post(server.baseURL + "/voice/reprompt", form: Self.form())
        #expect(responder.inputs.last?.kind == .silence(consecutive: 1))
    }

    @Test func aReplyPastTheTurnDeadlineIsAbandonedForTheFallback() async throws {
        let recordings = try await RecordingServer.start(accountSid: Self.accountSid)
        defer { Task { await recordings.stop() } }
        let responder = TurnResponder(stallOnSpeech: true)
        let server = try await TestServer.start(configure: { $0.record.turnDeadline = .seconds(1) }, responder: responder)
        defer { Task { await server.stop() } }

        let url = recordings.add(recordingSid: "RE" + String(repeating: "7", count: 32), muLaw: Self.speech)
        let answer = try await post(server.baseURL + "/voice/recording", form: Self.recordingForm(url: url))
        #expect(answer.status == 200)
        #expect(answer.body.contains("<Play>") && answer.body.contains("<Record"))
        guard case .unheard(let reason) = responder.inputs.last?.kind else { Issue.record("expected the fallback turn"); return }
        #expect(reason.contains("no complete reply"))
        #expect(try await httpGet(server.baseURL + "/metrics").body.contains(#"earshot_errors_total{kind="record_turn_deadline"}"#))
    }

    @Test func audioURLsAreOnlyWhatWasStored() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        for path in ["/audio/" + String(repeating: "a", count: 32) + ".wav", "/audio/x.wav", "/audio/..%2F..%2Fetc%2Fpasswd"] {
            #expect(try await get(server.baseURL + path).status == 404, "\(path)")
        }
        #expect(try await post(server.baseURL + "/voice/recording", form: [("RecordingUrl", "http://127.0.0.1:1/x")]).status == 400)
    }
}

/// Answers every turn with two short tone segments and records what it was given; greets
/// when asked to, says goodbye (and hangs up) on the third silent turn in a row.
final class TurnResponder: Responder, @unchecked Sendable {
    let name = "turns"
    let greeting: String
    let segmentBytes = 1600
    private let log = NIOLockedValueBox<[TurnInput]>([])

    /// Speech turns never finish (until cancelled): a model that hangs.
    let stallOnSpeech: Bool

    init(greeting: String = "Hi there.", stallOnSpeech: Bool = false) {
        self.greeting = greeting
        self.stallOnSpeech = stallOnSpeech
    }

    var inputs: [TurnInput] { log.withLockedValue { $0.filter { $0.kind != .callStarted } } }

    func reply(to input: TurnInput) -> AsyncThrowingStream<ReplyEvent, any Error> {
        log.withLockedValue { $0.append(input) }
        let tone = Tone.muLaw(milliseconds: segmentBytes / 8)
        var events: [ReplyEvent]
        switch input.kind {
        case .callStarted: events = [.segment(text: greeting), .audio(tone)]
        case .speech(let audio):
            events = [.transcript("heard \(audio.count) bytes"), .segment(text: "One."), .audio(tone), .segment(text: "Two."), .audio(tone)]
        case .silence(let n) where n >= 3: events = [.segment(text: "Goodbye."), .audio(tone), .hangUp]
        case .silence, .unheard, .dtmf: events = [.segment(text: "Say again?"), .audio(tone)]
        }
        let stall: Bool = if case .speech = input.kind { stallOnSpeech } else { false }
        let reply = events
        return AsyncThrowingStream { continuation in
            let task = Task {
                if stall { try? await Task.sleep(for: .seconds(60)) }
                for event in reply { continuation.yield(event) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

private struct Answer {
    var status: Int
    var headers: HTTPHeaders
    var bytes: [UInt8]
    var body: String { String(decoding: bytes, as: UTF8.self) }
}

private func post(_ url: String, form: [(name: String, value: String)], headers: [(String, String)] = []) async throws -> Answer {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
    for (k, v) in headers { request.headers.add(name: k, value: v) }
    request.body = .bytes(ByteBuffer(string: FormURLEncoded.encode(form)))
    return try await send(request)
}

private func get(_ url: String) async throws -> Answer { try await send(HTTPClientRequest(url: url)) }

private func send(_ request: HTTPClientRequest) async throws -> Answer {
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(20))
    let body = try await response.body.collect(upTo: 4 << 20)
    return Answer(status: Int(response.status.code), headers: response.headers, bytes: Array(body.readableBytesView))
}

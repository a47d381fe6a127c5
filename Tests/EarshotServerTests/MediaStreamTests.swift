import AsyncHTTPClient
import EarshotAudio
import EarshotConversation
import EarshotServer
import EarshotTwilio
import Foundation
import NIOCore
import Testing

/// The whole media path through a live server and a real WebSocket client.
@Suite(.serialized) struct MediaStreamTests {
    @Test func twoUtterancesGetTwoEchoedReplies() async throws {
        // A long playout lead lets the server send each reply at once, so the test needs no real-time waits.
        let server = try await TestServer.start { $0.session.playoutLead = .seconds(30) }
        defer { Task { await server.stop() } }
        var peer = TwilioPeer(try await TestWebSocket.connect(port: server.port))
        try await peer.start()
        let speech = try fixture("vad/speech8k.ulaw")
        // The first sentence and the pause after it; the reply is complete before the caller goes on.
        try await peer.stream(Array(speech[0..<8000 * 5]))
        var messages = await peer.ws.collect(timeout: .seconds(20)) { $0.contains { if case .mark = $0 { true } else { false } } }
        if case .mark(_, let name)? = messages.last { try await peer.mark(name) } // played, as Twilio reports it
        try await peer.stream(Array(speech[8000 * 5..<8000 * 10]))
        messages += await peer.ws.collect(timeout: .seconds(20)) { $0.contains { if case .mark = $0 { true } else { false } } }
        let marks = messages.compactMap { if case .mark(_, let name) = $0 { name } else { nil } }
        #expect(marks.count == 2)
        #expect(!messages.contains { if case .clear = $0 { true } else { false } })
        // The echo is the caller's own audio: compare the first reply with the first utterance.
        var firstReply: [UInt8] = []
        for message in messages {
            if case .media(let sid, let payload) = message {
                #expect(sid == peer.streamSid)
                firstReply += try Base64.decode(payload)
            }
            if case .mark = message { break }
        }
        let events = try TurnDetector().process(muLaw: Array(speech[0..<8000 * 10]))
        let start = Int(events[0].audioStartFrame) * 160
        let end = (Int(events[1].lastVoicedFrame) + 1) * 160 + 800 // 100 ms tail
        #expect(firstReply.count >= end - start && firstReply.count < end - start + 160)
        #expect(firstReply.count >= end - start && Array(firstReply[0..<(end - start)]) == Array(speech[start..<end]))
        try await peer.stop()
        #expect(await peer.ws.closeCode() == 1000)
    }

    @Test func marksAreTrackedIntoTheHistory() async throws {
        let responder = ScriptedResponder(segments: ["First sentence.", "Second sentence."])
        let server = try await TestServer.start(responder: responder)
        defer { Task { await server.stop() } }
        var peer = TwilioPeer(try await TestWebSocket.connect(port: server.port))
        try await peer.start()
        try await peer.stream(try firstSentence())
        let messages = await peer.ws.collect { $0.filter { if case .mark = $0 { true } else { false } }.count >= 2 }
        // Echo both marks as Twilio does once the audio has played.
        for case .mark(_, let name) in messages { try await peer.mark(name) }
        try await peer.dtmf("7") // the next turn carries the history
        try await waitFor { responder.received.count >= 3 }
        let history = responder.received[2].history
        #expect(history.last == ChatMessage(role: .assistant, content: "First sentence. Second sentence."))
        #expect(responder.received[2].kind == .dtmf(digits: "7"))
        #expect(responder.received[0].kind == .callStarted)
        #expect(responder.received[0].call.parameters["From"] == "+15550001111")
    }

    @Test func bargeInClearsAndCutsHistoryToWhatWasHeard() async throws {
        let responder = ScriptedResponder(segments: ["One.", "Two.", "Three.", "Four."], segmentMilliseconds: 1500)
        let server = try await TestServer.start(responder: responder)
        defer { Task { await server.stop() } }
        var peer = TwilioPeer(try await TestWebSocket.connect(port: server.port))
        try await peer.start()
        try await peer.stream(try firstSentence())
        // Hear the first segment only: echo its mark, then talk over the rest.
        let first = await peer.ws.collect { $0.contains { if case .mark = $0 { true } else { false } } }
        guard case .mark(_, let name)? = first.last else { Issue.record("no mark"); return }
        try await peer.mark(name)
        try await Task.sleep(for: .milliseconds(100))
        let speech = try fixture("vad/speech8k.ulaw")
        try await peer.stream(Array(speech[5000 * 8..<10_000 * 8])) // the second sentence: barge-in, then a new turn
        let after = await peer.ws.collect { $0.contains { if case .clear = $0 { true } else { false } } }
        #expect(after.contains { if case .clear = $0 { true } else { false } })
        try await waitFor { responder.received.count >= 3 }
        let history = responder.received[2].history
        #expect(history.filter { $0.role == .assistant }.map(\.content) == ["One."])
    }

    @Test func dtmfReachesTheResponder() async throws {
        let responder = ScriptedResponder()
        let server = try await TestServer.start(responder: responder)
        defer { Task { await server.stop() } }
        var peer = TwilioPeer(try await TestWebSocket.connect(port: server.port))
        try await peer.start()
        try await peer.dtmf("5")
        try await waitFor { responder.received.count >= 2 }
        #expect(responder.received[1].kind == .dtmf(digits: "5"))
        let reply = await peer.ws.collect { $0.contains { if case .mark = $0 { true } else { false } } }
        #expect(reply.contains { if case .media = $0 { true } else { false } })
    }

    @Test func keypressWhileTalkingDoesNotSwallowTheTurn() async throws {
        let responder = ScriptedResponder()
        let server = try await TestServer.start(responder: responder)
        defer { Task { await server.stop() } }
        var peer = TwilioPeer(try await TestWebSocket.connect(port: server.port))
        try await peer.start()
        let sentence = try firstSentence()
        try await peer.stream(Array(sentence[0..<8000 * 2])) // mid-sentence…
        try await peer.dtmf("1")                               // …a key…
        try await peer.stream(Array(sentence[(8000 * 2)...]))  // …and the rest of the sentence
        try await waitFor { responder.received.count >= 3 }
        #expect(responder.received[1].kind == .dtmf(digits: "1"))
        guard case .speech(let audio) = responder.received[2].kind else { Issue.record("no speech turn"); return }
        #expect(audio.count > 8000 * 2) // the whole utterance, not only what followed the key
    }

    @Test func idleCallIsClosed() async throws {
        let server = try await TestServer.start { $0.idleTimeoutSeconds = 1 }
        defer { Task { await server.stop() } }
        var peer = TwilioPeer(try await TestWebSocket.connect(port: server.port))
        try await peer.start()
        #expect(await peer.ws.closeCode(timeout: .seconds(5)) == 1001)
    }
}

/// Polls a condition (bounded): for state that another task updates.
func waitFor(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { throw TestError("condition not met in time") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

import EarshotAudio
import EarshotConversation
@testable import EarshotServer
import Testing

@Suite struct AudioStoreTests {
    @Test func storesAWAVUnderAnUnguessableID() throws {
        let store = AudioStore()
        let audio = Tone.muLaw(milliseconds: 500)
        let a = try #require(store.insert(muLaw: audio))
        let b = try #require(store.insert(muLaw: audio))
        #expect(a != b)
        #expect(a.count == 32 && AudioStore.id(fromFileName: a + ".wav") == a)
        let wav = try #require(store.wav(id: a))
        let decoded = try WAV.decode(Array(wav.readableBytesView))
        #expect(decoded.encoding == .muLaw && decoded.sampleRate == 8000 && decoded.samples.count == audio.count)
        #expect(store.count == 2 && store.bytes == 2 * wav.readableBytes)
    }

    @Test func fileNamesOtherThanAnIDAreRejected() {
        for name in ["", ".wav", "abc.wav", String(repeating: "a", count: 32), String(repeating: "A", count: 32) + ".wav",
                     String(repeating: "g", count: 32) + ".wav", "../" + String(repeating: "a", count: 29) + ".wav"] {
            #expect(AudioStore.id(fromFileName: name) == nil, "\(name)")
        }
    }

    @Test func entriesExpire() throws {
        let store = AudioStore(ttl: .seconds(60))
        let start = ContinuousClock.now
        let id = try #require(store.insert(muLaw: Tone.muLaw(milliseconds: 100), now: start))
        #expect(store.wav(id: id, now: start + .seconds(59)) != nil)
        #expect(store.wav(id: id, now: start + .seconds(61)) == nil)
        #expect(store.count == 0 && store.bytes == 0)
    }

    @Test func theOldestGoesWhenTheBudgetIsFull() throws {
        let one = WAV.encode(muLaw: Tone.muLaw(milliseconds: 1000)).count
        let store = AudioStore(maxBytes: 3 * one, maxEntryBytes: 2 * one)
        let ids = (0..<4).compactMap { _ in store.insert(muLaw: Tone.muLaw(milliseconds: 1000)) }
        #expect(ids.count == 4)
        #expect(store.wav(id: ids[0]) == nil)
        #expect(ids.dropFirst().allSatisfy { store.wav(id: $0) != nil })
        #expect(store.bytes <= 3 * one)
        // One file over the per-entry limit is refused, and nothing else is evicted for it.
        #expect(store.insert(muLaw: Tone.muLaw(milliseconds: 2500)) == nil)
        #expect(store.count == 3)
    }

    @Test func sharedPhrasesAreStoredOnceAndDoNotExpire() throws {
        let store = AudioStore(ttl: .seconds(10))
        let start = ContinuousClock.now
        let a = try #require(store.insert(muLaw: Tone.muLaw(milliseconds: 300), sharedKey: "greeting", now: start))
        let b = try #require(store.insert(muLaw: Tone.muLaw(milliseconds: 300), sharedKey: "greeting", now: start))
        #expect(a == b && store.count == 1)
        #expect(store.wav(id: a, now: start + .seconds(3600)) != nil)
    }
}

@Suite struct RecordedCallsTests {
    let info = CallInfo(callSid: "CA1", streamSid: "")

    @Test func aCallAnswersOneTurnAtATime() throws {
        let calls = RecordedCalls()
        let call = try #require(calls.beginTurn(info))
        #expect(call.turns == 0 && call.history.isEmpty)
        #expect(calls.beginTurn(info) == nil)
        calls.endTurn("CA1") { call in
            call.turns = 1
            call.history.append(ChatMessage(role: .user, content: "hi"))
        }
        let next = try #require(calls.beginTurn(info))
        #expect(next.turns == 1 && next.history.count == 1)
    }

    @Test func idleCallsAreForgotten() throws {
        let calls = RecordedCalls(idleLimit: .seconds(60))
        let start = ContinuousClock.now
        _ = calls.beginTurn(info, now: start)
        calls.endTurn("CA1", now: start) { $0.turns = 3 }
        #expect(calls.open(info, now: start + .seconds(30)).turns == 3)
        #expect(calls.open(info, now: start + .seconds(120)).turns == 0)
    }

    @Test func theLeastRecentlySeenCallMakesRoom() {
        let calls = RecordedCalls(maxCalls: 2)
        let start = ContinuousClock.now
        for (n, sid) in ["CA1", "CA2", "CA3"].enumerated() {
            calls.open(CallInfo(callSid: sid, streamSid: ""), now: start + .seconds(n))
            calls.endTurn(sid, now: start + .seconds(n)) { $0.turns = 7 }
        }
        #expect(calls.count == 2)
        #expect(calls.open(CallInfo(callSid: "CA1", streamSid: ""), now: start + .seconds(4)).turns == 0)
    }
}

@Suite struct RecordingFetcherTests {
    @Test func hostPatterns() {
        #expect(RecordingFetcher.host("api.twilio.com", matches: ["api.twilio.com"]))
        #expect(RecordingFetcher.host("api.twilio.com", matches: ["*.twilio.com"]))
        #expect(!RecordingFetcher.host("twilio.com.evil.net", matches: ["*.twilio.com"]))
        #expect(!RecordingFetcher.host("eviltwilio.com", matches: ["*.twilio.com"]))
        #expect(!RecordingFetcher.host("127.0.0.1", matches: ["api.twilio.com"]))
    }

    @Test func refusesURLsItMustNotFetch() async {
        let fetcher = RecordingFetcher(configuration: .init(allowedHosts: ["api.twilio.com"]))
        for url in ["file:///etc/passwd", "not a url", "ftp://api.twilio.com/x", "http://127.0.0.1:1/recording"] {
            await #expect(throws: RecordingFetcher.Failure.self) { _ = try await fetcher.fetch(url) }
        }
    }
}

import Testing
@testable import EarshotTwilio

@Suite struct TwiMLParsingTests {
    @Test func readsBackWhatItWrites() throws {
        let verbs: [TwiML.Verb] = [
            .say("Hello & welcome, \"friend\" <3", language: "en-GB", voice: "Polly.Amy"),
            .say("Plain"),
            .play(url: "https://h/audio/a.wav?x=1&y=2"),
            .pause(seconds: 2),
            .record(TwiML.Record(action: "/voice/recording?turn=1&x=2", timeout: 1, maxLength: 30, playBeep: false, trim: true)),
            .record(TwiML.Record(action: "https://h/r", trim: false)),
            .connectStream(url: "wss://h/media-stream", parameters: [("k", "v&w"), ("empty", "")]),
            .connectStream(url: "wss://h/bare"),
            .redirect(url: "/voice/reprompt"),
            .hangup,
        ]
        #expect(TwiML.verbs(in: TwiML.response(verbs)) == verbs)
        #expect(TwiML.verbs(in: TwiML.response([])) == [])
    }

    @Test func readsTheRecordFlowAsTheServerWritesIt() throws {
        let document = TwiML.response(
            .play(url: "https://public.example.com/audio/abc.wav"),
            .record(TwiML.Record(action: "/voice/recording", timeout: 1, maxLength: 30, playBeep: false)),
            .redirect(url: "/voice/reprompt")
        )
        let verbs = try #require(TwiML.verbs(in: document))
        #expect(verbs.count == 3)
        guard case .record(let record) = verbs[1] else {
            Issue.record("expected <Record>, got \(verbs[1])")
            return
        }
        #expect(record == TwiML.Record(action: "/voice/recording", timeout: 1, maxLength: 30, playBeep: false, trim: true))
    }

    @Test func replacesEntitiesInTextAndAttributes() {
        let document = """
            <?xml version="1.0"?>
            <Response>
              <Say voice='a&amp;b' language="en&#45;US">Tom &amp; &quot;Jerry&quot; &lt;3 it&apos;s &#x263A; &#9731;</Say>
              <Play>
                https://h/a.wav?x=1&amp;y=2
              </Play>
              <Redirect><![CDATA[/next?a=1&b=2]]></Redirect>
              <Record action="/r?a=1&amp;b=&#50;"/>
            </Response>
            """
        #expect(TwiML.verbs(in: document) == [
            .say(#"Tom & "Jerry" <3 it's ☺ ☃"#, language: "en-US", voice: "a&b"),
            .play(url: "https://h/a.wav?x=1&y=2"),
            .redirect(url: "/next?a=1&b=2"),
            .record(TwiML.Record(action: "/r?a=1&b=2")),
        ])
    }

    @Test func missingAttributesTakeTwiliosDefaults() throws {
        let verbs = try #require(TwiML.verbs(in: "<Response><Record/><Pause/><Say>Hi</Say></Response>"))
        #expect(verbs == [
            .record(TwiML.Record(action: "", timeout: 5, maxLength: 3600, playBeep: true, trim: true)),
            .pause(seconds: 1),
            .say("Hi", language: nil, voice: nil),
        ])
        let odd = try #require(TwiML.verbs(in: #"<Response><Record timeout="soon" maxLength=" 12 " playBeep="FALSE" trim="do-not-trim"/></Response>"#))
        #expect(odd == [.record(TwiML.Record(action: "", timeout: 5, maxLength: 12, playBeep: false, trim: false))])
    }

    @Test func keepsSayTextAcrossSSMLAndComments() {
        let document = "<Response><Say>Hello <!-- no --><break time=\"1s\"/>there, <emphasis>you</emphasis>.</Say></Response>"
        #expect(TwiML.verbs(in: document) == [.say("Hello there, you.")])
    }

    @Test func skipsVerbsItDoesNotModelAndNestedLookalikes() {
        let document = """
            <Response>
              <Gather input="speech" action="/g"><Say>Inside gather</Say></Gather>
              <Start><Stream url="wss://h/listen"/></Start>
              <Connect><Conversation serviceInstanceSid="IS1"/></Connect>
              <Dial>+15555550100</Dial>
              <Hangup/>
            </Response>
            """
        #expect(TwiML.verbs(in: document) == [.hangup])
    }

    @Test func readsHandWrittenConnectStream() {
        let document = """
            <Response><Connect action="/after"><Stream url = 'wss://h/s' track="inbound_track">
              <Parameter name="a" value="1"/><Parameter value="2" name="b"></Parameter><Parameter name="c"/><Parameter value="no name"/>
            </Stream></Connect></Response>
            """
        #expect(TwiML.verbs(in: document) == [.connectStream(url: "wss://h/s", parameters: [("a", "1"), ("b", "2"), ("c", "")])])
    }

    @Test func findsTheResponseOrReturnsNil() {
        #expect(TwiML.verbs(in: "") == nil)
        #expect(TwiML.verbs(in: "not xml at all") == nil)
        #expect(TwiML.verbs(in: "<html><body>502 Bad Gateway</body></html>") == nil)
        #expect(TwiML.verbs(in: "<!-- <Response><Hangup/></Response> -->") == nil)
        #expect(TwiML.verbs(in: "<Response/>") == [])
        #expect(TwiML.verbs(in: "<Wrapper><Response><Hangup/></Response></Wrapper>") == [.hangup])
        #expect(TwiML.verbs(in: "<Response><Hangup/></Response><Response><Say>second</Say></Response>") == [.hangup])
    }

    @Test func survivesGarbageAndTruncation() {
        let document = TwiML.response(.say("One"), .play(url: "https://h/a.wav"), .record(TwiML.Record(action: "/r")), .hangup)
        // Every prefix: never a crash, and never a verb that was not whole in the prefix.
        let complete = TwiML.verbs(in: document) ?? []
        for length in 0...document.utf8.count {
            let prefix = String(decoding: Array(document.utf8.prefix(length)), as: UTF8.self)
            guard let verbs = TwiML.verbs(in: prefix) else { continue }
            #expect(Array(complete.prefix(verbs.count)) == verbs, "prefix \(length): \(verbs)")
        }
        let garbage = [
            "<Response><Play>https://h/a.wav", "<Response><<<>>></Response>", "<Response><Say>a < b & c</Say></Response>",
            "<Response></Play></Say><Hangup/>", "<Response><Record action=\"unterminated/></Response>",
            "<Response><Say>unclosed<Hangup/></Response>", "<Response><![CDATA[<Hangup/>]]></Response>", "<\u{0}<Response>\u{FFFF}</",
        ]
        #expect(TwiML.verbs(in: garbage[0]) == [])
        #expect(TwiML.verbs(in: garbage[1]) == [])
        #expect(TwiML.verbs(in: garbage[2]) == [.say("a < b & c")])
        #expect(TwiML.verbs(in: garbage[3]) == [.hangup])
        #expect(TwiML.verbs(in: garbage[4]) == [])
        #expect(TwiML.verbs(in: garbage[5]) == [])
        #expect(TwiML.verbs(in: garbage[6]) == [])
        #expect(TwiML.verbs(in: garbage[7]) == nil)  // `Response` reads as an attribute of the tag `\u{0}`
    }

    @Test func verbsCompareByValue() {
        #expect(TwiML.Verb.play(url: "a") != .redirect(url: "a"))
        #expect(TwiML.Verb.say("a", language: "en") != .say("a"))
        #expect(TwiML.Verb.connectStream(url: "u", parameters: [("a", "1")]) != .connectStream(url: "u", parameters: [("a", "2")]))
        #expect(TwiML.Verb.connectStream(url: "u", parameters: [("a", "1")]) != .connectStream(url: "u"))
    }
}

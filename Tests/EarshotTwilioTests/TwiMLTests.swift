import Testing
@testable import EarshotTwilio

@Suite struct TwiMLTests {
    static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

    @Test func connectsAStreamWithParameters() {
        let xml = TwiML.connectStream(url: "wss://earshot.example.com/media-stream", parameters: [("caller", "+14155550100"), ("lang", "en-US")])
        #expect(xml == Self.declaration
            + #"<Response><Connect><Stream url="wss://earshot.example.com/media-stream">"#
            + #"<Parameter name="caller" value="+14155550100"/><Parameter name="lang" value="en-US"/>"#
            + "</Stream></Connect></Response>")
        #expect(TwiML.connectStream(url: "wss://h/media-stream")
            == Self.declaration + #"<Response><Connect><Stream url="wss://h/media-stream"/></Connect></Response>"#)
    }

    @Test func escapesAttributesAndText() {
        let xml = TwiML.connectStream(url: #"wss://h/s?a=1&b="2""#, parameters: [(#"<k'>"#, #"Tom & "Jerry" <3 it's"#)])
        #expect(xml.contains(#"url="wss://h/s?a=1&amp;b=&quot;2&quot;""#))
        #expect(xml.contains(#"<Parameter name="&lt;k&apos;&gt;" value="Tom &amp; &quot;Jerry&quot; &lt;3 it&apos;s"/>"#))
        #expect(TwiML.say("1 < 2 & \"ok\"\u{1}\u{7}\tbye") == Self.declaration
            + "<Response><Say>1 &lt; 2 &amp; &quot;ok&quot;\tbye</Say></Response>")
    }

    @Test func writesEachVerb() {
        #expect(TwiML.hangup() == Self.declaration + "<Response><Hangup/></Response>")
        #expect(TwiML.say("Hello", language: "en-GB") == Self.declaration + #"<Response><Say language="en-GB">Hello</Say></Response>"#)
        #expect(TwiML.play("https://h/a.wav?x=1&y=2") == Self.declaration + "<Response><Play>https://h/a.wav?x=1&amp;y=2</Play></Response>")
        #expect(TwiML.pause(seconds: 2) == Self.declaration + #"<Response><Pause length="2"/></Response>"#)
        #expect(TwiML.record(action: "https://h/recorded", timeout: 2, maxLength: 30, playBeep: false, trim: true) == Self.declaration
            + #"<Response><Record action="https://h/recorded" timeout="2" maxLength="30" playBeep="false" trim="trim-silence"/></Response>"#)
        #expect(TwiML.record(action: "/r", trim: false).contains(#"playBeep="true" trim="do-not-trim""#))
    }

    @Test func composesAResponseFromVerbs() {
        let xml = TwiML.response(
            .say("One moment.", language: "en-US", voice: "Polly.Joanna"),
            .pause(seconds: 1),
            .connectStream(url: "wss://h/media-stream", parameters: [("k", "v")]),
            .redirect(url: "https://h/next"),
            .hangup
        )
        #expect(xml == Self.declaration + "<Response>"
            + #"<Say language="en-US" voice="Polly.Joanna">One moment.</Say><Pause length="1"/>"#
            + #"<Connect><Stream url="wss://h/media-stream"><Parameter name="k" value="v"/></Stream></Connect>"#
            + "<Redirect>https://h/next</Redirect><Hangup/></Response>")
        #expect(TwiML.response([]) == Self.declaration + "<Response></Response>")
    }

    @Test func parsesWhatItWrites() throws {
        let parameters = [("caller", "+14155550100"), ("odd", #"a&b<c>"d"'e"#), ("empty", "")]
        let stream = try #require(TwiML.streamInstruction(in: TwiML.connectStream(url: "wss://h/media-stream?x=1&y=2", parameters: parameters)))
        #expect(stream.url == "wss://h/media-stream?x=1&y=2")
        #expect(stream.parameters.map(\.name) == parameters.map(\.0))
        #expect(stream.parameters.map(\.value) == parameters.map(\.1))
        #expect(stream.isBidirectional)
        #expect(stream.parameter("odd") == #"a&b<c>"d"'e"#)
        #expect(stream.parameter("missing") == nil)
    }

    @Test func parsesHandWrittenTwiML() throws {
        let document = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment with <Stream url="wss://wrong"/> inside -->
            <Response>
              <Say voice='alice'>Connecting &amp; streaming</Say>
              <Connect action = "https://h/after">
                <Stream name="s" url = 'wss://h/a&#38;b&#x26;c' track="inbound_track" >
                  <Parameter name = "k1" value = "v&quot;1" />
                  <Parameter value="v2" name="k2"></Parameter>
                  <Parameter name="k3"/>
                </Stream>
              </Connect>
              <Parameter name="outside" value="x"/>
            </Response>
            """
        let stream = try #require(TwiML.streamInstruction(in: document))
        #expect(stream.url == "wss://h/a&b&c")
        #expect(stream.parameters.map(\.name) == ["k1", "k2", "k3"])
        #expect(stream.parameters.map(\.value) == [#"v"1"#, "v2", ""])
        #expect(stream.isBidirectional)
    }

    @Test func tellsAListenOnlyStreamApart() throws {
        let stream = try #require(TwiML.streamInstruction(in: #"<Response><Start><Stream url="wss://h/listen"/></Start><Say>Hi</Say></Response>"#))
        #expect(stream.url == "wss://h/listen")
        #expect(!stream.isBidirectional)
        #expect(stream.parameters.isEmpty)
    }

    @Test(arguments: [
        TwiML.hangup(), TwiML.say("<Stream url=\"wss://x\"/>"), "", "<", "<Response><Streams url=\"wss://x\"/></Response>",
        "<Response><Stream/></Response>", "not xml at all", "<<<<>>>>", "<Stream url=\"wss://unterminated",
    ])
    func findsNoStreamWhereThereIsNone(document: String) {
        #expect(TwiML.streamInstruction(in: document) == nil)
    }

    @Test func survivesTruncatedDocuments() {
        let document = TwiML.connectStream(url: "wss://h/media-stream", parameters: [("a", "1"), ("b", "2")])
        for length in 0...document.utf8.count {
            let prefix = String(decoding: Array(document.utf8)[..<length], as: UTF8.self)
            _ = TwiML.streamInstruction(in: prefix)
        }
    }

    @Test func unescapesEntitiesForgivingly() {
        #expect(XMLText.unescape("a &amp; b &lt;&gt; &quot;&apos; &#65;&#x42;") == #"a & b <> "' AB"#)
        #expect(XMLText.unescape("&bogus; & &#xZZ; &#1114112; &amp") == "&bogus; & &#xZZ; &#1114112; &amp")
    }
}

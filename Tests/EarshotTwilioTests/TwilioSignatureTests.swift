import Testing
@testable import EarshotTwilio

@Suite struct TwilioSignatureTests {
    /// Twilio's documented example (DESIGN.md, "Request signatures").
    static let url = "https://example.com/myapp.php?foo=1&bar=2"
    static let parameters: [(name: String, value: String)] = [
        ("Digits", "1234"), ("To", "+18005551212"), ("From", "+14158675310"),
        ("Caller", "+14158675310"), ("CallSid", "CA1234567890ABCDE"),
    ]
    static let signature = "L/OH5YylLD5NRKLltdqwSvS0BnU="

    @Test func matchesTwiliosTestVector() throws {
        #expect(try TwilioSignature.compute(authToken: "12345", url: Self.url, parameters: Self.parameters) == Self.signature)
        #expect(TwilioSignature.isValid(signature: Self.signature, authToken: "12345", url: Self.url, parameters: Self.parameters))
    }

    @Test func rejectsAnyChange() {
        #expect(!TwilioSignature.isValid(signature: Self.signature, authToken: "12346", url: Self.url, parameters: Self.parameters))
        #expect(!TwilioSignature.isValid(signature: Self.signature, authToken: "12345", url: Self.url + "&baz=3", parameters: Self.parameters))
        #expect(!TwilioSignature.isValid(signature: Self.signature, authToken: "12345", url: Self.url, parameters: Array(Self.parameters.dropLast())))
        #expect(!TwilioSignature.isValid(signature: Self.signature, authToken: "12345", url: Self.url, parameters: Self.parameters + [("Extra", "")]))
        #expect(!TwilioSignature.isValid(signature: "L/OH5YylLD5NRKLltdqwSvS0BnV=", authToken: "12345", url: Self.url, parameters: Self.parameters))
        #expect(!TwilioSignature.isValid(signature: "", authToken: "12345", url: Self.url, parameters: Self.parameters))
        #expect(!TwilioSignature.isValid(signature: Self.signature + " ", authToken: "12345", url: Self.url, parameters: Self.parameters))
    }

    @Test func acceptsTheURLWithAndWithoutTheDefaultPort() throws {
        let token = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
        let pairs: [(String, String, Bool)] = [
            ("wss://earshot.example.com/media-stream", "wss://earshot.example.com:443/media-stream", true),
            ("https://earshot.example.com/voice?x=1", "https://earshot.example.com:443/voice?x=1", true),
            ("http://earshot.example.com/voice", "http://earshot.example.com:80/voice", true),
            ("ws://earshot.example.com", "ws://earshot.example.com:80", true),
            ("https://user:pa:ss@earshot.example.com/v", "https://user:pa:ss@earshot.example.com:443/v", true),
            ("https://[2001:db8::1]/v", "https://[2001:db8::1]:443/v", true),
            ("https://earshot.example.com/voice", "https://earshot.example.com:8443/voice", false),
            ("https://earshot.example.com/voice", "https://earshot.example.com:80/voice", false),
            ("wss://earshot.example.com/media-stream", "https://earshot.example.com/media-stream", false),
        ]
        for (plain, ported, same) in pairs {
            // Twilio may have signed either form; the server may know either form.
            let signedPlain = try TwilioSignature.compute(authToken: token, url: plain)
            let signedPorted = try TwilioSignature.compute(authToken: token, url: ported)
            #expect(TwilioSignature.isValid(signature: signedPlain, authToken: token, url: ported) == same, "\(plain) vs \(ported)")
            #expect(TwilioSignature.isValid(signature: signedPorted, authToken: token, url: plain) == same, "\(ported) vs \(plain)")
            #expect(TwilioSignature.isValid(signature: signedPlain, authToken: token, url: plain))
        }
    }

    @Test func togglesOnlyTheDefaultPort() {
        #expect(TwilioSignature.urlsToTry("wss://h/media-stream") == ["wss://h/media-stream", "wss://h:443/media-stream"])
        #expect(TwilioSignature.urlsToTry("HTTPS://h:443?a=b:1") == ["HTTPS://h:443?a=b:1", "HTTPS://h?a=b:1"])
        #expect(TwilioSignature.urlsToTry("https://h#frag") == ["https://h#frag", "https://h:443#frag"])
        #expect(TwilioSignature.urlsToTry("https://h:8443/x") == ["https://h:8443/x"])
        #expect(TwilioSignature.urlsToTry("ftp://h/x") == ["ftp://h/x"])
        #expect(TwilioSignature.urlsToTry("not a url") == ["not a url"])
    }

    @Test func sortsParametersByNameThenValueByteWise() {
        let text = TwilioSignature.signedText(url: "u", parameters: [("b", "2"), ("a", "z"), ("B", "0"), ("a", "y"), ("ä", "1")])
        #expect(String(decoding: text, as: UTF8.self) == "uB0ayazb2ä1")
    }

    @Test func signsTheWebhookBodyTwilioPosts() throws {
        let body = "CallSid=CA1234567890ABCDE&Caller=%2B14158675310&Digits=1234&From=%2B14158675310&To=%2B18005551212"
        let parameters = FormURLEncoded.parse(body.utf8)
        #expect(TwilioSignature.isValid(signature: Self.signature, authToken: "12345", url: Self.url, parameters: parameters))
    }
}

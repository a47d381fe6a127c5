import Testing
@testable import EarshotTwilio

@Suite struct FormURLEncodedTests {
    static func parse(_ body: String) -> [String] {
        FormURLEncoded.parse(body.utf8).map { "\($0.name)=\($0.value)" }
    }

    @Test func parsesTwilioWebhookBodies() {
        let pairs = FormURLEncoded.parse("CallSid=CA123&From=%2B14155550100&CallerName=Jane+Doe&SpeechResult=caf%C3%A9%3F".utf8)
        #expect(pairs.map(\.name) == ["CallSid", "From", "CallerName", "SpeechResult"])
        #expect(pairs.map(\.value) == ["CA123", "+14155550100", "Jane Doe", "café?"])
    }

    @Test func followsTheWHATWGParsingRules() {
        #expect(Self.parse("") == [])
        #expect(Self.parse("a=1&&b=2&") == ["a=1", "b=2"])
        #expect(Self.parse("flag&x=") == ["flag=", "x="])
        #expect(Self.parse("a=b=c") == ["a=b=c"])
        #expect(Self.parse("=v") == ["=v"])
        #expect(Self.parse("k=1&k=2") == ["k=1", "k=2"])
        #expect(Self.parse("%41%2b%2B+%20") == ["A++  ="])
        // Invalid escapes are kept literally, never rejected.
        #expect(Self.parse("a=%&b=%4&c=%zz&d=%4g&e=100%") == ["a=%", "b=%4", "c=%zz", "d=%4g", "e=100%"])
        // Bytes that are not UTF-8 become U+FFFD.
        #expect(Self.parse("a=%FF%FE") == ["a=\u{FFFD}\u{FFFD}"])
        #expect(FormURLEncoded.parse([UInt8(ascii: "k"), UInt8(ascii: "="), 0xC3]).first?.value == "\u{FFFD}")
    }

    @Test func encodesWithTheWHATWGSet() {
        #expect(FormURLEncoded.encode([("To", "+14155550100"), ("Status", "completed")]) == "To=%2B14155550100&Status=completed")
        #expect(FormURLEncoded.encode([("a b", "c&d=e/f?g"), ("safe", "AZaz09*-._"), ("u", "é~!'()")])
            == "a+b=c%26d%3De%2Ff%3Fg&safe=AZaz09*-._&u=%C3%A9%7E%21%27%28%29")
        #expect(FormURLEncoded.encode([]) == "")
        #expect(FormURLEncoded.encode([("", "")]) == "=")
    }

    @Test func roundTrips() {
        var random = SplitMix64(seed: 42)
        let alphabet = Array("aZ09 +%&=?/é🎧\u{0}\n*-._~'\"")
        for _ in 0..<500 {
            let pairs: [(name: String, value: String)] = (0..<Int(random.next() % 5)).map { _ in
                let word = { String((0..<Int(random.next() % 8)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }) }
                return (word(), word())
            }
            let parsed = FormURLEncoded.parse(FormURLEncoded.encode(pairs).utf8)
            // Every pair survives, even an empty one: it encodes as "=".
            #expect(parsed.map(\.name) == pairs.map(\.name))
            #expect(parsed.map(\.value) == pairs.map(\.value))
        }
    }
}

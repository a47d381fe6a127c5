import Testing
@testable import EarshotTwilio

@Suite struct MediaStreamScannerTests {
    @Test func findsThePayloadOfARealMediaMessage() throws {
        let message = Wire.media
        guard case let .media(payload, track) = scanInbound(message) else {
            Issue.record("expected media, got \(scanInbound(message))")
            return
        }
        #expect(text(payload, in: message) == Wire.payload)
        #expect(track == .inbound)
        #expect(track.isInbound)
    }

    @Test(arguments: [
        #"{ "event" : "media" , "media" : { "track" : "inbound" , "payload" : "QUJD" } , "streamSid" : "MZ1" }"#,
        "{\n  \"event\":\t\"media\",\n  \"media\": {\n    \"payload\":  \"QUJD\",\r\n    \"track\": \"inbound\"\n  }\n}\n",
        #"  {"event":"media","media":{"payload":"QUJD","track":"inbound"}}  "#,
    ])
    func acceptsWhitespaceAnywhereJSONAllows(message: String) {
        guard case let .media(payload, track) = scanInbound(message) else {
            Issue.record("expected media, got \(scanInbound(message))")
            return
        }
        #expect(text(payload, in: message) == "QUJD")
        #expect(track == .inbound)
    }

    @Test(arguments: [
        #"{"streamSid":"MZ1","media":{"payload":"QUJD","timestamp":"5","chunk":"2","track":"inbound"},"sequenceNumber":"4","event":"media"}"#,
        #"{"media":{"payload":"QUJD"},"event":"media"}"#,
        #"{"sequenceNumber":4,"extra":{"nested":["}",{"x":"]\"{"}],"n":null,"t":true,"f":false,"num":-1.5e3},"event":"media","media":{"chunk":2,"payload":"QUJD"}}"#,
    ])
    func acceptsKeysInAnyOrderAndSkipsOtherMembers(message: String) {
        guard case let .media(payload, _) = scanInbound(message) else {
            Issue.record("expected media, got \(scanInbound(message))")
            return
        }
        #expect(text(payload, in: message) == "QUJD")
    }

    @Test func reportsTheTrack() {
        let outbound = #"{"event":"media","media":{"track":"outbound","payload":"QUJD"}}"#
        #expect(scanInbound(outbound) == .media(payload: 56..<60, track: .outbound))
        #expect(text(56..<60, in: outbound) == "QUJD")
        #expect(scanInbound(#"{"event":"media","media":{"payload":"QUJD"}}"#) == .media(payload: 37..<41, track: .unspecified))
        let other = #"{"event":"media","media":{"track":"both","payload":""}}"#
        guard case let .media(payload, .other(track)) = scanInbound(other) else {
            Issue.record("expected another track, got \(scanInbound(other))")
            return
        }
        #expect(payload.isEmpty)
        #expect(text(track, in: other) == "both")
        #expect(!MediaStreamScanner.ScannedTrack.outbound.isInbound)
        #expect(MediaStreamScanner.ScannedTrack.unspecified.isInbound)
    }

    @Test(arguments: [
        // JSON escapes in the payload, the event, the track or a key: the bytes are not the value.
        #"{"event":"media","media":{"payload":"ab\/cd=="}}"#,
        #"{"event":"media","media":{"payload":"QUJD\u0041"}}"#,
        #"{"event":"med\u0069a","media":{"payload":"QUJD"}}"#,
        #"{"event":"media","media":{"tr\u0061ck":"outbound","payload":"QUJD"}}"#,
        #"{"event":"media","media":{"track":"in\u0062ound","payload":"QUJD"}}"#,
        #"{"ev\u0065nt":"media","media":{"payload":"QUJD"}}"#,
        // Missing, repeated or mistyped members the fast path relies on.
        #"{"event":"media","media":{"track":"inbound"}}"#,
        #"{"event":"media"}"#,
        #"{"event":"media","media":"QUJD"}"#,
        #"{"event":"media","media":{"payload":42}}"#,
        #"{"event":"media","media":{"payload":"QUJD","payload":"RUZH"}}"#,
        #"{"event":"media","event":"stop","media":{"payload":"QUJD"}}"#,
        #"{"event":["media"],"media":{"payload":"QUJD"}}"#,
        // Oddities in any message, whatever its event: the full parse must see them.
        #"{"event":"mark","event":"media","media":{"payload":"QUJD"}}"#,
        #"{"ev\u0065nt":"media","event":"stop"}"#,
        #"{"event":"start","media":7}"#,
    ])
    func sendsWhatItCannotReadExactlyToTheFullParse(message: String) {
        #expect(scanInbound(message) == .needsFullParse)
    }

    @Test func namesTheOtherEvents() {
        #expect(scanInbound(Wire.connected) == .other(.connected))
        #expect(scanInbound(Wire.start) == .other(.start))
        #expect(scanInbound(Wire.dtmf) == .other(.dtmf))
        #expect(scanInbound(Wire.mark) == .other(.mark))
        #expect(scanInbound(Wire.stop) == .other(.stop))
    }

    @Test func pointsAtAnUnknownEventName() {
        let message = #"{"event":"transcription","streamSid":"MZ1"}"#
        guard case .unknown(let name) = scanInbound(message) else {
            Issue.record("expected unknown, got \(scanInbound(message))")
            return
        }
        #expect(text(name, in: message) == "transcription")
        #expect(scanInbound(#"{"event":"Media","media":{"payload":"QUJD"}}"#) == .unknown(name: 10..<15))
        #expect(scanInbound(#"{"event":"","media":{"payload":"QUJD"}}"#) == .unknown(name: 10..<10))
    }

    @Test(arguments: [
        "", " ", "media", "null", "[]", "42", #""event""#, "{}", "{ }",
        #"{"streamSid":"MZ1","media":{"payload":"QUJD"}}"#,
        #"{"event":"media","media":{"payload":"QUJD"}}x"#,
        #"{"event":"media","media":{"payload":"QUJD"}}{}"#,
        #"{"event":"media",}"#, #"{"event":"media" "media":{}}"#, #"{"event" "media"}"#,
        #"{event:"media"}"#, #"{'event':'media'}"#, #"{"event":"media","x":tru}"#,
        #"{"event":"media","x":nul}"#, #"{"event":"media","x":+1}"#, #"{"event":"media","x":[1,2}"#,
        "{\"event\":\"med\nia\"}", "{\"event\":\"media\",\"media\":{\"payload\":\"QU\u{1}JD\"}}",
        #"{"event":"media","media":{"payload":"QUJD\"}}"#, #"{"event":"media","media":{"payload":"QUJD\"#,
    ])
    func rejectsWhatIsNotAnObjectWithAnEvent(message: String) {
        #expect(scanInbound(message) == .invalid)
    }

    @Test func everyPrefixOfAMessageIsInvalid() {
        for message in [Wire.media, Wire.start, Wire.mark, #"{"event":"media","media":{"payload":"ab\/cd=="}}"#] {
            let bytes = Array(message.utf8)
            for length in 0..<bytes.count {
                let result = Array(bytes[..<length]).withUnsafeBytes { MediaStreamScanner.scan($0) }
                #expect(result == .invalid, "prefix of \(length) bytes: \(result)")
            }
        }
    }

    @Test func survivesCorruptedMessages() {
        // Deterministic fuzzing: flip, drop and insert bytes of a real message and scan it.
        var random = SplitMix64(seed: 0x5EED)
        let original = Array(Wire.media.utf8)
        let interesting: [UInt8] = Array(#""\{}[]:, 0tfn-e"#.utf8) + [0, 0x80, 0xFF]
        for _ in 0..<20_000 {
            var bytes = original
            for _ in 0..<Int(random.next() % 4 + 1) {
                let at = Int(random.next() % UInt64(bytes.count))
                let byte = interesting[Int(random.next() % UInt64(interesting.count))]
                switch random.next() % 3 {
                case 0: bytes[at] = byte
                case 1: bytes.remove(at: at)
                default: bytes.insert(byte, at: at)
                }
            }
            let result = bytes.withUnsafeBytes { MediaStreamScanner.scan($0) }
            if case let .media(payload, _) = result {
                #expect(payload.upperBound <= bytes.count)
            }
        }
    }

    @Test func scansWhatTheSimulatorWrites() throws {
        let writer = InboundMediaWriter(streamSid: Wire.streamSid)
        let message = writer.message(sequenceNumber: 12, chunk: 11, timestamp: 200, muLaw: Wire.muLaw)
        let result = message.withUnsafeBytes { MediaStreamScanner.scan($0) }
        guard case let .media(payload, .inbound) = result else {
            Issue.record("expected inbound media, got \(result)")
            return
        }
        #expect(String(decoding: message[payload], as: UTF8.self) == Wire.payload)
    }
}

/// A small deterministic generator for the fuzz loops.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

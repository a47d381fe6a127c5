import Testing
import Foundation
@testable import EarshotTwilio

@Suite struct InboundDecodingTests {
    @Test func decodesEveryMessageTwilioSends() throws {
        #expect(try InboundMessage(decoding: Wire.connected) == .connected(.init(protocolName: "Call", version: "1.0.0")))
        #expect(try InboundMessage(decoding: Wire.start) == .start(.init(
            streamSid: Wire.streamSid, sequenceNumber: 1, accountSid: Wire.accountSid, callSid: Wire.callSid,
            tracks: [.inbound], customParameters: ["caller": "+14155550100", "lang": "en-US"],
            mediaFormat: MediaFormat(encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1)
        )))
        #expect(try InboundMessage(decoding: Wire.media) == .media(.init(
            streamSid: Wire.streamSid, sequenceNumber: 4, track: .inbound, chunk: 2, timestamp: 5, payload: Wire.payload
        )))
        #expect(try InboundMessage(decoding: Wire.dtmf) == .dtmf(.init(
            streamSid: Wire.streamSid, sequenceNumber: 5, track: .inboundTrack, digit: "1"
        )))
        #expect(try InboundMessage(decoding: Wire.mark) == .mark(.init(streamSid: Wire.streamSid, sequenceNumber: 6, name: "sentence-3")))
        #expect(try InboundMessage(decoding: Wire.stop) == .stop(.init(
            streamSid: Wire.streamSid, sequenceNumber: 7, accountSid: Wire.accountSid, callSid: Wire.callSid
        )))
    }

    @Test func exposesTheCommonFields() throws {
        let media = try InboundMessage(decoding: Wire.media)
        #expect(media.event == .media)
        #expect(media.streamSid == Wire.streamSid)
        #expect(media.sequenceNumber == 4)
        let connected = try InboundMessage(decoding: Wire.connected)
        #expect(connected.event == .connected)
        #expect(connected.streamSid == nil)
        #expect(connected.sequenceNumber == nil)
    }

    @Test func decodesThePayloadTheFastPathSendsOver() throws {
        // `\/` is a legal JSON escape for `/`, so the scan defers and the full parse unescapes.
        let escaped = Wire.media.replacingOccurrences(of: "/", with: #"\/"#)
        #expect(escaped != Wire.media)
        #expect(scanInbound(escaped) == .needsFullParse)
        guard case .media(let media) = try InboundMessage(decoding: escaped) else {
            Issue.record("expected media")
            return
        }
        #expect(media.payload == Wire.payload)
        #expect(try media.muLaw() == Wire.muLaw)
    }

    @Test func isLenientWhereTwilioMightBe() throws {
        // Integers as JSON numbers, no track, no customParameters, streamSid only inside `start`.
        let media = try InboundMessage(decoding: #"{"event":"media","sequenceNumber":4,"media":{"chunk":2,"timestamp":"5","payload":""},"streamSid":"MZ1"}"#)
        #expect(media == .media(.init(streamSid: "MZ1", sequenceNumber: 4, track: .inbound, chunk: 2, timestamp: 5, payload: "")))
        let start = try InboundMessage(decoding: #"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#)
        #expect(start == .start(.init(streamSid: "MZ1", accountSid: "AC1", callSid: "CA1")))
    }

    @Test func judgesTheMediaFormat() throws {
        guard case .start(let start) = try InboundMessage(decoding: Wire.start) else {
            Issue.record("expected start")
            return
        }
        #expect(start.mediaFormat.isTwilioMuLaw8kMono)
        try start.mediaFormat.requireTwilioMuLaw8kMono()
        let aLaw = MediaFormat(encoding: "audio/x-alaw", sampleRate: 8000, channels: 1)
        #expect(!aLaw.isTwilioMuLaw8kMono)
        #expect(!MediaFormat(encoding: "audio/x-mulaw", sampleRate: 16000, channels: 1).isTwilioMuLaw8kMono)
        #expect(!MediaFormat(encoding: "audio/x-mulaw", sampleRate: 8000, channels: 2).isTwilioMuLaw8kMono)
        #expect(throws: TwilioProtocolError.unsupportedMediaFormat(encoding: "audio/x-alaw", sampleRate: 8000, channels: 1)) {
            try aLaw.requireTwilioMuLaw8kMono()
        }
    }

    @Test(arguments: [
        ("", TwilioProtocolError.notJSON),
        ("{", .notJSON),
        ("event=media", .notJSON),
        (#"{"event":}"#, .notJSON),
        (#"{"event" "media"}"#, .notJSON),
        ("[1,2]", .notAnObject),
        ("42", .notAnObject),
        (#""media""#, .notAnObject),
        ("{}", .missingEvent),
        (#"{"streamSid":"MZ1"}"#, .missingEvent),
        (#"{"event":5}"#, .invalidField("event")),
        (#"{"event":"transcription"}"#, .unknownEvent("transcription")),
        (#"{"event":"Media"}"#, .unknownEvent("Media")),
        (#"{"event":"connected","version":"1.0.0"}"#, .missingField("protocol")),
        (#"{"event":"connected","protocol":"Call"}"#, .missingField("version")),
        (#"{"event":"media","sequenceNumber":"4","streamSid":"MZ1"}"#, .missingField("media")),
        (#"{"event":"media","sequenceNumber":"4","media":"x","streamSid":"MZ1"}"#, .invalidField("media")),
        (#"{"event":"media","sequenceNumber":"4","media":{"chunk":"2","timestamp":"5"},"streamSid":"MZ1"}"#, .missingField("media.payload")),
        (#"{"event":"media","sequenceNumber":"4","media":{"chunk":"2","timestamp":"5","payload":7},"streamSid":"MZ1"}"#, .invalidField("media.payload")),
        (#"{"event":"media","sequenceNumber":"4","media":{"timestamp":"5","payload":""},"streamSid":"MZ1"}"#, .missingField("media.chunk")),
        (#"{"event":"media","sequenceNumber":"4","media":{"chunk":"2","payload":""},"streamSid":"MZ1"}"#, .missingField("media.timestamp")),
        (#"{"event":"media","sequenceNumber":"4","media":{"chunk":"two","timestamp":"5","payload":""},"streamSid":"MZ1"}"#, .invalidField("media.chunk")),
        (#"{"event":"media","sequenceNumber":"4","media":{"chunk":"2","timestamp":5.5,"payload":""},"streamSid":"MZ1"}"#, .invalidField("media.timestamp")),
        (#"{"event":"media","sequenceNumber":"4","media":{"track":1,"chunk":"2","timestamp":"5","payload":""},"streamSid":"MZ1"}"#, .invalidField("media.track")),
        (#"{"event":"media","media":{"chunk":"2","timestamp":"5","payload":""},"streamSid":"MZ1"}"#, .missingField("sequenceNumber")),
        (#"{"event":"media","sequenceNumber":true,"media":{"chunk":"2","timestamp":"5","payload":""},"streamSid":"MZ1"}"#, .invalidField("sequenceNumber")),
        (#"{"event":"media","sequenceNumber":"","media":{"chunk":"2","timestamp":"5","payload":""},"streamSid":"MZ1"}"#, .invalidField("sequenceNumber")),
        (#"{"event":"media","sequenceNumber":"4","media":{"chunk":"2","timestamp":"5","payload":""}}"#, .missingField("streamSid")),
        (#"{"event":"media","sequenceNumber":"4","media":{"chunk":"2","timestamp":"5","payload":""},"streamSid":null}"#, .invalidField("streamSid")),
        (#"{"event":"start","sequenceNumber":"1","streamSid":"MZ1"}"#, .missingField("start")),
        (#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","callSid":"CA1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#, .missingField("start.streamSid")),
        (#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1"},"streamSid":"MZ1"}"#, .missingField("start.mediaFormat")),
        (#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","mediaFormat":{"sampleRate":8000,"channels":1}},"streamSid":"MZ1"}"#, .missingField("start.mediaFormat.encoding")),
        (#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":"fast","channels":1}},"streamSid":"MZ1"}"#, .invalidField("start.mediaFormat.sampleRate")),
        (#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000}},"streamSid":"MZ1"}"#, .missingField("start.mediaFormat.channels")),
        (#"{"event":"start","sequenceNumber":"1","start":{"streamSid":"MZ1","callSid":"CA1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"}"#, .missingField("start.accountSid")),
        (#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","tracks":"inbound","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"}"#, .invalidField("start.tracks")),
        (#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","customParameters":{"n":1},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"}"#, .invalidField("start.customParameters.n")),
        (#"{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track"}}"#, .missingField("dtmf.digit")),
        (#"{"event":"mark","sequenceNumber":"6","streamSid":"MZ1","mark":{}}"#, .missingField("mark.name")),
        (#"{"event":"mark","sequenceNumber":"6","streamSid":"MZ1"}"#, .missingField("mark")),
        (#"{"event":"stop","sequenceNumber":"7","stop":{"accountSid":"AC1"},"streamSid":"MZ1"}"#, .missingField("stop.callSid")),
    ])
    func reportsEachMalformedCase(message: String, error: TwilioProtocolError) {
        #expect(throws: error) { try InboundMessage(decoding: message) }
    }

    @Test func rejectsBytesThatAreNotUTF8() {
        #expect(throws: TwilioProtocolError.notJSON) { try InboundMessage(decoding: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) }
    }

    @Test func rejectsAPayloadThatIsNotBase64() throws {
        let media = InboundMessage.Media(streamSid: "MZ1", sequenceNumber: 1, chunk: 1, timestamp: 0, payload: "not base64!")
        #expect(throws: TwilioProtocolError.invalidField("media.payload")) { try media.muLaw() }
    }

    @Test func describesErrorsOnOneSafeLine() {
        #expect(TwilioProtocolError.missingField("media.payload").description == #"missing field "media.payload""#)
        #expect(TwilioProtocolError.unknownEvent("a\nb").description == #"unknown event "a\nb""#)
        let long = TwilioProtocolError.unknownEvent(String(repeating: "x", count: 500)).description
        #expect(long.count < 100)
        #expect(!long.contains("\n"))
        #expect(TwilioProtocolError.unsupportedMediaFormat(encoding: "audio/x-alaw", sampleRate: 8000, channels: 1).description
            == #"unsupported media format "audio/x-alaw" 8000 Hz 1 ch (need "audio/x-mulaw" 8000 Hz 1 ch)"#)
        #expect(TwilioProtocolError.noSpace(needed: 300, available: 200).description == "output buffer too small: need 300 bytes, have 200")
        for error in [TwilioProtocolError.notJSON, .notAnObject, .missingEvent, .invalidField("x")] {
            #expect(!error.description.isEmpty)
        }
    }
}

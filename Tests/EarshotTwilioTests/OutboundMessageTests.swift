import EarshotAudio
import Foundation
import Testing
@testable import EarshotTwilio

@Suite struct OutboundMessageTests {
    @Test func writesTheDocumentedShapes() throws {
        let writer = OutboundMessageWriter(streamSid: Wire.streamSid)
        let media = writer.media(muLaw: Wire.muLaw)
        #expect(String(decoding: media, as: UTF8.self)
            == #"{"event":"media","streamSid":"\#(Wire.streamSid)","media":{"payload":"\#(Wire.payload)"}}"#)
        #expect(try Wire.dictionary(media) == [
            "event": "media", "streamSid": Wire.streamSid, "media": ["payload": Wire.payload],
        ] as NSDictionary)
        #expect(try Wire.dictionary(writer.mark(name: "s1")) == [
            "event": "mark", "streamSid": Wire.streamSid, "mark": ["name": "s1"],
        ] as NSDictionary)
        #expect(String(decoding: writer.clear(), as: UTF8.self) == #"{"event":"clear","streamSid":"\#(Wire.streamSid)"}"#)
    }

    @Test func writerAndValueEncodingAgree() {
        let writer = OutboundMessageWriter(streamSid: Wire.streamSid)
        #expect(writer.media(muLaw: Wire.muLaw) == OutboundMessage.media(streamSid: Wire.streamSid, payload: Wire.payload).encoded())
        #expect(writer.mark(name: "s1") == OutboundMessage.mark(streamSid: Wire.streamSid, name: "s1").encoded())
        #expect(writer.clear() == OutboundMessage.clear(streamSid: Wire.streamSid).encoded())
        #expect(writer.media(muLaw: []) == OutboundMessage.media(streamSid: Wire.streamSid, payload: "").encoded())
    }

    @Test func writesIntoACallerBufferOfTheStatedLength() throws {
        let writer = OutboundMessageWriter(streamSid: Wire.streamSid)
        let length = writer.mediaLength(muLawCount: Wire.muLaw.count)
        var buffer = [UInt8](repeating: 0, count: length)
        let written = try Wire.muLaw.withUnsafeBytes { audio in
            try buffer.withUnsafeMutableBytes { try writer.writeMedia(muLaw: audio, into: $0) }
        }
        #expect(written == length)
        #expect(buffer == writer.media(muLaw: Wire.muLaw))

        #expect(throws: TwilioProtocolError.noSpace(needed: length, available: length - 1)) {
            var small = [UInt8](repeating: 0, count: length - 1)
            _ = try Wire.muLaw.withUnsafeBytes { audio in
                try small.withUnsafeMutableBytes { try writer.writeMedia(muLaw: audio, into: $0) }
            }
        }
        var clear = [UInt8](repeating: 0, count: writer.clearLength)
        #expect(try clear.withUnsafeMutableBytes { try writer.writeClear(into: $0) } == writer.clearLength)
        #expect(throws: TwilioProtocolError.noSpace(needed: writer.clearLength, available: 3)) {
            var small = [UInt8](repeating: 0, count: 3)
            _ = try small.withUnsafeMutableBytes { try writer.writeClear(into: $0) }
        }
    }

    @Test func encodesPCMToMuLawOnTheWay() throws {
        let pcm: [Int16] = (0..<160).map { Int16(truncatingIfNeeded: $0 &* 411) }
        let writer = OutboundMessageWriter(streamSid: "MZ1")
        var buffer = [UInt8](repeating: 0, count: writer.mediaLength(muLawCount: pcm.count))
        let written = try pcm.withUnsafeBufferPointer { samples in
            try buffer.withUnsafeMutableBytes { try writer.writeMedia(pcm: samples, into: $0) }
        }
        #expect(Array(buffer[..<written]) == writer.media(muLaw: MuLaw.encode(pcm)))
    }

    @Test func escapesMarkNamesAndStreamSids() throws {
        let odd = "quote\" back\\slash\n\t\r\u{8}\u{c}\u{1f}\u{0} é 🎧 </script>"
        let writer = OutboundMessageWriter(streamSid: odd)
        for bytes in [writer.mark(name: odd), writer.media(muLaw: [1, 2, 3]), writer.clear()] {
            let object = try Wire.dictionary(bytes)
            #expect(object["streamSid"] as? String == odd)
        }
        let mark = writer.mark(name: odd)
        #expect(mark.count == writer.markLength(name: odd))
        #expect((try Wire.dictionary(mark)["mark"] as? NSDictionary)?["name"] as? String == odd)
        #expect(String(decoding: mark, as: UTF8.self).contains(#"\u001f\u0000"#))
        #expect(try OutboundMessage(decoding: mark) == .mark(streamSid: odd, name: odd))
        var buffer = [UInt8](repeating: 0, count: writer.markLength(name: odd) - 1)
        #expect(throws: TwilioProtocolError.noSpace(needed: buffer.count + 1, available: buffer.count)) {
            try buffer.withUnsafeMutableBytes { try writer.writeMark(name: odd, into: $0) }
        }
    }

    @Test(arguments: [
        OutboundMessage.media(streamSid: "MZ1", payload: "QUJD"),
        .mark(streamSid: "MZ1", name: "end of sentence 2"),
        .clear(streamSid: "MZ1"),
    ])
    func roundTripsThroughTheDecoder(message: OutboundMessage) throws {
        #expect(try OutboundMessage(decoding: message.encoded()) == message)
        #expect(try OutboundMessage(decoding: message.encodedString()) == message)
    }

    @Test(arguments: [
        ("nope", TwilioProtocolError.notJSON),
        ("[]", .notAnObject),
        (#"{"streamSid":"MZ1"}"#, .missingEvent),
        (#"{"event":"start","streamSid":"MZ1"}"#, .unknownEvent("start")),
        (#"{"event":"clear"}"#, .missingField("streamSid")),
        (#"{"event":"media","streamSid":"MZ1"}"#, .missingField("media")),
        (#"{"event":"media","streamSid":"MZ1","media":{}}"#, .missingField("media.payload")),
        (#"{"event":"mark","streamSid":"MZ1","mark":{"name":1}}"#, .invalidField("mark.name")),
    ])
    func decoderReportsEachMalformedCase(message: String, error: TwilioProtocolError) {
        #expect(throws: error) { try OutboundMessage(decoding: message) }
    }
}

@Suite struct OutboundMessageScannerTests {
    @Test func findsPayloadsAndMarkNames() {
        let writer = OutboundMessageWriter(streamSid: Wire.streamSid)
        let media = String(decoding: writer.media(muLaw: Wire.muLaw), as: UTF8.self)
        guard case .media(let payload) = scanOutbound(media) else {
            Issue.record("expected media, got \(scanOutbound(media))")
            return
        }
        #expect(text(payload, in: media) == Wire.payload)
        let mark = String(decoding: writer.mark(name: "turn-1/sentence-2"), as: UTF8.self)
        guard case .mark(let name) = scanOutbound(mark) else {
            Issue.record("expected mark, got \(scanOutbound(mark))")
            return
        }
        #expect(text(name, in: mark) == "turn-1/sentence-2")
        #expect(scanOutbound(String(decoding: writer.clear(), as: UTF8.self)) == .clear)
    }

    @Test func toleratesWhitespaceAndOrder() {
        let message = #" { "mark" : { "name" : "m" } , "streamSid" : "MZ1" , "event" : "mark" } "#
        guard case .mark(let name) = scanOutbound(message) else {
            Issue.record("expected mark, got \(scanOutbound(message))")
            return
        }
        #expect(text(name, in: message) == "m")
    }

    @Test func defersEscapesAndOddities() {
        #expect(scanOutbound(#"{"event":"mark","streamSid":"MZ1","mark":{"name":"a\"b"}}"#) == .needsFullParse)
        #expect(scanOutbound(#"{"event":"media","streamSid":"MZ1","media":{"payload":"ab\/c"}}"#) == .needsFullParse)
        #expect(scanOutbound(#"{"event":"mark","streamSid":"MZ1"}"#) == .needsFullParse)
        #expect(scanOutbound(#"{"event":"media","streamSid":"MZ1","media":{}}"#) == .needsFullParse)
        #expect(scanOutbound(#"{"event":"cl\u0065ar","streamSid":"MZ1"}"#) == .needsFullParse)
    }

    @Test func reportsUnknownAndInvalid() {
        let start = Wire.start
        guard case .unknown(let name) = scanOutbound(start) else {
            Issue.record("expected unknown, got \(scanOutbound(start))")
            return
        }
        #expect(text(name, in: start) == "start")
        for bad in ["", "{", "[]", #"{"streamSid":"MZ1"}"#, #"{"event":"clear""#, #"{"event":"clear"}]"#] {
            #expect(scanOutbound(bad) == .invalid)
        }
        let bytes = OutboundMessageWriter(streamSid: Wire.streamSid).media(muLaw: Wire.muLaw)
        for length in 0..<bytes.count {
            let result = Array(bytes[..<length]).withUnsafeBytes { OutboundMessageScanner.scan($0) }
            #expect(result == .invalid, "prefix of \(length) bytes: \(result)")
        }
    }
}

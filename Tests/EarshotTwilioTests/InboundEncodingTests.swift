import Foundation
import Testing
@testable import EarshotTwilio

/// The simulator plays Twilio's side: its messages must have Twilio's exact shapes.
@Suite struct InboundEncodingTests {
    static let messages: [InboundMessage] = [
        .connected(.init()),
        .start(.init(
            streamSid: Wire.streamSid, sequenceNumber: 1, accountSid: Wire.accountSid, callSid: Wire.callSid,
            customParameters: ["lang": "en-US", "caller": "+14155550100"]
        )),
        .media(.init(streamSid: Wire.streamSid, sequenceNumber: 4, chunk: 2, timestamp: 5, payload: Wire.payload)),
        .dtmf(.init(streamSid: Wire.streamSid, sequenceNumber: 5, digit: "1")),
        .mark(.init(streamSid: Wire.streamSid, sequenceNumber: 6, name: "sentence-3")),
        .stop(.init(streamSid: Wire.streamSid, sequenceNumber: 7, accountSid: Wire.accountSid, callSid: Wire.callSid)),
    ]

    @Test func writesTheDocumentedMessagesByteForByte() {
        let documented = [Wire.connected, Wire.start, Wire.media, Wire.dtmf, Wire.mark, Wire.stop]
        for (message, wire) in zip(Self.messages, documented) {
            #expect(message.encodedString() == wire)
        }
    }

    @Test(arguments: messages)
    func roundTripsThroughTheDecoder(message: InboundMessage) throws {
        #expect(try InboundMessage(decoding: message.encoded()) == message)
    }

    @Test func sendsIntegersAsStrings() throws {
        let media = try Wire.dictionary(Self.messages[2].encoded())
        #expect(media == [
            "event": "media", "sequenceNumber": "4", "streamSid": Wire.streamSid,
            "media": ["track": "inbound", "chunk": "2", "timestamp": "5", "payload": Wire.payload],
        ] as NSDictionary)
        let start = try Wire.dictionary(Self.messages[1].encoded())
        #expect(start == [
            "event": "start", "sequenceNumber": "1", "streamSid": Wire.streamSid,
            "start": [
                "accountSid": Wire.accountSid, "streamSid": Wire.streamSid, "callSid": Wire.callSid,
                "tracks": ["inbound"], "customParameters": ["lang": "en-US", "caller": "+14155550100"],
                "mediaFormat": ["encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1],
            ],
        ] as NSDictionary)
    }

    @Test func escapesOddStrings() throws {
        let odd = "quote\" back\\slash\nnew\u{1}line é 🎧"
        let message = InboundMessage.start(.init(
            streamSid: odd, accountSid: "AC1", callSid: "CA1", customParameters: [odd: odd]
        ))
        #expect(try InboundMessage(decoding: message.encoded()) == message)
        let object = try Wire.dictionary(message.encoded())
        #expect(object["streamSid"] as? String == odd)
    }

    @Test func mediaWriterMatchesTheEncoderWithoutAllocating() throws {
        let writer = InboundMediaWriter(streamSid: Wire.streamSid)
        var buffer = [UInt8](repeating: 0, count: writer.maximumLength(muLawCount: Wire.muLaw.count))
        for (sequenceNumber, chunk, timestamp) in [(0, 0, 0), (4, 2, 5), (9, 10, 99), (123_456_789, 98_765, Int.max), (-1, Int.min, 7)] {
            let expected = InboundMessage.media(.init(
                streamSid: Wire.streamSid, sequenceNumber: sequenceNumber, chunk: chunk, timestamp: timestamp, payload: Wire.payload
            )).encoded()
            let written = try Wire.muLaw.withUnsafeBytes { audio in
                try buffer.withUnsafeMutableBytes {
                    try writer.write(sequenceNumber: sequenceNumber, chunk: chunk, timestamp: timestamp, muLaw: audio, into: $0)
                }
            }
            #expect(Array(buffer[..<written]) == expected)
            #expect(writer.length(sequenceNumber: sequenceNumber, chunk: chunk, timestamp: timestamp, muLawCount: 160) == written)
            #expect(writer.message(sequenceNumber: sequenceNumber, chunk: chunk, timestamp: timestamp, muLaw: Wire.muLaw) == expected)
        }
    }

    @Test func mediaWriterRefusesASmallBuffer() {
        let writer = InboundMediaWriter(streamSid: "MZ1")
        let needed = writer.length(sequenceNumber: 1, chunk: 1, timestamp: 0, muLawCount: 160)
        var buffer = [UInt8](repeating: 0, count: needed - 1)
        #expect(throws: TwilioProtocolError.noSpace(needed: needed, available: needed - 1)) {
            try Wire.muLaw.withUnsafeBytes { audio in
                try buffer.withUnsafeMutableBytes { try writer.write(sequenceNumber: 1, chunk: 1, timestamp: 0, muLaw: audio, into: $0) }
            }
        }
    }

    @Test func mediaWriterCanClaimAnotherTrack() throws {
        let writer = InboundMediaWriter(streamSid: "MZ1", track: .outbound)
        let message = writer.message(sequenceNumber: 1, chunk: 1, timestamp: 0, muLaw: [0xFF])
        #expect(try InboundMessage(decoding: message) == .media(.init(
            streamSid: "MZ1", sequenceNumber: 1, track: .outbound, chunk: 1, timestamp: 0, payload: "/w=="
        )))
    }
}

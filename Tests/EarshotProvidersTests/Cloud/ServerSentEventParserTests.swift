import NIOCore
import Testing

@testable import EarshotProviders

@Suite("Server-sent events parser")
struct ServerSentEventParserTests {
    private func parse(_ text: String) throws -> [ServerSentEvent] {
        var parser = ServerSentEventParser()
        return try parser.feed(Array(text.utf8))
    }

    @Test func dataLinesAndBlankLineDispatch() throws {
        #expect(try parse("data: hello\n\n") == [ServerSentEvent(data: "hello")])
        #expect(try parse("data: one\ndata: two\n\ndata: three\n\n") == [
            ServerSentEvent(data: "one\ntwo"), ServerSentEvent(data: "three"),
        ])
    }

    @Test func eventWithoutBlankLineWaits() throws {
        var parser = ServerSentEventParser()
        #expect(try parser.feed(Array("data: pending\n".utf8)).isEmpty)
        #expect(try parser.feed(Array("\n".utf8)) == [ServerSentEvent(data: "pending")])
    }

    @Test func commentsFieldsAndSpacing() throws {
        let stream = ": keep-alive\nevent: delta\nid: 7\nretry: 100\nunknown: x\ndata:no-space\ndata:  two spaces\n\n"
        #expect(try parse(stream) == [ServerSentEvent(event: "delta", data: "no-space\n two spaces", id: "7")])
    }

    @Test func fieldWithoutColonAndEmptyData() throws {
        // "data" alone is an empty data line; an event of only empty data still dispatches.
        #expect(try parse("data\n\n") == [ServerSentEvent(data: "")])
        #expect(try parse("data:\ndata:\n\n") == [ServerSentEvent(data: "\n")])
        // No data at all: nothing to dispatch, and the event type does not leak into the next.
        #expect(try parse("event: ping\n\ndata: x\n\n") == [ServerSentEvent(data: "x")])
    }

    @Test func lineEndings() throws {
        let expected = [ServerSentEvent(data: "a\nb"), ServerSentEvent(data: "c")]
        #expect(try parse("data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n") == expected)
        #expect(try parse("data: a\rdata: b\r\rdata: c\r\r") == expected)
        #expect(try parse("data: a\r\ndata: b\n\rdata: c\r\n\n") == expected)
    }

    @Test func byteOrderMarkAtStartIsIgnored() throws {
        #expect(try parse("\u{FEFF}data: x\n\n") == [ServerSentEvent(data: "x")])
        // Only at the very start.
        #expect(try parse("data: a\n\n\u{FEFF}data: b\n\n").count == 1)
    }

    @Test func doneSentinelIsPlainData() throws {
        #expect(try parse("data: {\"a\":1}\n\ndata: [DONE]\n\n").map(\.data) == ["{\"a\":1}", "[DONE]"])
    }

    @Test func utf8SplitInsideACharacter() throws {
        let bytes = Array("data: naïve 日本 🎧\n\n".utf8)
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for byte in bytes { events += try parser.feed([byte]) }
        #expect(events == [ServerSentEvent(data: "naïve 日本 🎧")])
    }

    @Test func finishReturnsAnEventMissingItsBlankLine() throws {
        var parser = ServerSentEventParser()
        _ = try parser.feed(Array("data: [DONE]\n".utf8))
        #expect(parser.finish() == ServerSentEvent(data: "[DONE]"))
        #expect(parser.finish() == nil)

        var partial = ServerSentEventParser()
        _ = try partial.feed(Array("data: cut mid-li".utf8))
        #expect(partial.finish() == nil, "an unterminated line is not data")
    }

    @Test func oversizedLineIsAnError() throws {
        var parser = ServerSentEventParser(limit: 64)
        #expect(throws: ServerSentEventError.eventTooLarge(limit: 64)) {
            _ = try parser.feed(Array(repeating: UInt8(ascii: "x"), count: 65))
        }
    }

    @Test func feedsByteBufferWithoutConsumingIt() throws {
        var parser = ServerSentEventParser()
        let buffer = ByteBuffer(string: "data: x\n\n")
        var events: [ServerSentEvent] = []
        try parser.feed(buffer) { events.append($0) }
        #expect(events == [ServerSentEvent(data: "x")])
        #expect(buffer.readableBytes == 9)
    }

    /// Property: however a stream is cut into chunks, and whatever line endings it uses, the
    /// events are the same as when it is fed whole.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func randomSplitPointsGiveTheSameEvents(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        for _ in 0..<60 {
            let (stream, expected) = randomStream(&random)
            #expect(try parse(String(decoding: stream, as: UTF8.self)) == expected)

            var parser = ServerSentEventParser()
            var events: [ServerSentEvent] = []
            var start = 0
            while start < stream.count {
                let length = min(stream.count - start, Int(random.next() % 9))
                events += try parser.feed(stream[start..<(start + length)])
                start += length
            }
            #expect(events == expected)
        }
    }

    private func randomStream(_ random: inout SplitMix64) -> ([UInt8], [ServerSentEvent]) {
        let endings = ["\n", "\r\n", "\r"]
        let alphabet = Array("ab c:{}\"[]é日🎧")
        var text = ""
        var expected: [ServerSentEvent] = []
        for _ in 0..<(1 + Int(random.next() % 6)) {
            let ending = endings[Int(random.next() % 3)]
            if random.next() % 3 == 0 { text += ": comment" + ending }
            var lines: [String] = []
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let length = Int(random.next() % 12)
                lines.append(String((0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }))
            }
            for line in lines { text += "data: " + line + ending }
            text += ending
            expected.append(ServerSentEvent(data: lines.joined(separator: "\n")))
        }
        return (Array(text.utf8), expected)
    }
}

/// A seeded generator, so a failing split is reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

import EarshotAudio
import EarshotConversation
import EarshotServer
import EarshotTwilio
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// A live server on 127.0.0.1 and a port of its own, for one test.
struct TestServer {
    let app: EarshotApp
    let port: Int
    private let task: Task<Void, any Error>

    static func start(
        configure: (inout EarshotConfiguration) -> Void = { _ in }, responder: (any Responder)? = nil
    ) async throws -> TestServer {
        var configuration = EarshotConfiguration()
        configuration.port = 0
        configuration.logLevel = .warning
        configuration.maxMessagesPerSecond = 100_000 // tests stream faster than real time
        configure(&configuration)
        let port = NIOLockedValueBox<Int?>(nil)
        let app = buildApplication(configuration: configuration, responder: responder, signals: []) { channel in
            port.withLockedValue { $0 = channel.localAddress?.port }
        }
        let task = Task { try await app.run() }
        let deadline = ContinuousClock.now + .seconds(20)
        while port.withLockedValue({ $0 }) == nil {
            guard ContinuousClock.now < deadline else { throw TestError("server did not start") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return TestServer(app: app, port: port.withLockedValue { $0 }!, task: task)
    }

    func stop() async {
        await app.serviceGroup.triggerGracefulShutdown()
        _ = try? await task.value
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
}

/// A responder for tests: records every input it is given and answers with fixed segments of
/// tone, so replies are short and recognisable. It speaks the real Responder protocol.
final class ScriptedResponder: Responder, @unchecked Sendable {
    let name = "scripted"
    private let inputs = NIOLockedValueBox<[TurnInput]>([])
    let segments: [String]
    let segmentMilliseconds: Int

    init(segments: [String] = ["Hello.", "How can I help?"], segmentMilliseconds: Int = 200) {
        self.segments = segments
        self.segmentMilliseconds = segmentMilliseconds
    }

    var received: [TurnInput] { inputs.withLockedValue { $0 } }

    func reply(to input: TurnInput) -> AsyncThrowingStream<ReplyEvent, any Error> {
        inputs.withLockedValue { $0.append(input) }
        if case .callStarted = input.kind { return AsyncThrowingStream { $0.finish() } }
        let segments = self.segments, ms = segmentMilliseconds
        return AsyncThrowingStream { continuation in
            for text in segments {
                continuation.yield(.segment(text: text))
                continuation.yield(.audio(Tone.muLaw(milliseconds: ms)))
            }
            continuation.finish()
        }
    }
}

enum Tone {
    static func muLaw(milliseconds: Int, frequency: Double = 440) -> [UInt8] {
        MuLaw.encode((0..<milliseconds * 8).map { Int16(5000 * sin(2 * Double.pi * frequency * Double($0) / 8000)) })
    }
}

/// Plays Twilio's side of one stream over a test WebSocket.
struct TwilioPeer {
    let ws: TestWebSocket
    let streamSid = "MZ" + String(repeating: "a", count: 32)
    let callSid = "CA" + String(repeating: "b", count: 32)
    private(set) var sequence = 1
    private(set) var chunk = 0
    private let media: InboundMediaWriter

    init(_ ws: TestWebSocket) {
        self.ws = ws
        media = InboundMediaWriter(streamSid: "MZ" + String(repeating: "a", count: 32))
    }

    mutating func start(format: MediaFormat = .twilioMuLaw8kMono, parameters: [String: String] = ["From": "+15550001111"]) async throws {
        try await send(.connected(.init()))
        try await send(.start(.init(streamSid: streamSid, sequenceNumber: nextSequence(), accountSid: "AC" + String(repeating: "c", count: 32),
                                    callSid: callSid, customParameters: parameters, mediaFormat: format)))
    }

    /// Streams μ-law audio in 20 ms messages, as fast as the socket takes them.
    mutating func stream(_ muLaw: [UInt8]) async throws {
        var offset = 0
        while offset + 160 <= muLaw.count {
            let message = media.message(sequenceNumber: nextSequence(), chunk: chunk + 1, timestamp: chunk * 20,
                                        muLaw: Array(muLaw[offset..<offset + 160]))
            chunk += 1
            offset += 160
            try await ws.send(text: String(decoding: message, as: UTF8.self))
        }
    }

    mutating func silence(milliseconds: Int) async throws {
        try await stream([UInt8](repeating: 0xFF, count: milliseconds * 8))
    }

    mutating func dtmf(_ digit: String) async throws {
        try await send(.dtmf(.init(streamSid: streamSid, sequenceNumber: nextSequence(), digit: digit)))
    }

    mutating func mark(_ name: String) async throws {
        try await send(.mark(.init(streamSid: streamSid, sequenceNumber: nextSequence(), name: name)))
    }

    mutating func stop() async throws {
        try await send(.stop(.init(streamSid: streamSid, sequenceNumber: nextSequence(), accountSid: "AC", callSid: callSid)))
    }

    func send(_ message: InboundMessage) async throws {
        try await ws.send(text: message.encodedString())
    }

    private mutating func nextSequence() -> Int {
        sequence += 1
        return sequence
    }
}

/// What the server sent, as parsed outbound messages.
extension TestWebSocket {
    /// Reads messages until `stop` says so or the timeout passes; returns them all.
    func collect(timeout: Duration = .seconds(10), until stop: ([OutboundMessage]) -> Bool) async -> [OutboundMessage] {
        var out: [OutboundMessage] = []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !stop(out) {
            guard let item = await next(timeout: deadline - ContinuousClock.now) else { break }
            if case .text(let text) = item, let message = try? OutboundMessage(decoding: Array(text.utf8)) { out.append(message) }
        }
        return out
    }

    /// Waits for the server to close; returns the close code.
    func closeCode(timeout: Duration = .seconds(10)) async -> UInt16? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let item = await next(timeout: deadline - ContinuousClock.now) else { return nil }
            if case .close(let code, _) = item { return code }
        }
        return nil
    }
}

func fixture(_ path: String) throws -> [UInt8] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    return Array(try Data(contentsOf: root.appendingPathComponent("Fixtures").appendingPathComponent(path)))
}

/// Speech from the committed fixture: its first sentence (~3.6 s) with the silence after it.
func firstSentence() throws -> [UInt8] {
    let all = try fixture("vad/speech8k.ulaw")
    return Array(all[0..<min(all.count, 8000 * 5)])
}

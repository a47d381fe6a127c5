import AsyncHTTPClient
import EarshotServer
import EarshotTwilio
import Foundation
import NIOCore
import Testing

/// Malformed input closes or skips that call's message — with a log line and a metric — and
/// never disturbs another call on the same server.
@Suite(.serialized) struct BadInputTests {
    /// Each case sends something bad on call A while call B holds a normal conversation.
    enum Misbehaviour: String, CaseIterable, Sendable {
        case nonJSON, binaryFrame, unknownEvent, mediaBeforeStart, badBase64, oversize, wrongFormat, missingStreamSid, flood
    }

    /// What should happen to call A: a close code, or the message skipped (call goes on) and counted.
    static func expectation(_ m: Misbehaviour) -> (close: UInt16?, metricKind: String) {
        switch m {
        case .nonJSON: (nil, "bad_message")
        case .binaryFrame: (1003, "binary_frame")
        case .unknownEvent: (nil, "unknown_event")
        case .mediaBeforeStart: (nil, "media_before_start")
        case .badBase64: (nil, "bad_payload")
        case .oversize: (1009, "websocket_protocol")
        case .wrongFormat: (1003, "unsupported_format")
        case .missingStreamSid: (1002, "bad_start")
        case .flood: (1008, "flood")
        }
    }

    @Test(arguments: Misbehaviour.allCases)
    func badInputIsContained(_ misbehaviour: Misbehaviour) async throws {
        let responder = ScriptedResponder()
        let server = try await TestServer.start(configure: {
            $0.maxMessageBytes = 16 * 1024
            $0.maxMessagesPerSecond = misbehaviour == .flood ? 300 : 100_000 // the good call sends 250 quickly
        }, responder: responder)
        defer { Task { await server.stop() } }

        var good = TwilioPeer(try await TestWebSocket.connect(port: server.port))
        try await good.start()
        var bad = TwilioPeer(try await TestWebSocket.connect(port: server.port))

        switch misbehaviour {
        case .nonJSON:
            try await bad.start()
            try await bad.ws.send(text: "this is not json {")
        case .binaryFrame:
            try await bad.start()
            try await bad.ws.send(binary: [1, 2, 3])
        case .unknownEvent:
            try await bad.start()
            try await bad.ws.send(text: #"{"event":"teleport","streamSid":"MZ1"}"#)
        case .mediaBeforeStart:
            try await bad.silence(milliseconds: 40)
        case .badBase64:
            try await bad.start()
            try await bad.ws.send(text: #"{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"0","payload":"!!!notbase64!!"},"streamSid":"MZ1"}"#)
        case .oversize:
            try await bad.start()
            try await bad.ws.send(text: String(repeating: "x", count: 20_000))
        case .wrongFormat:
            try await bad.start(format: MediaFormat(encoding: "audio/l16", sampleRate: 16000, channels: 1))
        case .missingStreamSid:
            try await bad.ws.send(text: #"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","callSid":"CA1","tracks":["inbound"],"customParameters":{},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#)
        case .flood:
            try await bad.start()
            try? await bad.silence(milliseconds: 20 * 400) // the server hangs up part-way
        }

        let expected = Self.expectation(misbehaviour)
        if let code = expected.close {
            #expect(await bad.ws.closeCode() == code)
        } else {
            // Skipped, not closed: the same call still works afterwards.
            if misbehaviour == .mediaBeforeStart { try await bad.start() }
            try await bad.stream(try firstSentence())
            let reply = await bad.ws.collect { $0.contains { if case .mark = $0 { true } else { false } } }
            #expect(reply.contains { if case .media = $0 { true } else { false } })
        }

        // The other call was not disturbed.
        try await good.stream(try firstSentence())
        let reply = await good.ws.collect { $0.contains { if case .mark = $0 { true } else { false } } }
        #expect(reply.contains { if case .media = $0 { true } else { false } })
        #expect(!good.ws.isFinished)

        // And the problem was counted.
        let metrics = try await httpGet(server.baseURL + "/metrics").body
        #expect(metrics.contains("earshot_errors_total{kind=\"\(expected.metricKind)\"}"))
    }
}

func httpGet(_ url: String, headers: [(String, String)] = []) async throws -> (status: Int, body: String) {
    var request = HTTPClientRequest(url: url)
    for (k, v) in headers { request.headers.add(name: k, value: v) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: body))
}

/// A WebSocket upgrade attempt over a fresh connection (an upgrade must be a connection's
/// first request), returning the HTTP status of a refusal.
func upgradeProbe(_ url: String, headers: [(String, String)] = []) async throws -> Int {
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    var request = HTTPClientRequest(url: url)
    for (k, v) in [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                   ("Sec-WebSocket-Version", "13")] + headers { request.headers.add(name: k, value: v) }
    do {
        let response = try await client.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
        try await client.shutdown()
        return Int(response.status.code)
    } catch {
        try? await client.shutdown()
        throw error
    }
}

func httpPost(_ url: String, form: [(name: String, value: String)], headers: [(String, String)] = []) async throws -> (status: Int, body: String) {
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
    for (k, v) in headers { request.headers.add(name: k, value: v) }
    request.body = .bytes(ByteBuffer(string: FormURLEncoded.encode(form)))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), String(buffer: body))
}

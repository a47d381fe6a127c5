import AsyncHTTPClient
import EarshotServer
import EarshotTwilio
import Foundation
import NIOCore
import Testing

@Suite(.serialized) struct HTTPTests {
    static let token = "test-auth-token-12345"

    @Test func voiceStreamReturnsConnectStreamTwiML() async throws {
        let server = try await TestServer.start { $0.publicURL = "https://voice.example.com" }
        defer { Task { await server.stop() } }
        let form = [(name: "CallSid", value: "CA123"), (name: "From", value: "+1 555 <&>"), (name: "To", value: "+15550002222")]
        let (status, body) = try await httpPost(server.baseURL + "/voice-stream", form: form)
        #expect(status == 200)
        #expect(body.contains(#"<Stream url="wss://voice.example.com/media-stream">"#))
        #expect(body.contains(#"<Parameter name="From" value="+1 555 &lt;&amp;&gt;"/>"#))
        #expect(body.contains(#"<Parameter name="CallSid" value="CA123"/>"#))
    }

    @Test func forwardedHeadersGiveThePublicHost() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let (_, body) = try await httpPost(server.baseURL + "/voice-stream", form: [(name: "CallSid", value: "CA1")],
                                           headers: [("X-Forwarded-Host", "tunnel.example.net"), ("X-Forwarded-Proto", "https")])
        #expect(body.contains(#"url="wss://tunnel.example.net/media-stream""#))
    }

    @Test func webhookSignatureIsChecked() async throws {
        let server = try await TestServer.start {
            $0.publicURL = "https://voice.example.com"
            $0.twilioAuthToken = Self.token
        }
        defer { Task { await server.stop() } }
        let form = [(name: "CallSid", value: "CA123"), (name: "From", value: "+15550001111"), (name: "To", value: "+15550002222")]
        let good = try TwilioSignature.compute(authToken: Self.token, url: "https://voice.example.com/voice-stream", parameters: form)
        #expect(try await httpPost(server.baseURL + "/voice-stream", form: form, headers: [("X-Twilio-Signature", good)]).status == 200)
        #expect(try await httpPost(server.baseURL + "/voice-stream", form: form, headers: [("X-Twilio-Signature", "L/OH5YylLD5NRKLltdqwSvS0BnU=")]).status == 403)
        #expect(try await httpPost(server.baseURL + "/voice-stream", form: form).status == 403)
        // A parameter changed after signing is refused.
        let tampered = [(name: "CallSid", value: "CA999")] + form.dropFirst()
        #expect(try await httpPost(server.baseURL + "/voice-stream", form: Array(tampered), headers: [("X-Twilio-Signature", good)]).status == 403)
        #expect(try await httpGet(server.baseURL + "/metrics").body.contains(#"earshot_errors_total{kind="bad_signature"}"#))
    }

    @Test func webSocketHandshakeSignatureIsChecked() async throws {
        let server = try await TestServer.start {
            $0.publicURL = "https://voice.example.com"
            $0.twilioAuthToken = Self.token
        }
        defer { Task { await server.stop() } }
        let signature = try TwilioSignature.compute(authToken: Self.token, url: "wss://voice.example.com/media-stream")
        let ws = try await TestWebSocket.connect(port: server.port, headers: [("X-Twilio-Signature", signature)])
        await ws.close()
        await #expect(throws: (any Error).self) {
            _ = try await TestWebSocket.connect(port: server.port, headers: [("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJlIQ==")])
        }
        await #expect(throws: (any Error).self) { _ = try await TestWebSocket.connect(port: server.port) }
        #expect(try await upgradeProbe(server.baseURL + "/media-stream") == 403)
    }

    @Test func healthReadinessAndCapacity() async throws {
        let server = try await TestServer.start { $0.maxCalls = 1 }
        defer { Task { await server.stop() } }
        #expect(try await httpGet(server.baseURL + "/healthz").status == 200)
        #expect(try await httpGet(server.baseURL + "/readyz").status == 200)
        var peer = TwilioPeer(try await TestWebSocket.connect(port: server.port))
        try await peer.start()
        #expect(try await httpGet(server.baseURL + "/readyz") == (503, "at capacity\n"))
        #expect(try await upgradeProbe(server.baseURL + "/media-stream") == 503)
        try await peer.stop()
        _ = await peer.ws.closeCode()
        try await waitFor { server.app.services.registry.activeCalls == 0 }
        #expect(try await httpGet(server.baseURL + "/readyz").status == 200)
        let metrics = try await httpGet(server.baseURL + "/metrics").body
        #expect(metrics.contains("earshot_calls_refused_total"))
        #expect(metrics.contains("earshot_media_frames_in_total"))
    }

    @Test func sigtermDrainsThenClosesCalls() async throws {
        let server = try await TestServer.start { $0.drainTimeoutSeconds = 1 }
        var peer = TwilioPeer(try await TestWebSocket.connect(port: server.port))
        try await peer.start()
        let stopping = Task { await server.stop() }
        try await waitFor { server.app.services.registry.isDraining }
        #expect(try await httpGet(server.baseURL + "/readyz") == (503, "draining\n"))
        #expect(try await upgradeProbe(server.baseURL + "/media-stream") == 503)
        // The active call goes on during the drain, then is closed as "going away".
        try await peer.silence(milliseconds: 100)
        #expect(await peer.ws.closeCode(timeout: .seconds(5)) == 1001)
        await stopping.value
    }
}

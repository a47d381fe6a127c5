import EarshotTwilio
import Foundation
import Hummingbird
import Logging

/// The HTTP side: Twilio's webhook, health, readiness and metrics.
enum Routes {
    /// Largest webhook body read (Twilio's are a few hundred bytes).
    static let maxFormBytes = 64 * 1024

    static func add(to router: Router<BasicRequestContext>, services: ServerServices) {
        router.post("/voice-stream") { request, context in
            try await voiceStream(request, context: context, services: services)
        }
        router.get(RouterPath(MediaUpgradePolicy.path)) { _, _ in
            // Upgrades are taken before routing, on a connection's first request; anything that
            // reaches here is a plain GET or an upgrade on a reused connection.
            Response(status: .badRequest, headers: [.connection: "close"],
                     body: .init(byteBuffer: ByteBuffer(string: "WebSocket upgrade expected as the first request of a connection\n")))
        }
        RecordRoutes.add(to: router, services: services)
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ in
            switch services.registry.readiness {
            case .admitted: return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
            case .atCapacity: return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "at capacity\n")))
            case .draining: return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "draining\n")))
            }
        }
        router.get("/metrics") { _, _ in
            var bytes: [UInt8] = []
            services.prometheus.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// A webhook's form, once its signature has been checked.
    struct Webhook {
        /// Form fields (the first of each name).
        var values: [String: String]
        /// The public base URL (`https://host`) Twilio reached us at.
        var base: String
        var host: String?
        var proto: String?

        var callSid: String { values["CallSid"] ?? "" }
    }

    /// Reads a Twilio webhook's form and checks its signature (when an auth token is set).
    /// Returns the form, or the response refusing it.
    static func readWebhook(_ request: Request, context: BasicRequestContext, services: ServerServices) async throws -> Result<Webhook, RefusedWebhook> {
        let body = try await request.body.collect(upTo: maxFormBytes)
        let form = FormURLEncoded.parse(body.readableBytesView)
        let host = request.headers[.init("X-Forwarded-Host")!] ?? request.head.authority
        let proto = request.headers[.init("X-Forwarded-Proto")!]
        let base = PublicURL.base(configured: services.configuration.publicURL, host: host, proto: proto)
        if let token = services.configuration.twilioAuthToken {
            let url = base + request.uri.description
            let signature = request.headers[.init("X-Twilio-Signature")!] ?? ""
            guard TwilioSignature.isValid(signature: signature, authToken: token, url: url, parameters: form) else {
                services.metrics.errors(kind: "bad_signature").increment()
                context.logger.warning("webhook refused: bad signature", metadata: ["http.url": .string(url)])
                return .failure(RefusedWebhook(response: Response(
                    status: .forbidden, body: .init(byteBuffer: ByteBuffer(string: "invalid X-Twilio-Signature\n")))))
            }
        }
        let values = Dictionary(form.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        return .success(Webhook(values: values, base: base, host: host, proto: proto))
    }

    struct RefusedWebhook: Error { var response: Response }

    static func twiml(_ verbs: [TwiML.Verb], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/xml; charset=utf-8"
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: TwiML.response(verbs))))
    }

    static func unavailable(_ services: ServerServices, _ context: BasicRequestContext) -> Response {
        context.logger.warning("webhook refused", metadata: ["reason": "\(services.registry.readiness)"])
        return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "unavailable\n")))
    }

    /// `POST /voice-stream`: TwiML that connects the call's audio to our WebSocket.
    static func voiceStream(_ request: Request, context: BasicRequestContext, services: ServerServices) async throws -> Response {
        let webhook: Webhook
        switch try await readWebhook(request, context: context, services: services) {
        case .success(let w): webhook = w
        case .failure(let refused): return refused.response
        }
        guard services.registry.readiness == .admitted else { return unavailable(services, context) }
        let parameters = ["From", "To", "CallSid"].compactMap { key in webhook.values[key].map { (key, $0) } }
        let streamURL = PublicURL.webSocketURL(configured: services.configuration.publicURL, host: webhook.host, proto: webhook.proto,
                                               path: MediaUpgradePolicy.path)
        // When the agent ends the call it closes the stream; Twilio then runs the next verb.
        context.logger.info("voice webhook", metadata: ["call.sid": .string(webhook.callSid)])
        return twiml([.connectStream(url: streamURL, parameters: parameters), .hangup])
    }
}

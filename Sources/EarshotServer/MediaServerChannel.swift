import EarshotTwilio
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// One accepted TCP connection: HTTP/1 for the routes (Hummingbird), and on
/// `GET /media-stream` with an upgrade, a WebSocket whose frames go straight to a plain NIO
/// ``MediaStreamHandler`` — no async iteration per frame (DESIGN.md: that costs ~2× CPU).
struct MediaServerChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        case media(any Channel)
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, HTTPResponse.Status, String)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let services: ServerServices

    init(responder: @escaping HTTPChannelHandler.Responder, services: ServerServices) {
        self.responder = responder
        self.services = services
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let refusal = NIOLoopBoundBox<(HTTPResponse.Status, String)?>(nil, eventLoop: channel.eventLoop)
            let services = self.services
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: services.configuration.maxMessageBytes,
                enableAutomaticErrorHandling: false, // MediaStreamHandler closes with the right code itself
                shouldUpgrade: { channel, head in
                    switch MediaUpgradePolicy.check(head, services: services) {
                    case .accept:
                        return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                    case .refuse(let status, let why):
                        refusal.value = (status, why)
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        // The slot taken by the policy check is given back when the call's channel closes.
                        channel.closeFuture.whenComplete { _ in services.registry.release() }
                        // No aggregator or protocol-error handler: every handler is a hop per frame.
                        try channel.pipeline.syncOperations.addHandler(
                            MediaStreamHandler(services: services, logger: services.logger))
                        return UpgradeResult.media(channel)
                    }
                }
            )
            let configuration = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        if let (status, why) = refusal.value { return UpgradeResult.refused(http, status, why) }
                        return UpgradeResult.notUpgraded(http)
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: configuration)
            pipeline.enablePipelining = false
            pipeline.enableErrorHandling = false
            pipeline.enableResponseHeaderValidation = false
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .notUpgraded(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refused(let http, let status, let why):
                await refuse(http, status: status, reason: why, logger: logger)
            case .media(let channel):
                // The handler owns the call; this task only lives as long as the connection.
                try? await channel.closeFuture.get()
            }
        } catch {
            logger.debug("connection ended before upgrade", metadata: ["error": "\(error)"])
        }
    }

    private func refuse(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, status: HTTPResponse.Status, reason: String, logger: Logger) async {
        let body = ByteBuffer(string: reason + "\n")
        try? await http.executeThenClose { _, outbound in
            let head = HTTPResponse(status: status, headerFields: [.connection: "close", .contentLength: "\(body.readableBytes)",
                                                                   .contentType: "text/plain; charset=utf-8"])
            try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
        }
    }
}

/// Whether a WebSocket upgrade may become a call: the path, the signature, admission.
enum MediaUpgradePolicy {
    enum Decision { case accept, refuse(HTTPResponse.Status, String) }

    static let path = "/media-stream"

    static func check(_ head: HTTPRequestHead, services: ServerServices) -> Decision {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        guard path == Self.path else { return .refuse(.notFound, "no WebSocket at \(path)") }
        if let token = services.configuration.twilioAuthToken {
            let url = PublicURL.webSocketURL(configured: services.configuration.publicURL,
                                             host: head.headers.first(name: "X-Forwarded-Host") ?? head.headers.first(name: "Host"),
                                             proto: head.headers.first(name: "X-Forwarded-Proto"), path: Self.path)
            let signature = head.headers.first(name: "X-Twilio-Signature") ?? ""
            guard TwilioSignature.isValid(signature: signature, authToken: token, url: url, parameters: []) else {
                services.metrics.errors(kind: "bad_signature").increment()
                services.logger.warning("websocket upgrade refused: bad signature", metadata: ["http.url": .string(url)])
                return .refuse(.forbidden, "invalid X-Twilio-Signature")
            }
        }
        switch services.registry.admit() {
        case .admitted:
            return .accept
        case .atCapacity:
            services.logger.warning("websocket upgrade refused: at capacity", metadata: ["calls.active": "\(services.registry.activeCalls)"])
            return .refuse(.serviceUnavailable, "at capacity")
        case .draining:
            services.logger.info("websocket upgrade refused: draining")
            return .refuse(.serviceUnavailable, "draining")
        }
    }
}

/// Where Twilio reaches us: the configured public URL, else the request's own headers.
enum PublicURL {
    /// `https://host[:port]` for webhooks.
    static func base(configured: String?, host: String?, proto: String?) -> String {
        if let configured { return configured }
        let scheme = (proto?.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }) ?? "http"
        return "\(scheme == "https" ? "https" : "http")://\(host ?? "localhost")"
    }

    /// The `wss://` (or `ws://` for a plain-http base) URL of a WebSocket path.
    static func webSocketURL(configured: String?, host: String?, proto: String?, path: String) -> String {
        let base = base(configured: configured, host: host, proto: proto)
        if base.hasPrefix("https://") { return "wss://" + base.dropFirst("https://".count) + path }
        return "ws://" + base.dropFirst("http://".count) + path
    }
}

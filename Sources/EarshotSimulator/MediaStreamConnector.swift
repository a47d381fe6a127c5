import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Where a simulated carrier opens its Media Streams WebSocket.
struct MediaStreamEndpoint: Sendable {
    /// TCP host and port to connect to (the server's local address, not the public one in the TwiML).
    var host: String
    var port: Int
    /// Request target: the TwiML URL's path (and query, if it had one).
    var requestURI: String
    /// Headers of the upgrade request besides the WebSocket ones (Host, X-Twilio-Signature, …).
    var headers: HTTPHeaders
}

/// Opens a client WebSocket with SwiftNIO's upgrader and installs one handler after it.
enum MediaStreamConnector {
    static let requestHandlerName = "earshot.simulator.upgrade-request"

    /// Connects and upgrades; the future succeeds once `makeHandler`'s handler is in the pipeline
    /// behind the WebSocket frame decoder. The handler sends through the ``ClientFrameOutlet`` it
    /// is given (frames it builds itself), so SwiftNIO's encoder and error handler stay unused.
    static func connect(
        to endpoint: MediaStreamEndpoint,
        on eventLoop: any EventLoop,
        connectTimeout: TimeAmount = .seconds(10),
        maxFrameSize: Int = 1 << 20,
        makeHandler: @escaping @Sendable (ClientFrameOutlet) -> any ChannelHandler
    ) -> EventLoopFuture<any Channel> {
        let upgraded = eventLoop.makePromise(of: Void.self)
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: endpoint.requestURI, headers: endpoint.headers)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: maxFrameSize, automaticErrorHandling: false) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        // The request handler reads HTTP parts; WebSocket frames must not reach it.
                        let requestHandler = try sync.context(name: requestHandlerName)
                        sync.removeHandler(context: requestHandler, promise: nil)
                        let outlet = ClientFrameOutlet()
                        try sync.addHandler(outlet, position: .first)
                        try sync.addHandler(makeHandler(outlet))
                    }
                }
                let configuration: NIOHTTPClientUpgradeConfiguration = (
                    upgraders: [upgrader],
                    completionHandler: { _ in upgraded.succeed() }
                )
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    // Frames the server sends right behind its 101 must reach the WebSocket decoder.
                    try sync.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes, withClientUpgrade: configuration)
                    try sync.addHandler(UpgradeRequestHandler(head: head, upgraded: upgraded), name: requestHandlerName)
                }
            }
        return bootstrap.connect(host: endpoint.host, port: endpoint.port)
            .flatMapError { error in
                upgraded.fail(SimulatorError.connectFailed("\(endpoint.host):\(endpoint.port): \(error)"))
                return eventLoop.makeFailedFuture(SimulatorError.connectFailed("\(endpoint.host):\(endpoint.port): \(error)"))
            }
            .flatMap { channel in
                // A server that accepts TCP but never answers the upgrade must not hang the call.
                let timeout = channel.eventLoop.scheduleTask(in: connectTimeout) {
                    upgraded.fail(SimulatorError.connectFailed("no WebSocket handshake answer within \(connectTimeout)"))
                    channel.close(promise: nil)
                }
                return upgraded.futureResult
                    .always { _ in timeout.cancel() }
                    .map { channel }
            }
    }
}

/// Sends the upgrade request once connected and turns a refused upgrade into an error.
private final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let upgraded: EventLoopPromise<Void>

    init(head: HTTPRequestHead, upgraded: EventLoopPromise<Void>) {
        self.head = head
        self.upgraded = upgraded
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Only reached when the upgrade did not happen: the server answered with plain HTTP.
        if case .head(let response) = unwrapInboundIn(data) {
            upgraded.fail(SimulatorError.upgradeRefused(status: Int(response.status.code)))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        upgraded.fail(SimulatorError.connectFailed("\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        upgraded.fail(SimulatorError.connectionLost("closed during the WebSocket handshake"))
        context.fireChannelInactive()
    }
}

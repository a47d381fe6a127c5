import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A message from the server, control frames already handled.
enum WebSocketMessage: Sendable {
    case text(String)
    case binary(ByteBuffer)
}

/// Why the server closed the socket: the close frame's code and reason.
struct WebSocketClose: Sendable, Equatable {
    var code: Int
    var reason: String

    var isNormal: Bool { code == 1000 }
}

/// A minimal WebSocket client: `ws://` always, `wss://` when NIOSSL is linked in.
enum WebSocketClient {
    /// Connects and performs the opening handshake. A refused upgrade becomes
    /// ``ProviderError/http(status:body:)`` with the server's status and the start of its body.
    /// With `eventLoop` the socket lives on that loop, so sends made on it skip a thread hop.
    /// With `binaryBatching`, small binary messages are joined into fewer, larger ones.
    static func connect(
        to url: String,
        headers extraHeaders: HTTPHeaders,
        group: any EventLoopGroup,
        eventLoop: (any EventLoop)? = nil,
        connectTimeout: Duration,
        handshakeTimeout: Duration,
        maxFrameSize: Int = 1 << 20,
        binaryBatching: BinaryFrameBatcher.Limits? = nil,
        what: String,
        secrets: [ProviderSecret]
    ) async throws -> WebSocketConnection {
        guard let parts = EndpointURL.parse(url) else {
            throw ProviderError.unavailable("\(what): invalid WebSocket URL")
        }
        let tlsHandler: (@Sendable () throws -> any ChannelHandler)?
        if parts.secure {
            guard let make = WebSocketTLS.handlerFactory(serverHostname: parts.host) else {
                throw ProviderError.unavailable("\(what): wss:// needs TLS, and NIOSSL is not linked into this build")
            }
            tlsHandler = make
        } else {
            tlsHandler = nil
        }

        var headers = HTTPHeaders()
        headers.add(name: "Host", value: parts.hostHeader)
        headers.add(name: "Content-Length", value: "0")
        headers.add(contentsOf: extraHeaders)
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: parts.target, headers: headers)

        let (channel, upgrade): (any Channel, EventLoopFuture<UpgradeOutcome>)
        do {
            (channel, upgrade) = try await ClientBootstrap(group: eventLoop ?? group.any())
                .connectTimeout(.init(connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: parts.host, port: parts.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tlsHandler { try channel.pipeline.syncOperations.addHandler(tlsHandler()) }
                        let upgrade = try configureUpgrade(channel, head: head, maxFrameSize: maxFrameSize, batching: binaryBatching)
                        return (channel, upgrade)
                    }
                }
        } catch {
            throw ProviderHTTPErrors.map(error, what: what)
        }

        let handshake = "\(what) handshake"
        switch try await wait(for: upgrade, on: channel, limit: handshakeTimeout, what: handshake) {
        case .upgraded(let asyncChannel):
            return WebSocketConnection(asyncChannel)
        case .rejected(let response):
            defer { channel.close(promise: nil) }
            let (status, body) = try await wait(for: response, on: channel, limit: handshakeTimeout, what: handshake)
            throw ProviderError.http(status: status, body: Redaction.scrub(body, secrets: secrets))
        }
    }

    /// Awaits a future of the handshake, bounded by `limit` and by the calling task's
    /// cancellation (`EventLoopFuture.get()` heeds neither); either one closes the channel.
    private static func wait<Value: Sendable>(
        for future: EventLoopFuture<Value>,
        on channel: any Channel,
        limit: Duration,
        what: String
    ) async throws -> Value {
        let promise = channel.eventLoop.makePromise(of: Value.self)
        future.cascade(to: promise)
        let timer = channel.eventLoop.scheduleTask(in: .init(limit)) {
            promise.fail(ProviderError.timeout("\(what): no answer within \(limit)"))
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(CancellationError())
                channel.close(promise: nil)
            }
        } catch {
            channel.close(promise: nil)
            throw ProviderHTTPErrors.map(error, what: what)
        }
    }

    private enum UpgradeOutcome: Sendable {
        case upgraded(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        /// The server answered without switching protocols: its status and body prefix.
        case rejected(EventLoopFuture<(Int, String)>)
    }

    private static func configureUpgrade(
        _ channel: any Channel,
        head: HTTPRequestHead,
        maxFrameSize: Int,
        batching: BinaryFrameBatcher.Limits?
    ) throws -> EventLoopFuture<UpgradeOutcome> {
        let upgrader = NIOTypedWebSocketClientUpgrader<UpgradeOutcome>(
            maxFrameSize: maxFrameSize,
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ClientFrameMasker())
                    if let batching { try sync.addHandler(BinaryFrameBatcher(batching)) }
                    try sync.addHandler(
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0,
                            maxAccumulatedFrameCount: 64,
                            maxAccumulatedFrameSize: maxFrameSize
                        )
                    )
                    return .upgraded(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                }
            }
        )
        let configuration = NIOTypedHTTPClientUpgradeConfiguration<UpgradeOutcome>(
            upgradeRequestHead: head,
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    let collector = RejectedUpgradeCollector(promise: channel.eventLoop.makePromise())
                    try channel.pipeline.syncOperations.addHandler(collector)
                    return .rejected(collector.promise.futureResult)
                }
            }
        )
        var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
        // Frames the server sends right behind its 101 must reach the WebSocket decoder.
        pipeline.leftOverBytesStrategy = .forwardBytes
        return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
    }
}

/// One open WebSocket. Sending is safe from any thread and never waits: a frame is handed to
/// the channel's event loop and written from there.
final class WebSocketConnection: Sendable {
    let asyncChannel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
    var channel: any Channel { asyncChannel.channel }
    private let closeSent = NIOLockedValueBox(false)

    init(_ asyncChannel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>) {
        self.asyncChannel = asyncChannel
    }

    /// Room left in front of each payload so the encoder can prepend the frame header in
    /// place (2–14 bytes) instead of writing a second buffer.
    private static let headerRoom = 14

    func send(binary bytes: some Collection<UInt8>) {
        var buffer = channel.allocator.buffer(capacity: Self.headerRoom + bytes.count)
        buffer.moveWriterIndex(forwardBy: Self.headerRoom)
        buffer.moveReaderIndex(forwardBy: Self.headerRoom)
        buffer.writeBytes(bytes)
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .binary, data: buffer), promise: nil)
    }

    func send(text: String) {
        var buffer = channel.allocator.buffer(capacity: Self.headerRoom + text.utf8.count)
        buffer.moveWriterIndex(forwardBy: Self.headerRoom)
        buffer.moveReaderIndex(forwardBy: Self.headerRoom)
        buffer.writeString(text)
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: buffer), promise: nil)
    }

    /// Sends a close frame (once) and closes the TCP connection if the server has not done so
    /// within `grace`.
    func close(code: WebSocketErrorCode = .normalClosure, grace: Duration = .seconds(2)) {
        let first = closeSent.withLockedValue { sent in
            defer { sent = true }
            return !sent
        }
        let channel = self.channel
        if first {
            var data = channel.allocator.buffer(capacity: 2)
            data.write(webSocketErrorCode: code)
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data), promise: nil)
        }
        channel.eventLoop.scheduleTask(in: .init(grace)) { channel.close(promise: nil) }
    }

    /// Closes the TCP connection after `grace` unless the server has closed it by then.
    func abort(after grace: Duration) {
        let channel = self.channel
        channel.eventLoop.scheduleTask(in: .init(grace)) { channel.close(promise: nil) }
    }

    /// Closes the TCP connection now.
    func abort() {
        channel.close(promise: nil)
    }

    /// Reads messages until the socket closes, answering pings and the server's close frame.
    /// Returns the server's close code, or nil when the connection ended without one.
    func receive(_ onMessage: (WebSocketMessage) async throws -> Void) async throws -> WebSocketClose? {
        try await asyncChannel.executeThenClose { inbound, _ in
            for try await frame in inbound {
                switch frame.opcode {
                case .text:
                    try await onMessage(.text(String(buffer: frame.data)))
                case .binary:
                    try await onMessage(.binary(frame.data))
                case .ping:
                    channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .pong, data: frame.data), promise: nil)
                case .connectionClose:
                    var data = frame.data
                    let code = data.readInteger(as: UInt16.self).map(Int.init) ?? 1005
                    let reason = data.readString(length: data.readableBytes) ?? ""
                    let alreadySent = closeSent.withLockedValue { sent in
                        defer { sent = true }
                        return sent
                    }
                    if !alreadySent {
                        // Echo the code, as RFC 6455 §5.5.1 asks, before the socket goes.
                        var echo = channel.allocator.buffer(capacity: 2)
                        echo.writeInteger(UInt16(code == 1005 ? 1000 : code))
                        try? await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: echo))
                    }
                    return WebSocketClose(code: code, reason: reason)
                default:
                    continue
                }
            }
            return nil
        }
    }
}

/// Masks every outgoing frame, as RFC 6455 requires of clients. The keys come from a
/// per-connection generator seeded from the system's, so the 50 frames a second of a call's
/// audio do not each cost a `getrandom` system call.
private final class ClientFrameMasker: ChannelOutboundHandler {
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var generator = MaskKeyGenerator()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var frame = unwrapOutboundIn(data)
        if frame.maskKey == nil {
            frame.maskKey = .random(using: &generator)
        }
        context.write(wrapOutboundOut(frame), promise: promise)
    }
}

/// xoshiro256** seeded from `SystemRandomNumberGenerator`.
private struct MaskKeyGenerator: RandomNumberGenerator {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    init() {
        var system = SystemRandomNumberGenerator()
        s = (system.next(), system.next(), system.next(), system.next() | 1)
    }

    mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// After a refused upgrade: the status and the first 200 bytes of the body, then done.
private final class RejectedUpgradeCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    let promise: EventLoopPromise<(Int, String)>
    private var status = 0
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<(Int, String)>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let chunk):
            body.append(contentsOf: chunk.readableBytesView.prefix(200 - body.count))
        case .end:
            succeed()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        succeed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        succeed()
        context.close(promise: nil)
    }

    private var done = false

    private func succeed() {
        guard !done else { return }
        done = true
        promise.succeed((status, String(decoding: body, as: UTF8.self)))
    }
}

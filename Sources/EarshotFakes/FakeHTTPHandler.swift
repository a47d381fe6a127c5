import NIOCore
import NIOHTTP1

/// One step of a scripted HTTP response.
enum FakeStep: Sendable {
    case head(HTTPResponseStatus, HTTPHeaders)
    case body([UInt8])
    case wait(Duration)
    /// The final (empty) chunk: the response is complete.
    case end
    /// Close the TCP connection now (mid-response).
    case cut
    /// Stop here and keep the connection open (a server that hangs).
    case hang
}

/// Reads one HTTP request, asks the server for a script, plays it on the event loop.
final class FakeHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let name = "fake-http"

    private let server: FakeProviderServer
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var responding = false
    private var pending: Scheduled<Void>?

    init(server: FakeProviderServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.removeAll(keepingCapacity: true)
        case .body(let chunk):
            body.append(contentsOf: chunk.readableBytesView)
        case .end:
            guard let head else { return }
            let request = FakeRequest(method: head.method, uri: head.uri, headers: head.headers, body: body)
            responding = true
            play(server.respond(to: request)[...], context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending?.cancel()
        if responding {
            responding = false
            server.record { $0.responsesAbandoned += 1 }
        }
        context.fireChannelInactive()
    }

    private func play(_ steps: ArraySlice<FakeStep>, context: ChannelHandlerContext) {
        var steps = steps
        while let step = steps.popFirst() {
            switch step {
            case .head(let status, let headers):
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            case .body(let bytes):
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: bytes)))), promise: nil)
                server.record { $0.bodyChunksSent += 1 }
            case .wait(let delay):
                context.flush()
                let rest = steps
                pending = context.eventLoop.assumeIsolated().scheduleTask(in: .init(delay)) {
                    self.play(rest, context: context)
                }
                return
            case .end:
                responding = false
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            case .cut:
                responding = false
                context.flush()
                // FIN first, so the client reads every byte sent before the cut; a plain close with
                // unread input can become an RST that discards them (flaky under load).
                context.close(mode: .output, promise: nil)
                let channel = context.channel
                context.eventLoop.scheduleTask(in: .milliseconds(200)) { channel.close(promise: nil) }
                return
            case .hang:
                context.flush()
                return
            }
        }
    }
}

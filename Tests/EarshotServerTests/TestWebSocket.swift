import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A real WebSocket client for tests: connects over TCP to 127.0.0.1, upgrades, sends masked
/// frames like Twilio would, and collects what the server sends.
final class TestWebSocket: @unchecked Sendable {
    enum Received: Sendable, Equatable {
        case text(String)
        case binary
        case close(code: UInt16?, reason: String)
    }

    private enum Upgrade: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case notUpgraded
    }

    private let channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>
    private let inbox = NIOLockedValueBox<(items: [Received], finished: Bool)>(([], false))
    private var cursor = 0
    private let reader: Task<Void, Never>

    static func connect(port: Int, path: String = "/media-stream", headers: [(String, String)] = []) async throws -> TestWebSocket {
        let upgrade: EventLoopFuture<Upgrade> = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(maxFrameSize: 1 << 24) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            Upgrade.websocket(try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel))
                        }
                    }
                    var head = HTTPHeaders([("Host", "127.0.0.1:\(port)")])
                    for (k, v) in headers { head.add(name: k, value: v) }
                    let request = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: head)
                    let config = NIOTypedHTTPClientUpgradeConfiguration<Upgrade>(
                        upgradeRequestHead: request, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { $0.eventLoop.makeSucceededFuture(.notUpgraded) })
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: .init(upgradeConfiguration: config))
                }
            }
        guard case .websocket(let channel) = try await upgrade.get() else { throw TestError("upgrade refused") }
        return TestWebSocket(channel)
    }

    private init(_ channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>) {
        self.channel = channel
        let inbox = self.inbox
        reader = Task {
            do {
                for try await frame in channel.inbound {
                    let item: Received?
                    switch frame.opcode {
                    case .text: item = .text(String(buffer: frame.unmaskedData))
                    case .binary: item = .binary
                    case .connectionClose:
                        var data = frame.unmaskedData
                        let code = data.readInteger(as: UInt16.self)
                        item = .close(code: code, reason: data.readString(length: data.readableBytes) ?? "")
                    default: item = nil
                    }
                    if let item { inbox.withLockedValue { $0.items.append(item) } }
                }
            } catch {}
            inbox.withLockedValue { $0.finished = true }
        }
    }

    deinit { reader.cancel() }

    func send(text: String) async throws { try await send(.text, ByteBuffer(string: text)) }
    func send(binary: [UInt8]) async throws { try await send(.binary, ByteBuffer(bytes: binary)) }

    func send(_ opcode: WebSocketOpcode, _ data: ByteBuffer) async throws {
        // The frame encoder applies the mask, as a client must.
        try await channel.channel.writeAndFlush(WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data))
    }

    /// The next message, or nil when the connection closed or `timeout` passed.
    func next(timeout: Duration = .seconds(10)) async -> Received? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (item, finished) = inbox.withLockedValue { box in
                (cursor < box.items.count ? box.items[cursor] : nil, box.finished)
            }
            if let item {
                cursor += 1
                return item
            }
            if finished || ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Whether the server has closed the connection.
    var isFinished: Bool { inbox.withLockedValue { $0.finished } }

    func close() async {
        try? await channel.channel.close()
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

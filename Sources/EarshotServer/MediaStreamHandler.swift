import EarshotAudio
import EarshotConversation
import EarshotTwilio
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOWebSocket

/// The media path of one Twilio call: a plain NIO handler after the WebSocket upgrade. Every
/// inbound message is handled inline on the event loop — scanned without a JSON tree, its
/// payload decoded and run through the turn detector by the C core — and only turn events
/// start work elsewhere. It is also the session's ``CallTransport``.
final class MediaStreamHandler: ChannelInboundHandler, RemovableChannelHandler, CallTransport {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let services: ServerServices
    private var logger: Logger
    private var context: ChannelHandlerContext?
    private var session: CallSession?
    private var writer: OutboundMessageWriter?
    private var lastMediaAt = NIODeadline.now()
    private var idleTimer: RepeatedTask?
    private var windowStart = NIODeadline.now()
    /// When the message being handled arrived: read once per message, used for both the flood
    /// window and the idle clock.
    private var messageArrivedAt = NIODeadline.now()
    private var windowCount = 0
    private var closing = false
    private var skippedLogged = 0

    init(services: ServerServices, logger: Logger) {
        self.services = services
        self.logger = logger
    }

    // MARK: lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        services.metrics.callsTotal.increment()
        let channel = context.channel
        let id = ObjectIdentifier(self)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        services.registry.register(id) {
            channel.eventLoop.execute { handler.value.close(.goingAway, reason: "server shutting down") }
        }
        let idle = TimeAmount.seconds(Int64(services.configuration.idleTimeoutSeconds))
        let check = TimeAmount.milliseconds(max(100, idle.nanoseconds / 1_000_000 / 4))
        idleTimer = context.eventLoop.scheduleRepeatedTask(initialDelay: check, delay: check) { _ in
            let this = handler.value
            guard NIODeadline.now() - this.lastMediaAt > idle else { return }
            this.fail("idle", reason: "no media for \(this.services.configuration.idleTimeoutSeconds) s", code: .goingAway)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        session?.end(reason: closing ? "closed" : "disconnected")
        session = nil
        services.registry.unregister(ObjectIdentifier(self))
        context.fireChannelInactive()
    }

    /// Frame decoding errors: the stream cannot be read further, so the call is closed
    /// (1009 for a frame over the size limit, 1002 for anything else).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let tooLarge = (error as? NIOWebSocketError) == .invalidFrameLength
        fail("websocket_protocol", reason: tooLarge ? "message larger than \(services.configuration.maxMessageBytes) bytes" : "\(error)",
             code: tooLarge ? .messageTooLarge : .protocolError)
        if !closing { context.close(promise: nil) }
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text where !frame.fin, .continuation:
            fail("fragmented", reason: "fragmented messages are not part of the Media Streams protocol", code: .unacceptableData)
        case .text:
            guard !closing, admitMessage() else { return }
            guard let key = frame.maskKey else { return frame.data.withUnsafeReadableBytes { text($0) } }
            // The frame's bytes share the decoder's buffer: unmask into this thread's scratch
            // instead of mutating (and so copying) them.
            let scratch = UnmaskScratch.current
            frame.data.withUnsafeReadableBytes { masked in
                guard let clear = scratch.unmask(masked, key: key) else {
                    return fail("oversize", reason: "message larger than the scratch buffer", code: .messageTooLarge)
                }
                text(clear)
            }
        case .binary:
            fail("binary_frame", reason: "binary frames are not part of the Media Streams protocol", code: .unacceptableData)
        case .connectionClose:
            closing = true
            var echo = context.channel.allocator.buffer(capacity: 2)
            echo.write(webSocketErrorCode: .normalClosure)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: echo)))
                .whenComplete { _ in channel.close(promise: nil) }
        case .ping:
            let pong = frame.unmaskedData
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: pong)), promise: nil)
        default:
            break
        }
    }

    /// Counts messages per second; a flood closes the call.
    private func admitMessage() -> Bool {
        let now = NIODeadline.now()
        messageArrivedAt = now
        if now - windowStart >= .seconds(1) {
            windowStart = now
            windowCount = 0
        }
        windowCount += 1
        guard windowCount <= services.configuration.maxMessagesPerSecond else {
            fail("flood", reason: "more than \(services.configuration.maxMessagesPerSecond) messages per second", code: .policyViolation)
            return false
        }
        return true
    }

    private func text(_ bytes: UnsafeRawBufferPointer) {
        switch MediaStreamScanner.scan(bytes) {
        case .media(let payload, let track):
            if case .outbound = track { return } // only the caller's audio is ours to hear
            media(UnsafeRawBufferPointer(rebasing: bytes[payload]))
        case .other(let event):
            other(event, bytes)
        case .needsFullParse:
            slowPath(bytes)
        case .unknown(let name):
            let event = String(decoding: bytes[name].prefix(32), as: UTF8.self)
            skip("unknown_event", reason: "unknown event \"\(event)\"")
        case .invalid:
            skip("bad_message", reason: "not a Media Streams message (no JSON object with an event)")
        }
    }

    @inline(__always)
    private func media(_ payload: UnsafeRawBufferPointer) {
        guard let session else {
            skip("media_before_start", reason: "media before start")
            return
        }
        lastMediaAt = messageArrivedAt
        do {
            try session.receiveMedia(base64: payload)
        } catch {
            skip("bad_payload", reason: "media payload: \(error)")
        }
    }

    private func slowPath(_ bytes: UnsafeRawBufferPointer) {
        do {
            let message = try InboundMessage(decoding: bytes)
            if case .media(let m) = message {
                guard m.track.isInbound else { return }
                guard let session else { return skip("media_before_start", reason: "media before start") }
                lastMediaAt = messageArrivedAt
                try session.receiveMedia(muLaw: m.muLaw())
            } else {
                handle(message)
            }
        } catch {
            skip("bad_message", reason: "\(error)")
        }
    }

    private func other(_ event: InboundEvent, _ bytes: UnsafeRawBufferPointer) {
        do {
            handle(try InboundMessage(decoding: bytes))
        } catch {
            if event == .start {
                fail("bad_start", reason: "\(error)", code: .protocolError)
            } else {
                skip("bad_message", reason: "\(event.rawValue): \(error)")
            }
        }
    }

    private func handle(_ message: InboundMessage) {
        switch message {
        case .connected:
            break
        case .start(let start):
            begin(start)
        case .media:
            break // handled on the fast path
        case .dtmf(let dtmf):
            guard let session else { return skip("dtmf_before_start", reason: "dtmf before start") }
            session.receiveDTMF(dtmf.digit)
        case .mark(let mark):
            session?.markPlayed(mark.name)
        case .stop:
            session?.end(reason: "stop")
            session = nil
            close(.normalClosure, reason: "stream stopped")
        }
    }

    private func begin(_ start: InboundMessage.Start) {
        guard session == nil else { return skip("duplicate_start", reason: "second start ignored") }
        guard start.mediaFormat.isTwilioMuLaw8kMono else {
            return fail("unsupported_format", reason: "media format \(start.mediaFormat) is not audio/x-mulaw 8000 Hz mono", code: .unacceptableData)
        }
        guard let context else { return }
        writer = OutboundMessageWriter(streamSid: start.streamSid)
        logger[metadataKey: "call.sid"] = .string(start.callSid)
        logger[metadataKey: "stream.sid"] = .string(start.streamSid)
        let info = CallInfo(callSid: start.callSid, streamSid: start.streamSid, accountSid: start.accountSid,
                            parameters: start.customParameters)
        do {
            let session = try CallSession(
                call: info, configuration: services.configuration.session, responder: services.responder, transport: self,
                eventLoop: context.eventLoop, logger: logger, metrics: services.metrics)
            self.session = session
            lastMediaAt = messageArrivedAt
            logger.info("call started", metadata: ["call.parameters": "\(start.customParameters.keys.sorted())"])
            session.start()
        } catch {
            fail("session", reason: "cannot start the session: \(error)", code: .unexpectedServerError)
        }
    }

    // MARK: errors

    /// Skips one message: a metric always, a log line for the first few per call.
    private func skip(_ kind: String, reason: String) {
        services.metrics.errors(kind: kind).increment()
        skippedLogged += 1
        if skippedLogged <= 5 {
            logger.warning("message skipped", metadata: ["error.kind": .string(kind), "error": .string(reason)])
        } else if skippedLogged == 6 {
            logger.warning("further skipped messages on this call are counted, not logged")
        }
    }

    /// Ends this call with a close code, a log line and a metric.
    private func fail(_ kind: String, reason: String, code: WebSocketErrorCode) {
        services.metrics.errors(kind: kind).increment()
        logger.warning("closing call", metadata: ["error.kind": .string(kind), "error": .string(reason), "ws.close_code": "\(code)"])
        session?.end(reason: kind)
        session = nil
        close(code, reason: reason)
    }

    /// Sends a close frame, then closes the channel.
    func close(_ code: WebSocketErrorCode, reason: String) {
        guard !closing, let context else { return }
        closing = true
        idleTimer?.cancel()
        var data = context.channel.allocator.buffer(capacity: 2 + min(reason.utf8.count, 120))
        data.write(webSocketErrorCode: code)
        data.writeString(String(reason.utf8.prefix(120)) ?? "")
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)))
            .whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: CallTransport

    func sendAudio(_ muLaw: UnsafeBufferPointer<UInt8>) {
        guard !closing, let context, let writer else { return }
        let length = writer.mediaLength(muLawCount: muLaw.count)
        var buffer = context.channel.allocator.buffer(capacity: length)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { out in
            (try? writer.writeMedia(muLaw: UnsafeRawBufferPointer(muLaw), into: out)) ?? 0
        }
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }

    func sendMark(_ name: String) {
        if let writer { sendText(writer.mark(name: name)) }
    }

    func sendClear() {
        if let writer { sendText(writer.clear()) }
    }

    func hangUp() { close(.normalClosure, reason: "call ended by the agent") }

    private func sendText(_ bytes: [UInt8]) {
        guard !closing, let context else { return }
        let buffer = context.channel.allocator.buffer(bytes: bytes)
        context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: buffer)), promise: nil)
    }
}

/// A per-thread buffer to unmask inbound frames into. Handlers on one event loop run one at a
/// time and use the bytes only within `channelRead`, so one buffer per thread suffices.
final class UnmaskScratch {
    // Thread-specific storage: each thread sees only its own value.
    nonisolated(unsafe) private static let perThread = ThreadSpecificVariable<UnmaskScratch>()
    private var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)

    static var current: UnmaskScratch {
        if let scratch = perThread.currentValue { return scratch }
        let scratch = UnmaskScratch()
        perThread.currentValue = scratch
        return scratch
    }

    deinit { buffer.deallocate() }

    /// The unmasked bytes, valid until the next call on this thread; nil above 16 MiB.
    func unmask(_ masked: UnsafeRawBufferPointer, key: WebSocketMaskingKey) -> UnsafeRawBufferPointer? {
        if masked.count > buffer.count {
            guard masked.count <= 16 << 20 else { return nil }
            buffer.deallocate()
            buffer = .allocate(byteCount: masked.count.nextPowerOf2, alignment: 16)
        }
        let out = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<masked.count])
        guard (try? WebSocketMask.unmask(masked, key: (key[0], key[1], key[2], key[3]), into: out)) != nil else { return nil }
        return UnsafeRawBufferPointer(out)
    }
}

private extension Int {
    var nextPowerOf2: Int { self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount) }
}

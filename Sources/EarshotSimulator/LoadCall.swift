import EarshotTwilio
import NIOCore
import NIOWebSocket

/// One simulated call in a load test: Twilio's side of the stream, kept as small as it can be.
/// The loop's tick drives it; server messages are scanned in place and only counted.
final class LoadCall: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    struct Setup: Sendable {
        var callSid: String
        var accountSid: String
        var streamSid: String
        var customParameters: [String: String]
        /// Where in the clip this call starts, so calls do not all speak in unison.
        var clipOffset: Int
    }

    /// Bot audio this close before the caller stops speaking means the bot was still talking.
    private static let talkingWindow = TimeAmount.milliseconds(200)

    private let loop: LoadLoop
    private let outlet: ClientFrameOutlet
    private let setup: Setup
    private let writer: PrecodedMediaWriter
    private var frames: ClientFrameBuilder
    private var context: ChannelHandlerContext?
    private var streaming = false
    private var sequenceNumber = 0
    private var chunk = 0
    private var clipFrame: Int
    private var playout = PlayoutQueue<String>(keepsAudio: false)
    private var lastMediaAt: NIODeadline?
    private var replyPendingSince: NIODeadline?
    /// Index in the loop's call list, for O(1) removal.
    var slot: Int?

    init(loop: LoadLoop, outlet: ClientFrameOutlet, setup: Setup) {
        self.loop = loop
        self.outlet = outlet
        self.setup = setup
        self.writer = PrecodedMediaWriter(streamSid: setup.streamSid)
        self.frames = ClientFrameBuilder(seed: loop.random.next())
        self.clipFrame = setup.clipOffset % max(1, loop.clip.frameCount)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        streaming = true
        send(.connected(.init()))
        sequenceNumber = 1
        send(.start(.init(streamSid: setup.streamSid, sequenceNumber: 1, accountSid: setup.accountSid,
                          callSid: setup.callSid, customParameters: setup.customParameters)))
        loop.add(self)
    }

    /// One 20 ms slot: play queued bot audio (echoing due marks), send the next clip frame.
    @inline(__always)
    func tick(scheduledAt deadline: NIODeadline) {
        guard streaming, let context else { return }
        playout.play(upTo: CallClip.frameBytes, onMark: echo)
        let clip = loop.clip
        sequenceNumber += 1
        chunk += 1
        let (seq, chunk, timestamp) = (sequenceNumber, chunk, (chunk - 1) * CallClip.frameMilliseconds)
        let capacity = writer.length(sequenceNumber: seq, chunk: chunk, timestamp: timestamp, payloadCount: LoadClip.payloadLength)
        let offset = clipFrame * LoadClip.payloadLength
        let frame = clip.payloads.withUnsafeBytes { payloads in
            frames.frame(.text, capacity: capacity, allocator: context.channel.allocator) { space in
                writer.write(sequenceNumber: seq, chunk: chunk, timestamp: timestamp,
                             payload: UnsafeRawBufferPointer(rebasing: payloads[offset..<(offset + LoadClip.payloadLength)]),
                             into: space)
            }
        }
        let now = NIODeadline.now()
        loop.stats.lateness.record(nanoseconds: (now - deadline).nanoseconds)
        outlet.write(frame)
        loop.stats.framesSent += 1
        if clip.endsUtterance[clipFrame] { utteranceEnded(now) }
        clipFrame += 1
        if clipFrame == clip.frameCount { clipFrame = 0 }
    }

    private func utteranceEnded(_ now: NIODeadline) {
        let talking = playout.queued > 0 || (lastMediaAt.map { now - $0 < Self.talkingWindow } ?? false)
        if talking {
            loop.stats.turnsOverlapped += 1
            return
        }
        if replyPendingSince != nil { loop.stats.turnsUnanswered += 1 }
        replyPendingSince = now
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            // Earshot sends whole messages; a fragmented one is counted, not reassembled.
            guard frame.fin else {
                loop.stats.received.other += 1
                return
            }
            handleMessage(frame.data)
        case .ping:
            outlet.write(frames.frame(.pong, bytes: frame.data.readableBytesView, allocator: context.channel.allocator))
        case .connectionClose:
            if streaming {
                loop.stats.callsDropped += 1
                streaming = false
                writeClose()
            }
            context.close(promise: nil)
        default:
            break
        }
    }

    private func handleMessage(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            switch OutboundMessageScanner.scan(bytes) {
            case .media(let payload):
                loop.stats.received.media += 1
                receivedAudio(bytes: Self.decodedLength(UnsafeRawBufferPointer(rebasing: bytes[payload])))
            case .mark(let name):
                loop.stats.received.mark += 1
                receivedMark(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[name]), as: UTF8.self))
            case .clear:
                loop.stats.received.clear += 1
                playout.clear(onMark: echo)
            case .unknown:
                loop.stats.received.other += 1
            case .needsFullParse:
                switch try? OutboundMessage(decoding: bytes) {
                case .media(_, let payload)?:
                    loop.stats.received.media += 1
                    receivedAudio(bytes: payload.utf8.count / 4 * 3)
                case .mark(_, let name)?:
                    loop.stats.received.mark += 1
                    receivedMark(name)
                case .clear?:
                    loop.stats.received.clear += 1
                    playout.clear(onMark: echo)
                case nil:
                    loop.stats.received.invalid += 1
                }
            case .invalid:
                loop.stats.received.invalid += 1
            }
        }
    }

    private func receivedAudio(bytes: Int) {
        let now = NIODeadline.now()
        playout.enqueue(audioCount: bytes)
        lastMediaAt = now
        if let since = replyPendingSince {
            loop.stats.response.record(nanoseconds: (now - since).nanoseconds)
            replyPendingSince = nil
        }
    }

    private func receivedMark(_ name: String) {
        playout.enqueue(mark: name)
        playout.play(upTo: 0, onMark: echo)
    }

    /// Bytes a base64 text decodes to, from its length and padding.
    private static func decodedLength(_ text: UnsafeRawBufferPointer) -> Int {
        guard text.count >= 4 else { return 0 }
        var padding = 0
        if text[text.count - 1] == UInt8(ascii: "=") { padding += 1 }
        if text[text.count - 2] == UInt8(ascii: "=") { padding += 1 }
        return text.count / 4 * 3 - padding
    }

    private func echo(_ name: String) {
        guard streaming else { return }
        sequenceNumber += 1
        send(.mark(.init(streamSid: setup.streamSid, sequenceNumber: sequenceNumber, name: name)))
        loop.stats.marksEchoed += 1
    }

    private func send(_ message: InboundMessage) {
        guard let context else { return }
        outlet.write(frames.frame(.text, bytes: message.encoded(), allocator: context.channel.allocator))
    }

    private func writeClose() {
        guard let context else { return }
        var code = context.channel.allocator.buffer(capacity: 2)
        code.write(webSocketErrorCode: .normalClosure)
        outlet.write(frames.frame(.close, bytes: code.readableBytesView, allocator: context.channel.allocator))
    }

    /// The test is over: `stop`, then a close frame; the server's close reply closes the channel.
    func stop() {
        guard streaming else { return }
        sequenceNumber += 1
        send(.stop(.init(streamSid: setup.streamSid, sequenceNumber: sequenceNumber,
                         accountSid: setup.accountSid, callSid: setup.callSid)))
        streaming = false
        writeClose()
    }

    func forceClose() { context?.close(promise: nil) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if streaming {
            loop.stats.callsDropped += 1
            streaming = false
        }
        loop.remove(self)
        self.context = nil
        context.fireChannelInactive()
    }
}

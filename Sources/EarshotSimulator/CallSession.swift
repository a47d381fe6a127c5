import EarshotAudio
import EarshotTwilio
import NIOCore
import NIOWebSocket

/// What one simulated call will do, decided before it connects.
struct CallPlan: Sendable {
    var clip: CallClip
    var callSid: String
    var accountSid: String
    var streamSid: String
    var streamURL: String
    var customParameters: [String: String]
    var dtmf: DTMFSchedule
    var realtime: Bool
    var trailingSilence: TimeAmount
    var maxWait: TimeAmount
    var idleTimeout: TimeAmount
}

/// Twilio's side of one Media Streams WebSocket, run on the channel's event loop.
///
/// Every 20 ms, on the absolute schedule t0 + n × 20 ms, one tick plays 20 ms of queued bot
/// audio (echoing the marks that became due), presses any DTMF key that is due, and sends one
/// `media` frame: the clip, then silence until the bot is done or the wait runs out.
final class CallSession: ChannelInboundHandler, NIOScheduledCallbackHandler {
    typealias InboundIn = WebSocketFrame

    private enum State { case waiting, streaming, closing, done }

    private struct PendingMark {
        var name: String
        var receivedAt: Double
    }

    private static let frameTime = TimeAmount.milliseconds(Int64(CallClip.frameMilliseconds))
    /// Bot audio this close before the caller stops speaking means the bot was still talking.
    private static let talkingWindow = TimeAmount.milliseconds(200)

    private let plan: CallPlan
    private let outlet: ClientFrameOutlet
    private let done: EventLoopPromise<CallReport>
    private let media: InboundMediaWriter
    private var frames = ClientFrameBuilder(seed: UInt64.random(in: 0...UInt64.max))
    private var context: ChannelHandlerContext?
    private var state = State.waiting
    private var endReason = CallReport.EndReason.connectionLost

    // Clock and counters.
    private var t0 = NIODeadline.now()
    private var endedAt: NIODeadline?
    private var tick = 0
    private var sequenceNumber = 0
    private var chunk = 0
    private var scheduled: NIOScheduledCallback?
    private var closeTimeout: Scheduled<Void>?
    /// The first tick that sends only silence: the clip is out by then.
    private let clipDoneTick: Int

    // What was heard and seen.
    private var playout = PlayoutQueue<PendingMark>(keepsAudio: true)
    private var botAudio: [UInt8] = []
    private var decoded = [UInt8](repeating: 0, count: 4096)
    private var lateness = LatencyHistogram()
    private var turns: [CallReport.Turn]
    private var turnByLastFrame: [Int: Int] = [:]
    private var awaitingReply: Int?
    private var lastMediaAt: NIODeadline?
    private var lastMarkEchoAt: NIODeadline?
    private var nextPress = 0
    private var keyPresses: [CallReport.KeyPress] = []
    private var clears: [Double] = []
    private var marks: [CallReport.MarkEcho] = []
    private var received: [String: Int] = [:]
    private var botAudioBytes = 0
    private var fragments: ByteBuffer?

    init(plan: CallPlan, outlet: ClientFrameOutlet, done: EventLoopPromise<CallReport>) {
        self.plan = plan
        self.outlet = outlet
        self.done = done
        self.media = InboundMediaWriter(streamSid: plan.streamSid)
        self.clipDoneTick = plan.realtime ? plan.clip.frameCount : 1
        self.turns = plan.clip.utterances.enumerated().map { index, utterance in
            CallReport.Turn(index: index + 1, clipStartMilliseconds: utterance.startMilliseconds,
                            clipEndMilliseconds: utterance.endMilliseconds, botWasTalking: false)
        }
        for (index, utterance) in plan.clip.utterances.enumerated() { turnByLastFrame[utterance.lastVoicedFrame] = index }
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Added after the upgrade, on an active channel: the stream starts now.
        state = .streaming
        t0 = .now()
        send(InboundMessage.connected(.init()))
        sequenceNumber = 1
        let start = InboundMessage.Start(
            streamSid: plan.streamSid, sequenceNumber: sequenceNumber, accountSid: plan.accountSid,
            callSid: plan.callSid, tracks: [.inbound], customParameters: plan.customParameters,
            mediaFormat: .twilioMuLaw8kMono)
        send(.start(start))
        runTick()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text where frame.fin:
            handleMessage(frame.data)
        case .text:
            fragments = frame.data
        case .continuation:
            guard var partial = fragments else { return }
            var piece = frame.data
            partial.writeBuffer(&piece)
            fragments = frame.fin ? nil : partial
            if frame.fin { handleMessage(partial) }
        case .ping:
            outlet.write(frames.frame(.pong, bytes: frame.data.readableBytesView, allocator: context.channel.allocator))
        case .connectionClose:
            if state == .streaming {
                // The server hung up: Twilio answers the close and moves on, no `stop`.
                endReason = .serverClosed
                finish(sendStop: false)
            }
            context.close(promise: nil)
        default:
            received["binary", default: 0] += 1
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state == .streaming { endReason = .connectionLost }
        complete()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        complete()
        self.context = nil
    }

    // MARK: The 20 ms tick

    func handleScheduledCallback(eventLoop: some EventLoop) { runTick() }

    private func slot(_ n: Int) -> NIODeadline { t0 + Self.frameTime * Int64(n) }

    private func milliseconds(_ time: NIODeadline) -> Double { Double((time - t0).nanoseconds) / 1_000_000 }

    private func runTick() {
        guard state == .streaming, let context else { return }
        let now = NIODeadline.now()
        lateness.record(nanoseconds: (now - slot(tick)).nanoseconds)
        playTwentyMilliseconds(now)
        pressDueKeys(now)
        if tick < clipDoneTick {
            if plan.realtime {
                sendMedia(clipFrame: tick, now)
            } else {
                for frame in 0..<plan.clip.frameCount { sendMedia(clipFrame: frame, now, flush: false) }
                outlet.flush()
            }
        } else {
            sendMedia(clipFrame: nil, now)
        }
        if let reason = reasonToEnd(now) {
            endReason = reason
            finish(sendStop: true)
            return
        }
        tick += 1
        scheduled = try? context.eventLoop.assumeIsolated().scheduleCallback(at: slot(tick), handler: self)
    }

    /// Plays one frame's worth of the queue onto the recording; silence fills the rest.
    private func playTwentyMilliseconds(_ now: NIODeadline) {
        let frameEnd = (tick + 1) * CallClip.frameBytes
        playout.play(upTo: CallClip.frameBytes, output: { botAudio.append(contentsOf: $0) },
                     onMark: { echo($0, cleared: false, now) })
        if botAudio.count < frameEnd {
            botAudio.append(contentsOf: repeatElement(CallClip.silence, count: frameEnd - botAudio.count))
        }
    }

    private func pressDueKeys(_ now: NIODeadline) {
        let presses = plan.dtmf.presses
        while nextPress < presses.count, presses[nextPress].milliseconds <= tick * CallClip.frameMilliseconds {
            let press = presses[nextPress]
            sequenceNumber += 1
            send(.dtmf(.init(streamSid: plan.streamSid, sequenceNumber: sequenceNumber, digit: press.digit)))
            keyPresses.append(.init(digit: press.digit, scheduledAt: press.milliseconds, sentAt: milliseconds(now)))
            nextPress += 1
        }
    }

    /// Sends clip frame `clipFrame`, or silence for `nil`.
    private func sendMedia(clipFrame: Int?, _ now: NIODeadline, flush: Bool = true) {
        guard let context else { return }
        sequenceNumber += 1
        chunk += 1
        let (seq, chunk, timestamp) = (sequenceNumber, chunk, (chunk - 1) * CallClip.frameMilliseconds)
        let capacity = media.length(sequenceNumber: seq, chunk: chunk, timestamp: timestamp, muLawCount: CallClip.frameBytes)
        let audio = clipFrame.map { plan.clip.frame($0) } ?? Self.silenceFrame
        let frame = frames.frame(.text, capacity: capacity, allocator: context.channel.allocator) { space in
            audio.withUnsafeBytes {
                (try? media.write(sequenceNumber: seq, chunk: chunk, timestamp: timestamp, muLaw: $0, into: space)) ?? 0
            }
        }
        outlet.write(frame, flush: flush)
        if let clipFrame, let index = turnByLastFrame[clipFrame] { speechEnded(turn: index, now) }
    }

    private static let silenceFrame = ArraySlice([UInt8](repeating: CallClip.silence, count: CallClip.frameBytes))

    /// The caller's last voiced frame of an utterance just left: the server can now know.
    private func speechEnded(turn index: Int, _ now: NIODeadline) {
        turns[index].speechEndedAt = milliseconds(now)
        let recentAudio = lastMediaAt.map { now - $0 < Self.talkingWindow } ?? false
        turns[index].botWasTalking = playout.queued > 0 || recentAudio
        awaitingReply = index
    }

    private func reasonToEnd(_ now: NIODeadline) -> CallReport.EndReason? {
        guard tick + 1 >= clipDoneTick else { return nil }
        let clipEnded = slot(clipDoneTick)
        let sinceClip = now - clipEnded
        if sinceClip >= plan.maxWait { return .maxWait }
        guard sinceClip >= plan.trailingSilence, nextPress == plan.dtmf.presses.count, playout.isIdle else { return nil }
        // A last utterance with no reply yet: the bot may still be thinking.
        if let last = turns.last, last.firstAudioAt == nil { return nil }
        let lastActivity = max(lastMediaAt ?? clipEnded, lastMarkEchoAt ?? clipEnded, clipEnded)
        return now - lastActivity >= plan.idleTimeout ? .botFinished : nil
    }

    // MARK: Server messages

    private func handleMessage(_ buffer: ByteBuffer) {
        let now = NIODeadline.now()
        buffer.withUnsafeReadableBytes { bytes in
            switch OutboundMessageScanner.scan(bytes) {
            case .media(let payload):
                count("media")
                receiveAudio(base64: UnsafeRawBufferPointer(rebasing: bytes[payload]), now)
            case .mark(let name):
                count("mark")
                receiveMark(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[name]), as: UTF8.self), now)
            case .clear:
                count("clear")
                receiveClear(now)
            case .unknown(let name):
                count(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[name]), as: UTF8.self))
            case .needsFullParse:
                handleUnusual(bytes, now)
            case .invalid:
                count("invalid")
            }
        }
    }

    /// Escaped names, repeated members: the slow, exact decoder.
    private func handleUnusual(_ bytes: UnsafeRawBufferPointer, _ now: NIODeadline) {
        guard let message = try? OutboundMessage(decoding: bytes) else {
            count("invalid")
            return
        }
        count(message.event.rawValue)
        switch message {
        case .media(_, let payload):
            var text = payload
            text.withUTF8 { receiveAudio(base64: UnsafeRawBufferPointer($0), now) }
        case .mark(_, let name): receiveMark(name, now)
        case .clear: receiveClear(now)
        }
    }

    private func count(_ event: String) { received[event, default: 0] += 1 }

    private func receiveAudio(base64: UnsafeRawBufferPointer, _ now: NIODeadline) {
        let needed = base64.count / 4 * 3 + 3
        if decoded.count < needed { decoded = [UInt8](repeating: 0, count: needed) }
        let n = decoded.withUnsafeMutableBufferPointer { (try? Base64.decode(base64, into: $0)) ?? -1 }
        guard n >= 0 else {
            count("badPayload")
            return
        }
        decoded.withUnsafeBytes { playout.enqueue(audio: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        botAudioBytes += n
        lastMediaAt = now
        if let index = awaitingReply {
            awaitingReply = nil
            turns[index].firstAudioAt = milliseconds(now)
            turns[index].latencyMilliseconds = turns[index].speechEndedAt.map { milliseconds(now) - $0 }
        }
    }

    private func receiveMark(_ name: String, _ now: NIODeadline) {
        playout.enqueue(mark: PendingMark(name: name, receivedAt: milliseconds(now)))
        // With nothing left to play, Twilio echoes at once rather than on the next frame.
        playout.play(upTo: 0, onMark: { echo($0, cleared: false, now) })
    }

    private func receiveClear(_ now: NIODeadline) {
        clears.append(milliseconds(now))
        playout.clear(onMark: { echo($0, cleared: true, now) })
    }

    private func echo(_ mark: PendingMark, cleared: Bool, _ now: NIODeadline) {
        guard state == .streaming else { return }
        sequenceNumber += 1
        send(.mark(.init(streamSid: plan.streamSid, sequenceNumber: sequenceNumber, name: mark.name)))
        marks.append(.init(name: mark.name, receivedAt: mark.receivedAt, echoedAt: milliseconds(now), cleared: cleared))
        lastMarkEchoAt = now
    }

    // MARK: Ending

    private func send(_ message: InboundMessage) {
        guard let context else { return }
        outlet.write(frames.frame(.text, bytes: message.encoded(), allocator: context.channel.allocator))
    }

    /// Stops the stream: `stop` (unless the server hung up), a close frame, and a deadline for
    /// the server's close reply.
    private func finish(sendStop: Bool) {
        guard state == .streaming, let context else { return }
        endedAt = .now()
        if let scheduled { scheduled.cancel() }
        if sendStop {
            sequenceNumber += 1
            send(.stop(.init(streamSid: plan.streamSid, sequenceNumber: sequenceNumber,
                             accountSid: plan.accountSid, callSid: plan.callSid)))
        }
        state = .closing
        var code = context.channel.allocator.buffer(capacity: 2)
        code.write(webSocketErrorCode: .normalClosure)
        outlet.write(frames.frame(.close, bytes: code.readableBytesView, allocator: context.channel.allocator))
        closeTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { [weak self] in
            self?.context?.close(promise: nil)
        }
    }

    private func complete() {
        guard state != .done else { return }
        let end = endedAt ?? .now()
        state = .done
        scheduled?.cancel()
        closeTimeout?.cancel()
        let sampleCount = max(0, Int((end - t0).nanoseconds / 125_000))
        if botAudio.count > sampleCount { botAudio.removeLast(botAudio.count - sampleCount) }
        let report = CallReport(
            callSid: plan.callSid, accountSid: plan.accountSid, streamSid: plan.streamSid,
            streamURL: plan.streamURL, customParameters: plan.customParameters, realtime: plan.realtime,
            clipMilliseconds: plan.clip.milliseconds, durationMilliseconds: milliseconds(end), endReason: endReason,
            framesSent: chunk, sendLateness: lateness.summary, turns: turns, keyPresses: keyPresses,
            clears: clears, marks: marks, received: received, botAudioMilliseconds: botAudioBytes / 8,
            botAudio: botAudio)
        done.succeed(report)
    }
}

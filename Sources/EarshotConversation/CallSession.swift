import EarshotAudio
import Logging
import NIOCore

/// One phone call: turn-taking, barge-in, outbound playout, history and the per-turn
/// latency record. Carrier-neutral: a carrier adapter feeds it audio and events and
/// implements ``CallTransport``. Confined to one event loop: every method must be called
/// on `eventLoop`. Per-frame work stays here, on the loop; only turn events start tasks.
public final class CallSession {
    /// How a session behaves. Defaults are the product's.
    public struct Configuration: Sendable {
        /// Turn detection (VAD mode, smoothing window, silence to end, pre-roll).
        public var turn = TurnDetector.Configuration()
        /// Audio kept ahead of what the carrier can have played.
        public var playoutLead: TimeAmount = .seconds(1)
        /// Largest outbound media message (800 bytes = 100 ms).
        public var messageBytes = 800
        /// Utterances longer than this are cut and answered (protects memory).
        public var maxUtteranceMilliseconds = 30_000
        /// Silence kept after the last voiced frame of an utterance.
        public var utteranceTailMilliseconds = 100
        /// Whether the per-turn log line carries the transcript and the reply text (off: they
        /// are the caller's words).
        public var logTranscripts = false

        public init() {}
    }

    public enum State: String, Sendable {
        case listening, callerSpeaking = "caller_speaking", responding, botSpeaking = "bot_speaking", ended
    }

    public let eventLoop: any EventLoop
    public let call: CallInfo
    public private(set) var state: State = .listening
    /// The conversation as the caller experienced it.
    public private(set) var history: [ChatMessage] = []
    /// Finished turns' records, newest last (bounded).
    public private(set) var records: [TurnRecord] = []

    private let configuration: Configuration
    private let responder: any Responder
    private unowned let transport: any CallTransport
    private var logger: Logger
    private let metrics: CallMetrics
    private let detector: TurnDetector
    private let playout: Playout
    private var scratch = [UInt8](repeating: 0, count: 2048)
    private var utterance: [UInt8] = []
    private var utteranceStartFrame: UInt32 = 0
    /// Whether the caller is mid-utterance (independent of the reply state: a keypress
    /// may start a reply while the caller is still talking).
    private var utteranceOpen = false
    private var turnIndex = 0
    private var generation = 0
    private var replyTask: Task<Void, Never>?
    private var replyDone = true
    private var hangUpRequested = false
    private var current: TurnRecord?
    private var framesSinceFlush = 0
    private var transcriber: LiveTranscriber?
    private var transcriberTask: Task<Void, Never>?

    public init(
        call: CallInfo, configuration: Configuration, responder: any Responder, transport: any CallTransport,
        eventLoop: any EventLoop, logger: Logger, metrics: CallMetrics
    ) throws(AudioError) {
        self.call = call
        self.configuration = configuration
        self.responder = responder
        self.transport = transport
        self.eventLoop = eventLoop
        self.metrics = metrics
        self.detector = try TurnDetector(configuration: configuration.turn)
        self.playout = Playout(eventLoop: eventLoop, transport: transport, maxLead: configuration.playoutLead,
                               chunkBytes: configuration.messageBytes)
        var logger = logger
        logger[metadataKey: "call.sid"] = .string(call.callSid)
        logger[metadataKey: "stream.sid"] = .string(call.streamSid)
        self.logger = logger
        playout.onSend = { [unowned self] bytes in self.didSend(bytes: bytes) }
    }

    deinit {
        replyTask?.cancel()
        transcriberTask?.cancel()
        transcriber?.close()
    }

    /// The stream started: opens the responder's streaming transcriber, if it has one, and
    /// gives it a chance to greet.
    public func start() {
        eventLoop.preconditionInEventLoop()
        let session = NIOLoopBound(self, eventLoop: eventLoop)
        let (loop, responder, call) = (eventLoop, self.responder, self.call)
        transcriberTask = Task {
            guard let live = await responder.openTranscriber(for: call) else { return }
            loop.execute {
                let this = session.value
                if this.state == .ended { live.close() } else { this.transcriber = live }
            }
        }
        startReply(.callStarted, trigger: .greeting, vadEndMs: 0)
    }

    // MARK: inbound audio (per frame)

    /// One carrier media payload: base64 8 kHz μ-law. Bad base64 throws and changes nothing.
    @inline(__always)
    public func receiveMedia(base64 text: UnsafeRawBufferPointer) throws(AudioError) {
        let n = try scratch.withUnsafeMutableBufferPointer { (out) throws(AudioError) -> Int in
            try Base64.decode(text, into: out)
        }
        try receiveMuLaw(count: n)
    }

    /// 8 kHz μ-law audio from the caller.
    public func receiveMedia(muLaw: [UInt8]) throws(AudioError) {
        var offset = 0
        while offset < muLaw.count {
            let n = min(scratch.count, muLaw.count - offset)
            scratch.replaceSubrange(0..<n, with: muLaw[offset..<offset + n])
            try receiveMuLaw(count: n)
            offset += n
        }
    }

    private func receiveMuLaw(count n: Int) throws(AudioError) {
        guard state != .ended else { return }
        try scratch.withUnsafeBufferPointer { (all) throws(AudioError) in
            let frame = UnsafeBufferPointer(rebasing: all[0..<n])
            transcriber?.send(muLaw: frame)
            try detector.process(muLaw: frame) { event in self.turnEvent(event) }
            if utteranceOpen { appendUtterance(frame) }
        }
        framesSinceFlush += 1
        if framesSinceFlush >= 50 { flushFrameCount() }
    }

    private func appendUtterance(_ frame: UnsafeBufferPointer<UInt8>) {
        utterance.append(contentsOf: frame)
        let maxBytes = configuration.maxUtteranceMilliseconds * 8
        if utterance.count >= maxBytes {
            // Too long to wait for: answer what we have, as if the caller had paused.
            endUtterance(lastVoicedFrame: UInt32(detector.framesProcessed - 1), forced: true)
        }
    }

    private func flushFrameCount() {
        metrics.framesIn.increment(by: Int64(framesSinceFlush))
        framesSinceFlush = 0
    }

    // MARK: turn events

    private func turnEvent(_ event: TurnEvent) {
        switch event.kind {
        case .speechStarted:
            speechStarted(event)
        case .speechEnded:
            guard utteranceOpen else { return }
            endUtterance(lastVoicedFrame: event.lastVoicedFrame, forced: false)
        }
    }

    private func speechStarted(_ event: TurnEvent) {
        if state == .responding || state == .botSpeaking { bargeIn() }
        state = .callerSpeaking
        utteranceOpen = true
        utterance.removeAll(keepingCapacity: true)
        utterance.reserveCapacity(8000) // one second; longer utterances grow it geometrically
        utteranceStartFrame = event.audioStartFrame
        // The pre-roll and the frames that led to the start decision, this frame included.
        if let head = try? detector.recentMuLaw(fromFrame: event.audioStartFrame) {
            utterance.append(contentsOf: head)
        }
        // The current frame is appended by receiveMuLaw after this event: drop it here.
        utterance.removeLast(min(utterance.count, detector.frameSamples))
        logger.debug("speech started", metadata: ["turn.frame": "\(event.frame)"])
    }

    private func endUtterance(lastVoicedFrame: UInt32, forced: Bool) {
        let frameBytes = detector.frameSamples
        let voiced = (Int(lastVoicedFrame) + 1 - Int(utteranceStartFrame)) * frameBytes
        let keep = min(utterance.count, max(0, voiced + configuration.utteranceTailMilliseconds * 8))
        let audio = Array(utterance[0..<keep])
        utterance.removeAll(keepingCapacity: false)
        utteranceOpen = false
        let silenceMs = forced ? 0 : configuration.turn.endFrames * configuration.turn.frameMilliseconds
        if forced { try? detector.reset() }
        startReply(.speech(muLaw: audio), trigger: .speech, vadEndMs: silenceMs)
    }

    /// A keypress from the caller.
    public func receiveDTMF(_ digit: String) {
        eventLoop.preconditionInEventLoop()
        guard state != .ended else { return }
        metrics.dtmf.increment()
        logger.info("dtmf", metadata: ["dtmf.digit": .string(digit)])
        if state == .responding || state == .botSpeaking { bargeIn() }
        startReply(.dtmf(digits: digit), trigger: .dtmf, vadEndMs: 0)
        if utteranceOpen { state = .callerSpeaking } // still talking: their speech end is a turn too
    }

    /// A mark the carrier echoed back.
    public func markPlayed(_ name: String) {
        eventLoop.preconditionInEventLoop()
        if playout.markPlayed(name) { maybeFinishTurn() }
    }

    /// The call is over (carrier stop, socket closed, shutdown): cancels all work.
    public func end(reason: String) {
        eventLoop.preconditionInEventLoop()
        guard state != .ended else { return }
        if current != nil { finishTurn(interrupted: true) }
        replyTask?.cancel()
        replyTask = nil
        transcriberTask?.cancel()
        transcriber?.close()
        transcriber = nil
        playout.cancelTimers()
        flushFrameCount()
        state = .ended
        logger.info("call ended", metadata: ["call.end_reason": .string(reason), "call.turns": "\(turnIndex)"])
    }

    // MARK: replies

    private func bargeIn() {
        metrics.bargeIns.increment()
        replyTask?.cancel()
        replyTask = nil
        playout.clear()
        logger.info("barge-in", metadata: ["turn.index": "\(turnIndex)", "turn.segments_heard": "\(playout.segmentsHeard)"])
        finishTurn(interrupted: true)
    }

    private func startReply(_ kind: TurnInput.Kind, trigger: TurnRecord.Trigger, vadEndMs: Int) {
        if current != nil { finishTurn(interrupted: true) }
        replyTask?.cancel()
        if trigger != .greeting { turnIndex += 1 }
        generation += 1
        playout.reset(generation: generation)
        current = TurnRecord(index: turnIndex, trigger: trigger, vadEndMs: vadEndMs, endedAt: .now())
        state = .responding
        replyDone = false
        let input = TurnInput(kind: kind, index: turnIndex, call: call, history: history, transcriber: transcriber)
        if case .speech = kind {
            history.append(ChatMessage(role: .user, content: "(speech)"))
        } else if case .dtmf(let digits) = kind {
            history.append(ChatMessage(role: .user, content: "(pressed \(digits))"))
        }
        let stream = responder.reply(to: input)
        let session = NIOLoopBound(self, eventLoop: eventLoop)
        let generation = self.generation
        let loop = eventLoop
        replyTask = Task {
            do {
                for try await event in stream {
                    try Task.checkCancellation()
                    loop.execute { session.value.replyEvent(event, generation: generation) }
                }
                loop.execute { session.value.replyFinished(generation: generation, error: nil) }
            } catch is CancellationError {
                return
            } catch {
                loop.execute { session.value.replyFinished(generation: generation, error: error) }
            }
        }
    }

    private func replyEvent(_ event: ReplyEvent, generation: Int) {
        guard generation == self.generation, state != .ended, current != nil else { return }
        switch event {
        case .transcript(let text):
            current?.transcript = text
            if let last = history.indices.last, history[last].role == .user { history[last].content = text }
        case .segment(let text):
            playout.beginSegment(text: text)
        case .audio(let bytes):
            if current?.responderFirstAudioAt == nil { current?.responderFirstAudioAt = .now() }
            playout.append(bytes)
        case .timing(let stage, let ms):
            current?.stages[stage] = ms
        case .failure(let stage, let reason):
            current?.failure = (stage, reason)
            metrics.errors(kind: "provider_\(stage)").increment()
        case .hangUp:
            hangUpRequested = true
        }
    }

    private func replyFinished(generation: Int, error: (any Error)?) {
        guard generation == self.generation, state != .ended else { return }
        if let error {
            if current?.failure == nil { current?.failure = ("responder", "\(error)") }
            metrics.errors(kind: "responder").increment()
            logger.warning("responder failed", metadata: ["error": "\(error)"])
        }
        replyDone = true
        replyTask = nil
        playout.finish()
        maybeFinishTurn()
    }

    private func didSend(bytes: Int) {
        metrics.framesOut.increment()
        if current?.firstMediaSentAt == nil {
            current?.firstMediaSentAt = .now()
            if state == .responding { state = .botSpeaking }
        }
        current?.audioBytesSent += bytes
    }

    private func maybeFinishTurn() {
        guard replyDone, playout.isIdle, current != nil else { return }
        finishTurn(interrupted: false)
        if hangUpRequested {
            logger.info("hanging up after goodbye")
            transport.hangUp()
        }
    }

    /// Closes the current turn's record, and the assistant's history entry with what was heard.
    private func finishTurn(interrupted: Bool) {
        guard var record = current else { return }
        current = nil
        record.finishedAt = .now()
        record.interrupted = interrupted
        record.segmentsSent = playout.segmentsSent
        record.segmentsHeard = playout.segmentsHeard
        let heard = playout.heardTexts.filter { !$0.isEmpty }
        if !heard.isEmpty { history.append(ChatMessage(role: .assistant, content: heard.joined(separator: " "))) }
        record.reply = heard.joined(separator: " ")
        if state == .responding || state == .botSpeaking { state = .listening }
        records.append(record)
        if records.count > 64 { records.removeFirst(records.count - 64) }
        metrics.record(record)
        var metadata = record.logMetadata
        if configuration.logTranscripts {
            if let said = record.transcript { metadata["turn.transcript"] = .string(said) }
            metadata["turn.reply"] = .string(record.reply ?? "")
        }
        logger.info("turn", metadata: metadata)
    }
}

extension TurnRecord {
    var logMetadata: Logger.Metadata {
        var m: Logger.Metadata = [
            "turn.index": "\(index)", "turn.trigger": .string(trigger.rawValue), "turn.vad_end_ms": "\(vadEndMs)",
            "turn.interrupted": "\(interrupted)", "turn.segments_sent": "\(segmentsSent)",
            "turn.segments_heard": "\(segmentsHeard)",
        ]
        func put(_ key: String, _ value: Double?) { if let value { m[key] = .string(String(format: "%.1f", value)) } }
        put("turn.responder_first_audio_ms", responderMs)
        put("turn.first_audio_ms", firstAudioMs)
        put("turn.gateway_overhead_ms", gatewayOverheadMs)
        put("turn.total_ms", totalMs)
        for (stage, ms) in stages { put("turn.\(stage.rawValue)_ms", ms) }
        if let failure {
            m["turn.failed_stage"] = .string(failure.stage)
            m["turn.failure"] = .string(failure.reason)
        }
        return m
    }
}

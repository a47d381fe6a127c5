import EarshotAudio
import EarshotConversation
import EarshotTwilio
import Foundation
import Hummingbird
import Logging

/// The record-then-play fallback: point the number at `POST /voice` and calls work without
/// WebSockets. Twilio records each utterance (`<Record>`), posts its URL to
/// `/voice/recording`; we download it, run it through the same responder (STT → LLM → TTS),
/// store the reply as a WAV and answer `<Play>` + the next `<Record>`. An empty recording
/// makes Twilio skip the action and follow `<Redirect>` to `/voice/reprompt`.
enum RecordRoutes {
    static let voicePath = "/voice"
    static let recordingPath = "/voice/recording"
    static let repromptPath = "/voice/reprompt"
    static let audioPrefix = "/audio/"
    /// Voiced 20 ms frames a recording needs to count as speech (100 ms).
    static let minVoicedFrames = 5

    static func add(to router: Router<BasicRequestContext>, services: ServerServices) {
        router.post(RouterPath(voicePath)) { request, context in
            try await webhook(request, context, services) { webhook in await answerCall(webhook, services, context) }
        }
        router.post(RouterPath(recordingPath)) { request, context in
            try await webhook(request, context, services) { webhook in await answerRecording(webhook, services, context) }
        }
        router.post(RouterPath(repromptPath)) { request, context in
            try await webhook(request, context, services) { webhook in await answerSilence(webhook, services, context) }
        }
        router.get("/audio/:file") { _, context in audio(context, services, head: false) }
        router.head("/audio/:file") { _, context in audio(context, services, head: true) }
    }

    /// Reads and checks the webhook, then answers it with `body`.
    private static func webhook(
        _ request: Request, _ context: BasicRequestContext, _ services: ServerServices,
        _ body: (Routes.Webhook) async -> Response
    ) async throws -> Response {
        switch try await Routes.readWebhook(request, context: context, services: services) {
        case .failure(let refused): return refused.response
        case .success(let webhook):
            guard !webhook.callSid.isEmpty else {
                services.metrics.errors(kind: "bad_webhook").increment()
                context.logger.warning("webhook refused: no CallSid", metadata: ["http.path": .string(request.uri.path)])
                return Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: "CallSid is required\n")))
            }
            return await body(webhook)
        }
    }

    // MARK: - Webhooks

    /// `POST /voice`: the greeting, then the first `<Record>`.
    static func answerCall(_ webhook: Routes.Webhook, _ services: ServerServices, _ context: BasicRequestContext) async -> Response {
        guard services.registry.readiness == .admitted else { return Routes.unavailable(services, context) }
        let info = callInfo(webhook)
        services.recordedCalls.close(info.callSid)  // a new call with a reused sid starts afresh
        guard let call = services.recordedCalls.beginTurn(info) else { return busy(webhook, context) }
        services.recordMetrics.calls.increment()
        context.logger.info("voice webhook (record)", metadata: ["call.sid": .string(info.callSid)])
        var turn = RecordTurn(callSid: info.callSid, index: 0, kind: .greeting)
        return await answer(TurnInput(kind: .callStarted, index: 0, call: info, history: call.history), &turn,
                            sharedKey: "greeting:", webhook, services, context)
    }

    /// `POST /voice/recording`: the caller's utterance is at `RecordingUrl`.
    static func answerRecording(_ webhook: Routes.Webhook, _ services: ServerServices, _ context: BasicRequestContext) async -> Response {
        let received = ContinuousClock.now
        let info = callInfo(webhook)
        if webhook.values["Digits"] == "hangup" {
            // The caller hung up while recording; Twilio ignores the answer.
            services.recordedCalls.close(info.callSid)
            return Routes.twiml([])
        }
        guard let call = services.recordedCalls.beginTurn(info) else { return busy(webhook, context) }
        let duration = webhook.values["RecordingDuration"].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        var turn = RecordTurn(callSid: info.callSid, index: call.turns + 1, kind: .speech, received: received)
        turn.recordingSeconds = duration
        let kind: TurnInput.Kind
        if let url = webhook.values["RecordingUrl"], !url.isEmpty, duration != 0 {
            kind = await listen(to: url, silentTurns: call.silentTurns, &turn, services, context)
        } else {
            kind = .silence(consecutive: call.silentTurns + 1)
        }
        if case .silence = kind { turn.kind = .silence }
        let shared: String? = if case .speech = kind { nil } else { "phrase:" }
        return await answer(TurnInput(kind: kind, index: turn.index, call: info, history: call.history), &turn,
                            sharedKey: shared, webhook, services, context)
    }

    /// `POST /voice/reprompt`: Twilio got an empty recording and followed the `<Redirect>`.
    static func answerSilence(_ webhook: Routes.Webhook, _ services: ServerServices, _ context: BasicRequestContext) async -> Response {
        let info = callInfo(webhook)
        guard let call = services.recordedCalls.beginTurn(info) else { return busy(webhook, context) }
        var turn = RecordTurn(callSid: info.callSid, index: call.turns + 1, kind: .silence)
        return await answer(TurnInput(kind: .silence(consecutive: call.silentTurns + 1), index: turn.index, call: info,
                                      history: call.history), &turn, sharedKey: "phrase:", webhook, services, context)
    }

    // MARK: - Steps

    /// Every webhook's answer: the responder's reply to `input` (within the turn deadline) as
    /// `<Play>`/`<Say>`, then the next `<Record>` or `<Hangup/>`; the call's state updated and
    /// the turn's latency record logged. With `sharedKey`, the reply's audio is stored once
    /// under that prefix plus its text (fixed phrases: greeting, reprompt, fallback).
    private static func answer(_ input: TurnInput, _ turn: inout RecordTurn, sharedKey: String?, _ webhook: Routes.Webhook,
                               _ services: ServerServices, _ context: BasicRequestContext) async -> Response {
        let reply = await replyInTime(input, received: turn.received, services, context)
        turn.reply(reply)
        let verbs = replyVerbs(reply, webhook, services, sharedKey: sharedKey.map { $0 + reply.text }) + nextTurn(after: reply, services)
        finish(&turn, reply, services, context)
        return Routes.twiml(verbs, headers: turn.serverTiming)
    }

    /// The responder's reply, in time for Twilio: a webhook unanswered for 15 s ends the call
    /// with an application error. Past the turn deadline the reply is abandoned for the
    /// fallback phrase (normally cached), given two more seconds; failing that, an empty reply
    /// (the caller is simply recorded again).
    private static func replyInTime(_ input: TurnInput, received: ContinuousClock.Instant,
                                    _ services: ServerServices, _ context: BasicRequestContext) async -> RecordedReply {
        let deadline = received + services.configuration.record.turnDeadline
        if let reply = await RecordedReply.collect(from: services.responder, input: input, within: deadline - .now) { return reply }
        let reason = "no complete reply within \(services.configuration.record.turnDeadline)"
        services.metrics.errors(kind: "record_turn_deadline").increment()
        context.logger.warning("record turn too slow: answering with the fallback", metadata: ["call.sid": .string(input.call.callSid)])
        var fallback = input
        fallback.kind = .unheard(reason: reason)
        var reply = await RecordedReply.collect(from: services.responder, input: fallback, within: .seconds(2)) ?? RecordedReply()
        reply.failure = ("deadline", reason)
        return reply
    }

    /// Downloads and decodes the recording; what the responder should make of it.
    private static func listen(to url: String, silentTurns: Int, _ turn: inout RecordTurn, _ services: ServerServices, _ context: BasicRequestContext) async -> TurnInput.Kind {
        let configuration = services.configuration
        var fetcher = RecordingFetcher.Configuration()
        if let sid = configuration.record.accountSid, let token = configuration.twilioAuthToken { fetcher.credentials = (sid, token) }
        fetcher.allowedHosts = configuration.record.recordingHosts
        fetcher.maxWait = configuration.record.recordingWait
        // 16-bit PCM at 8 kHz, twice over for headers, other chunks and stereo.
        fetcher.maxBytes = max(1 << 20, configuration.record.maxLengthSeconds * 8000 * 2 * 2)
        let started = ContinuousClock.now
        let bytes: [UInt8]
        do {
            let result = try await RecordingFetcher(configuration: fetcher).fetch(url)
            bytes = result.bytes
            turn.downloadAttempts = result.attempts
            turn.downloadMs = started.millisecondsSince
        } catch {
            turn.downloadMs = started.millisecondsSince
            let kind = (error as? RecordingFetcher.Failure)?.kind ?? "recording_download"
            return unheard(kind, "\(error)", services, context)
        }
        let decodeStarted = ContinuousClock.now
        let muLaw: [UInt8]
        do {
            muLaw = try WAV.decode(bytes).telephoneMuLaw()
        } catch {
            turn.decodeMs = decodeStarted.millisecondsSince
            return unheard("recording_malformed", "recording is not a readable WAV: \(error)", services, context)
        }
        let voiced = voicedFrames(muLaw, mode: configuration.session.turn.vadMode)
        turn.decodeMs = decodeStarted.millisecondsSince
        turn.audioMs = muLaw.count / 8
        guard voiced >= minVoicedFrames else { return .silence(consecutive: silentTurns + 1) }
        return .speech(muLaw: muLaw)
    }

    private static func unheard(_ kind: String, _ reason: String, _ services: ServerServices, _ context: BasicRequestContext) -> TurnInput.Kind {
        services.metrics.errors(kind: kind).increment()
        context.logger.warning("recording unusable", metadata: ["error.kind": .string(kind), "error": .string(reason)])
        return .unheard(reason: reason)
    }

    /// 20 ms frames the VAD calls speech.
    static func voicedFrames(_ muLaw: [UInt8], mode: Int) -> Int {
        guard let vad = try? VoiceActivityDetector(mode: mode, sampleRate: 8000) else { return Int.max }
        let pcm = MuLaw.decode(muLaw)
        var voiced = 0
        pcm.withUnsafeBufferPointer { samples in
            var offset = 0
            while offset + 160 <= samples.count {
                if (try? vad.isSpeech(UnsafeBufferPointer(rebasing: samples[offset..<offset + 160]))) == true { voiced += 1 }
                offset += 160
            }
        }
        return voiced
    }

    /// The reply as verbs: `<Play>` of its stored audio, or `<Say>` of its text when there is no
    /// audio or it cannot be stored.
    private static func replyVerbs(_ reply: RecordedReply, _ webhook: Routes.Webhook, _ services: ServerServices, sharedKey: String?) -> [TwiML.Verb] {
        if !reply.audio.isEmpty {
            // A phrase that failed on the way (cut audio) is not kept for every later call.
            let key = reply.failure == nil && !reply.truncated ? sharedKey : nil
            if let id = services.audioStore.insert(muLaw: reply.audio, sharedKey: key) {
                return [.play(url: webhook.base + audioPrefix + id + ".wav")]
            }
            services.metrics.errors(kind: "audio_store_full").increment()
        }
        guard !reply.text.isEmpty else { return [] }
        return [.say(reply.text, language: language(services))]
    }

    /// The next `<Record>` and, for an empty recording, the `<Redirect>` to the reprompt; or
    /// `<Hangup/>` when the responder ended the call.
    private static func nextTurn(after reply: RecordedReply, _ services: ServerServices) -> [TwiML.Verb] {
        if reply.hangUp { return [.hangup] }
        let record = services.configuration.record
        return [.record(.init(action: recordingPath, timeout: record.timeoutSeconds, maxLength: record.maxLengthSeconds,
                              playBeep: false, trim: true)),
                .redirect(url: repromptPath)]
    }

    /// Updates the call's state, then logs and counts the turn.
    private static func finish(_ turn: inout RecordTurn, _ reply: RecordedReply, _ services: ServerServices,
                               _ context: BasicRequestContext) {
        turn.totalMs = turn.received.millisecondsSince
        let kind = turn.kind
        services.recordedCalls.endTurn(turn.callSid) { call in
            call.turns = turn.index
            switch kind {
            case .silence: call.silentTurns += 1
            case .speech, .greeting:
                call.silentTurns = 0
                if kind == .speech { call.history.append(ChatMessage(role: .user, content: reply.transcript ?? "(speech)")) }
            }
            if !reply.text.isEmpty { call.history.append(ChatMessage(role: .assistant, content: reply.text)) }
        }
        if reply.hangUp { services.recordedCalls.close(turn.callSid) }
        services.recordMetrics.record(turn)
        if let failure = turn.failure { services.metrics.errors(kind: "provider_\(failure.stage)").increment() }
        context.logger.info("record turn", metadata: turn.metadata(logTranscripts: services.configuration.session.logTranscripts))
    }

    private static func busy(_ webhook: Routes.Webhook, _ context: BasicRequestContext) -> Response {
        context.logger.warning("webhook refused: the call is already answering a turn", metadata: ["call.sid": .string(webhook.callSid)])
        return Response(status: .conflict, body: .init(byteBuffer: ByteBuffer(string: "a turn of this call is in progress\n")))
    }

    private static func callInfo(_ webhook: Routes.Webhook) -> CallInfo {
        var parameters: [String: String] = [:]
        for key in ["From", "To", "Direction", "CallerCity", "CallerState", "CallerCountry"] { parameters[key] = webhook.values[key] }
        return CallInfo(callSid: webhook.callSid, streamSid: "", accountSid: webhook.values["AccountSid"] ?? "", parameters: parameters)
    }

    private static func language(_ services: ServerServices) -> String? {
        guard services.configuration.responder == "pipeline" else { return nil }
        return services.configuration.voice.pipeline.language
    }

    // MARK: - Audio

    /// `GET /audio/<id>.wav`: a stored reply, while it lasts.
    static func audio(_ context: BasicRequestContext, _ services: ServerServices, head: Bool) -> Response {
        guard let file = context.parameters.get("file"), let id = AudioStore.id(fromFileName: file),
              let wav = services.audioStore.wav(id: id) else {
            services.metrics.errors(kind: "audio_not_found").increment()
            return Response(status: .notFound, body: .init(byteBuffer: ByteBuffer(string: "no such audio (it may have expired)\n")))
        }
        let ttl = Int(services.audioStore.ttl.components.seconds)
        let headers: HTTPFields = [.contentType: "audio/wav", .contentLength: String(wav.readableBytes),
                                   .cacheControl: "private, max-age=\(ttl)"]
        return Response(status: .ok, headers: headers, body: head ? .init() : .init(byteBuffer: wav))
    }
}

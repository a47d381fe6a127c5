import AsyncHTTPClient
import EarshotAudio
import EarshotTwilio
import Foundation
import Logging
import NIOCore

/// A URL the carrier requests: where the simulator actually sends it, and the URL Twilio
/// would have used (and signs).
struct RecordTarget: Sendable {
    /// The local server's scheme, host and port with the path and query.
    var local: String
    /// As Twilio sees it: the public URL.
    var url: String
    /// Path and query.
    var path: String
}

/// A TwiML answer and where it came from: relative URLs in it resolve against its source.
struct TwiMLDocument: Sendable {
    var source: RecordTarget
    var verbs: [TwiML.Verb]
}

/// The carrier's side of one record-flow call, verb by verb, on the call's clock.
struct RecordCallSession {
    private let configuration: RecordCallSimulator.Configuration
    private let clip: CallClip
    private let server: ServerAddress
    private let recordings: RecordingServer
    private let client: HTTPClient
    private let logger: Logger
    private let clock = ContinuousClock()
    private var t0: ContinuousClock.Instant
    /// Waits that were not slept (not real time) but count on the call's clock.
    private var skippedMilliseconds = 0.0
    private var nextUtterance = 0
    /// More webhook requests than this means the server sends the call round in circles.
    private let requestLimit: Int
    /// The turn (index into `report.turns`) whose answer is being played.
    private var replyingTo: Int?
    private var report: RecordCallReport

    init(configuration: RecordCallSimulator.Configuration, clip: CallClip, server: ServerAddress, recordings: RecordingServer) {
        self.configuration = configuration
        self.clip = clip
        self.server = server
        self.recordings = recordings
        self.client = configuration.httpClient ?? .shared
        var logger = configuration.logger
        logger[metadataKey: "call.sid"] = .string(configuration.callSid)
        self.logger = logger
        self.t0 = clock.now
        self.requestLimit = clip.utterances.count + configuration.silentTurns.count + 5
        self.report = RecordCallReport(
            callSid: configuration.callSid, accountSid: configuration.accountSid,
            webhookURL: server.url(path: configuration.webhookPath), realtime: configuration.realtime,
            clipMilliseconds: clip.milliseconds, utteranceCount: clip.utterances.count)
    }

    /// Milliseconds since the webhook was posted, skipped waits included.
    private var now: Double { (clock.now - t0).seconds * 1000 + skippedMilliseconds }

    mutating func run() async throws -> RecordCallReport {
        let c = configuration
        t0 = clock.now
        let local = server.url(path: c.webhookPath)
        let webhook = RecordTarget(local: local, url: Webhook.signedURL(publicURL: c.publicURL, path: c.webhookPath) ?? local,
                                   path: c.webhookPath)
        let ringing = Webhook.ringingParameters(callSid: c.callSid, accountSid: c.accountSid, from: c.from, to: c.to,
                                                extra: c.extraWebhookParameters)
        var document = try await post(.webhook, to: webhook, parameters: ringing)?.document
        while let current = document {
            document = try await follow(current)
        }
        report.durationMilliseconds = now
        for index in report.turns.indices {
            if let sid = report.turns[index].recordingSid {
                report.turns[index].recordingRequests = recordings.requestCounts(recordingSid: sid)
            }
        }
        report.unknownRecordingRequests = recordings.unknownRequests
        report.botAudioMilliseconds = report.plays.reduce(0) { $0 + $1.audioMilliseconds }
        logger.debug("call ended", metadata: ["call.end_reason": .string(report.endReason.rawValue)])
        return report
    }

    /// Runs `document`'s verbs; returns the next document, or `nil` once the call is over.
    private mutating func follow(_ document: TwiMLDocument) async throws -> TwiMLDocument? {
        for verb in document.verbs {
            switch verb {
            case .play(let url):
                try await play(url, from: document.source)
            case .say(let text, _, _):
                try await say(text)
            case .pause(let seconds):
                try await wait(until: now + Double(max(0, seconds)) * 1000)
            case .record(let record):
                replyingTo = nil
                switch try await recordTurn(record, from: document.source) {
                case .callerHungUp:
                    report.endReason = .callerHungUp
                    return nil
                case .silent:
                    continue  // Twilio goes on with the verbs after an empty <Record>
                case .answered(let next):
                    return next
                }
            case .redirect(let url):
                replyingTo = nil
                let c = configuration
                let parameters = Webhook.inProgressParameters(callSid: c.callSid, accountSid: c.accountSid, from: c.from, to: c.to,
                                                              extra: c.extraWebhookParameters)
                return try await post(.redirect, to: try resolve(url, from: document.source), parameters: parameters)?.document
            case .hangup:
                report.endReason = .agentHungUp
                return nil
            case .connectStream:
                throw SimulatorError.badTwiML(url: document.source.local, reason: "<Connect><Stream> belongs to the media-stream flow: use --mode stream")
            }
        }
        report.endReason = .twimlEnded
        return nil
    }

    private enum RecordOutcome {
        case callerHungUp
        case silent
        case answered(TwiMLDocument?)
    }

    /// One `<Record>`: the caller speaks the next utterance, Twilio waits out the silence
    /// timeout, stores the recording and posts the action.
    private mutating func recordTurn(_ record: TwiML.Record, from source: RecordTarget) async throws -> RecordOutcome {
        let index = report.turns.count + 1
        let silent = configuration.silentTurns.contains(index)
        guard silent || nextUtterance < clip.utterances.count else { return .callerHungUp }
        let startedAt = now
        let timeout = max(0, record.timeout) * 1000
        var turn = RecordCallReport.Turn(index: index, silent: silent, recordStartedAt: startedAt,
                                         recordTimeoutMilliseconds: timeout, maxLengthSeconds: record.maxLength)
        logger.debug("record", metadata: ["turn.index": "\(index)", "turn.silent": "\(silent)"])
        guard !silent else {
            // Nothing but silence: Twilio posts no action and carries on after the <Record>.
            try await wait(until: startedAt + Double(timeout))
            report.turns.append(turn)
            return .silent
        }
        let utterance = clip.utterances[nextUtterance]
        nextUtterance += 1
        let spoken = utterance.endMilliseconds - utterance.startMilliseconds
        let recorded = record.maxLength > 0 ? min(spoken, record.maxLength * 1000) : spoken
        turn.clipStartMilliseconds = utterance.startMilliseconds
        turn.clipEndMilliseconds = utterance.endMilliseconds
        turn.utteranceMilliseconds = recorded
        turn.cutByMaxLength = recorded < spoken
        let speechEnd = startedAt + Double(recorded)
        try await wait(until: speechEnd)
        turn.speechEndedAt = speechEnd
        // maxLength stops the recording at once; otherwise it takes `timeout` of silence.
        if !turn.cutByMaxLength { try await wait(until: speechEnd + Double(timeout)) }

        // trim-silence leaves just the utterance; do-not-trim keeps the silence that ended it.
        let first = utterance.startMilliseconds * 8
        var audio = Array(clip.muLaw[first..<min(clip.muLaw.count, first + recorded * 8)])
        if !record.trim && !turn.cutByMaxLength { audio += repeatElement(CallClip.silence, count: timeout * 8) }
        let sid = TwilioIdentifier.make("RE")
        let duration = max(1, (audio.count / 8 + 999) / 1000)
        turn.recordingSid = sid
        turn.recordingDurationSeconds = duration
        let c = configuration
        let parameters = Webhook.inProgressParameters(callSid: c.callSid, accountSid: c.accountSid, from: c.from, to: c.to,
                                                      extra: c.extraWebhookParameters)
            + [("RecordingUrl", recordings.add(recordingSid: sid, muLaw: audio)), ("RecordingDuration", String(duration)),
               ("RecordingSid", sid), ("Digits", "")]
        let target = record.action.isEmpty ? source : try resolve(record.action, from: source)
        let answer = try await post(.action, to: target, parameters: parameters)
        turn.actionPostedAt = answer?.request.postedAt
        turn.actionRoundTripMilliseconds = answer?.request.roundTripMilliseconds
        turn.serverTiming = answer?.request.serverTiming ?? []
        report.turns.append(turn)
        replyingTo = report.turns.count - 1
        return .answered(answer?.document)
    }

    /// POSTs a webhook and reads its TwiML; `nil` when the request limit is reached.
    private mutating func post(
        _ kind: RecordCallReport.Request.Kind, to target: RecordTarget, parameters: [(name: String, value: String)]
    ) async throws -> (document: TwiMLDocument, request: RecordCallReport.Request)? {
        guard report.requests.count < requestLimit else {
            report.endReason = .requestLimit
            return nil
        }
        let postedAt = now
        let started = clock.now
        let (response, body) = try await Webhook.postForm(
            url: target.local, signedURL: target.url, parameters: parameters, authToken: configuration.authToken,
            client: client, timeout: configuration.requestTimeout.timeAmount)
        let roundTrip = (clock.now - started).seconds * 1000
        guard let verbs = TwiML.verbs(in: body) else {
            throw SimulatorError.badTwiML(url: target.local, reason: "no <Response> in \(body.prefix(200).debugDescription)")
        }
        let request = RecordCallReport.Request(
            kind: kind, path: target.path, signedURL: target.url, postedAt: postedAt, roundTripMilliseconds: roundTrip,
            verbs: verbs.map(\.name), serverTiming: ServerTimingMetric.parse(response.headers["Server-Timing"].joined(separator: ",")))
        report.requests.append(request)
        logger.debug("webhook answered", metadata: [
            "webhook.kind": .string(kind.rawValue), "webhook.path": .string(target.path),
            "webhook.verbs": .string(request.verbs.joined(separator: ",")),
        ])
        return (TwiMLDocument(source: target, verbs: verbs), request)
    }

    /// Fetches a `<Play>` file from the local server and plays it from its first byte on.
    private mutating func play(_ url: String, from source: RecordTarget) async throws {
        let target = try resolve(url, from: source)
        var request = HTTPClientRequest(url: target.local)
        request.headers.add(name: "User-Agent", value: "TwilioProxy/1.1 (earshot simulator)")
        request.headers.add(name: "Accept", value: "audio/*")
        let fetchStartedAt = now
        let started = clock.now
        var firstByte = started
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: configuration.requestTimeout.timeAmount)
            firstByte = clock.now
            body = try await response.body.collect(upTo: 32 << 20)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw SimulatorError.playFailed(url: url, reason: "\(error)")
        }
        let finished = clock.now
        guard response.status == .ok else { throw SimulatorError.playFailed(url: url, reason: "HTTP \(response.status.code)") }
        let muLaw = try Self.telephoneAudio(Array(buffer: body), contentType: response.headers.first(name: "Content-Type"), url: url)
        let firstByteMilliseconds = (firstByte - started).seconds * 1000
        let startedAt = fetchStartedAt + firstByteMilliseconds
        let audioMilliseconds = muLaw.count / 8
        report.plays.append(RecordCallReport.Playback(
            url: url, fetchStartedAt: fetchStartedAt, firstByteMilliseconds: firstByteMilliseconds,
            fetchMilliseconds: (finished - started).seconds * 1000, startedAt: startedAt, audioMilliseconds: audioMilliseconds,
            replyToTurn: replyingTo.map { report.turns[$0].index }))
        noteReply(at: startedAt, firstByte: firstByteMilliseconds, audioMilliseconds: audioMilliseconds)
        place(muLaw, at: startedAt)
        try await wait(until: startedAt + Double(audioMilliseconds))
    }

    /// A `<Say>`: no speech here, only time, about 15 characters a second.
    private mutating func say(_ text: String) async throws {
        let estimate = max(300, text.count * 65)
        let startedAt = now
        report.says.append(RecordCallReport.Speech(text: text, startedAt: startedAt, estimatedMilliseconds: estimate,
                                                   replyToTurn: replyingTo.map { report.turns[$0].index }))
        noteReply(at: startedAt, firstByte: nil, audioMilliseconds: 0)
        try await wait(until: startedAt + Double(estimate))
    }

    /// Counts reply audio toward the turn being answered; the first one sets its latency.
    private mutating func noteReply(at: Double, firstByte: Double?, audioMilliseconds: Int) {
        guard let index = replyingTo else { return }
        if report.turns[index].firstReplyAt == nil {
            report.turns[index].firstReplyAt = at
            report.turns[index].playFirstByteMilliseconds = firstByte
            report.turns[index].latencyMilliseconds = report.turns[index].speechEndedAt.map { at - $0 }
        }
        report.turns[index].replyAudioMilliseconds += audioMilliseconds
    }

    /// Puts `audio` on the bot track at `milliseconds`, silence before it.
    private mutating func place(_ audio: [UInt8], at milliseconds: Double) {
        let offset = Int(milliseconds * 8)
        if report.botAudio.count < offset {
            report.botAudio.append(contentsOf: repeatElement(CallClip.silence, count: offset - report.botAudio.count))
        }
        report.botAudio.append(contentsOf: audio)
    }

    /// Lets the call's clock reach `milliseconds`: sleeping in real time, skipping otherwise.
    private mutating func wait(until milliseconds: Double) async throws {
        let remaining = milliseconds - now
        guard remaining > 0 else { return }
        if configuration.realtime {
            try await Task.sleep(until: t0 + .microseconds(Int64((milliseconds * 1000).rounded())), clock: clock)
        } else {
            skippedMilliseconds += remaining
        }
    }

    /// `reference` from a TwiML answer, resolved against the answer's URL and sent to the
    /// local server (scheme, host and port replaced; path and query kept).
    private func resolve(_ reference: String, from source: RecordTarget) throws(SimulatorError) -> RecordTarget {
        let trimmed = reference.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let base = URL(string: source.url), let resolved = URL(string: trimmed, relativeTo: base)?.absoluteURL,
              let components = URLComponents(url: resolved, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              components.host?.isEmpty == false
        else { throw .badTwiML(url: source.local, reason: "cannot follow URL \(reference.debugDescription)") }
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        var origin = server
        origin.basePath = ""
        return RecordTarget(local: origin.url(path: path), url: resolved.absoluteString, path: path)
    }

    /// 8 kHz μ-law from a `<Play>` file: a WAV of any rate, or raw μ-law served as `audio/basic`.
    private static func telephoneAudio(_ bytes: [UInt8], contentType: String?, url: String) throws(SimulatorError) -> [UInt8] {
        let type = contentType?.lowercased() ?? ""
        if !bytes.starts(with: "RIFF".utf8), ["audio/basic", "mulaw", "ulaw"].contains(where: { type.contains($0) }) {
            return bytes
        }
        do {
            return try WAV.decode(bytes).telephoneMuLaw()
        } catch {
            throw .playFailed(url: url, reason: "not playable audio (\(type.isEmpty ? "no Content-Type" : type)): \(error)")
        }
    }
}

extension TwiML.Verb {
    /// The element's name, as a timeline shows it.
    fileprivate var name: String {
        switch self {
        case .say: "Say"
        case .play: "Play"
        case .pause: "Pause"
        case .record: "Record"
        case .connectStream: "Connect"
        case .redirect: "Redirect"
        case .hangup: "Hangup"
        }
    }
}

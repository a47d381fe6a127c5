import EarshotAudio

/// Everything one simulated call in the record flow observed. Times are milliseconds on the
/// call's clock, which starts when the voice webhook is posted; in a call that is not real
/// time, the waits (playback, speech, the record timeout) are added to it without being slept.
public struct RecordCallReport: Sendable, Codable {
    /// Why the call ended.
    public enum EndReason: String, Sendable, Codable, CustomStringConvertible {
        /// A `<Record>` began and the caller had nothing left to say.
        case callerHungUp
        /// The TwiML said `<Hangup/>`.
        case agentHungUp
        /// The TwiML ran out of verbs without recording, redirecting or hanging up.
        case twimlEnded
        /// More webhook requests than the call could need: the server is looping.
        case requestLimit

        public var description: String {
            switch self {
            case .callerHungUp: "caller hung up"
            case .agentHungUp: "agent hung up"
            case .twimlEnded: "twiml ended"
            case .requestLimit: "request limit reached"
            }
        }
    }

    /// One webhook POST and its TwiML answer.
    public struct Request: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable {
            /// The voice webhook, `CallStatus=ringing`.
            case webhook
            /// A `<Record action>` with the recording.
            case action
            /// A `<Redirect>`.
            case redirect
        }

        public var kind: Kind
        /// Path and query posted to.
        public var path: String
        /// The URL the signature covers (what Twilio would have posted to).
        public var signedURL: String
        public var postedAt: Double
        /// POST to the whole TwiML read.
        public var roundTripMilliseconds: Double
        /// The answer's verbs by name, in order (`Play`, `Record`, `Redirect`).
        public var verbs: [String]
        /// The answer's `Server-Timing` metrics, if it had any.
        public var serverTiming: [ServerTimingMetric]
    }

    /// One `<Play>`: the fetch and the playback.
    public struct Playback: Sendable, Codable, Equatable {
        /// As the TwiML wrote it.
        public var url: String
        public var fetchStartedAt: Double
        /// Fetch start to the response head.
        public var firstByteMilliseconds: Double
        /// Fetch start to the last byte.
        public var fetchMilliseconds: Double
        /// Playback starts with the first byte.
        public var startedAt: Double
        public var audioMilliseconds: Int
        /// The turn (1-based) this answers, when it belongs to an action's answer.
        public var replyToTurn: Int?
    }

    /// One `<Say>`. Its length is a guess: the simulator has no text to speech.
    public struct Speech: Sendable, Codable, Equatable {
        public var text: String
        public var startedAt: Double
        public var estimatedMilliseconds: Int
        public var replyToTurn: Int?
    }

    /// One `<Record>`: the caller's utterance and the server's answer to it.
    public struct Turn: Sendable, Codable, Equatable {
        /// 1-based, counting every `<Record>`.
        public var index: Int
        /// The caller said nothing (`--silent-turn`): no action was posted.
        public var silent: Bool
        public var recordStartedAt: Double
        /// `timeout` of the `<Record>`.
        public var recordTimeoutMilliseconds: Int
        /// `maxLength` of the `<Record>`, in seconds.
        public var maxLengthSeconds: Int
        /// Where the utterance lies in the clip (absent for a silent turn).
        public var clipStartMilliseconds: Int?
        public var clipEndMilliseconds: Int?
        /// What was recorded (shorter than the utterance if `maxLength` cut it).
        public var utteranceMilliseconds: Int = 0
        /// `maxLength` ended the recording before the caller stopped.
        public var cutByMaxLength = false
        public var speechEndedAt: Double?
        public var recordingSid: String?
        /// `RecordingDuration` as posted, whole seconds.
        public var recordingDurationSeconds: Int?
        public var actionPostedAt: Double?
        public var actionRoundTripMilliseconds: Double?
        public var serverTiming: [ServerTimingMetric] = []
        /// Time to first byte of the answer's first `<Play>`.
        public var playFirstByteMilliseconds: Double?
        /// When the answer's first audio started (a `<Play>`'s first byte, or a `<Say>`).
        public var firstReplyAt: Double?
        /// `firstReplyAt − speechEndedAt`: record timeout + action round trip + first byte.
        public var latencyMilliseconds: Double?
        /// `<Play>` audio in the answer.
        public var replyAudioMilliseconds: Int = 0
        /// How the recording's downloads were answered.
        public var recordingRequests = RecordingServer.RequestCounts()
    }

    public var callSid: String
    public var accountSid: String
    /// The voice webhook as posted.
    public var webhookURL: String
    public var realtime: Bool
    public var clipMilliseconds: Int
    /// Caller utterances found in the clip.
    public var utteranceCount: Int
    /// Start to the end of the call.
    public var durationMilliseconds: Double = 0
    public var endReason: EndReason = .twimlEnded
    public var requests: [Request] = []
    public var plays: [Playback] = []
    public var says: [Speech] = []
    public var turns: [Turn] = []
    /// Requests to the recording server for paths that are no recording of this call.
    public var unknownRecordingRequests = 0
    /// Milliseconds of `<Play>` audio.
    public var botAudioMilliseconds = 0
    /// What the caller heard: 8 kHz μ-law on the call's timeline (silence where nothing
    /// played; `<Say>` is silence too). Not part of the JSON; write it with ``botAudioWAV()``.
    public var botAudio: [UInt8] = []

    private enum CodingKeys: String, CodingKey {
        case callSid, accountSid, webhookURL, realtime, clipMilliseconds, utteranceCount, durationMilliseconds
        case endReason, requests, plays, says, turns, unknownRecordingRequests, botAudioMilliseconds
    }

    /// The bot audio as an 8 kHz 16-bit PCM WAV file.
    public func botAudioWAV() -> [UInt8] { WAV.encode(pcm16: MuLaw.decode(botAudio), sampleRate: 8000) }

    /// Latencies of the turns that got an answer.
    public var latencies: [Double] { turns.compactMap(\.latencyMilliseconds) }
}

extension RecordCallReport {
    /// A readable timeline followed by a per-turn table.
    public func render() -> String {
        var out = "Call \(callSid)  record flow  \(webhookURL)\n"
        out += "  clip \(seconds(Double(clipMilliseconds))) (\(utteranceCount) utterances), call \(seconds(durationMilliseconds)), ended: \(endReason)"
        out += realtime ? "\n" : " (not real time: waits were added to the clock, not slept)\n"
        out += "\n     time  event\n"
        for event in timeline() { out += "\(pad(seconds(event.at), 9))  \(event.text)\n" }
        out += "\n  turn  utterance  timeout    action  first byte    latency  reply audio  recording GETs\n"
        for turn in turns {
            out += "  \(pad(String(turn.index), 4))  "
            guard !turn.silent else {
                out += "   silent  \(pad("\(turn.recordTimeoutMilliseconds) ms", 7))  (no action: Twilio follows the verbs after <Record>)\n"
                continue
            }
            out += "\(pad("\(turn.utteranceMilliseconds) ms", 9))  \(pad("\(turn.recordTimeoutMilliseconds) ms", 7))  "
            out += "\(pad(whole(turn.actionRoundTripMilliseconds), 8))  \(pad(whole(turn.playFirstByteMilliseconds), 10))  "
            out += "\(pad(turn.latencyMilliseconds == nil ? "no reply" : whole(turn.latencyMilliseconds), 9))  "
            out += "\(pad("\(turn.replyAudioMilliseconds) ms", 11))  \(turn.recordingRequests)\n"
        }
        if turns.isEmpty { out += "  (no <Record> reached)\n" }
        for turn in turns where !turn.serverTiming.isEmpty {
            out += "  turn \(turn.index) server timing: \(turn.serverTiming.map(\.description).joined(separator: ", "))\n"
        }
        out += "\n  requests \(requests.count) (\(requests.map(\.kind.rawValue).joined(separator: ", "))); "
        out += "plays \(plays.count), bot audio \(seconds(Double(botAudioMilliseconds)))"
        out += unknownRecordingRequests > 0 ? "; \(unknownRecordingRequests) requests for unknown recordings\n" : "\n"
        return out
    }

    /// The call's events in time order; at equal times, in the order they happen in a turn.
    private func timeline() -> [(at: Double, text: String)] {
        var events: [(at: Double, order: Int, text: String)] = []
        for request in requests {
            var what = request.kind == .webhook ? " (ringing)" : ""
            if request.kind == .action, let turn = turns.first(where: { $0.actionPostedAt == request.postedAt }),
               let sid = turn.recordingSid, let duration = turn.recordingDurationSeconds {
                what = " (\(sid), \(duration) s)"
            }
            events.append((request.postedAt, 2, "▶ POST \(request.path)\(what)"))
            var answer = "◀ 200 in \(whole(request.roundTripMilliseconds)): \(request.verbs.joined(separator: ", "))"
            if !request.serverTiming.isEmpty { answer += "  [\(request.serverTiming.map(\.description).joined(separator: ", "))]" }
            events.append((request.postedAt + request.roundTripMilliseconds, 3, answer))
        }
        for play in plays {
            events.append((play.startedAt, 4, "◀ Play \(play.url): first byte \(whole(play.firstByteMilliseconds)), "
                + "all \(whole(play.fetchMilliseconds)); \(seconds(Double(play.audioMilliseconds))) of audio"))
        }
        for say in says {
            events.append((say.startedAt, 4, "◀ Say \(say.text.prefix(60).debugDescription) (~\(seconds(Double(say.estimatedMilliseconds))), not played)"))
        }
        for turn in turns {
            events.append((turn.recordStartedAt, 0, "● Record turn \(turn.index) (timeout \(turn.recordTimeoutMilliseconds) ms, max \(turn.maxLengthSeconds) s)"
                + (turn.silent ? ": the caller stays silent" : "")))
            if let at = turn.speechEndedAt, let start = turn.clipStartMilliseconds, let end = turn.clipEndMilliseconds {
                let cut = turn.cutByMaxLength ? ", cut by maxLength" : ""
                events.append((at, 1, "caller stops speaking (turn \(turn.index): \(seconds(Double(turn.utteranceMilliseconds)))\(cut), "
                    + "clip \(seconds(Double(start)))–\(seconds(Double(end))))"))
            }
            if let at = turn.firstReplyAt, let latency = turn.latencyMilliseconds {
                events.append((at, 5, "◀ first reply audio for turn \(turn.index): +\(Int(latency.rounded())) ms"))
            }
        }
        let end: String = switch endReason {
        case .callerHungUp: "caller hangs up"
        case .agentHungUp: "<Hangup/>: the call ends"
        case .twimlEnded: "TwiML ran out: the call ends"
        case .requestLimit: "too many webhook requests: the simulator hangs up"
        }
        events.append((durationMilliseconds, 6, end))
        return events.enumerated()
            .sorted { ($0.element.at, $0.element.order, $0.offset) < ($1.element.at, $1.element.order, $1.offset) }
            .map { ($0.element.at, $0.element.text) }
    }

    private func seconds(_ milliseconds: Double) -> String { "\((milliseconds / 1000).formatted(decimals: 3)) s" }

    private func whole(_ milliseconds: Double?) -> String {
        milliseconds.map { "\(Int($0.rounded())) ms" } ?? "–"
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}

@_exported import struct EarshotProviders.ChatMessage

/// Who is on the call, as the carrier described it at stream start.
public struct CallInfo: Sendable, Equatable {
    public var callSid: String
    public var streamSid: String
    public var accountSid: String
    /// Carrier-specific parameters passed into the stream (Twilio's `<Parameter>`s: From, To, …).
    public var parameters: [String: String]

    public init(callSid: String, streamSid: String, accountSid: String = "", parameters: [String: String] = [:]) {
        self.callSid = callSid
        self.streamSid = streamSid
        self.accountSid = accountSid
        self.parameters = parameters
    }
}

/// What the caller did that deserves a reply.
public struct TurnInput: Sendable {
    public enum Kind: Sendable, Equatable {
        /// The stream started: a chance to greet.
        case callStarted
        /// The caller finished an utterance: 8 kHz μ-law, pre-roll included.
        case speech(muLaw: [UInt8])
        /// The caller pressed keys.
        case dtmf(digits: String)
        /// The caller was given a turn and said nothing (an empty or silent recording):
        /// `consecutive` counts such turns in a row, 1 for the first.
        case silence(consecutive: Int)
        /// The caller spoke but the audio could not be used (a recording that could not be
        /// fetched or read): `reason` says why.
        case unheard(reason: String)
    }

    public var kind: Kind
    /// 0 for the greeting, then one per turn.
    public var index: Int
    public var call: CallInfo
    /// The conversation so far, assistant messages cut to what the caller heard.
    public var history: [ChatMessage]
    /// The call's streaming transcriber, when the responder opened one: its final transcript
    /// replaces a batch request at the end of the turn.
    public var transcriber: LiveTranscriber?

    public init(kind: Kind, index: Int, call: CallInfo, history: [ChatMessage], transcriber: LiveTranscriber? = nil) {
        self.kind = kind
        self.index = index
        self.call = call
        self.history = history
        self.transcriber = transcriber
    }
}

/// Pipeline stages a responder can report timings for (the per-turn latency record).
public enum ReplyStage: String, Sendable, CaseIterable {
    case stt, llmFirstToken = "llm_ttft", ttsFirstByte = "tts_ttfb"
}

/// One piece of a reply, in the order the caller should hear it.
public enum ReplyEvent: Sendable {
    /// The user's words as understood (a transcript), for the history.
    case transcript(String)
    /// A new segment (a sentence) begins; `text` is what its audio says. A mark follows
    /// each segment, so the session knows which segments were heard.
    case segment(text: String)
    /// Audio of the current segment: 8 kHz μ-law, any length.
    case audio([UInt8])
    /// How long a stage took, in milliseconds.
    case timing(ReplyStage, milliseconds: Double)
    /// A stage failed and the reply continues with a fallback; `reason` goes to the latency record.
    case failure(stage: String, reason: String)
    /// End the call once everything queued has played.
    case hangUp
}

/// Produces the reply to a turn: utterance in, a cancellable stream of audio and text out.
/// Cancelling the consuming task (barge-in, hang-up) must stop the work promptly.
public protocol Responder: Sendable {
    /// A short name for logs and metrics labels.
    var name: String { get }
    func reply(to input: TurnInput) -> AsyncThrowingStream<ReplyEvent, any Error>
    /// Opens a streaming transcriber for a call that is starting, or nil (the default) to
    /// answer each turn from its recorded utterance.
    func openTranscriber(for call: CallInfo) async -> LiveTranscriber?
}

extension Responder {
    public func openTranscriber(for call: CallInfo) async -> LiveTranscriber? { nil }
}

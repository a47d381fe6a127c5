import NIOCore

/// The per-turn latency record: one structured log line and a set of histograms per turn.
public struct TurnRecord: Sendable {
    public enum Trigger: String, Sendable { case greeting, speech, dtmf }

    public var index: Int
    public var trigger: Trigger
    /// Silence the turn detector waited before declaring the end of speech.
    public var vadEndMs: Int
    /// When the turn ended (speech end, DTMF, stream start).
    public var endedAt: NIODeadline
    /// When the responder's first audio reached the session.
    public var responderFirstAudioAt: NIODeadline?
    /// When the first media message of the reply was handed to the transport.
    public var firstMediaSentAt: NIODeadline?
    /// When the reply finished (all marks back) or was interrupted.
    public var finishedAt: NIODeadline?
    public var interrupted = false
    /// Stage timings the responder reported.
    public var stages: [ReplyStage: Double] = [:]
    /// Which stage failed and why, when the reply fell back.
    public var failure: (stage: String, reason: String)?
    /// Segments sent, and segments the caller heard (their marks came back before any clear).
    public var segmentsSent = 0
    public var segmentsHeard = 0
    public var audioBytesSent = 0
    /// What the caller said (the transcript), when the responder reported one.
    public var transcript: String?
    /// What the caller heard of the reply: the segments whose marks came back.
    public var reply: String?

    init(index: Int, trigger: Trigger, vadEndMs: Int, endedAt: NIODeadline) {
        self.index = index
        self.trigger = trigger
        self.vadEndMs = vadEndMs
        self.endedAt = endedAt
    }

    static func ms(_ from: NIODeadline, _ to: NIODeadline?) -> Double? {
        guard let to else { return nil }
        return Double((to - from).nanoseconds) / 1_000_000
    }

    /// End of turn → first media message sent.
    public var firstAudioMs: Double? { Self.ms(endedAt, firstMediaSentAt) }
    /// End of turn → responder's first audio.
    public var responderMs: Double? { Self.ms(endedAt, responderFirstAudioAt) }
    /// End of turn → finished.
    public var totalMs: Double? { Self.ms(endedAt, finishedAt) }
    /// The gateway's own share of end of turn → first audio: first audio sent minus the
    /// provider times the responder reported (STT, model first token, TTS first byte); for a
    /// responder that reports none, minus the responder's time to its first audio.
    public var gatewayOverheadMs: Double? {
        guard let first = firstAudioMs else { return nil }
        if !stages.isEmpty { return first - stages.values.reduce(0, +) }
        guard let responder = responderMs else { return nil }
        return first - responder
    }
}

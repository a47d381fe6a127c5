/// A whole reply, gathered from a responder's stream: what a record-then-play carrier (Twilio
/// `<Record>` → `<Play>`) needs, since it can only play a finished file.
public struct RecordedReply: Sendable {
    /// What the caller said, as the responder understood it.
    public var transcript: String?
    /// The reply's segments (sentences), in order.
    public var segments: [String] = []
    /// The reply's audio, 8 kHz μ-law (at most the collector's byte limit).
    public var audio: [UInt8] = []
    /// True when the audio went past the limit and the rest was dropped.
    public var truncated = false
    /// Stage timings the responder reported, in milliseconds.
    public var stages: [ReplyStage: Double] = [:]
    /// The stage that failed and why, when the reply fell back (or the stream itself failed).
    public var failure: (stage: String, reason: String)?
    /// The responder asked to end the call after this reply.
    public var hangUp = false
    /// Milliseconds from the start of collection to the first audio, and to the end of the stream.
    public var firstAudioMs: Double?
    public var completeMs: Double = 0

    public init() {}

    /// The reply's text, as one line for the history.
    public var text: String { segments.joined(separator: " ") }

    /// Runs `responder` on `input` to the end and gathers its events. Audio past `maxAudioBytes`
    /// is dropped (``truncated``); a stream that throws is recorded as a failure of stage
    /// "responder". Cancelling the task stops the responder.
    public static func collect(from responder: any Responder, input: TurnInput, maxAudioBytes: Int = 1 << 21) async -> RecordedReply {
        var reply = RecordedReply()
        let started = ContinuousClock.now
        do {
            for try await event in responder.reply(to: input) {
                switch event {
                case .transcript(let text): reply.transcript = text
                case .segment(let text): reply.segments.append(text)
                case .audio(let bytes):
                    if reply.firstAudioMs == nil { reply.firstAudioMs = started.millisecondsSince }
                    let room = max(0, maxAudioBytes - reply.audio.count)
                    if bytes.count > room { reply.truncated = true }
                    reply.audio += bytes.prefix(room)
                case .timing(let stage, let ms): reply.stages[stage] = ms
                case .failure(let stage, let reason): reply.failure = (stage, reason)
                case .hangUp: reply.hangUp = true
                }
            }
        } catch {
            reply.failure = ("responder", "\(error)")
        }
        reply.completeMs = started.millisecondsSince
        return reply
    }

    /// ``collect(from:input:maxAudioBytes:)``, or nil when the reply is not complete within
    /// `limit` (the responder is then cancelled).
    public static func collect(from responder: any Responder, input: TurnInput, within limit: Duration,
                               maxAudioBytes: Int = 1 << 21) async -> RecordedReply? {
        await withTaskGroup(of: RecordedReply?.self) { group in
            group.addTask { await collect(from: responder, input: input, maxAudioBytes: maxAudioBytes) }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

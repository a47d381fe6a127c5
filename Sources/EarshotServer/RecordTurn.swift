import EarshotConversation
import Foundation
import HTTPTypes
import Logging
import Metrics

/// The latency record of one record-then-play turn — the "total processing time" of the
/// older architecture, stage by stage: download, decode, STT, LLM, TTS, total. It goes to the
/// log (one line per turn), to `earshot_record_stage_seconds{stage}`, and to the webhook
/// answer's `Server-Timing` header.
struct RecordTurn {
    enum Kind: String { case greeting, speech, silence }

    var callSid: String
    var index: Int
    var kind: Kind
    /// When the webhook arrived.
    var received: ContinuousClock.Instant
    /// `RecordingDuration` as Twilio gave it.
    var recordingSeconds: Double?
    /// The recording's length after decoding.
    var audioMs: Int?
    var downloadMs: Double?
    var downloadAttempts: Int?
    var decodeMs: Double?
    /// Stage times the responder reported (STT, model first token, TTS first byte).
    var stages: [ReplyStage: Double] = [:]
    /// Responder start → the whole reply's audio ready.
    var replyMs: Double?
    /// Webhook arrived → answer ready.
    var totalMs: Double?
    var replyAudioMs = 0
    var failure: (stage: String, reason: String)?
    var transcript: String?
    var replyText = ""
    var hangUp = false

    init(callSid: String, index: Int, kind: Kind, received: ContinuousClock.Instant = .now) {
        self.callSid = callSid
        self.index = index
        self.kind = kind
        self.received = received
    }

    mutating func reply(_ reply: RecordedReply) {
        stages = reply.stages
        replyMs = reply.completeMs
        replyAudioMs = reply.audio.count / 8
        failure = reply.failure
        transcript = reply.transcript
        replyText = reply.text
        hangUp = reply.hangUp
    }

    /// Stage name → milliseconds, in pipeline order, for the stages this turn had.
    var timings: [(String, Double)] {
        var out: [(String, Double)] = []
        if let downloadMs { out.append(("download", downloadMs)) }
        if let decodeMs { out.append(("decode", decodeMs)) }
        if let v = stages[.stt] { out.append(("stt", v)) }
        if let v = stages[.llmFirstToken] { out.append(("llm", v)) }
        if let v = stages[.ttsFirstByte] { out.append(("tts", v)) }
        if let replyMs { out.append(("reply", replyMs)) }
        if let totalMs { out.append(("total", totalMs)) }
        return out
    }

    /// `Server-Timing: download;dur=12.1, stt;dur=40.0, …` (milliseconds).
    var serverTiming: HTTPFields {
        let value = timings.map { "\($0.0);dur=\($0.1.formatted1)" }.joined(separator: ", ")
        guard !value.isEmpty else { return [:] }
        return [HTTPField.Name("Server-Timing")!: value]
    }

    func metadata(logTranscripts: Bool) -> Logger.Metadata {
        var m: Logger.Metadata = [
            "call.sid": .string(callSid), "turn.index": .stringConvertible(index), "turn.kind": .string(kind.rawValue),
            "reply.audio_ms": .stringConvertible(replyAudioMs),
        ]
        for (name, ms) in timings { m["latency.\(name)_ms"] = .string(ms.formatted1) }
        if let recordingSeconds { m["recording.duration_s"] = .string(recordingSeconds.formatted1) }
        if let audioMs { m["recording.audio_ms"] = .stringConvertible(audioMs) }
        if let downloadAttempts { m["recording.attempts"] = .stringConvertible(downloadAttempts) }
        if let failure {
            m["failure.stage"] = .string(failure.stage)
            m["failure.reason"] = .string(String(failure.reason.prefix(300)))
        }
        if hangUp { m["call.hang_up"] = "true" }
        if logTranscripts {
            if let transcript { m["turn.transcript"] = .string(transcript) }
            m["turn.reply"] = .string(replyText)
        }
        return m
    }
}

/// Metrics of the record-then-play flow.
struct RecordMetrics: Sendable {
    let calls = Counter(label: "earshot_record_calls_total")
    let turns: [RecordTurn.Kind: Counter] = [
        .greeting: Counter(label: "earshot_record_turns_total", dimensions: [("kind", "greeting")]),
        .speech: Counter(label: "earshot_record_turns_total", dimensions: [("kind", "speech")]),
        .silence: Counter(label: "earshot_record_turns_total", dimensions: [("kind", "silence")]),
    ]
    let stages: [String: Timer] = Dictionary(uniqueKeysWithValues: ["download", "decode", "stt", "llm", "tts", "reply", "total"].map {
        ($0, Timer(label: "earshot_record_stage_seconds", dimensions: [("stage", $0)]))
    })

    func record(_ turn: RecordTurn) {
        turns[turn.kind]?.increment()
        for (name, ms) in turn.timings { stages[name]?.recordNanoseconds(Int64(max(0, ms) * 1_000_000)) }
    }
}

extension Double {
    /// One decimal place, no locale.
    var formatted1: String { String(format: "%.1f", self) }
}

import Metrics

/// Metrics shared by all calls: created once, labelled only by bounded values.
public final class CallMetrics: Sendable {
    public let callsTotal = Counter(label: "earshot_calls_total")
    public let callsActive = Gauge(label: "earshot_calls_active")
    public let callsRefused = Counter(label: "earshot_calls_refused_total")
    public let framesIn = Counter(label: "earshot_media_frames_in_total")
    public let framesOut = Counter(label: "earshot_media_messages_out_total")
    public let turns = Counter(label: "earshot_turns_total")
    public let bargeIns = Counter(label: "earshot_barge_ins_total")
    public let dtmf = Counter(label: "earshot_dtmf_total")
    public let firstAudio = Timer(label: "earshot_turn_first_audio_seconds")
    public let responderFirstAudio = Timer(label: "earshot_turn_responder_first_audio_seconds")
    public let gatewayOverhead = Timer(label: "earshot_turn_gateway_overhead_seconds")
    public let turnTotal = Timer(label: "earshot_turn_total_seconds")
    private let stageTimers: [ReplyStage: Timer]

    public init() {
        var stages: [ReplyStage: Timer] = [:]
        for stage in ReplyStage.allCases {
            stages[stage] = Timer(label: "earshot_turn_stage_seconds", dimensions: [("stage", stage.rawValue)])
        }
        stageTimers = stages
    }

    /// The error counter for one kind (a small, fixed vocabulary: never a call id).
    public func errors(kind: String) -> Counter {
        Counter(label: "earshot_errors_total", dimensions: [("kind", kind)])
    }

    func record(_ r: TurnRecord) {
        turns.increment()
        func nanos(_ ms: Double?) -> Int64? { ms.map { Int64(max(0, $0) * 1_000_000) } }
        if let v = nanos(r.firstAudioMs) { firstAudio.recordNanoseconds(v) }
        if let v = nanos(r.responderMs) { responderFirstAudio.recordNanoseconds(v) }
        if let v = nanos(r.gatewayOverheadMs) { gatewayOverhead.recordNanoseconds(v) }
        if let v = nanos(r.totalMs) { turnTotal.recordNanoseconds(v) }
        for (stage, ms) in r.stages { if let v = nanos(ms) { stageTimers[stage]?.recordNanoseconds(v) } }
    }
}

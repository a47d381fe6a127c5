internal import CEarshot

/// A speech segment boundary found by the ``TurnDetector``.
public struct TurnEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Enough of the recent frames were voiced: the caller started speaking.
        case speechStarted
        /// Enough consecutive frames were unvoiced: the caller finished a turn.
        case speechEnded
    }

    public var kind: Kind
    /// Index (from 0) of the frame whose decision fired the event.
    public var frame: UInt32
    /// First voiced frame of the segment.
    public var onsetFrame: UInt32
    /// Last voiced frame of the segment (for `speechStarted`, equals `frame`).
    public var lastVoicedFrame: UInt32
    /// Onset minus the pre-roll: where the utterance's audio begins.
    public var audioStartFrame: UInt32
    /// Milliseconds of audio consumed when the decision was made: `(frame + 1) × frame length`.
    public var milliseconds: Int
}

/// The turn-taking frame loop: audio of any length in, WebRTC VAD per frame, smoothing
/// (K of the last W frames voiced starts speech, S unvoiced frames end it), events out.
/// It keeps a pre-roll so an utterance can be fetched from before its onset.
/// No allocation happens per frame; events are delivered to a non-escaping closure.
public final class TurnDetector {
    /// How turns are detected. Defaults are the product's: 8 kHz μ-law, 20 ms frames,
    /// VAD mode 3, a 600 ms window, 300 ms of silence to end, 300 ms of pre-roll.
    public struct Configuration: Sendable, Equatable {
        public enum Input: Sendable, Equatable {
            /// 8 kHz μ-law bytes (or base64 μ-law text), as carriers send.
            case muLaw
            /// Native 16-bit PCM at ``Configuration/sampleRate``.
            case pcm16
        }

        /// 8,000 or 16,000 (μ-law input is 8,000).
        public var sampleRate: Int
        /// Frame length for the VAD: 10, 20 or 30 ms.
        public var frameMilliseconds: Int
        /// WebRTC VAD aggressiveness, 0…3.
        public var vadMode: Int
        /// The form of the audio passed to `process`.
        public var input: Input
        /// Audio kept before the onset of speech, 0…2,000 ms.
        public var prerollMilliseconds: Int
        /// W: frames in the smoothing window, 1…64.
        public var windowFrames: Int
        /// K: voiced frames among the last W that start speech, 1…W.
        public var startFrames: Int
        /// S: consecutive unvoiced frames that end speech.
        public var endFrames: Int
        /// Speech must span at least this many frames from its onset before it starts (0 = K decides).
        public var minSpeechFrames: Int

        public init() {
            var c = es_turn_config()
            _ = es_turn_config_default(&c)
            sampleRate = Int(c.sample_rate)
            frameMilliseconds = Int(c.frame_ms)
            vadMode = Int(c.vad_mode)
            input = .muLaw
            prerollMilliseconds = Int(c.preroll_ms)
            windowFrames = Int(c.smoothing.window_frames)
            startFrames = Int(c.smoothing.start_frames)
            endFrames = Int(c.smoothing.end_frames)
            minSpeechFrames = Int(c.smoothing.min_speech_frames)
        }

        var cValue: es_turn_config {
            var c = es_turn_config()
            c.sample_rate = Int32(clamping: sampleRate)
            c.frame_ms = Int32(clamping: frameMilliseconds)
            c.vad_mode = Int32(clamping: vadMode)
            c.input = Int32(input == .muLaw ? ES_TURN_INPUT_ULAW.rawValue : ES_TURN_INPUT_PCM16.rawValue)
            c.preroll_ms = UInt32(clamping: prerollMilliseconds)
            c.smoothing.window_frames = UInt32(clamping: windowFrames)
            c.smoothing.start_frames = UInt32(clamping: startFrames)
            c.smoothing.end_frames = UInt32(clamping: endFrames)
            c.smoothing.min_speech_frames = UInt32(clamping: minSpeechFrames)
            return c
        }
    }

    /// Events one C call may return; input is fed in chunks that cannot complete more frames.
    private static let eventCapacity = 32
    private let turn: OpaquePointer
    private let events: UnsafeMutablePointer<es_turn_event>
    public let configuration: Configuration
    /// Samples per frame.
    public let frameSamples: Int

    public init(configuration: Configuration = .init()) throws(AudioError) {
        var err: Int32 = 0
        var c = configuration.cValue
        guard let turn = es_turn_create(&c, &err) else { throw AudioError(code: Int(err)) }
        self.turn = turn
        self.configuration = configuration
        self.frameSamples = es_turn_frame_samples(turn)
        self.events = .allocate(capacity: Self.eventCapacity)
    }

    deinit {
        es_turn_destroy(turn)
        events.deallocate()
    }

    /// Frames completed so far.
    public var framesProcessed: Int { Int(es_turn_frames(turn)) }
    /// Frames the VAD called voiced so far.
    public var voicedFrames: Int { Int(es_turn_voiced_frames(turn)) }
    /// Whether a speech segment is open.
    public var isInSpeech: Bool { es_turn_in_speech(turn) != 0 }

    /// Processes a base64 μ-law payload (a carrier's media message). Bad base64 throws
    /// ``AudioError/badData`` and changes nothing.
    @inline(__always)
    public func process(base64 text: UnsafeRawBufferPointer, _ onEvent: (TurnEvent) -> Void) throws(AudioError) {
        let n = es_turn_process_base64(turn, text.baseAddress, text.count, events, Self.eventCapacity)
        deliver(try checked(n), onEvent)
    }

    /// Processes μ-law bytes of any length.
    public func process(muLaw: UnsafeBufferPointer<UInt8>, _ onEvent: (TurnEvent) -> Void) throws(AudioError) {
        try chunked(muLaw) { (chunk) throws(AudioError) in
            deliver(try checked(es_turn_process_ulaw(turn, chunk.baseAddress, chunk.count, events, Self.eventCapacity)), onEvent)
        }
    }

    /// Processes PCM16 samples of any length.
    public func process(pcm: UnsafeBufferPointer<Int16>, _ onEvent: (TurnEvent) -> Void) throws(AudioError) {
        try chunked(pcm) { (chunk) throws(AudioError) in
            deliver(try checked(es_turn_process_pcm16(turn, chunk.baseAddress, chunk.count, events, Self.eventCapacity)), onEvent)
        }
    }

    /// Processes an array (μ-law bytes or PCM per the configuration) and returns the events.
    public func process(muLaw: [UInt8]) throws(AudioError) -> [TurnEvent] {
        var out: [TurnEvent] = []
        try muLaw.withUnsafeBufferPointer { (b) throws(AudioError) in try process(muLaw: b) { out.append($0) } }
        return out
    }

    /// Processes a PCM array and returns the events.
    public func process(pcm: [Int16]) throws(AudioError) -> [TurnEvent] {
        var out: [TurnEvent] = []
        try pcm.withUnsafeBufferPointer { (b) throws(AudioError) in try process(pcm: b) { out.append($0) } }
        return out
    }

    /// The input audio from the start of `frame` to now (μ-law bytes for μ-law input),
    /// or from the oldest sample the pre-roll still holds.
    public func recentMuLaw(fromFrame frame: UInt32) throws(AudioError) -> [UInt8] {
        guard configuration.input == .muLaw else { throw .wrongFormat }
        return try recent(fromFrame: frame)
    }

    /// The input PCM from the start of `frame` to now (PCM input only).
    public func recentPCM(fromFrame frame: UInt32) throws(AudioError) -> [Int16] {
        guard configuration.input == .pcm16 else { throw .wrongFormat }
        return try recent(fromFrame: frame)
    }

    /// Back to the state after init.
    public func reset() throws(AudioError) { try checked(es_turn_reset(turn)) }

    private func recent<T>(fromFrame frame: UInt32) throws(AudioError) -> [T] {
        let frames = Int(es_turn_frames(turn)) - Int(frame) + 1
        let capacity = max(0, frames) * frameSamples
        var failure: AudioError?
        let out = [T](unsafeUninitializedCapacity: capacity) { buffer, count in
            let rc = es_turn_recent_audio(turn, frame, buffer.baseAddress, buffer.count)
            if rc < 0 { failure = AudioError(code: rc); count = 0 } else { count = rc }
        }
        if let failure { throw failure }
        return out
    }

    /// Feeds `input` in pieces that cannot complete more frames than the event buffer holds.
    private func chunked<T>(_ input: UnsafeBufferPointer<T>, _ body: (UnsafeBufferPointer<T>) throws(AudioError) -> Void) throws(AudioError) {
        let step = (Self.eventCapacity - 1) * frameSamples
        var offset = 0
        repeat {
            let end = min(input.count, offset + step)
            try body(UnsafeBufferPointer(rebasing: input[offset..<end]))
            offset = end
        } while offset < input.count
    }

    @inline(__always)
    private func deliver(_ count: Int, _ onEvent: (TurnEvent) -> Void) {
        for i in 0..<count {
            let e = events[i]
            onEvent(TurnEvent(
                kind: e.type == Int32(ES_TURN_SPEECH_STARTED.rawValue) ? .speechStarted : .speechEnded,
                frame: e.frame, onsetFrame: e.onset_frame, lastVoicedFrame: e.last_voiced_frame,
                audioStartFrame: e.audio_start_frame,
                milliseconds: (Int(e.frame) + 1) * configuration.frameMilliseconds))
        }
    }
}

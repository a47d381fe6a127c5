internal import CEarshot

/// The WebRTC voice activity detector on single frames (10, 20 or 30 ms).
/// Use ``TurnDetector`` for the smoothed speech-start / speech-end decisions.
public final class VoiceActivityDetector {
    private let vad: OpaquePointer
    /// Samples per second: 8,000 or 16,000.
    public let sampleRate: Int

    /// - Parameters:
    ///   - mode: 0 (least aggressive about calling audio non-speech) … 3 (most).
    ///   - sampleRate: 8,000 or 16,000.
    public init(mode: Int = 3, sampleRate: Int = 8000) throws(AudioError) {
        var err: Int32 = 0
        guard let vad = es_vad_create(Int32(clamping: mode), Int32(clamping: sampleRate), &err) else {
            throw AudioError(code: Int(err))
        }
        self.vad = vad
        self.sampleRate = sampleRate
    }

    deinit { es_vad_destroy(vad) }

    /// Changes the aggressiveness mode (0…3).
    public func setMode(_ mode: Int) throws(AudioError) {
        try checked(es_vad_set_mode(vad, Int32(clamping: mode)))
    }

    /// Whether one frame is speech. The frame must be 10, 20 or 30 ms long.
    public func isSpeech(_ frame: UnsafeBufferPointer<Int16>) throws(AudioError) -> Bool {
        let rc = es_vad_process(vad, frame.baseAddress, frame.count)
        try checked(rc)
        return rc == 1
    }

    /// Whether one frame (an array) is speech.
    public func isSpeech(_ frame: [Int16]) throws(AudioError) -> Bool {
        try frame.withUnsafeBufferPointer { (buffer) throws(AudioError) -> Bool in try isSpeech(buffer) }
    }

    /// Forgets the adaptive noise estimate.
    public func reset() throws(AudioError) { try checked(es_vad_reset(vad)) }
}

internal import CEarshot

/// Streaming sample-rate conversion of mono PCM16 (speexdsp). The filter state
/// carries across calls, so audio cut into any pieces converts like the whole.
public final class Resampler {
    private let state: OpaquePointer
    public let inputRate: Int
    public let outputRate: Int

    /// - Parameters:
    ///   - inputRate, outputRate: 8,000 … 48,000 Hz.
    ///   - quality: 0 (fastest) … 10 (best); 4–5 is plenty for telephone audio.
    public init(from inputRate: Int, to outputRate: Int, quality: Int = 4) throws(AudioError) {
        var err: Int32 = 0
        guard let state = es_resampler_create(Int32(clamping: inputRate), Int32(clamping: outputRate), Int32(clamping: quality), &err) else {
            throw AudioError(code: Int(err))
        }
        self.state = state
        self.inputRate = inputRate
        self.outputRate = outputRate
    }

    deinit { es_resampler_destroy(state) }

    /// The most output samples `inputCount` input samples can produce.
    public func maxOutput(for inputCount: Int) -> Int { es_resampler_max_output(state, inputCount) }

    /// Converts `input` into `output` (at least ``maxOutput(for:)`` long); returns samples written.
    public func process(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Int16>) throws(AudioError) -> Int {
        try checked(es_resampler_process(state, input.baseAddress, input.count, output.baseAddress, output.count))
    }

    /// Converts an array.
    public func process(_ input: [Int16]) throws(AudioError) -> [Int16] {
        var failure: AudioError?
        let out = [Int16](unsafeUninitializedCapacity: maxOutput(for: input.count)) { out, count in
            let rc = input.withUnsafeBufferPointer { es_resampler_process(state, $0.baseAddress, $0.count, out.baseAddress, out.count) }
            if rc < 0 { failure = AudioError(code: rc); count = 0 } else { count = rc }
        }
        if let failure { throw failure }
        return out
    }

    /// Clears the filter history (start of a new, unrelated stream).
    public func reset() throws(AudioError) { try checked(es_resampler_reset(state)) }
}

internal import CEarshot

/// What a ring does with a write that does not fit.
public enum RingOverflow: Sendable {
    /// Drop the oldest samples (pre-roll: keep the most recent audio).
    case overwriteOldest
    /// Refuse the whole write with ``AudioError/noSpace`` (playout: never lose queued audio).
    case reject
}

/// A fixed-capacity ring of samples over the C core's `es_ring`: no allocation after init.
/// `PCMRing` holds 16-bit PCM; `ByteRing` holds μ-law or other bytes.
public final class AudioRing<Sample: FixedWidthInteger> {
    private let ring: OpaquePointer

    /// A ring of `capacity` samples.
    public init(capacity: Int, overflow: RingOverflow) throws(AudioError) {
        var err: Int32 = 0
        let mode = overflow == .reject ? ES_RING_REJECT : ES_RING_OVERWRITE
        guard capacity > 0, let ring = es_ring_create(capacity, MemoryLayout<Sample>.size, mode, &err) else {
            throw AudioError(code: Int(err == 0 ? -1 : err))
        }
        self.ring = ring
    }

    deinit { es_ring_destroy(ring) }

    /// Samples stored.
    public var count: Int { es_ring_count(ring) }
    /// Samples that fit before the ring is full.
    public var space: Int { es_ring_space(ring) }
    /// The fixed capacity.
    public var capacity: Int { es_ring_capacity(ring) }
    /// Samples ever written, including overwritten ones: a stream position.
    public var totalWritten: UInt64 { es_ring_written(ring) }

    /// Appends samples (see ``RingOverflow`` for what happens when full).
    public func write(_ samples: UnsafeBufferPointer<Sample>) throws(AudioError) {
        _ = try checked(es_ring_write(ring, samples.baseAddress, samples.count))
    }

    /// Appends an array of samples.
    public func write(_ samples: [Sample]) throws(AudioError) {
        let rc = samples.withUnsafeBufferPointer { es_ring_write(ring, $0.baseAddress, $0.count) }
        _ = try checked(rc)
    }

    /// Removes up to `output.count` of the oldest samples into `output`; returns how many.
    public func read(into output: UnsafeMutableBufferPointer<Sample>) -> Int {
        max(0, es_ring_read(ring, output.baseAddress, output.count))
    }

    /// Removes and returns up to `max` of the oldest samples.
    public func read(max: Int) -> [Sample] {
        [Sample](unsafeUninitializedCapacity: Swift.max(0, Swift.min(max, count))) { out, n in n = read(into: out) }
    }

    /// The newest `n` samples, oldest first, without removing them.
    public func peekNewest(_ n: Int) throws(AudioError) -> [Sample] {
        var failure: AudioError?
        let out = [Sample](unsafeUninitializedCapacity: n) { out, written in
            let rc = es_ring_peek_newest(ring, out.baseAddress, n)
            if rc < 0 { failure = AudioError(code: rc); written = 0 } else { written = rc }
        }
        if let failure { throw failure }
        return out
    }

    /// Drops up to `n` of the oldest samples; returns how many were dropped.
    @discardableResult
    public func skip(_ n: Int) -> Int { max(0, es_ring_skip(ring, n)) }

    /// Empties the ring.
    public func removeAll() { es_ring_clear(ring) }
}

/// A ring of 16-bit PCM samples.
public typealias PCMRing = AudioRing<Int16>
/// A ring of bytes (μ-law).
public typealias ByteRing = AudioRing<UInt8>

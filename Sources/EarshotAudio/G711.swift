internal import CEarshot

/// G.711 μ-law (the telephone codec Twilio uses), bit-exact with audioop.
public enum MuLaw {
    /// Decodes one code to a 16-bit sample.
    @inline(__always)
    public static func decode(_ code: UInt8) -> Int16 { es_ulaw_decode_sample(code) }

    /// Encodes one 16-bit sample.
    @inline(__always)
    public static func encode(_ sample: Int16) -> UInt8 { es_ulaw_encode_sample(sample) }

    /// Decodes `codes` into `samples`, which must be at least as long.
    public static func decode(_ codes: UnsafeBufferPointer<UInt8>, into samples: UnsafeMutableBufferPointer<Int16>) throws(AudioError) {
        guard samples.count >= codes.count else { throw .noSpace }
        _ = try checked(es_ulaw_decode(codes.baseAddress, codes.count, samples.baseAddress))
    }

    /// Encodes `samples` into `codes`, which must be at least as long.
    public static func encode(_ samples: UnsafeBufferPointer<Int16>, into codes: UnsafeMutableBufferPointer<UInt8>) throws(AudioError) {
        guard codes.count >= samples.count else { throw .noSpace }
        _ = try checked(es_ulaw_encode(samples.baseAddress, samples.count, codes.baseAddress))
    }

    /// Decodes a whole array.
    public static func decode(_ codes: [UInt8]) -> [Int16] {
        [Int16](unsafeUninitializedCapacity: codes.count) { out, count in
            codes.withUnsafeBufferPointer { _ = es_ulaw_decode($0.baseAddress, $0.count, out.baseAddress) }
            count = codes.count
        }
    }

    /// Encodes a whole array.
    public static func encode(_ samples: [Int16]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: samples.count) { out, count in
            samples.withUnsafeBufferPointer { _ = es_ulaw_encode($0.baseAddress, $0.count, out.baseAddress) }
            count = samples.count
        }
    }
}

/// G.711 A-law, bit-exact with audioop.
public enum ALaw {
    /// Decodes one code to a 16-bit sample.
    @inline(__always)
    public static func decode(_ code: UInt8) -> Int16 { es_alaw_decode_sample(code) }

    /// Encodes one 16-bit sample.
    @inline(__always)
    public static func encode(_ sample: Int16) -> UInt8 { es_alaw_encode_sample(sample) }

    /// Decodes a whole array.
    public static func decode(_ codes: [UInt8]) -> [Int16] {
        [Int16](unsafeUninitializedCapacity: codes.count) { out, count in
            codes.withUnsafeBufferPointer { _ = es_alaw_decode($0.baseAddress, $0.count, out.baseAddress) }
            count = codes.count
        }
    }

    /// Encodes a whole array.
    public static func encode(_ samples: [Int16]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: samples.count) { out, count in
            samples.withUnsafeBufferPointer { _ = es_alaw_encode($0.baseAddress, $0.count, out.baseAddress) }
            count = samples.count
        }
    }
}

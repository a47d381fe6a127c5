/// Why a byte string is not a WAV file this module can read.
public enum WAVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first twelve bytes are not `RIFF….WAVE`.
    case notWAV
    /// A chunk header or body runs past the end of the bytes: the file was cut short.
    case truncated(chunk: String, needed: Int, available: Int)
    /// No `fmt ` chunk, or one too short to describe the audio.
    case missingFormat
    /// No `data` chunk.
    case missingData
    /// A sample encoding other than 16-bit PCM, G.711 μ-law or A-law.
    case unsupportedEncoding(formatTag: UInt16, bitsPerSample: UInt16)
    /// Channel count, rate or block alignment that cannot describe real audio.
    case invalidFormat(String)

    public var description: String {
        switch self {
        case .notWAV: "not a RIFF/WAVE file"
        case .truncated(let chunk, let needed, let available):
            "truncated WAV: chunk '\(chunk)' needs \(needed) bytes, \(available) remain"
        case .missingFormat: "WAV has no usable 'fmt ' chunk"
        case .missingData: "WAV has no 'data' chunk"
        case .unsupportedEncoding(let tag, let bits):
            "unsupported WAV encoding (format tag \(tag), \(bits) bits per sample); use 16-bit PCM, μ-law or A-law"
        case .invalidFormat(let why): "invalid WAV format: \(why)"
        }
    }
}

/// Mono audio read from a WAV file, as 16-bit PCM at the file's own rate.
public struct WAVAudio: Sendable, Equatable {
    /// How the samples were stored in the file.
    public enum Encoding: Sendable, Equatable {
        case pcm16, muLaw, aLaw
    }

    /// Samples per second of ``samples``.
    public var sampleRate: Int
    /// Mono samples; stereo files are averaged.
    public var samples: [Int16]
    /// The file's encoding.
    public var encoding: Encoding
    /// The file's channel count before mixing to mono.
    public var channels: Int

    public init(sampleRate: Int, samples: [Int16], encoding: Encoding = .pcm16, channels: Int = 1) {
        self.sampleRate = sampleRate
        self.samples = samples
        self.encoding = encoding
        self.channels = channels
    }

    /// Length in milliseconds.
    public var milliseconds: Int { sampleRate > 0 ? samples.count * 1000 / sampleRate : 0 }

    /// The audio as a telephone carrier sends it: 8 kHz μ-law, resampled if needed.
    public func telephoneMuLaw() throws(AudioError) -> [UInt8] {
        guard sampleRate != 8000 else { return MuLaw.encode(samples) }
        let resampler = try Resampler(from: sampleRate, to: 8000, quality: 5)
        var pcm = try resampler.process(samples)
        // Flush the filter's delay line so the clip's last few milliseconds are not lost.
        let tail = try resampler.process([Int16](repeating: 0, count: sampleRate / 50))
        pcm.append(contentsOf: tail.prefix(max(0, samples.count * 8000 / sampleRate - pcm.count)))
        return MuLaw.encode(pcm)
    }
}

/// RIFF/WAVE reading and writing for the formats telephone audio comes in.
///
/// Reading accepts 16-bit PCM (any rate, mono or stereo), G.711 μ-law (format 7) and A-law
/// (format 6), also inside `WAVE_FORMAT_EXTENSIBLE`, and skips chunks it does not need
/// (`LIST`, `fact`, `cue `, …). A chunk that runs past the end of the bytes is an error, not a
/// short read — except a `data` size of `0xFFFFFFFF`, which streaming writers use for "to the end".
public enum WAV {
    static let formatPCM: UInt16 = 1
    static let formatALaw: UInt16 = 6
    static let formatMuLaw: UInt16 = 7
    static let formatExtensible: UInt16 = 0xFFFE

    private struct Format {
        var tag: UInt16
        var channels: Int
        var sampleRate: Int
        var blockAlign: Int
        var bitsPerSample: UInt16
    }

    /// Parses a whole WAV file.
    public static func decode(_ bytes: [UInt8]) throws(WAVError) -> WAVAudio {
        try bytes.withUnsafeBufferPointer { (b) throws(WAVError) in try decode(b) }
    }

    /// Parses a whole WAV file held in memory.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(WAVError) -> WAVAudio {
        guard bytes.count >= 12, tag(bytes, 0) == "RIFF", tag(bytes, 8) == "WAVE" else { throw .notWAV }
        var format: Format?
        var data: Range<Int>?
        var offset = 12
        while offset < bytes.count {
            guard bytes.count - offset >= 8 else {
                // A stray pad byte or zero fill at the very end is common and harmless.
                if bytes[offset...].allSatisfy({ $0 == 0 }) { break }
                throw .truncated(chunk: "header", needed: 8, available: bytes.count - offset)
            }
            let id = tag(bytes, offset)
            var size = Int(le32(bytes, offset + 4))
            let body = offset + 8
            let available = bytes.count - body
            if id == "data", size == 0xFFFF_FFFF { size = available }
            guard size <= available else { throw .truncated(chunk: id, needed: size, available: available) }
            switch id {
            case "fmt ": format = try parseFormat(bytes, body, size)
            case "data": data = body..<(body + size)
            default: break
            }
            offset = body + size + (size & 1)
        }
        guard let format else { throw .missingFormat }
        guard let data else { throw .missingData }
        return try samples(bytes, data, format)
    }

    private static func parseFormat(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ size: Int) throws(WAVError) -> Format {
        guard size >= 16 else { throw .missingFormat }
        var tag = le16(b, at)
        let bits = le16(b, at + 14)
        if tag == formatExtensible {
            // cbSize(2) validBits(2) channelMask(4), then the sub-format GUID whose first two bytes are the tag.
            guard size >= 40 else { throw .invalidFormat("WAVE_FORMAT_EXTENSIBLE without a sub-format") }
            tag = le16(b, at + 24)
        }
        let format = Format(tag: tag, channels: Int(le16(b, at + 2)), sampleRate: Int(le32(b, at + 4)),
                            blockAlign: Int(le16(b, at + 12)), bitsPerSample: bits)
        guard (1...2).contains(format.channels) else { throw .invalidFormat("\(format.channels) channels (mono or stereo only)") }
        guard (1000...384_000).contains(format.sampleRate) else { throw .invalidFormat("sample rate \(format.sampleRate) Hz") }
        return format
    }

    private static func samples(_ b: UnsafeBufferPointer<UInt8>, _ data: Range<Int>, _ f: Format) throws(WAVError) -> WAVAudio {
        let encoding: WAVAudio.Encoding
        let bytesPerSample: Int
        switch (f.tag, f.bitsPerSample) {
        case (formatPCM, 16): encoding = .pcm16; bytesPerSample = 2
        case (formatMuLaw, 8): encoding = .muLaw; bytesPerSample = 1
        case (formatALaw, 8): encoding = .aLaw; bytesPerSample = 1
        default: throw .unsupportedEncoding(formatTag: f.tag, bitsPerSample: f.bitsPerSample)
        }
        let frameBytes = bytesPerSample * f.channels
        guard f.blockAlign == frameBytes else { throw .invalidFormat("block align \(f.blockAlign), expected \(frameBytes)") }
        // A partial sample frame at the end means the data was cut mid-write.
        let remainder = data.count % frameBytes
        guard remainder == 0 else {
            throw .truncated(chunk: "data", needed: data.count + frameBytes - remainder, available: data.count)
        }
        let frames = data.count / frameBytes
        let mono = [Int16](unsafeUninitializedCapacity: frames) { out, count in
            for i in 0..<frames {
                let at = data.lowerBound + i * frameBytes
                if f.channels == 1 {
                    out[i] = sample(b, at, encoding)
                } else {
                    let sum = Int32(sample(b, at, encoding)) + Int32(sample(b, at + bytesPerSample, encoding))
                    out[i] = Int16(truncatingIfNeeded: sum >> 1)
                }
            }
            count = frames
        }
        return WAVAudio(sampleRate: f.sampleRate, samples: mono, encoding: encoding, channels: f.channels)
    }

    @inline(__always)
    private static func sample(_ b: UnsafeBufferPointer<UInt8>, _ at: Int, _ encoding: WAVAudio.Encoding) -> Int16 {
        switch encoding {
        case .pcm16: Int16(bitPattern: le16(b, at))
        case .muLaw: MuLaw.decode(b[at])
        case .aLaw: ALaw.decode(b[at])
        }
    }

    /// A mono 16-bit PCM WAV file.
    public static func encode(pcm16 samples: [Int16], sampleRate: Int) -> [UInt8] {
        var out = header(tag: formatPCM, sampleRate: sampleRate, bytesPerSample: 2, dataBytes: samples.count * 2)
        out.reserveCapacity(out.count + samples.count * 2)
        for s in samples {
            let u = UInt16(bitPattern: s)
            out.append(UInt8(truncatingIfNeeded: u))
            out.append(UInt8(truncatingIfNeeded: u >> 8))
        }
        return out
    }

    /// A mono G.711 μ-law WAV file (format 7, 8 bits), e.g. a call's audio exactly as sent.
    public static func encode(muLaw codes: [UInt8], sampleRate: Int = 8000) -> [UInt8] {
        var out = header(tag: formatMuLaw, sampleRate: sampleRate, bytesPerSample: 1, dataBytes: codes.count)
        out.append(contentsOf: codes)
        if codes.count & 1 == 1 { out.append(0) }
        return out
    }

    /// RIFF header, `fmt ` (18 bytes for non-PCM, with a `fact` chunk, as the spec asks) and the `data` chunk header.
    private static func header(tag: UInt16, sampleRate: Int, bytesPerSample: Int, dataBytes: Int) -> [UInt8] {
        let pcm = tag == formatPCM
        let fmtSize = pcm ? 16 : 18
        let factBytes = pcm ? 0 : 12
        let riffSize = 4 + (8 + fmtSize) + factBytes + (8 + dataBytes + (dataBytes & 1))
        var h: [UInt8] = []
        h.reserveCapacity(12 + 8 + fmtSize + factBytes + 8)
        h.append(contentsOf: Array("RIFF".utf8)); append32(&h, riffSize); h.append(contentsOf: Array("WAVE".utf8))
        h.append(contentsOf: Array("fmt ".utf8)); append32(&h, fmtSize)
        append16(&h, Int(tag)); append16(&h, 1); append32(&h, sampleRate)
        append32(&h, sampleRate * bytesPerSample); append16(&h, bytesPerSample); append16(&h, bytesPerSample * 8)
        if !pcm {
            append16(&h, 0)
            h.append(contentsOf: Array("fact".utf8)); append32(&h, 4); append32(&h, dataBytes / bytesPerSample)
        }
        h.append(contentsOf: Array("data".utf8)); append32(&h, dataBytes)
        return h
    }

    private static func append16(_ a: inout [UInt8], _ v: Int) {
        a.append(UInt8(truncatingIfNeeded: v)); a.append(UInt8(truncatingIfNeeded: v >> 8))
    }

    private static func append32(_ a: inout [UInt8], _ v: Int) {
        for shift in stride(from: 0, to: 32, by: 8) { a.append(UInt8(truncatingIfNeeded: v >> shift)) }
    }

    @inline(__always)
    private static func le16(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt16 {
        UInt16(b[at]) | UInt16(b[at + 1]) << 8
    }

    @inline(__always)
    private static func le32(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    private static func tag(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> String {
        String(decoding: b[at..<(at + 4)], as: UTF8.self)
    }
}

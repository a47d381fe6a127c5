// The per-frame media path, measured per 20 ms frame (scalingFactor .kilo: each
// iteration runs 1,000 frames and the table divides by 1,000).
//
//   cd Benchmarks && swift package --disable-sandbox benchmark
//
// Gate CI on instructions and mallocCountTotal (they do not vary between runs),
// never on wall time: the inbound frame must stay at 0 mallocs.

import Benchmark
import EarshotAudio
import Foundation

/// The recording every benchmark cycles through: 8 kHz μ-law speech with pauses,
/// so the VAD sees voiced and unvoiced frames in a realistic mix.
let fixturePath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()   // Benchmarks/EarshotAudio
    .deletingLastPathComponent()   // Benchmarks
    .deletingLastPathComponent()   // the repository
    .appendingPathComponent("Tests/Fixtures/vad/speech8k.ulaw").path

/// 20 ms of 8 kHz audio: the frame Twilio sends and the VAD judges.
let frameSamples = 160
/// base64 of 160 bytes: 54 quanta, the last one padded.
let payloadLength = 216

/// The fixture cut into frames, as raw μ-law, as Twilio payloads and as decoded PCM,
/// each laid out back to back so a frame is a slice and no iteration allocates.
/// A harness belongs to one benchmark and is only touched from its closure.
final class Harness: @unchecked Sendable {
    let frameCount: Int
    let muLaw: UnsafeMutableBufferPointer<UInt8>
    let payloads: UnsafeMutableBufferPointer<UInt8>
    let pcm: UnsafeMutableBufferPointer<Int16>
    /// Output space for the pieces measured alone.
    let scratchBytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: payloadLength)
    let scratchSamples = UnsafeMutableBufferPointer<Int16>.allocate(capacity: payloadLength)
    let turn: TurnDetector
    let vad: VoiceActivityDetector
    private var cursor = 0

    init() throws {
        guard let data = FileManager.default.contents(atPath: fixturePath) else {
            throw HarnessError.missingFixture(fixturePath)
        }
        frameCount = data.count / frameSamples
        muLaw = .allocate(capacity: frameCount * frameSamples)
        _ = muLaw.initialize(from: data.prefix(frameCount * frameSamples))
        payloads = .allocate(capacity: frameCount * payloadLength)
        pcm = .allocate(capacity: frameCount * frameSamples)
        turn = try TurnDetector()
        vad = try VoiceActivityDetector(mode: 3, sampleRate: 8000)
        for frame in 0..<frameCount {
            let start = frame * frameSamples
            let codes = UnsafeBufferPointer(rebasing: muLaw[start..<start + frameSamples])
            let text = UnsafeMutableRawBufferPointer(
                UnsafeMutableBufferPointer(rebasing: payloads[frame * payloadLength..<(frame + 1) * payloadLength]))
            guard try Base64.encode(UnsafeRawBufferPointer(codes), into: text) == payloadLength else {
                throw HarnessError.badPayloadLength
            }
            try MuLaw.decode(codes, into: UnsafeMutableBufferPointer(rebasing: pcm[start..<start + frameSamples]))
        }
        try checkMix()
    }

    deinit {
        muLaw.deallocate()
        payloads.deallocate()
        pcm.deallocate()
        scratchBytes.deallocate()
        scratchSamples.deallocate()
    }

    /// The next frame index, wrapping at the end of the recording.
    @inline(__always)
    func next() -> Int {
        let frame = cursor
        cursor = frame + 1 == frameCount ? 0 : frame + 1
        return frame
    }

    @inline(__always)
    func payload(_ frame: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(payloads)[frame * payloadLength..<(frame + 1) * payloadLength])
    }

    @inline(__always)
    func muLawFrame(_ frame: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: muLaw[frame * frameSamples..<(frame + 1) * frameSamples])
    }

    @inline(__always)
    func pcmFrame(_ frame: Int) -> UnsafeBufferPointer<Int16> {
        UnsafeBufferPointer(rebasing: pcm[frame * frameSamples..<(frame + 1) * frameSamples])
    }

    /// A benchmark over only silence (or only speech) would flatter the VAD; refuse it.
    private func checkMix() throws {
        let probe = try VoiceActivityDetector(mode: 3, sampleRate: 8000)
        var voiced = 0
        for frame in 0..<frameCount where try probe.isSpeech(pcmFrame(frame)) { voiced += 1 }
        guard voiced > frameCount / 10, voiced < frameCount * 9 / 10 else {
            throw HarnessError.unrealisticMix(voiced: voiced, of: frameCount)
        }
    }
}

enum HarnessError: Error {
    case missingFixture(String)
    case badPayloadLength
    case unrealisticMix(voiced: Int, of: Int)
}

/// 1 MiB of μ-law (the fixture repeated) and room for its PCM.
final class BulkMuLaw: @unchecked Sendable {
    static let byteCount = 1 << 20
    let codes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: byteCount)
    let samples = UnsafeMutableBufferPointer<Int16>.allocate(capacity: byteCount)

    init(repeating source: UnsafeBufferPointer<UInt8>) {
        for i in 0..<Self.byteCount { codes[i] = source[i % source.count] }
        samples.initialize(repeating: 0)
    }

    deinit {
        codes.deallocate()
        samples.deallocate()
    }
}

/// `instructions` needs a hardware performance counter. Where there is none (most VMs)
/// package-benchmark reports nothing for it, yet still probes every iteration, and the
/// probe's own ~16 mallocs land inside the measured window. Ask only where it can answer.
let instructionCounter: [BenchmarkMetric] = {
    #if os(Linux)
    let pmus = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus/event_source/devices")) ?? []
    return pmus.contains { $0 == "cpu" || $0.hasPrefix("cpu_") || $0.hasPrefix("armv8") } ? [.instructions] : []
    #else
    return [.instructions]
    #endif
}()

let benchmarks: @Sendable () -> Void = {
    // No cpuTotal: on Linux it counts 10 ms scheduler ticks, which reads as 0 or
    // 10,000 ns for a 2 ms iteration. Benchmarks/c/bench_core.c reports CPU time
    // from CLOCK_PROCESS_CPUTIME_ID instead.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput] + instructionCounter,
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 10_000
    )

    // What the harness itself costs per iteration: the floor for every count below.
    Benchmark("Reference: empty iteration", configuration: .init(scalingFactor: .one)) { benchmark in
        blackHole(benchmark.currentIteration)
    }

    Benchmark("Inbound frame: base64 → μ-law → VAD → smoothing") { benchmark, harness in
        for _ in benchmark.scaledIterations {
            try harness.turn.process(base64: harness.payload(harness.next())) { blackHole($0) }
        }
    } setup: {
        try Harness()
    }

    Benchmark("Piece: base64 decode, 216 chars → 160 bytes") { benchmark, harness in
        for _ in benchmark.scaledIterations {
            blackHole(try Base64.decode(harness.payload(harness.next()), into: harness.scratchBytes))
        }
    } setup: {
        try Harness()
    }

    Benchmark("Piece: μ-law decode, 160 bytes → PCM16") { benchmark, harness in
        for _ in benchmark.scaledIterations {
            try MuLaw.decode(harness.muLawFrame(harness.next()), into: harness.scratchSamples)
            blackHole(harness.scratchSamples[0])
        }
    } setup: {
        try Harness()
    }

    Benchmark("Piece: WebRTC VAD, one 160-sample frame") { benchmark, harness in
        for _ in benchmark.scaledIterations {
            blackHole(try harness.vad.isSpeech(harness.pcmFrame(harness.next())))
        }
    } setup: {
        try Harness()
    }

    Benchmark("Piece: base64 + μ-law fused, 216 chars → 160 samples") { benchmark, harness in
        for _ in benchmark.scaledIterations {
            blackHole(try Base64.decodeMuLaw(harness.payload(harness.next()), into: harness.scratchSamples))
        }
    } setup: {
        try Harness()
    }

    Benchmark("Outbound frame: PCM16 → μ-law → base64, 160 samples") { benchmark, harness in
        let text = UnsafeMutableRawBufferPointer(harness.scratchBytes)
        for _ in benchmark.scaledIterations {
            blackHole(try Base64.encodeMuLaw(harness.pcmFrame(harness.next()), into: text))
        }
    } setup: {
        try Harness()
    }

    // One iteration is 1 MiB, so throughput (#/s) reads directly as MiB/s.
    Benchmark(
        "Bulk μ-law decode, 1 MiB per iteration (throughput = MiB/s)",
        configuration: .init(scalingFactor: .one, maxIterations: 2_000)
    ) { (benchmark, bulk: BulkMuLaw) in
        try MuLaw.decode(UnsafeBufferPointer(bulk.codes), into: bulk.samples)
        blackHole(bulk.samples[BulkMuLaw.byteCount - 1])
    } setup: {
        let harness = try Harness()
        return BulkMuLaw(repeating: UnsafeBufferPointer(harness.muLaw))
    }
}

import Foundation
import Testing
@testable import EarshotAudio

@Suite struct VoiceActivityTests {
    @Test func agreesWithPythonWebrtcvadAtEveryMode() throws {
        let pcm = MuLaw.decode(try fixture("vad/speech8k.ulaw"))
        let lines = String(decoding: try fixture("vad/decisions.txt"), as: UTF8.self).split(separator: "\n")
        var compared = 0
        for line in lines {
            let f = line.split(separator: " ")
            guard f.count == 4, f[0] == "8000", f[1] == "20", let mode = Int(f[2]) else { continue }
            let vad = try VoiceActivityDetector(mode: mode, sampleRate: 8000)
            let got = try stride(from: 0, to: pcm.count - 159, by: 160).map {
                try vad.isSpeech(Array(pcm[$0..<$0 + 160])) ? "1" : "0"
            }.joined()
            #expect(got == String(f[3]))
            compared += 1
        }
        #expect(compared == 4)
    }

    @Test func rejectsBadFramesAndModes() throws {
        #expect(throws: AudioError.invalidArgument) { try VoiceActivityDetector(mode: 4) }
        let vad = try VoiceActivityDetector()
        #expect(throws: AudioError.invalidArgument) { try vad.isSpeech([Int16](repeating: 0, count: 100)) }
    }
}

@Suite struct TurnDetectorTests {
    @Test func findsThreeSentencesWithPreroll() throws {
        let ulaw = try fixture("vad/speech8k.ulaw")
        let detector = try TurnDetector()
        var events: [TurnEvent] = []
        var utterances: [[UInt8]] = []
        for start in stride(from: 0, to: ulaw.count - 159, by: 160) {
            let text = Base64.encode(Array(ulaw[start..<start + 160]))
            var utf8 = Array(text.utf8)
            try utf8.withUnsafeBytes { bytes in
                try detector.process(base64: bytes) { event in
                    events.append(event)
                    if event.kind == .speechStarted, let audio = try? detector.recentMuLaw(fromFrame: event.audioStartFrame) {
                        utterances.append(audio)
                    }
                }
            }
            utf8.removeAll()
        }
        #expect(events.map(\.kind) == [.speechStarted, .speechEnded, .speechStarted, .speechEnded, .speechStarted, .speechEnded])
        #expect(utterances.count == 3)
        for (event, audio) in zip(events.filter { $0.kind == .speechStarted }, utterances) {
            let from = Int(event.audioStartFrame) * 160
            #expect(audio == Array(ulaw[from..<(Int(event.frame) + 1) * 160]))
            #expect(event.onsetFrame - event.audioStartFrame == 15) // 300 ms of pre-roll
        }
        for end in events where end.kind == .speechEnded {
            #expect(end.frame - end.lastVoicedFrame == 15)
            #expect(end.milliseconds == (Int(end.frame) + 1) * 20)
        }
    }

    @Test func arraysOfAnyLengthGiveTheSameEvents() throws {
        let ulaw = try fixture("vad/speech8k.ulaw")
        let whole = try TurnDetector().process(muLaw: ulaw)
        let pieces = try TurnDetector()
        var events: [TurnEvent] = []
        var offset = 0
        for size in [1, 333, 7, 4000, 160].cycled(until: ulaw.count) {
            let end = min(ulaw.count, offset + size)
            events += try pieces.process(muLaw: Array(ulaw[offset..<end]))
            offset = end
        }
        #expect(events == whole)
        #expect(whole.count == 6)
    }

    @Test func badBase64ThrowsAndChangesNothing() throws {
        let detector = try TurnDetector()
        var text = Array("not*base64==".utf8)
        #expect(throws: AudioError.badData) {
            try text.withUnsafeBytes { try detector.process(base64: $0) { _ in } }
        }
        text.removeAll()
        #expect(detector.framesProcessed == 0)
        #expect(throws: AudioError.wrongFormat) { try detector.process(pcm: [0, 0]) }
    }

    @Test func invalidConfigurationThrows() {
        var config = TurnDetector.Configuration()
        config.startFrames = config.windowFrames + 1
        #expect(throws: AudioError.invalidArgument) { try TurnDetector(configuration: config) }
        config = .init()
        config.sampleRate = 16000 // μ-law is 8 kHz only
        #expect(throws: AudioError.invalidArgument) { try TurnDetector(configuration: config) }
    }
}

@Suite struct ResamplerTests {
    @Test func downsamples24kToTelephoneRateInChunks() throws {
        let tone = (0..<24000).map { Int16(8000 * sin(2 * Double.pi * 1000 * Double($0) / 24000)) }
        let whole = try Resampler(from: 24000, to: 8000).process(tone)
        let chunked = try Resampler(from: 24000, to: 8000)
        var parts: [Int16] = []
        for start in stride(from: 0, to: tone.count, by: 1234) {
            parts += try chunked.process(Array(tone[start..<min(tone.count, start + 1234)]))
        }
        #expect(parts == whole)
        #expect((7950...8000).contains(whole.count))
        let crossings = zip(whole, whole.dropFirst()).filter { $0.0 < 0 && $0.1 >= 0 }.count
        #expect((985...1000).contains(crossings))
    }

    @Test func rejectsUnsupportedRates() {
        #expect(throws: AudioError.invalidArgument) { try Resampler(from: 4000, to: 8000) }
    }
}

extension Array where Element == Int {
    /// Repeats the sizes until they add up to at least `total`.
    func cycled(until total: Int) -> [Int] {
        var out: [Int] = []
        var sum = 0
        while sum < total { let s = self[out.count % count]; out.append(s); sum += s }
        return out
    }
}

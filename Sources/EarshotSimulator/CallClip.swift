import EarshotAudio
import Foundation

/// The caller's audio for a simulated call: 8 kHz μ-law cut into 20 ms frames, and where the
/// caller stops speaking in it (found with the same turn detector the server uses).
public struct CallClip: Sendable {
    /// μ-law bytes per 20 ms media frame.
    public static let frameBytes = 160
    /// Milliseconds per media frame.
    public static let frameMilliseconds = 20
    /// μ-law silence.
    public static let silence: UInt8 = 0xFF

    /// One stretch of caller speech.
    public struct Utterance: Sendable, Equatable, Codable {
        /// Where speech begins, in milliseconds from the start of the clip.
        public var startMilliseconds: Int
        /// End of the last voiced frame, in milliseconds from the start of the clip.
        public var endMilliseconds: Int
        /// Index of the last voiced frame: once it is sent, the server can know speech ended.
        public var lastVoicedFrame: Int
    }

    /// The audio, padded with silence to whole frames.
    public let muLaw: [UInt8]
    /// Caller utterances in order.
    public let utterances: [Utterance]

    /// Whole 20 ms frames in the clip.
    public var frameCount: Int { muLaw.count / Self.frameBytes }
    /// Length in milliseconds.
    public var milliseconds: Int { frameCount * Self.frameMilliseconds }

    /// Wraps μ-law audio and finds its utterances.
    public init(muLaw: [UInt8], turnDetection: TurnDetector.Configuration = .init()) throws(AudioError) {
        var padded = muLaw
        let remainder = padded.count % Self.frameBytes
        if remainder != 0 { padded += [UInt8](repeating: Self.silence, count: Self.frameBytes - remainder) }
        self.muLaw = padded
        self.utterances = try Self.findUtterances(padded, turnDetection)
    }

    /// Loads a clip: raw 8 kHz μ-law when the extension is `.ulaw`, `.raw`, `.mulaw` or `.ul`;
    /// otherwise a WAV (PCM16, μ-law or A-law, any rate), converted to 8 kHz μ-law.
    public static func load(path: String, turnDetection: TurnDetector.Configuration = .init()) throws(SimulatorError) -> CallClip {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadableFile(path: path) }
        let bytes = [UInt8](data)
        let ext = (path as NSString).pathExtension.lowercased()
        do {
            let muLaw: [UInt8]
            if ["ulaw", "raw", "mulaw", "ul", "u8"].contains(ext) {
                muLaw = bytes
            } else {
                muLaw = try WAV.decode(bytes).telephoneMuLaw()
            }
            guard !muLaw.isEmpty else { throw SimulatorError.badAudio(path: path, reason: "no audio samples") }
            return try CallClip(muLaw: muLaw, turnDetection: turnDetection)
        } catch let error as SimulatorError {
            throw error
        } catch {
            throw .badAudio(path: path, reason: "\(error)")
        }
    }

    /// Runs the turn detector over the clip and one second of silence after it, so speech that
    /// runs to the very end of the clip still gets an end.
    private static func findUtterances(_ muLaw: [UInt8], _ configuration: TurnDetector.Configuration) throws(AudioError) -> [Utterance] {
        var configuration = configuration
        configuration.input = .muLaw
        configuration.sampleRate = 8000
        configuration.frameMilliseconds = frameMilliseconds
        let detector = try TurnDetector(configuration: configuration)
        let tail = [UInt8](repeating: silence, count: 8000)
        var utterances: [Utterance] = []
        var onset: UInt32 = 0
        let events = try detector.process(muLaw: muLaw) + detector.process(muLaw: tail)
        let lastFrame = muLaw.count / frameBytes - 1
        for event in events {
            switch event.kind {
            case .speechStarted:
                onset = event.onsetFrame
            case .speechEnded:
                let last = min(Int(event.lastVoicedFrame), lastFrame)
                utterances.append(Utterance(startMilliseconds: Int(onset) * frameMilliseconds,
                                            endMilliseconds: (last + 1) * frameMilliseconds,
                                            lastVoicedFrame: last))
            }
        }
        return utterances
    }

    /// The `index`-th frame's bytes.
    public func frame(_ index: Int) -> ArraySlice<UInt8> {
        muLaw[(index * Self.frameBytes)..<((index + 1) * Self.frameBytes)]
    }
}

extension CallClip {
    /// A clip made up on the spot when no recording is at hand: voiced, speech-like sound
    /// (a 130 Hz harmonic series with vowel-like formants, vibrato and a 4 Hz syllable rhythm)
    /// that WebRTC's VAD takes for speech even in mode 3, then silence, repeated `turns` times.
    public static func synthetic(turns: Int = 1, speech: Duration = .milliseconds(1600), pause: Duration = .milliseconds(1400)) -> CallClip {
        let rate = 8000.0
        let voiced = Int(speech.seconds * rate)
        let quiet = Int(pause.seconds * rate)
        let f0 = 130.0
        var pcm = [Double](repeating: 0, count: voiced)
        var phase = 0.0
        var peak = 1e-9
        for i in 0..<voiced {
            let t = Double(i) / rate
            phase += 2 * Double.pi * f0 * (1 + 0.05 * sin(2 * Double.pi * 3 * t)) / rate
            var sample = 0.0
            for k in 1...24 {
                let fk = Double(k) * f0
                let weight = exp(-pow((fk - 500) / 300, 2)) + 0.6 * exp(-pow((fk - 1500) / 400, 2))
                    + 0.3 * exp(-pow((fk - 2500) / 500, 2)) + 0.05
                sample += weight * sin(Double(k) * phase) / Double(k).squareRoot()
            }
            let syllables = 0.55 + 0.45 * sin(2 * Double.pi * 4 * t - Double.pi / 2)
            let edges = min(1, t / 0.03, (speech.seconds - t) / 0.03)
            pcm[i] = sample * syllables * edges
            peak = max(peak, abs(pcm[i]))
        }
        let utterance = MuLaw.encode(pcm.map { Int16($0 / peak * 9000) }) + [UInt8](repeating: silence, count: quiet)
        let audio = [[UInt8]](repeating: utterance, count: max(1, turns)).flatMap { $0 }
        // The detector cannot fail on audio it made itself with its own defaults.
        return try! CallClip(muLaw: audio)
    }
}

extension Duration {
    /// The span in seconds.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

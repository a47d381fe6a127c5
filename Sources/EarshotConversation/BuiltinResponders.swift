import EarshotAudio
import Foundation

/// Plays the caller's own utterance back: the simplest end-to-end check of the audio path.
/// DTMF is answered with that key's dual tone, so keypresses are audible too.
public struct EchoResponder: Responder {
    public let name = "echo"
    /// Audio per `.audio` event, as a TTS would stream it.
    public var chunkBytes: Int

    public init(chunkBytes: Int = 800) { self.chunkBytes = max(160, chunkBytes) }

    public func reply(to input: TurnInput) -> AsyncThrowingStream<ReplyEvent, any Error> {
        switch input.kind {
        case .callStarted, .silence, .unheard:
            return AsyncThrowingStream { $0.finish() }
        case .speech(let audio):
            return Self.stream(segments: [("(echo of turn \(input.index))", audio)], chunk: chunkBytes)
        case .dtmf(let digits):
            let audio = digits.flatMap { ToneResponder.dtmfTone($0, milliseconds: 200) + ToneResponder.silence(milliseconds: 60) }
            return Self.stream(segments: [("dtmf \(digits)", audio)], chunk: chunkBytes)
        }
    }

    /// A stream of segments, each cut into `.audio` chunks.
    static func stream(segments: [(String, [UInt8])], chunk: Int) -> AsyncThrowingStream<ReplyEvent, any Error> {
        AsyncThrowingStream { continuation in
            for (text, audio) in segments {
                continuation.yield(.segment(text: text))
                var offset = 0
                while offset < audio.count {
                    let end = min(audio.count, offset + chunk)
                    continuation.yield(.audio(Array(audio[offset..<end])))
                    offset = end
                }
            }
            continuation.finish()
        }
    }
}

/// Answers every turn with a short tone: a responder with no dependence on the caller's audio.
public struct ToneResponder: Responder {
    public let name = "tone"
    public var frequency: Double
    public var milliseconds: Int

    public init(frequency: Double = 440, milliseconds: Int = 600) {
        self.frequency = frequency
        self.milliseconds = milliseconds
    }

    public func reply(to input: TurnInput) -> AsyncThrowingStream<ReplyEvent, any Error> {
        switch input.kind {
        case .callStarted, .silence, .unheard:
            return AsyncThrowingStream { $0.finish() }
        case .speech:
            return EchoResponder.stream(segments: [("(tone \(Int(frequency)) Hz)", Self.tone([frequency], milliseconds: milliseconds))], chunk: 800)
        case .dtmf(let digits):
            let audio = digits.flatMap { Self.dtmfTone($0, milliseconds: 200) + Self.silence(milliseconds: 60) }
            return EchoResponder.stream(segments: [("dtmf \(digits)", audio)], chunk: 800)
        }
    }

    /// μ-law samples of summed sines at 8 kHz, with 5 ms ramps so edges do not click.
    static func tone(_ frequencies: [Double], milliseconds: Int, amplitude: Double = 6000) -> [UInt8] {
        let n = milliseconds * 8
        let ramp = 40.0
        let pcm: [Int16] = (0..<n).map { i in
            let t = Double(i) / 8000
            let edge = min(1, Double(i) / ramp, Double(n - 1 - i) / ramp)
            let v = frequencies.reduce(0.0) { $0 + sin(2 * Double.pi * $1 * t) } / Double(max(1, frequencies.count))
            return Int16(amplitude * edge * v)
        }
        return MuLaw.encode(pcm)
    }

    /// μ-law silence.
    static func silence(milliseconds: Int) -> [UInt8] { [UInt8](repeating: 0xFF, count: milliseconds * 8) }

    /// The ITU-T Q.23 dual tone of a keypad key.
    static func dtmfTone(_ key: Character, milliseconds: Int) -> [UInt8] {
        let rows: [Character: Double] = ["1": 697, "2": 697, "3": 697, "A": 697, "4": 770, "5": 770, "6": 770, "B": 770,
                                         "7": 852, "8": 852, "9": 852, "C": 852, "*": 941, "0": 941, "#": 941, "D": 941]
        let cols: [Character: Double] = ["1": 1209, "4": 1209, "7": 1209, "*": 1209, "2": 1336, "5": 1336, "8": 1336, "0": 1336,
                                         "3": 1477, "6": 1477, "9": 1477, "#": 1477, "A": 1633, "B": 1633, "C": 1633, "D": 1633]
        guard let r = rows[key], let c = cols[key] else { return silence(milliseconds: milliseconds) }
        return tone([r, c], milliseconds: milliseconds)
    }
}

import EarshotAudio

/// Everything one simulated call observed. Times are milliseconds from the moment the
/// `start` message was sent (the call's t0).
public struct CallReport: Sendable, Codable {
    /// Why the call ended.
    public enum EndReason: String, Sendable, Codable {
        /// The bot had been quiet for the idle timeout after its last reply.
        case botFinished
        /// The maximum wait after the clip ran out first.
        case maxWait
        /// The server closed the WebSocket.
        case serverClosed
        /// The connection broke.
        case connectionLost
    }

    /// One caller utterance and the bot's answer to it.
    public struct Turn: Sendable, Codable, Equatable {
        /// 1-based.
        public var index: Int
        /// Where the utterance starts and ends in the clip.
        public var clipStartMilliseconds: Int
        public var clipEndMilliseconds: Int
        /// When the last voiced frame was sent: the earliest the server could know speech ended.
        public var speechEndedAt: Double?
        /// When the first bot audio after it arrived; `nil` if none did.
        public var firstAudioAt: Double?
        /// `firstAudioAt − speechEndedAt`.
        public var latencyMilliseconds: Double?
        /// Bot audio was still arriving when the caller stopped speaking, so the "first audio"
        /// may belong to the previous reply.
        public var botWasTalking: Bool
    }

    /// A key press sent.
    public struct KeyPress: Sendable, Codable, Equatable {
        public var digit: String
        public var scheduledAt: Int
        public var sentAt: Double
    }

    /// A mark the server sent and the simulator echoed.
    public struct MarkEcho: Sendable, Codable, Equatable {
        public var name: String
        public var receivedAt: Double
        public var echoedAt: Double
        /// Echoed because a `clear` dropped the audio before it, not because it played.
        public var cleared: Bool
    }

    public var callSid: String
    public var accountSid: String
    public var streamSid: String
    /// The `<Stream url>` from the TwiML.
    public var streamURL: String
    /// The TwiML `<Parameter>`s, passed on as `start.customParameters`.
    public var customParameters: [String: String]
    public var realtime: Bool
    public var clipMilliseconds: Int
    /// t0 to the end of the call.
    public var durationMilliseconds: Double
    public var endReason: EndReason
    /// `media` messages sent (clip and trailing silence).
    public var framesSent: Int
    /// How late each paced frame left versus its slot on the t0 + n × 20 ms schedule.
    public var sendLateness: LatencySummary
    public var turns: [Turn]
    public var keyPresses: [KeyPress]
    /// When each `clear` arrived.
    public var clears: [Double]
    public var marks: [MarkEcho]
    /// Messages received from the server, by `event` (`media`, `mark`, `clear`, or the unknown name).
    public var received: [String: Int]
    /// Milliseconds of bot audio received.
    public var botAudioMilliseconds: Int
    /// What the caller heard: 8 kHz μ-law on the call's timeline (silence where the bot was
    /// quiet). Not part of the JSON; write it with ``botAudioWAV()``.
    public var botAudio: [UInt8] = []

    private enum CodingKeys: String, CodingKey {
        case callSid, accountSid, streamSid, streamURL, customParameters, realtime, clipMilliseconds
        case durationMilliseconds, endReason, framesSent, sendLateness, turns, keyPresses, clears, marks
        case received, botAudioMilliseconds
    }

    /// The bot audio as 16-bit PCM.
    public var botAudioPCM: [Int16] { MuLaw.decode(botAudio) }

    /// The bot audio as an 8 kHz 16-bit PCM WAV file.
    public func botAudioWAV() -> [UInt8] { WAV.encode(pcm16: botAudioPCM, sampleRate: 8000) }

    /// Latencies of the turns that got an answer.
    public var latencies: [Double] { turns.compactMap(\.latencyMilliseconds) }
}

extension CallReport {
    /// A readable timeline followed by a per-turn table.
    public func render() -> String {
        var events: [(at: Double, order: Int, text: String)] = []
        for turn in turns {
            if let at = turn.speechEndedAt {
                events.append((at, 0, "caller stops speaking (turn \(turn.index), clip \(seconds(Double(turn.clipEndMilliseconds))))"))
            }
            if let at = turn.firstAudioAt, let latency = turn.latencyMilliseconds {
                let note = turn.botWasTalking ? "  [bot was still talking]" : ""
                events.append((at, 1, "◀ first bot audio for turn \(turn.index): +\(Int(latency.rounded())) ms\(note)"))
            }
        }
        for press in keyPresses { events.append((press.sentAt, 2, "▶ DTMF \(press.digit)")) }
        for at in clears { events.append((at, 3, "◀ clear")) }
        for mark in marks {
            events.append((mark.echoedAt, 4, "▶ mark echoed \(mark.name.debugDescription)\(mark.cleared ? " (cleared)" : "")"))
        }
        events.sort { ($0.at, $0.order) < ($1.at, $1.order) }

        var out = "Call \(callSid)  stream \(streamSid)\n"
        out += "  \(streamURL)  parameters: \(customParameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))\n"
        out += "  clip \(seconds(Double(clipMilliseconds))), call \(seconds(durationMilliseconds)), ended: \(endReason.rawValue)"
        out += realtime ? "\n" : " (not real time: the clip was sent as fast as possible)\n"
        out += "\n     time  event\n"
        for event in events { out += "\(pad(seconds(event.at), 9))  \(event.text)\n" }
        out += "\n  turn   speech ends   first audio   latency\n"
        for turn in turns {
            out += "  \(pad(String(turn.index), 4))  \(pad(turn.speechEndedAt.map(seconds) ?? "–", 12))  "
            out += "\(pad(turn.firstAudioAt.map(seconds) ?? "–", 12))  \(pad(turn.latencyMilliseconds.map { "\(Int($0.rounded())) ms" } ?? "no reply", 9))"
            out += turn.botWasTalking ? "  (bot was talking)\n" : "\n"
        }
        if turns.isEmpty { out += "  (no caller speech found in the clip)\n" }
        let counts = received.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        out += "\n  sent \(framesSent) media frames; send lateness \(sendLateness)\n"
        out += "  received: \(counts.isEmpty ? "nothing" : counts); bot audio \(seconds(Double(botAudioMilliseconds)))\n"
        out += "  marks echoed \(marks.count) (\(marks.filter(\.cleared).count) by clear), clears \(clears.count), DTMF sent \(keyPresses.count)\n"
        return out
    }

    private func seconds(_ milliseconds: Double) -> String { "\((milliseconds / 1000).formatted(decimals: 3)) s" }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}

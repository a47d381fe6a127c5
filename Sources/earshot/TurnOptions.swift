import ArgumentParser

/// Turn-detection flags, shared by `serve` and `turns` so both run the same detector.
/// Each also reads its environment variable; a flag wins.
struct TurnOptions: ParsableArguments {
    @Option(help: "WebRTC VAD aggressiveness 0–3 (EARSHOT_VAD_MODE; default 3).")
    var vadMode: Int?
    @Option(help: "W: smoothing window in 20 ms frames (EARSHOT_VAD_WINDOW_FRAMES; default 30 = 600 ms).")
    var vadWindowFrames: Int?
    @Option(help: "K: voiced frames among the last W that start speech (EARSHOT_VAD_START_FRAMES).")
    var vadStartFrames: Int?
    @Option(help: "S: consecutive unvoiced frames that end speech (EARSHOT_VAD_END_FRAMES; default 15 = 300 ms).")
    var vadEndFrames: Int?
    @Option(help: "Minimum speech span in frames before speech starts (EARSHOT_VAD_MIN_SPEECH_FRAMES; default 0).")
    var vadMinSpeechFrames: Int?
    @Option(help: "Audio kept before the onset, ms (EARSHOT_PREROLL_MS; default 300).")
    var prerollMs: Int?

    /// The flags that were given, keyed by their environment variable.
    var settings: [String: String] {
        var s: [String: String] = [:]
        s["EARSHOT_VAD_MODE"] = vadMode.map(String.init)
        s["EARSHOT_VAD_WINDOW_FRAMES"] = vadWindowFrames.map(String.init)
        s["EARSHOT_VAD_START_FRAMES"] = vadStartFrames.map(String.init)
        s["EARSHOT_VAD_END_FRAMES"] = vadEndFrames.map(String.init)
        s["EARSHOT_VAD_MIN_SPEECH_FRAMES"] = vadMinSpeechFrames.map(String.init)
        s["EARSHOT_PREROLL_MS"] = prerollMs.map(String.init)
        return s
    }
}

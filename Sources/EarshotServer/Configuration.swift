import EarshotAudio
import EarshotConversation
import Foundation
import Logging
import NIOCore

/// Everything the server can be told. Read from command-line flags, then the environment,
/// then an optional `KEY=VALUE` file (`EARSHOT_CONFIG_FILE`), in that order of precedence.
/// Secrets come only from the environment or a file, and are never logged.
public struct EarshotConfiguration: Sendable {
    /// Address to listen on.
    public var host = "127.0.0.1"
    /// Port to listen on (0 picks a free one; tests use that).
    public var port = 8080
    /// The public base URL Twilio reaches (https://HOST); when unset, taken from Host /
    /// X-Forwarded-Host / X-Forwarded-Proto of each webhook. Signatures need it behind proxies.
    public var publicURL: String?
    /// Which responder answers turns: `pipeline` (STT → LLM → TTS), `echo` or `tone`.
    public var responder = "pipeline"
    /// The pipeline's providers and prompts.
    public var voice = VoiceConfiguration()
    /// Log level: trace, debug, info, notice, warning, error, critical.
    public var logLevel: Logger.Level = .info
    /// Twilio auth token; when set, every webhook and the WebSocket handshake must be signed.
    public var twilioAuthToken: String?
    /// Concurrent calls accepted; the next is refused (503 / refused upgrade).
    public var maxCalls = 10_000
    /// Largest WebSocket message accepted, in bytes.
    public var maxMessageBytes = 64 * 1024
    /// A call that sends no media for this long is closed.
    public var idleTimeoutSeconds = 15
    /// On SIGTERM, how long active calls may continue before they are closed.
    public var drainTimeoutSeconds = 30
    /// Per-call session behaviour: turn detection, playout lead, message size.
    public var session = CallSession.Configuration()
    /// Inbound messages per second above which a call is closed as a flood.
    public var maxMessagesPerSecond = 500
    /// The record-then-play fallback (`/voice`).
    public var record = RecordConfiguration()

    public init() {}

    /// The setting names, their environment variables and what they mean (README's table).
    public static let settings: [(key: String, flag: String, meaning: String)] = [
        ("EARSHOT_HOST", "--host", "address to listen on"),
        ("EARSHOT_PORT", "--port", "port to listen on"),
        ("EARSHOT_PUBLIC_URL", "--public-url", "public base URL Twilio uses (https://host), for TwiML and signatures"),
        ("EARSHOT_RESPONDER", "--responder", "pipeline | echo | tone"),
        ("EARSHOT_LOG_LEVEL", "--log-level", "trace … critical"),
        ("EARSHOT_TWILIO_AUTH_TOKEN", "(env/file only)", "Twilio auth token; enables signature checks"),
        ("EARSHOT_TWILIO_AUTH_TOKEN_FILE", "(env/file only)", "file holding the auth token"),
        ("EARSHOT_MAX_CALLS", "--max-calls", "concurrent calls before refusing"),
        ("EARSHOT_MAX_MESSAGE_BYTES", "--max-message-bytes", "largest WebSocket message"),
        ("EARSHOT_IDLE_TIMEOUT", "--idle-timeout", "seconds without media before a call is closed"),
        ("EARSHOT_DRAIN_TIMEOUT", "--drain-timeout", "seconds calls may continue after SIGTERM"),
        ("EARSHOT_MAX_MESSAGES_PER_SECOND", "--max-messages-per-second", "inbound flood limit per call"),
        ("EARSHOT_PLAYOUT_LEAD_MS", "--playout-lead-ms", "audio sent ahead of playback"),
        ("EARSHOT_MESSAGE_MS", "--message-ms", "largest outbound media message (20–100 ms)"),
        ("EARSHOT_VAD_MODE", "--vad-mode", "WebRTC VAD aggressiveness 0–3"),
        ("EARSHOT_VAD_WINDOW_FRAMES", "--vad-window-frames", "W: smoothing window in 20 ms frames"),
        ("EARSHOT_VAD_START_FRAMES", "--vad-start-frames", "K: voiced frames of W that start speech"),
        ("EARSHOT_VAD_END_FRAMES", "--vad-end-frames", "S: unvoiced frames that end speech"),
        ("EARSHOT_VAD_MIN_SPEECH_FRAMES", "--vad-min-speech-frames", "minimum speech span before it starts"),
        ("EARSHOT_PREROLL_MS", "--preroll-ms", "audio kept before speech onset"),
        ("EARSHOT_LOG_TRANSCRIPTS", "--log-transcripts", "put the caller's transcript and the heard reply in each turn's log line (off)"),
        ("EARSHOT_RECORD_TIMEOUT", "--record-timeout", "/voice: seconds of silence that end Twilio's <Record> (1)"),
        ("EARSHOT_RECORD_MAX_LENGTH", "--record-max-length", "/voice: longest recording, seconds (30)"),
        ("EARSHOT_RECORDING_WAIT_MS", "--recording-wait-ms", "/voice: how long to retry a recording that is not there yet (5000)"),
        ("EARSHOT_RECORD_TURN_DEADLINE_MS", "--record-turn-deadline-ms", "/voice: webhook → answer limit; past it the fallback phrase answers (12000)"),
        ("EARSHOT_RECORDING_HOSTS", "--recording-hosts", "/voice: hosts recordings may be fetched from, comma-separated, *.example.com allowed (any)"),
        ("EARSHOT_TWILIO_ACCOUNT_SID", "(env/file only)", "/voice: account SID for HTTP Basic auth on recording downloads (with the auth token)"),
        ("EARSHOT_AUDIO_TTL", "--audio-ttl", "/voice: seconds a reply's /audio/<id>.wav stays fetchable (600)"),
        ("EARSHOT_AUDIO_STORE_BYTES", "--audio-store-bytes", "/voice: memory for reply audio, bytes (67108864)"),
    ]

    /// Builds a configuration from explicit values (flags), the environment and a config file.
    /// - Parameter flags: setting key (`EARSHOT_…`) → value, from the command line.
    public static func load(flags: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment) throws -> EarshotConfiguration {
        var file: [String: String] = [:]
        if let path = flags["EARSHOT_CONFIG_FILE"] ?? environment["EARSHOT_CONFIG_FILE"] {
            file = try parseFile(at: path)
        }
        let lookup = { (key: String) -> String? in flags[key] ?? environment[key] ?? file[key] }
        var c = EarshotConfiguration()
        try c.apply(lookup)
        // Secrets: environment or file only, never a flag.
        let secret = { (key: String) -> String? in environment[key] ?? file[key] }
        c.voice = try VoiceConfiguration.load(secret)
        if let token = secret("EARSHOT_TWILIO_AUTH_TOKEN"), !token.isEmpty {
            c.twilioAuthToken = token
        } else if let path = secret("EARSHOT_TWILIO_AUTH_TOKEN_FILE") {
            let token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw ConfigurationError.invalid("EARSHOT_TWILIO_AUTH_TOKEN_FILE", "file is empty") }
            c.twilioAuthToken = token
        }
        if let sid = secret("EARSHOT_TWILIO_ACCOUNT_SID"), !sid.isEmpty { c.record.accountSid = sid }
        return c
    }

    private mutating func apply(_ value: (String) -> String?) throws {
        func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = value(key) else { return nil }
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
                throw ConfigurationError.invalid(key, "expected a whole number in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
            }
            return v
        }
        if let v = value("EARSHOT_HOST") { host = v }
        if let v = try int("EARSHOT_PORT", 0...65535) { port = v }
        if let v = value("EARSHOT_PUBLIC_URL"), !v.isEmpty {
            guard let url = URL(string: v), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ConfigurationError.invalid("EARSHOT_PUBLIC_URL", "expected https://host[:port], got '\(v)'")
            }
            publicURL = v.hasSuffix("/") ? String(v.dropLast()) : v
        }
        if let v = value("EARSHOT_RESPONDER") {
            guard ResponderFactory.names.contains(v) else {
                throw ConfigurationError.invalid("EARSHOT_RESPONDER", "expected one of \(ResponderFactory.names.joined(separator: ", ")), got '\(v)'")
            }
            responder = v
        }
        if let v = value("EARSHOT_LOG_LEVEL") {
            guard let level = Logger.Level(rawValue: v.lowercased()) else {
                throw ConfigurationError.invalid("EARSHOT_LOG_LEVEL", "expected trace, debug, info, notice, warning, error or critical")
            }
            logLevel = level
        }
        if let v = try int("EARSHOT_MAX_CALLS", 1...1_000_000) { maxCalls = v }
        if let v = try int("EARSHOT_MAX_MESSAGE_BYTES", 1024...16_777_216) { maxMessageBytes = v }
        if let v = try int("EARSHOT_IDLE_TIMEOUT", 1...86_400) { idleTimeoutSeconds = v }
        if let v = try int("EARSHOT_DRAIN_TIMEOUT", 0...86_400) { drainTimeoutSeconds = v }
        if let v = try int("EARSHOT_MAX_MESSAGES_PER_SECOND", 10...100_000) { maxMessagesPerSecond = v }
        if let v = try int("EARSHOT_PLAYOUT_LEAD_MS", 100...10_000) { session.playoutLead = .milliseconds(Int64(v)) }
        if let v = try int("EARSHOT_MESSAGE_MS", 20...100) { session.messageBytes = v * 8 }
        if let v = try int("EARSHOT_VAD_MODE", 0...3) { session.turn.vadMode = v }
        if let v = try int("EARSHOT_VAD_WINDOW_FRAMES", 1...64) { session.turn.windowFrames = v }
        if let v = try int("EARSHOT_VAD_START_FRAMES", 1...64) { session.turn.startFrames = v }
        if let v = try int("EARSHOT_VAD_END_FRAMES", 1...500) { session.turn.endFrames = v }
        if let v = try int("EARSHOT_VAD_MIN_SPEECH_FRAMES", 0...64) { session.turn.minSpeechFrames = v }
        if let v = try int("EARSHOT_PREROLL_MS", 0...2000) { session.turn.prerollMilliseconds = v }
        if let v = try int("EARSHOT_RECORD_TIMEOUT", 1...60) { record.timeoutSeconds = v }
        if let v = try int("EARSHOT_RECORD_MAX_LENGTH", 1...3600) { record.maxLengthSeconds = v }
        if let v = try int("EARSHOT_RECORDING_WAIT_MS", 0...120_000) { record.recordingWait = .milliseconds(v) }
        if let v = try int("EARSHOT_RECORD_TURN_DEADLINE_MS", 1000...60_000) { record.turnDeadline = .milliseconds(v) }
        if let v = value("EARSHOT_RECORDING_HOSTS"), !v.isEmpty {
            record.recordingHosts = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let v = try int("EARSHOT_AUDIO_TTL", 10...86_400) { record.audioTTL = .seconds(v) }
        if let v = try int("EARSHOT_AUDIO_STORE_BYTES", 1 << 20...(1 << 34)) { record.audioStoreBytes = v }
        if let v = value("EARSHOT_LOG_TRANSCRIPTS") { session.logTranscripts = ["1", "true", "yes", "on"].contains(v.lowercased()) }
        guard session.turn.startFrames <= session.turn.windowFrames else {
            throw ConfigurationError.invalid("EARSHOT_VAD_START_FRAMES", "must not exceed EARSHOT_VAD_WINDOW_FRAMES (\(session.turn.windowFrames))")
        }
        guard session.turn.minSpeechFrames <= session.turn.windowFrames else {
            throw ConfigurationError.invalid("EARSHOT_VAD_MIN_SPEECH_FRAMES", "must not exceed EARSHOT_VAD_WINDOW_FRAMES (the onset lies inside the window)")
        }
    }

    /// `KEY=VALUE` lines; `#` starts a comment; surrounding quotes are removed.
    static func parseFile(at path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError.invalid("EARSHOT_CONFIG_FILE", "cannot read '\(path)'")
        }
        var out: [String: String] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw ConfigurationError.invalid("EARSHOT_CONFIG_FILE", "line \(n + 1): expected KEY=VALUE")
            }
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q { value = String(value.dropFirst().dropLast()) }
            out[line[..<eq].trimmingCharacters(in: .whitespaces)] = value
        }
        return out
    }
}

/// The record-then-play flow: Twilio records each utterance, posts its URL, and plays a file back.
public struct RecordConfiguration: Sendable {
    /// `<Record timeout>`: seconds of silence after which Twilio ends the recording.
    public var timeoutSeconds = 1
    /// `<Record maxLength>`: the longest recording, in seconds.
    public var maxLengthSeconds = 30
    /// How long a recording that is not there yet (404) is retried.
    public var recordingWait: Duration = .seconds(5)
    /// Webhook arrival → answer: past this the reply is abandoned for the fallback phrase, so
    /// Twilio (which gives a webhook 15 s) always gets an answer.
    public var turnDeadline: Duration = .seconds(12)
    /// Hosts recordings may come from (`*.twilio.com` style patterns); nil for any.
    public var recordingHosts: [String]?
    /// With the auth token, HTTP Basic credentials for downloading recordings.
    public var accountSid: String?
    /// How long reply audio stays fetchable.
    public var audioTTL: Duration = .seconds(600)
    /// Memory for reply audio.
    public var audioStoreBytes = 64 << 20

    public init() {}
}

public enum ConfigurationError: Error, CustomStringConvertible {
    case invalid(String, String)

    public var description: String {
        switch self {
        case .invalid(let key, let why): "configuration \(key): \(why)"
        }
    }
}


import ArgumentParser
import EarshotAudio
import EarshotServer
import EarshotSimulator
import Foundation

/// `earshot call`: one simulated Twilio call against a running server.
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Place one simulated Twilio call against an Earshot server and print its timeline.",
        discussion: """
            Acts as Twilio: POSTs the voice webhook, follows the TwiML <Connect><Stream>, opens the \
            media WebSocket (to the server URL's host and port, whatever public host the TwiML names), \
            streams the audio as 20 ms μ-law frames at real time, then silence until the bot has \
            finished. Bot audio is played out as Twilio does: marks are echoed once the audio before \
            them has played, and at once on a clear.

            With EARSHOT_TWILIO_AUTH_TOKEN (or EARSHOT_TWILIO_AUTH_TOKEN_FILE) set, the webhook and \
            the WebSocket handshake carry X-Twilio-Signature. The clip's utterances are found with \
            the server's turn detector (same flags and EARSHOT_VAD_* variables as `serve`); latency \
            is measured from the moment each utterance's last voiced frame is sent.

            --mode record plays Twilio in the record-then-webhook flow (POST /voice by default): \
            for each <Record> the caller speaks the next utterance, Twilio waits the record timeout, \
            then POSTs the action with a RecordingUrl served by the simulator's own loopback \
            recording server (8 kHz PCM WAV, as Twilio serves it; --recording-not-found and \
            --basic-auth make it act like Twilio's upload lag and account authentication). The \
            answer's <Play> files are fetched from the server URL and timed; <Redirect> and \
            <Hangup/> are followed. Latency per turn runs from the end of speech to the first byte \
            of the reply: record timeout + action round trip + <Play> time to first byte, with the \
            answer's Server-Timing stages when it sends them. --silent-turn N leaves turn N's \
            recording empty, so Twilio skips the action and follows the <Redirect>. The stream \
            options --dtmf, --trailing-silence, --max-wait and --idle-timeout do not apply.
            """
    )

    /// Which Twilio flow to act out.
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        /// `<Connect><Stream>`: Media Streams over a WebSocket.
        case stream
        /// `<Record>` → action webhook with `RecordingUrl` → `<Play>`.
        case record
    }

    @Option(help: "Twilio flow: stream (<Connect><Stream>, Media Streams) or record (<Record> and webhooks).")
    var mode = Mode.stream

    @Argument(help: "Caller audio: a WAV (16-bit PCM, μ-law or A-law, any rate) or raw 8 kHz μ-law (.ulaw, .raw). Default: a synthetic voice.")
    var audio: String?

    @Option(help: "Server base URL (EARSHOT_SERVER_URL; default http://127.0.0.1:8080).")
    var server: String?

    @Option(help: "Voice webhook path (default /voice-stream; /voice with --mode record).")
    var webhookPath: String?

    @Option(name: .customLong("public-url"), help: "Public base URL Twilio would POST to, https://host: the webhook signature covers it (EARSHOT_PUBLIC_URL; default: the server URL).")
    var publicURL: String?

    @Option(help: "Caller number (From).")
    var from = "+15555550100"

    @Option(help: "Called number (To).")
    var to = "+15555550199"

    @Option(help: "CallSid (default: random CA…).")
    var callSid: String?

    @Option(help: "AccountSid (default: random AC…; in record mode EARSHOT_TWILIO_ACCOUNT_SID when set).")
    var accountSid: String?

    @Option(name: .customLong("param"), help: "Extra webhook form field NAME=VALUE (repeatable).")
    var extraParameters: [String] = []

    @Option(help: "Keys to press: MS:DIGIT,… from the start of the stream, e.g. 1500:5,3000:#.")
    var dtmf: String?

    @Option(help: "Seconds of silence after the clip before hanging up is allowed.")
    var trailingSilence = 1.0

    @Option(help: "Most seconds to wait after the clip for the bot to finish.")
    var maxWait = 20.0

    @Option(help: "Seconds without bot audio or marks after which the bot counts as finished.")
    var idleTimeout = 1.5

    @Option(name: [.short, .customLong("output")], help: "Write what the bot said to this WAV (8 kHz, on the call's timeline).")
    var output: String?

    @Flag(inversion: .prefixedNo, help: "Send the clip at real time (--no-realtime: as fast as possible).")
    var realtime = true

    @Flag(help: "Do not sign requests even if an auth token is set.")
    var unsigned = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "Record mode: answer 404 to the first N downloads of each recording, as Twilio does while storing it.")
    var recordingNotFound = 0

    @Option(help: "Record mode: the caller stays silent in turn N (1-based), an empty recording (repeatable).")
    var silentTurn: [Int] = []

    @Flag(help: "Record mode: recordings require HTTP Basic auth with the AccountSid and the auth token.")
    var basicAuth = false

    @OptionGroup var turn: TurnOptions

    func validate() throws {
        switch mode {
        case .stream:
            if recordingNotFound != 0 || !silentTurn.isEmpty || basicAuth {
                throw ValidationError("--recording-not-found, --silent-turn and --basic-auth need --mode record")
            }
        case .record:
            if dtmf != nil { throw ValidationError("--dtmf needs --mode stream") }
            guard recordingNotFound >= 0 else { throw ValidationError("--recording-not-found must not be negative") }
            for turn in silentTurn where turn < 1 { throw ValidationError("--silent-turn counts from 1, got \(turn)") }
        }
        guard trailingSilence >= 0, maxWait > 0, idleTimeout > 0 else {
            throw ValidationError("--trailing-silence, --max-wait and --idle-timeout must be positive")
        }
        for parameter in extraParameters where !parameter.contains("=") {
            throw ValidationError("--param expects NAME=VALUE, got \(parameter.debugDescription)")
        }
        if let dtmf {
            do { _ = try DTMFSchedule(parsing: dtmf) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() async throws {
        switch mode {
        case .stream: try await runStream()
        case .record: try await runRecord()
        }
    }

    private func runStream() async throws {
        let environment = ProcessInfo.processInfo.environment
        var c = CallSimulator.Configuration(serverURL: server ?? environment["EARSHOT_SERVER_URL"] ?? "http://127.0.0.1:8080",
                                            audioPath: audio)
        c.webhookPath = webhookPath ?? "/voice-stream"
        c.publicURL = publicURL ?? environment["EARSHOT_PUBLIC_URL"]
        c.authToken = unsigned ? nil : try Self.authToken(environment)
        c.from = from
        c.to = to
        if let callSid { c.callSid = callSid }
        if let accountSid { c.accountSid = accountSid }
        c.extraWebhookParameters = extraWebhookParameters
        if let dtmf { c.dtmf = try DTMFSchedule(parsing: dtmf) }
        c.trailingSilence = .milliseconds(Int(trailingSilence * 1000))
        c.maxWait = .milliseconds(Int(maxWait * 1000))
        c.idleTimeout = .milliseconds(Int(idleTimeout * 1000))
        c.realtime = realtime
        c.outputWAVPath = output
        c.turnDetection = try turnDetection()

        let simulator: CallSimulator
        if audio == nil {
            simulator = CallSimulator(configuration: c, clip: .synthetic(turns: 2))
        } else {
            simulator = try CallSimulator(configuration: c)
        }
        let report = try await simulator.run()
        try show(report, rendered: report.render())
    }

    private func runRecord() async throws {
        let environment = ProcessInfo.processInfo.environment
        var c = RecordCallSimulator.Configuration(serverURL: server ?? environment["EARSHOT_SERVER_URL"] ?? "http://127.0.0.1:8080",
                                                  audioPath: audio)
        c.webhookPath = webhookPath ?? "/voice"
        c.publicURL = publicURL ?? environment["EARSHOT_PUBLIC_URL"]
        let token = try Self.authToken(environment)
        c.authToken = unsigned ? nil : token
        c.from = from
        c.to = to
        if let callSid { c.callSid = callSid }
        // The server's account, when it is configured, so its Basic credentials match.
        if let sid = accountSid ?? environment["EARSHOT_TWILIO_ACCOUNT_SID"], !sid.isEmpty { c.accountSid = sid }
        c.extraWebhookParameters = extraWebhookParameters
        c.realtime = realtime
        c.outputWAVPath = output
        c.silentTurns = Set(silentTurn)
        c.recordingNotFoundFirst = recordingNotFound
        if basicAuth {
            // Twilio's own credentials: even an unsigned call can require them.
            guard let token else { throw ValidationError("--basic-auth needs EARSHOT_TWILIO_AUTH_TOKEN (or _FILE)") }
            c.recordingCredentials = (c.accountSid, token)
        }
        c.turnDetection = try turnDetection()

        let simulator: RecordCallSimulator
        if audio == nil {
            simulator = RecordCallSimulator(configuration: c, clip: .synthetic(turns: 2))
        } else {
            simulator = try RecordCallSimulator(configuration: c)
        }
        let report = try await simulator.run()
        try show(report, rendered: report.render())
    }

    /// The `--param NAME=VALUE` pairs.
    private var extraWebhookParameters: [(name: String, value: String)] {
        extraParameters.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
    }

    /// The server's turn detection, from the same flags and environment as `serve`.
    private func turnDetection() throws -> TurnDetector.Configuration {
        do {
            return try EarshotConfiguration.load(flags: turn.settings).session.turn
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Prints the report as JSON or as its rendering, and where the bot audio went.
    private func show(_ report: some Encodable, rendered: String) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(rendered, terminator: "")
            if let output { print("  bot audio written to \(output)") }
        }
    }

    /// The token Twilio would sign with: EARSHOT_TWILIO_AUTH_TOKEN, else the file named by
    /// EARSHOT_TWILIO_AUTH_TOKEN_FILE; never a flag, so it stays out of shell history.
    static func authToken(_ environment: [String: String]) throws -> String? {
        if let token = environment["EARSHOT_TWILIO_AUTH_TOKEN"], !token.isEmpty { return token }
        guard let path = environment["EARSHOT_TWILIO_AUTH_TOKEN_FILE"], !path.isEmpty else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read EARSHOT_TWILIO_AUTH_TOKEN_FILE \(path)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }
}

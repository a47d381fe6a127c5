import ArgumentParser
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
            """
    )

    @Argument(help: "Caller audio: a WAV (16-bit PCM, μ-law or A-law, any rate) or raw 8 kHz μ-law (.ulaw, .raw). Default: a synthetic voice.")
    var audio: String?

    @Option(help: "Server base URL (EARSHOT_SERVER_URL; default http://127.0.0.1:8080).")
    var server: String?

    @Option(help: "Voice webhook path.")
    var webhookPath = "/voice-stream"

    @Option(name: .customLong("public-url"), help: "Public base URL Twilio would POST to, https://host: the webhook signature covers it (EARSHOT_PUBLIC_URL; default: the server URL).")
    var publicURL: String?

    @Option(help: "Caller number (From).")
    var from = "+15555550100"

    @Option(help: "Called number (To).")
    var to = "+15555550199"

    @Option(help: "CallSid (default: random CA…).")
    var callSid: String?

    @Option(help: "AccountSid (default: random AC…).")
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

    @OptionGroup var turn: TurnOptions

    func validate() throws {
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
        let environment = ProcessInfo.processInfo.environment
        var c = CallSimulator.Configuration(serverURL: server ?? environment["EARSHOT_SERVER_URL"] ?? "http://127.0.0.1:8080",
                                            audioPath: audio)
        c.webhookPath = webhookPath
        c.publicURL = publicURL ?? environment["EARSHOT_PUBLIC_URL"]
        c.authToken = unsigned ? nil : try Self.authToken(environment)
        c.from = from
        c.to = to
        if let callSid { c.callSid = callSid }
        if let accountSid { c.accountSid = accountSid }
        c.extraWebhookParameters = extraParameters.map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        if let dtmf { c.dtmf = try DTMFSchedule(parsing: dtmf) }
        c.trailingSilence = .milliseconds(Int(trailingSilence * 1000))
        c.maxWait = .milliseconds(Int(maxWait * 1000))
        c.idleTimeout = .milliseconds(Int(idleTimeout * 1000))
        c.realtime = realtime
        c.outputWAVPath = output
        do {
            c.turnDetection = try EarshotConfiguration.load(flags: turn.settings).session.turn
        } catch {
            throw ValidationError("\(error)")
        }

        let simulator: CallSimulator
        if audio == nil {
            simulator = CallSimulator(configuration: c, clip: .synthetic(turns: 2))
        } else {
            simulator = try CallSimulator(configuration: c)
        }
        let report = try await simulator.run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.render(), terminator: "")
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

import ArgumentParser
import EarshotAudio
import EarshotServer
import EarshotSimulator
import Foundation
import Logging

/// `earshot loadtest`: many simulated Twilio calls at once, and what they cost the server.
struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Run N concurrent simulated Twilio calls against an Earshot server and measure it.",
        discussion: """
            Each call POSTs the webhook (unless --no-webhook), opens the media WebSocket and loops \
            the clip at real time for --duration seconds; calls start evenly over --ramp seconds. \
            Every event loop thread sends the frames of all its calls from one 20 ms tick.

            Reports frame send lateness (actual − scheduled), messages received by type, response \
            latency (end of each caller utterance → first bot media after it) and calls \
            connected/failed. With --server-pid, also the server's CPU over the steady window \
            (after ramp-up, to the end) from /proc/PID/stat, and its RSS from /proc/PID/status \
            before the first call and at steady state: CPU ms per call-second and KB per call.

            --processes K runs K copies of this command, each with a share of the calls, and \
            adds up their reports. Signatures use EARSHOT_TWILIO_AUTH_TOKEN if set.
            """
    )

    @Option(help: "Concurrent calls.")
    var calls = 100

    @Option(help: "Seconds from the first call's start until all calls hang up.")
    var duration = 30.0

    @Option(help: "Server base URL (EARSHOT_SERVER_URL; default http://127.0.0.1:8080).")
    var server: String?

    @Option(name: .customLong("server-pid"), help: "PID of the server process, to measure its CPU and memory.")
    var serverPID: Int32?

    @Option(help: "Caller audio every call loops: WAV or raw 8 kHz μ-law (.ulaw, .raw). Default: a synthetic voice.")
    var clip: String?

    @Option(name: .customLong("public-url"), help: "Public base URL Twilio would POST to, https://host: webhook signatures cover it (EARSHOT_PUBLIC_URL; default: the server URL).")
    var publicURL: String?

    @Option(help: "Event loop threads in each process.")
    var threads = 1

    @Option(help: "Processes to spread the calls over (this binary, re-executed).")
    var processes = 1

    @Option(help: "Seconds over which calls start (default: a third of --duration, at most 10).")
    var ramp: Double?

    @Flag(inversion: .prefixedNo, help: "POST the voice webhook for every call (--no-webhook connects straight to the stream).")
    var webhook = true

    @Option(help: "Webhook requests and connection attempts in flight at once.")
    var setupConcurrency = 16

    @Option(help: "With --no-webhook: the WebSocket path on the server.")
    var streamPath = "/media-stream"

    @Option(name: .customLong("public-stream-url"), help: "With --no-webhook: the public wss:// URL the server checks signatures against.")
    var publicStreamURL: String?

    @Option(help: "Seconds allowed for hanging up after --duration before connections are dropped.")
    var grace = 5.0

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var turn: TurnOptions

    private var rampSeconds: Double { ramp ?? min(10, duration / 3) }

    func validate() throws {
        guard calls >= 1 else { throw ValidationError("--calls must be at least 1") }
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard rampSeconds >= 0, rampSeconds < duration else { throw ValidationError("--ramp must be shorter than --duration") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1…256") }
        guard processes >= 1, processes <= calls else { throw ValidationError("--processes must be between 1 and --calls") }
        guard grace >= 0, setupConcurrency >= 1 else { throw ValidationError("--grace and --setup-concurrency must be positive") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var c = LoadGenerator.Configuration()
        c.serverURL = server ?? environment["EARSHOT_SERVER_URL"] ?? "http://127.0.0.1:8080"
        c.calls = calls
        c.duration = .milliseconds(Int(duration * 1000))
        c.ramp = .milliseconds(Int(rampSeconds * 1000))
        c.threads = threads
        c.useWebhook = webhook
        c.setupConcurrency = setupConcurrency
        c.streamPath = streamPath
        c.publicStreamURL = publicStreamURL
        c.grace = .milliseconds(Int(grace * 1000))
        c.serverPID = serverPID
        c.publicURL = publicURL ?? environment["EARSHOT_PUBLIC_URL"]
        c.authToken = try CallCommand.authToken(environment)
        if !json {
            // Progress on stderr for people watching; JSON runs (and child processes) stay quiet.
            c.logger = Logger(label: "earshot.loadtest") { StreamLogHandler.standardError(label: $0) }
        }
        if let clip {
            // Loaded here even when children will run the calls, so a bad file fails once, early.
            let turnConfiguration: TurnDetector.Configuration
            do { turnConfiguration = try EarshotConfiguration.load(flags: turn.settings).session.turn } catch {
                throw ValidationError("\(error)")
            }
            c.clip = try CallClip.load(path: clip, turnDetection: turnConfiguration)
        }
        let generator = LoadGenerator(configuration: c)

        let report: LoadReport
        if processes > 1 {
            report = try await generator.runInProcesses(executable: Self.executablePath(), arguments: Self.childArguments(),
                                                        processes: processes)
        } else {
            report = try await generator.run()
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.render(), terminator: "")
        }
    }

    /// This binary, wherever it was started from.
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// This command's arguments for a child: without the ones the parent sets per child
    /// (`--calls`, `--json`) or keeps to itself (`--processes`, `--server-pid`).
    static func childArguments() -> [String] {
        let withValue: Set = ["--calls", "--processes", "--server-pid"]
        var out: [String] = []
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            let name = String(argument.prefix { $0 != "=" })
            if withValue.contains(name) {
                if !argument.contains("=") { _ = arguments.next() }
            } else if argument != "--json" {
                out.append(argument)
            }
        }
        return out
    }
}

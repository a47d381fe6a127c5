import ArgumentParser
import EarshotConversation
import EarshotProviders
import EarshotServer
import Logging

/// `earshot serve`: answer calls.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: Twilio webhook, media WebSocket, health and metrics.",
        discussion: "Every flag also reads an environment variable (EARSHOT_…); a flag wins over the environment, which wins over EARSHOT_CONFIG_FILE. The Twilio auth token is read only from EARSHOT_TWILIO_AUTH_TOKEN or EARSHOT_TWILIO_AUTH_TOKEN_FILE."
    )

    @Option(help: "Address to listen on (EARSHOT_HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port (EARSHOT_PORT; default 8080).") var port: Int?
    @Option(help: "Public base URL Twilio reaches, https://host (EARSHOT_PUBLIC_URL).") var publicURL: String?
    @Option(help: "Responder: pipeline | echo | tone (EARSHOT_RESPONDER; default pipeline: EARSHOT_STT → EARSHOT_LLM → EARSHOT_TTS, offline by default).") var responder: String?
    @Option(help: "Log level (EARSHOT_LOG_LEVEL; default info).") var logLevel: String?
    @Option(help: "Concurrent calls before refusing (EARSHOT_MAX_CALLS; default 10000).") var maxCalls: Int?
    @Option(help: "Largest WebSocket message, bytes (EARSHOT_MAX_MESSAGE_BYTES; default 65536).") var maxMessageBytes: Int?
    @Option(help: "Seconds without media before closing a call (EARSHOT_IDLE_TIMEOUT; default 15).") var idleTimeout: Int?
    @Option(help: "Seconds calls may continue after SIGTERM (EARSHOT_DRAIN_TIMEOUT; default 30).") var drainTimeout: Int?
    @Option(help: "Inbound messages per second per call before it is closed (EARSHOT_MAX_MESSAGES_PER_SECOND; default 500).")
    var maxMessagesPerSecond: Int?
    @Option(help: "Audio sent ahead of playback, ms (EARSHOT_PLAYOUT_LEAD_MS; default 1000).") var playoutLeadMs: Int?
    @Option(help: "Largest outbound media message, 20–100 ms (EARSHOT_MESSAGE_MS; default 100).") var messageMs: Int?
    @Option(help: "/voice: seconds of silence that end a recording (EARSHOT_RECORD_TIMEOUT; default 1).") var recordTimeout: Int?
    @Option(help: "/voice: longest recording, seconds (EARSHOT_RECORD_MAX_LENGTH; default 30).") var recordMaxLength: Int?
    @Option(help: "/voice: ms to keep retrying a recording that is not there yet (EARSHOT_RECORDING_WAIT_MS; default 5000).") var recordingWaitMs: Int?
    @Option(help: "/voice: ms from webhook to answer before the fallback phrase answers instead (EARSHOT_RECORD_TURN_DEADLINE_MS; default 12000).") var recordTurnDeadlineMs: Int?
    @Option(help: "/voice: hosts recordings may come from, comma-separated (EARSHOT_RECORDING_HOSTS; default any).") var recordingHosts: String?
    @Option(help: "/voice: seconds reply audio stays fetchable (EARSHOT_AUDIO_TTL; default 600).") var audioTtl: Int?
    @Option(help: "/voice: bytes of memory for reply audio (EARSHOT_AUDIO_STORE_BYTES; default 64 MiB).") var audioStoreBytes: Int?
    @Option(help: "A KEY=VALUE configuration file (EARSHOT_CONFIG_FILE).") var config: String?
    @Flag(help: "Log the caller's transcript and the heard reply with each turn (EARSHOT_LOG_TRANSCRIPTS).") var logTranscripts = false
    @OptionGroup var turn: TurnOptions

    func run() async throws {
        var flags = turn.settings
        flags["EARSHOT_HOST"] = host
        flags["EARSHOT_PORT"] = port.map(String.init)
        flags["EARSHOT_PUBLIC_URL"] = publicURL
        flags["EARSHOT_RESPONDER"] = responder
        flags["EARSHOT_LOG_LEVEL"] = logLevel
        flags["EARSHOT_MAX_CALLS"] = maxCalls.map(String.init)
        flags["EARSHOT_MAX_MESSAGE_BYTES"] = maxMessageBytes.map(String.init)
        flags["EARSHOT_IDLE_TIMEOUT"] = idleTimeout.map(String.init)
        flags["EARSHOT_DRAIN_TIMEOUT"] = drainTimeout.map(String.init)
        flags["EARSHOT_MAX_MESSAGES_PER_SECOND"] = maxMessagesPerSecond.map(String.init)
        flags["EARSHOT_PLAYOUT_LEAD_MS"] = playoutLeadMs.map(String.init)
        flags["EARSHOT_MESSAGE_MS"] = messageMs.map(String.init)
        flags["EARSHOT_CONFIG_FILE"] = config
        flags["EARSHOT_RECORD_TIMEOUT"] = recordTimeout.map(String.init)
        flags["EARSHOT_RECORD_MAX_LENGTH"] = recordMaxLength.map(String.init)
        flags["EARSHOT_RECORDING_WAIT_MS"] = recordingWaitMs.map(String.init)
        flags["EARSHOT_RECORDING_HOSTS"] = recordingHosts
        flags["EARSHOT_RECORD_TURN_DEADLINE_MS"] = recordTurnDeadlineMs.map(String.init)
        flags["EARSHOT_AUDIO_TTL"] = audioTtl.map(String.init)
        flags["EARSHOT_AUDIO_STORE_BYTES"] = audioStoreBytes.map(String.init)
        if logTranscripts { flags["EARSHOT_LOG_TRANSCRIPTS"] = "1" }
        let configuration: EarshotConfiguration
        do {
            configuration = try EarshotConfiguration.load(flags: flags)
        } catch {
            throw ValidationError("\(error)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        let logger = Logger(label: "earshot")
        let responder: any Responder
        let client = ResponderFactory.httpClient(configuration.voice)
        do {
            responder = try ResponderFactory.make(configuration, client: client)
        } catch {
            throw ValidationError("\(error)")
        }
        if let pipeline = responder as? PipelineResponder {
            let voice = configuration.voice
            logger.notice("voice pipeline", metadata: ["provider.stt": .string(voice.stt), "provider.llm": .string(voice.llm),
                                                       "provider.tts": .string(voice.tts), "language": .string(voice.pipeline.language)])
            await client.prewarm(urls: ResponderFactory.prewarmURLs(voice))
            let failed = await pipeline.warmCache()
            if !failed.isEmpty { logger.warning("could not synthesise fixed phrases at start-up", metadata: ["phrases": "\(failed)"]) }
        }
        let app = buildApplication(configuration: configuration, responder: responder) { channel in
            let address = channel.localAddress.map { "\($0)" } ?? "?"
            Logger(label: "earshot").notice("listening", metadata: ["address": .string(address),
                                                                    "responder": .string(configuration.responder)])
        }
        try await app.run()
        if client !== ProviderHTTPClient.shared { try? await client.shutdown() }
    }
}

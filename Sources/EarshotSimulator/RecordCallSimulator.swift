import AsyncHTTPClient
import EarshotAudio
import Foundation
import Logging
import NIOCore
import NIOPosix

/// One phone call in the record-then-webhook flow, played the way Twilio plays it: the voice
/// webhook, then for each `<Record>` the caller's utterance, the silence timeout, the signed
/// action POST with a `RecordingUrl` (served by a ``RecordingServer`` on loopback), and the
/// `<Play>` files of the answer fetched and timed; `<Redirect>` and `<Hangup/>` as Twilio
/// follows them.
///
/// ```swift
/// var configuration = RecordCallSimulator.Configuration(serverURL: "http://127.0.0.1:8080")
/// configuration.authToken = "secret"
/// configuration.realtime = false
/// let report = try await RecordCallSimulator(configuration: configuration, clip: .synthetic(turns: 2)).run()
/// print(report.render())
/// ```
public struct RecordCallSimulator: Sendable {
    /// How the call is placed and how the carrier behaves.
    public struct Configuration: SimulatedCallConfiguration {
        /// The call itself: server, numbers, signing, audio; its fields read as this configuration's own.
        public var caller: SimulatedCaller
        /// Sleep through playback, speech and record timeouts (`true`), or only add them to the
        /// call's clock (`false`: quick runs; request and fetch times are still real).
        public var realtime = true
        /// `<Record>`s (1-based, counting every one) at which the caller says nothing: Twilio
        /// posts no action then and carries on with the verbs after `<Record>`.
        public var silentTurns: Set<Int> = []
        /// Answer 404 to the first N downloads of each recording, as Twilio does while the
        /// file is still being stored.
        public var recordingNotFoundFirst = 0
        /// Require HTTP Basic authentication with these credentials (Twilio: AccountSid and
        /// auth token) for recording downloads; `nil` serves them to anyone.
        public var recordingCredentials: (user: String, password: String)?
        /// Limit for each webhook POST and `<Play>` fetch (Twilio gives a webhook 15 s).
        public var requestTimeout: Duration = .seconds(15)

        public init(serverURL: String = "http://127.0.0.1:8080", audioPath: String? = nil) {
            caller = SimulatedCaller(serverURL: serverURL, webhookPath: "/voice", audioPath: audioPath)
        }
    }

    public let configuration: Configuration
    /// The caller's audio; each `<Record>` gets the next of its utterances.
    public let clip: CallClip

    public init(configuration: Configuration, clip: CallClip) {
        self.configuration = configuration
        self.clip = clip
    }

    /// Loads the clip from ``Configuration/audioPath``.
    public init(configuration: Configuration) throws(SimulatorError) {
        self.init(configuration: configuration, clip: try configuration.caller.loadClip())
    }

    /// Places the call and returns once it has ended. The recording server lives exactly as
    /// long as the call, error or cancellation included. Writes the bot's audio to
    /// ``Configuration/outputWAVPath`` when set.
    public func run() async throws -> RecordCallReport {
        let c = configuration
        let server = try ServerAddress(parsing: c.serverURL)
        let recordings = try await RecordingServer.start(
            accountSid: c.accountSid,
            options: .init(notFoundFirst: c.recordingNotFoundFirst, requireBasicAuth: c.recordingCredentials),
            eventLoopGroup: c.eventLoopGroup)
        let report: RecordCallReport
        do {
            var session = RecordCallSession(configuration: c, clip: clip, server: server, recordings: recordings)
            report = try await session.run()
        } catch {
            await recordings.stop()
            throw error
        }
        await recordings.stop()
        if let path = c.outputWAVPath {
            try Data(report.botAudioWAV()).write(to: URL(fileURLWithPath: path))
        }
        return report
    }
}

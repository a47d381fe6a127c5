import AsyncHTTPClient
import EarshotAudio
import EarshotTwilio
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// One phone call, played the way Twilio plays it against an Earshot server: the voice
/// webhook, the TwiML, the signed WebSocket, `connected`/`start`, 20 ms `media` frames on an
/// absolute clock, DTMF, mark echoes after playout, `clear`, `stop`.
///
/// ```swift
/// var configuration = CallSimulator.Configuration(serverURL: "http://127.0.0.1:8080")
/// configuration.authToken = "secret"
/// let report = try await CallSimulator(configuration: configuration, clip: clip).run()
/// print(report.render())
/// ```
public struct CallSimulator: Sendable {
    /// How the call is placed and when it hangs up.
    public struct Configuration: SimulatedCallConfiguration {
        /// The call itself: server, numbers, signing, audio; its fields read as this configuration's own.
        public var caller: SimulatedCaller
        /// `MZ…`, random by default.
        public var streamSid = TwilioIdentifier.streamSid()
        /// Keys to press, at milliseconds from the start of the stream.
        public var dtmf = DTMFSchedule()
        /// Silence sent after the clip before the call may end, even if the bot is quiet.
        public var trailingSilence: Duration = .seconds(1)
        /// The longest the call continues after the clip, bot or no bot.
        public var maxWait: Duration = .seconds(20)
        /// The bot counts as finished after this long without audio or a mark to echo.
        public var idleTimeout: Duration = .milliseconds(1500)
        /// Send the clip at real time (`true`), or as fast as the socket takes it (`false`:
        /// quick tests; playout, marks and the trailing wait still run at real time, but every
        /// utterance ends at once, so only the last one gets a meaningful reply time).
        public var realtime = true
        /// TCP connect and WebSocket handshake limit, and the webhook's timeout.
        public var connectTimeout: Duration = .seconds(10)

        public init(serverURL: String = "http://127.0.0.1:8080", audioPath: String? = nil) {
            caller = SimulatedCaller(serverURL: serverURL, webhookPath: "/voice-stream", audioPath: audioPath)
        }
    }

    public let configuration: Configuration
    /// The caller's audio.
    public let clip: CallClip

    public init(configuration: Configuration, clip: CallClip) {
        self.configuration = configuration
        self.clip = clip
    }

    /// Loads the clip from ``Configuration/audioPath``.
    public init(configuration: Configuration) throws(SimulatorError) {
        self.init(configuration: configuration, clip: try configuration.caller.loadClip())
    }

    /// Places the call and returns once it has hung up (or the server did). Writes the bot's
    /// audio to ``Configuration/outputWAVPath`` when set. Cancelling the task drops the call
    /// and throws `CancellationError`.
    public func run() async throws -> CallReport {
        let c = configuration
        let server = try ServerAddress(parsing: c.serverURL)
        let webhookURL = server.url(path: c.webhookPath)
        let parameters = Webhook.ringingParameters(callSid: c.callSid, accountSid: c.accountSid, from: c.from, to: c.to,
                                                   extra: c.extraWebhookParameters)
        let stream = try await Webhook.post(url: webhookURL, signedURL: Webhook.signedURL(publicURL: c.publicURL, path: c.webhookPath),
                                            parameters: parameters, authToken: c.authToken,
                                            client: c.httpClient ?? .shared, timeout: c.connectTimeout.timeAmount)

        var logger = c.logger
        logger[metadataKey: "call.sid"] = .string(c.callSid)
        logger.debug("webhook answered", metadata: ["stream.url": .string(stream.url.text)])
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: stream.url.authority)
        headers.add(name: "User-Agent", value: "Twilio.TmeWs/1.0")
        if let token = c.authToken {
            // Twilio signs the handshake over the wss:// URL exactly as the TwiML gave it, no parameters.
            headers.add(name: "X-Twilio-Signature", value: try TwilioSignature.compute(authToken: token, url: stream.url.text))
        }
        let endpoint = MediaStreamEndpoint(host: server.host, port: server.port, requestURI: stream.url.requestURI, headers: headers)
        var customParameters: [String: String] = [:]
        for parameter in stream.parameters where customParameters[parameter.name] == nil {
            customParameters[parameter.name] = parameter.value
        }
        let plan = CallPlan(
            clip: clip, callSid: c.callSid, accountSid: c.accountSid, streamSid: c.streamSid,
            streamURL: stream.url.text, customParameters: customParameters, dtmf: c.dtmf, realtime: c.realtime,
            trailingSilence: c.trailingSilence.timeAmount, maxWait: c.maxWait.timeAmount,
            idleTimeout: c.idleTimeout.timeAmount)

        let loop = c.eventLoopGroup.next()
        let done = loop.makePromise(of: CallReport.self)
        let channel: any Channel
        do {
            channel = try await MediaStreamConnector.connect(to: endpoint, on: loop, connectTimeout: c.connectTimeout.timeAmount) { outlet in
                CallSession(plan: plan, outlet: outlet, done: done)
            }.get()
        } catch {
            logger.debug("media stream connect failed", metadata: ["error": .string("\(error)")])
            done.fail(error)
            throw error
        }
        logger.debug("media stream connected", metadata: ["stream.sid": .string(c.streamSid)])
        let report = try await withTaskCancellationHandler {
            try await done.futureResult.get()
        } onCancel: {
            channel.close(promise: nil)
        }
        try Task.checkCancellation()
        logger.debug("call ended", metadata: ["call.end_reason": .string(report.endReason.rawValue)])
        if let path = c.outputWAVPath {
            try Data(report.botAudioWAV()).write(to: URL(fileURLWithPath: path))
        }
        return report
    }
}

extension Duration {
    /// The same span as a SwiftNIO `TimeAmount` (nanosecond precision).
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

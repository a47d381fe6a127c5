import AsyncHTTPClient
import EarshotAudio
import EarshotTwilio
import Logging
import NIOCore
import NIOPosix

/// What a simulated call is, whichever way Twilio carries it (Media Streams or the record
/// flow): where the server is, who calls whom, how requests are signed, where the caller's
/// audio comes from. Both simulators' configurations hold one and forward its fields, so
/// `configuration.callSid` reads and writes ``callSid`` here.
public struct SimulatedCaller: Sendable {
    /// The server's local base URL; every request goes here, whatever public host the TwiML names.
    public var serverURL: String
    /// The voice webhook's path under the base URL.
    public var webhookPath: String
    /// Caller audio: raw 8 kHz μ-law for `.ulaw`/`.raw`, otherwise a WAV. Used by the
    /// simulators' `init(configuration:)`.
    public var audioPath: String?
    /// Signs requests as Twilio would; `nil` sends no signature.
    public var authToken: String?
    /// The public base URL Twilio would POST to (`https://host`, the server's
    /// `EARSHOT_PUBLIC_URL`): signatures cover it plus the path. `nil` signs the URLs actually
    /// posted to.
    public var publicURL: String?
    /// The caller's number.
    public var from = "+15555550100"
    /// The number called.
    public var to = "+15555550199"
    /// `CA…`, random by default.
    public var callSid = TwilioIdentifier.callSid()
    /// `AC…`, random by default.
    public var accountSid = TwilioIdentifier.accountSid()
    /// More webhook form fields (e.g. `CallerCity`).
    public var extraWebhookParameters: [(name: String, value: String)] = []
    /// Where to write what the caller heard, as an 8 kHz WAV on the call's timeline.
    public var outputWAVPath: String?
    /// Turn detection for finding the clip's utterances (the server's defaults).
    public var turnDetection = TurnDetector.Configuration()
    /// Where the call's connections (and servers) run.
    public var eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    /// Client for webhooks and fetches; `nil` uses `HTTPClient.shared`.
    public var httpClient: HTTPClient?
    /// Where the call's steps are logged (debug level); silent by default.
    public var logger = Logger(label: "earshot.simulator", factory: { _ in SwiftLogNoOpLogHandler() })

    public init(serverURL: String, webhookPath: String, audioPath: String? = nil) {
        self.serverURL = serverURL
        self.webhookPath = webhookPath
        self.audioPath = audioPath
    }

    /// The clip at ``audioPath``.
    func loadClip() throws(SimulatorError) -> CallClip {
        guard let path = audioPath else { throw .unreadableFile(path: "(no audio path given)") }
        return try CallClip.load(path: path, turnDetection: turnDetection)
    }
}

/// A simulator's configuration: a ``SimulatedCaller`` whose fields it forwards, and settings of
/// its own.
@dynamicMemberLookup
public protocol SimulatedCallConfiguration: Sendable {
    var caller: SimulatedCaller { get set }
}

extension SimulatedCallConfiguration {
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<SimulatedCaller, Value>) -> Value {
        get { caller[keyPath: keyPath] }
        set { caller[keyPath: keyPath] = newValue }
    }
}

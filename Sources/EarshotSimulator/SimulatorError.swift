/// Why a simulated call could not run.
public enum SimulatorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The audio file could not be read.
    case unreadableFile(path: String)
    /// The audio file is not usable audio.
    case badAudio(path: String, reason: String)
    /// The server URL is not `http://host[:port]`.
    case badServerURL(String)
    /// The webhook answered with a status other than 200.
    case webhookFailed(status: Int, body: String)
    /// The webhook's TwiML has no `<Connect><Stream url=…>` the simulator can follow.
    case noStreamInTwiML(reason: String)
    /// The WebSocket upgrade was refused (the server answered `status` instead of 101).
    case upgradeRefused(status: Int)
    /// TCP connect or the upgrade handshake failed.
    case connectFailed(String)
    /// The connection broke before the call finished.
    case connectionLost(String)
    /// Settings that cannot work together.
    case invalidConfiguration(String)
    /// A load-test child process failed.
    case childProcessFailed(String)
    /// A TwiML answer in the record flow that cannot be read or followed.
    case badTwiML(url: String, reason: String)
    /// A `<Play>` URL that did not give playable audio.
    case playFailed(url: String, reason: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path): "cannot read \(path)"
        case .badAudio(let path, let reason): "\(path): \(reason)"
        case .badServerURL(let url): "bad server URL \(url.debugDescription): expected http://HOST[:PORT]"
        case .webhookFailed(let status, let body): "webhook answered HTTP \(status): \(body.prefix(200))"
        case .noStreamInTwiML(let reason): "TwiML has no usable <Connect><Stream>: \(reason)"
        case .upgradeRefused(let status): "WebSocket upgrade refused with HTTP \(status)"
        case .connectFailed(let why): "connect failed: \(why)"
        case .connectionLost(let why): "connection lost: \(why)"
        case .invalidConfiguration(let why): "invalid configuration: \(why)"
        case .childProcessFailed(let why): "load-test process failed: \(why)"
        case .badTwiML(let url, let reason): "TwiML from \(url): \(reason)"
        case .playFailed(let url, let reason): "<Play> \(url): \(reason)"
        }
    }
}

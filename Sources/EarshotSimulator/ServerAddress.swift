import Foundation

/// The server's local base URL (`http://127.0.0.1:8080`, maybe with a path prefix), split into
/// what the webhook POST and the WebSocket connection need.
public struct ServerAddress: Sendable, Equatable, CustomStringConvertible {
    /// `http` or `https`.
    public var scheme: String
    public var host: String
    public var port: Int
    /// Path prefix without a trailing slash; empty for the root.
    public var basePath: String

    public init(parsing text: String) throws(SimulatorError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { throw .badServerURL(text) }
        self.scheme = scheme
        self.host = host
        self.port = components.port ?? (scheme == "https" ? 443 : 80)
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        self.basePath = path
    }

    /// `scheme://host[:port]` plus the base path and `path`.
    public func url(path: String) -> String {
        let defaultPort = scheme == "https" ? 443 : 80
        let authority = port == defaultPort ? bracketedHost : "\(bracketedHost):\(port)"
        return "\(scheme)://\(authority)\(basePath)\(path)"
    }

    public var description: String { url(path: "") }

    private var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }
}

/// A WebSocket URL from TwiML (`wss://public.example.com/media-stream`), split for the upgrade.
struct StreamURL: Sendable, Equatable {
    /// Exactly as the TwiML wrote it: what Twilio signs.
    var text: String
    /// `host[:port]` as Twilio would send it in the `Host` header.
    var authority: String
    /// Path and query: the request target.
    var requestURI: String

    init(_ text: String) throws(SimulatorError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "wss" || scheme == "ws", let host = components.host, !host.isEmpty
        else { throw .noStreamInTwiML(reason: "Stream url \(text.debugDescription) is not a ws:// or wss:// URL") }
        self.text = text
        let bracketed = host.contains(":") ? "[\(host)]" : host
        self.authority = components.port.map { "\(bracketed):\($0)" } ?? bracketed
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        self.requestURI = components.percentEncodedQuery.map { "\(path)?\($0)" } ?? path
    }
}

internal import EarshotAudio

/// Twilio's request signature (`X-Twilio-Signature`): base64 of HMAC-SHA1 under the account's
/// auth token, over the full URL followed by each POST parameter's name and value, parameters
/// sorted by name (then by value), byte-wise.
///
/// Twilio signs the WebSocket handshake too, over the `wss://` URL with no parameters. Build
/// the URL from the configured public URL, never from request headers. JSON-bodied webhooks
/// (signed with a `bodySHA256` query parameter) are not covered here.
public enum TwilioSignature {
    /// libcrypto could not compute the MAC (it cannot allocate, or the token is absurdly long).
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The signature Twilio would send for this request.
    public static func compute(authToken: String, url: String, parameters: [(name: String, value: String)] = []) throws(Failure) -> String {
        do {
            return Base64.encode(try HMACSHA1.authenticate(key: authToken.utf8, message: signedText(url: url, parameters: parameters)))
        } catch {
            throw Failure(description: "HMAC-SHA1 failed: \(error)")
        }
    }

    /// Whether `signature` is Twilio's for this request. Compares in constant time, and accepts
    /// the URL as given and with its default port (443 for https/wss, 80 for http/ws) added or
    /// removed, since Twilio's signing and a proxy may disagree on it.
    public static func isValid(signature: String, authToken: String, url: String, parameters: [(name: String, value: String)] = []) -> Bool {
        var valid = false
        for candidate in urlsToTry(url) {
            guard let expected = try? compute(authToken: authToken, url: candidate, parameters: parameters) else { return false }
            // Every candidate is compared, so the time does not reveal which one matched.
            let matches = HMACSHA1.constantTimeEquals(expected.utf8, signature.utf8)
            valid = valid || matches
        }
        return valid
    }

    /// The URL followed by each parameter's name and value, sorted as Twilio sorts them.
    static func signedText(url: String, parameters: [(name: String, value: String)]) -> [UInt8] {
        let sorted = parameters.sorted { a, b in
            a.name == b.name ? a.value.utf8.lexicographicallyPrecedes(b.value.utf8) : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
        var text = Array(url.utf8)
        for parameter in sorted {
            text += parameter.name.utf8
            text += parameter.value.utf8
        }
        return text
    }

    /// `url` itself, then the same URL with its default port toggled, if its scheme has one.
    static func urlsToTry(_ url: String) -> [String] {
        guard let port = DefaultPort(of: url) else { return [url] }
        return [url, port.toggled]
    }
}

/// Where the port of a URL is, or would go, when its scheme has a default port.
private struct DefaultPort {
    /// The URL with `:443` (or `:80`) added when absent, or removed when present.
    let toggled: String

    init?(of url: String) {
        let bytes = Array(url.utf8)
        guard let schemeEnd = bytes.firstRange(of: Array("://".utf8)) else { return nil }
        let scheme = String(decoding: bytes[..<schemeEnd.lowerBound], as: UTF8.self).lowercased()
        let defaultPort: String
        switch scheme {
        case "https", "wss": defaultPort = "443"
        case "http", "ws": defaultPort = "80"
        default: return nil
        }
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = bytes[authorityStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.endIndex
        // Host and port come after any user:password@; an IPv6 host is bracketed.
        let hostStart = (bytes[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) ?? authorityStart - 1) + 1
        let hostEnd = bytes[hostStart..<authorityEnd].lastIndex(of: UInt8(ascii: "]")) ?? hostStart
        let colon = bytes[hostEnd..<authorityEnd].lastIndex(of: UInt8(ascii: ":"))
        let before = String(decoding: bytes[..<(colon ?? authorityEnd)], as: UTF8.self)
        let after = String(decoding: bytes[authorityEnd...], as: UTF8.self)
        if let colon {
            guard String(decoding: bytes[(colon + 1)..<authorityEnd], as: UTF8.self) == defaultPort else { return nil }
            toggled = before + after
        } else {
            toggled = before + ":" + defaultPort + after
        }
    }
}

/// Small URL helpers: enough for provider endpoints, without Foundation's URL.
enum EndpointURL {
    /// `base` + "/" + `path`, with exactly one slash between them.
    static func join(_ base: String, _ path: String) -> String {
        var base = Substring(base)
        while base.hasSuffix("/") { base = base.dropLast() }
        var path = Substring(path)
        while path.hasPrefix("/") { path = path.dropFirst() }
        return "\(base)/\(path)"
    }

    /// `url?k=v&…` with keys and values percent-encoded; pairs with an empty value are dropped.
    static func withQuery(_ url: String, _ items: [(String, String)]) -> String {
        let query = items
            .filter { !$0.1.isEmpty }
            .map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }
            .joined(separator: "&")
        guard !query.isEmpty else { return url }
        return url + (url.contains("?") ? "&" : "?") + query
    }

    /// RFC 3986 unreserved characters stay; everything else is %XX of its UTF-8 bytes.
    static func percentEncode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return out
    }

    /// The parts of a `ws://` / `wss://` (or `http(s)://`) URL a client needs to connect.
    struct Parts: Equatable {
        var secure: Bool
        var host: String
        var port: Int
        /// Path and query, at least "/".
        var target: String
        /// `Host` header value: the host, with the port when it is not the default.
        var hostHeader: String
    }

    static func parse(_ url: String) -> Parts? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let secure: Bool
        switch url[..<schemeEnd.lowerBound].lowercased() {
        case "ws", "http": secure = false
        case "wss", "https": secure = true
        default: return nil
        }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var target = String(rest[authority.endIndex...].prefix { $0 != "#" })
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        let defaultPort = secure ? 443 : 80
        var host = String(authority)
        var port = defaultPort
        if authority.hasPrefix("[") {
            // IPv6 literal: [::1]:8080
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let afterClose = authority[authority.index(after: close)...]
            if afterClose.hasPrefix(":") {
                guard let parsed = Int(afterClose.dropFirst()) else { return nil }
                port = parsed
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let parsed = Int(authority[authority.index(after: colon)...]) else { return nil }
            host = String(authority[..<colon])
            port = parsed
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        let hostHeader = port == defaultPort ? Self.bareHost(authority) : String(authority)
        return Parts(secure: secure, host: host, port: port, target: target, hostHeader: hostHeader)
    }

    private static func bareHost(_ authority: Substring) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[...close])
        }
        return String(authority.prefix { $0 != ":" })
    }
}

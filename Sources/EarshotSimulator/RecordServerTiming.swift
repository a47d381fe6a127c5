/// One metric of an HTTP `Server-Timing` header (`stt;dur=40.0;desc="deepgram"`): how the
/// server says it spent its time on a `<Record>` action.
public struct ServerTimingMetric: Sendable, Codable, Equatable, CustomStringConvertible {
    public var name: String
    /// `dur`, in milliseconds.
    public var durationMilliseconds: Double?
    /// `desc`, unquoted.
    public var detail: String?

    public init(name: String, durationMilliseconds: Double? = nil, detail: String? = nil) {
        self.name = name
        self.durationMilliseconds = durationMilliseconds
        self.detail = detail
    }

    /// `stt 40.0 ms`.
    public var description: String {
        [name, durationMilliseconds.map { ms($0) }, detail.map { "(\($0))" }].compactMap(\.self).joined(separator: " ")
    }

    /// The metrics of one or more `Server-Timing` header values (joined with commas), in
    /// order. Forgiving: unknown parameters are ignored, an unreadable `dur` is left out, and
    /// commas or semicolons inside quoted strings do not split.
    public static func parse(_ header: String) -> [ServerTimingMetric] {
        split(header, at: ",").compactMap { entry in
            let fields = split(entry, at: ";").map(trimmed)
            guard let name = fields.first, !name.isEmpty, !name.hasPrefix("\"") else { return nil }
            var metric = ServerTimingMetric(name: name)
            for field in fields.dropFirst() {
                guard let equals = field.firstIndex(of: "=") else { continue }
                let key = trimmed(field[..<equals]).lowercased()
                let value = unquoted(trimmed(field[field.index(after: equals)...]))
                switch key {
                case "dur" where metric.durationMilliseconds == nil: metric.durationMilliseconds = Double(value).flatMap { $0.isFinite ? $0 : nil }
                case "desc" where metric.detail == nil: metric.detail = value
                default: break
                }
            }
            return metric
        }
    }

    /// `text` cut at each `separator` outside double quotes (a backslash escapes inside them).
    private static func split(_ text: some StringProtocol, at separator: Character) -> [Substring] {
        let text = Substring(text)
        var parts: [Substring] = []
        var start = text.startIndex
        var quoted = false
        var escaped = false
        for index in text.indices {
            let character = text[index]
            if escaped {
                escaped = false
            } else if quoted && character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if !quoted && character == separator {
                parts.append(text[start..<index])
                start = text.index(after: index)
            }
        }
        parts.append(text[start...])
        return parts
    }

    private static func trimmed(_ text: some StringProtocol) -> String {
        let isSpace = { (c: Character) in c == " " || c == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }

    private static func unquoted(_ text: String) -> String {
        guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else { return text }
        var out = ""
        var escaped = false
        for character in text.dropFirst().dropLast() {
            if !escaped && character == "\\" {
                escaped = true
                continue
            }
            escaped = false
            out.append(character)
        }
        return out
    }
}

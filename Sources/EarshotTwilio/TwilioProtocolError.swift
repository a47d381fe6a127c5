/// Why a Media Streams message could not be read or written.
///
/// The description is one short line meant for a log; names taken from the wire are quoted,
/// escaped and truncated so a hostile message cannot forge or flood log lines.
public enum TwilioProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not JSON (or not UTF-8).
    case notJSON
    /// The JSON is valid but its top level is not an object.
    case notAnObject
    /// The object has no `event` field.
    case missingEvent
    /// The `event` names a message this side of the protocol does not know.
    case unknownEvent(String)
    /// A required field is absent; the name is a dotted path such as `media.payload`.
    case missingField(String)
    /// A field has the wrong type, or a numeric string does not hold an integer.
    case invalidField(String)
    /// The stream does not carry 8 kHz mono μ-law, the only format Twilio streams and Earshot accepts.
    case unsupportedMediaFormat(encoding: String, sampleRate: Int, channels: Int)
    /// An output buffer is smaller than the message; size it with the writer's length function.
    case noSpace(needed: Int, available: Int)

    public var description: String {
        switch self {
        case .notJSON: "message is not JSON"
        case .notAnObject: "message is not a JSON object"
        case .missingEvent: "message has no \"event\" field"
        case .unknownEvent(let name): "unknown event \(Self.quoted(name))"
        case .missingField(let path): "missing field \(Self.quoted(path))"
        case .invalidField(let path): "invalid field \(Self.quoted(path))"
        case let .unsupportedMediaFormat(encoding, sampleRate, channels):
            "unsupported media format \(Self.quoted(encoding)) \(sampleRate) Hz \(channels) ch "
                + "(need \"audio/x-mulaw\" 8000 Hz 1 ch)"
        case let .noSpace(needed, available): "output buffer too small: need \(needed) bytes, have \(available)"
        }
    }

    /// Quotes a wire string for a log line: control characters escaped, at most 64 characters.
    private static func quoted(_ text: String) -> String {
        let limit = 64
        guard text.count > limit else { return text.debugDescription }
        return String(text.prefix(limit)).debugDescription + "…"
    }
}

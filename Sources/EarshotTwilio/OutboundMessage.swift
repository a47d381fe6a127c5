/// The kinds of message the server sends to Twilio on a bidirectional stream.
public enum OutboundEvent: String, Hashable, Sendable, CaseIterable {
    case media, mark, clear
}

/// A message the server sends to Twilio, as a value. The server's per-chunk path uses
/// ``OutboundMessageWriter``; this type is for tests and for the simulator, which receives
/// these messages (see ``OutboundMessageScanner`` for its fast path).
public enum OutboundMessage: Hashable, Sendable {
    /// Audio to play: `payload` is base64 of raw 8 kHz μ-law, no header.
    case media(streamSid: String, payload: String)
    /// Ask Twilio to echo `name` once the audio sent before it has played.
    case mark(streamSid: String, name: String)
    /// Drop all buffered audio; pending marks are echoed at once.
    case clear(streamSid: String)

    /// Which kind of message this is.
    public var event: OutboundEvent {
        switch self {
        case .media: .media
        case .mark: .mark
        case .clear: .clear
        }
    }

    /// The stream the message is for.
    public var streamSid: String {
        switch self {
        case .media(let streamSid, _), .mark(let streamSid, _), .clear(let streamSid): streamSid
        }
    }

    /// Compact JSON in the shape Twilio documents, e.g.
    /// `{"event":"media","streamSid":"MZ…","media":{"payload":"…"}}`.
    public func encoded() -> [UInt8] {
        var json = JSONWriter(capacity: 64)
        json.beginObject()
        json.member("event", event.rawValue)
        json.member("streamSid", streamSid)
        switch self {
        case .media(_, let payload):
            json.key("media")
            json.beginObject()
            json.member("payload", payload)
            json.endObject()
        case .mark(_, let name):
            json.key("mark")
            json.beginObject()
            json.member("name", name)
            json.endObject()
        case .clear:
            break
        }
        json.endObject()
        return json.bytes
    }

    /// ``encoded()`` as a string, for a WebSocket text frame.
    public func encodedString() -> String { String(decoding: encoded(), as: UTF8.self) }

    /// Decodes a message the server sent (the slow path: a full JSON parse).
    public init(decoding json: some Collection<UInt8>) throws(TwilioProtocolError) {
        let message = try JSONObjectReader(parsing: json)
        guard message.contains("event") else { throw .missingEvent }
        let name = try message.string("event")
        guard let event = OutboundEvent(rawValue: name) else { throw .unknownEvent(name) }
        let streamSid = try message.string("streamSid")
        switch event {
        case .media: self = .media(streamSid: streamSid, payload: try message.object("media").string("payload"))
        case .mark: self = .mark(streamSid: streamSid, name: try message.object("mark").string("name"))
        case .clear: self = .clear(streamSid: streamSid)
        }
    }

    /// Decodes a message held in a string.
    public init(decoding json: String) throws(TwilioProtocolError) {
        try self.init(decoding: Array(json.utf8))
    }
}

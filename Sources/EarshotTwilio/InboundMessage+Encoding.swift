extension InboundMessage {
    /// The message as Twilio writes it: compact JSON, keys in Twilio's order, integers as
    /// strings. For the call simulator, which plays Twilio's side; for a stream of media
    /// messages use ``InboundMediaWriter``, which writes the same bytes without allocating.
    public func encoded() -> [UInt8] {
        var json = JSONWriter()
        json.beginObject()
        json.member("event", event.rawValue)
        switch self {
        case .connected(let m):
            json.member("protocol", m.protocolName)
            json.member("version", m.version)
        case .start(let m):
            json.member("sequenceNumber", integerString: m.sequenceNumber)
            json.key("start")
            Self.write(m, to: &json)
            json.member("streamSid", m.streamSid)
        case .media(let m):
            json.member("sequenceNumber", integerString: m.sequenceNumber)
            json.key("media")
            json.beginObject()
            json.member("track", m.track.rawValue)
            json.member("chunk", integerString: m.chunk)
            json.member("timestamp", integerString: m.timestamp)
            json.member("payload", m.payload)
            json.endObject()
            json.member("streamSid", m.streamSid)
        case .dtmf(let m):
            json.member("streamSid", m.streamSid)
            json.member("sequenceNumber", integerString: m.sequenceNumber)
            json.key("dtmf")
            json.beginObject()
            json.member("track", m.track.rawValue)
            json.member("digit", m.digit)
            json.endObject()
        case .mark(let m):
            json.member("sequenceNumber", integerString: m.sequenceNumber)
            json.member("streamSid", m.streamSid)
            json.key("mark")
            json.beginObject()
            json.member("name", m.name)
            json.endObject()
        case .stop(let m):
            json.member("sequenceNumber", integerString: m.sequenceNumber)
            json.key("stop")
            json.beginObject()
            json.member("accountSid", m.accountSid)
            json.member("callSid", m.callSid)
            json.endObject()
            json.member("streamSid", m.streamSid)
        }
        json.endObject()
        return json.bytes
    }

    /// ``encoded()`` as a string, for a WebSocket text frame.
    public func encodedString() -> String { String(decoding: encoded(), as: UTF8.self) }

    /// The `start` object; custom parameters sorted by name so the bytes are reproducible.
    private static func write(_ start: Start, to json: inout JSONWriter) {
        json.beginObject()
        json.member("accountSid", start.accountSid)
        json.member("streamSid", start.streamSid)
        json.member("callSid", start.callSid)
        json.key("tracks")
        json.beginArray()
        for track in start.tracks { json.string(track.rawValue) }
        json.endArray()
        json.key("customParameters")
        json.beginObject()
        for (name, value) in start.customParameters.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            json.member(name, value)
        }
        json.endObject()
        json.key("mediaFormat")
        json.beginObject()
        json.member("encoding", start.mediaFormat.encoding)
        json.key("sampleRate")
        json.integer(start.mediaFormat.sampleRate)
        json.key("channels")
        json.integer(start.mediaFormat.channels)
        json.endObject()
        json.endObject()
    }
}

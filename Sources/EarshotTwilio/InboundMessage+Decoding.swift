internal import EarshotAudio

extension InboundMessage {
    /// Decodes any message Twilio sends (the slow path: a full JSON parse).
    ///
    /// Fields the protocol always carries are required (`streamSid`, `sequenceNumber`, `chunk`,
    /// `timestamp`, …); `media.track` defaults to `inbound`, `start.tracks` to `[inbound]` and
    /// `start.customParameters` to empty, as Twilio may omit them. The media format is decoded,
    /// not judged: check it with ``MediaFormat/requireTwilioMuLaw8kMono()``.
    public init(decoding json: some Collection<UInt8>) throws(TwilioProtocolError) {
        let message = try JSONObjectReader(parsing: json)
        guard message.contains("event") else { throw .missingEvent }
        let name = try message.string("event")
        guard let event = InboundEvent(rawValue: name) else { throw .unknownEvent(name) }
        switch event {
        case .connected: self = .connected(try Self.connected(message))
        case .start: self = .start(try Self.start(message))
        case .media: self = .media(try Self.media(message))
        case .dtmf: self = .dtmf(try Self.dtmf(message))
        case .mark: self = .mark(try Self.mark(message))
        case .stop: self = .stop(try Self.stop(message))
        }
    }

    /// Decodes a message held in a string.
    public init(decoding json: String) throws(TwilioProtocolError) {
        try self.init(decoding: Array(json.utf8))
    }

    private static func connected(_ message: JSONObjectReader) throws(TwilioProtocolError) -> Connected {
        Connected(protocolName: try message.string("protocol"), version: try message.string("version"))
    }

    private static func start(_ message: JSONObjectReader) throws(TwilioProtocolError) -> Start {
        let start = try message.object("start")
        let format = try start.object("mediaFormat")
        // Twilio repeats streamSid inside `start`; the top-level one is the rule for every message.
        let streamSid: String
        if let topLevel = try message.optionalString("streamSid") {
            streamSid = topLevel
        } else {
            streamSid = try start.string("streamSid")
        }
        return Start(
            streamSid: streamSid,
            sequenceNumber: try message.integer("sequenceNumber"),
            accountSid: try start.string("accountSid"),
            callSid: try start.string("callSid"),
            tracks: (try start.optionalStringArray("tracks") ?? ["inbound"]).map(MediaTrack.init(rawValue:)),
            customParameters: try start.optionalStringDictionary("customParameters") ?? [:],
            mediaFormat: MediaFormat(
                encoding: try format.string("encoding"),
                sampleRate: try format.integer("sampleRate"),
                channels: try format.integer("channels")
            )
        )
    }

    private static func media(_ message: JSONObjectReader) throws(TwilioProtocolError) -> Media {
        let media = try message.object("media")
        return Media(
            streamSid: try message.string("streamSid"),
            sequenceNumber: try message.integer("sequenceNumber"),
            track: MediaTrack(rawValue: try media.optionalString("track") ?? MediaTrack.inbound.rawValue),
            chunk: try media.integer("chunk"),
            timestamp: try media.integer("timestamp"),
            payload: try media.string("payload")
        )
    }

    private static func dtmf(_ message: JSONObjectReader) throws(TwilioProtocolError) -> DTMF {
        let dtmf = try message.object("dtmf")
        return DTMF(
            streamSid: try message.string("streamSid"),
            sequenceNumber: try message.integer("sequenceNumber"),
            track: MediaTrack(rawValue: try dtmf.optionalString("track") ?? MediaTrack.inboundTrack.rawValue),
            digit: try dtmf.string("digit")
        )
    }

    private static func mark(_ message: JSONObjectReader) throws(TwilioProtocolError) -> Mark {
        Mark(
            streamSid: try message.string("streamSid"),
            sequenceNumber: try message.integer("sequenceNumber"),
            name: try message.object("mark").string("name")
        )
    }

    private static func stop(_ message: JSONObjectReader) throws(TwilioProtocolError) -> Stop {
        let stop = try message.object("stop")
        return Stop(
            streamSid: try message.string("streamSid"),
            sequenceNumber: try message.integer("sequenceNumber"),
            accountSid: try stop.string("accountSid"),
            callSid: try stop.string("callSid")
        )
    }
}

extension InboundMessage.Media {
    /// The raw μ-law bytes of ``payload``; bad base64 is ``TwilioProtocolError/invalidField(_:)``.
    public func muLaw() throws(TwilioProtocolError) -> [UInt8] {
        do { return try Base64.decode(payload) } catch { throw .invalidField("media.payload") }
    }
}

/// The kinds of message Twilio sends on a Media Streams WebSocket.
public enum InboundEvent: String, Hashable, Sendable, CaseIterable {
    case connected, start, media, dtmf, mark, stop
}

/// A message Twilio sends to the server, fully decoded (the slow path; see ``MediaStreamScanner``
/// for the per-frame fast path).
///
/// `sequenceNumber`, `chunk` and `timestamp` travel as decimal strings; they are integers here.
public enum InboundMessage: Hashable, Sendable {
    case connected(Connected)
    case start(Start)
    case media(Media)
    case dtmf(DTMF)
    case mark(Mark)
    case stop(Stop)

    /// The first message on a stream: which protocol follows.
    public struct Connected: Hashable, Sendable {
        /// `protocol` on the wire, `Call` for Twilio.
        public var protocolName: String
        /// Semantic version of the protocol, `1.0.0`.
        public var version: String

        public init(protocolName: String = "Call", version: String = "1.0.0") {
            self.protocolName = protocolName
            self.version = version
        }
    }

    /// Stream metadata, sent once after `connected`.
    public struct Start: Hashable, Sendable {
        public var streamSid: String
        public var sequenceNumber: Int
        public var accountSid: String
        public var callSid: String
        /// Tracks the stream carries; `[.inbound]` for a bidirectional stream.
        public var tracks: [MediaTrack]
        /// The `<Parameter>`s of the TwiML `<Stream>`.
        public var customParameters: [String: String]
        public var mediaFormat: MediaFormat

        public init(
            streamSid: String, sequenceNumber: Int = 1, accountSid: String, callSid: String,
            tracks: [MediaTrack] = [.inbound], customParameters: [String: String] = [:],
            mediaFormat: MediaFormat = .twilioMuLaw8kMono
        ) {
            self.streamSid = streamSid
            self.sequenceNumber = sequenceNumber
            self.accountSid = accountSid
            self.callSid = callSid
            self.tracks = tracks
            self.customParameters = customParameters
            self.mediaFormat = mediaFormat
        }
    }

    /// One chunk of audio (20 ms, 160 μ-law bytes, from Twilio).
    public struct Media: Hashable, Sendable {
        public var streamSid: String
        public var sequenceNumber: Int
        public var track: MediaTrack
        /// Chunk counter, starting at 1.
        public var chunk: Int
        /// Milliseconds since the stream started.
        public var timestamp: Int
        /// base64 of raw 8 kHz μ-law.
        public var payload: String

        public init(streamSid: String, sequenceNumber: Int, track: MediaTrack = .inbound, chunk: Int, timestamp: Int, payload: String) {
            self.streamSid = streamSid
            self.sequenceNumber = sequenceNumber
            self.track = track
            self.chunk = chunk
            self.timestamp = timestamp
            self.payload = payload
        }
    }

    /// A key the caller pressed.
    public struct DTMF: Hashable, Sendable {
        public var streamSid: String
        public var sequenceNumber: Int
        /// `inbound_track` on the wire.
        public var track: MediaTrack
        public var digit: String

        public init(streamSid: String, sequenceNumber: Int, track: MediaTrack = .inboundTrack, digit: String) {
            self.streamSid = streamSid
            self.sequenceNumber = sequenceNumber
            self.track = track
            self.digit = digit
        }
    }

    /// The echo of a mark the server sent: the audio before it has played, or was cleared.
    public struct Mark: Hashable, Sendable {
        public var streamSid: String
        public var sequenceNumber: Int
        public var name: String

        public init(streamSid: String, sequenceNumber: Int, name: String) {
            self.streamSid = streamSid
            self.sequenceNumber = sequenceNumber
            self.name = name
        }
    }

    /// The stream ended (the call hung up or the TwiML moved on).
    public struct Stop: Hashable, Sendable {
        public var streamSid: String
        public var sequenceNumber: Int
        public var accountSid: String
        public var callSid: String

        public init(streamSid: String, sequenceNumber: Int, accountSid: String, callSid: String) {
            self.streamSid = streamSid
            self.sequenceNumber = sequenceNumber
            self.accountSid = accountSid
            self.callSid = callSid
        }
    }

    /// Which kind of message this is.
    public var event: InboundEvent {
        switch self {
        case .connected: .connected
        case .start: .start
        case .media: .media
        case .dtmf: .dtmf
        case .mark: .mark
        case .stop: .stop
        }
    }

    /// The stream the message belongs to; `nil` only for `connected`.
    public var streamSid: String? {
        switch self {
        case .connected: nil
        case .start(let m): m.streamSid
        case .media(let m): m.streamSid
        case .dtmf(let m): m.streamSid
        case .mark(let m): m.streamSid
        case .stop(let m): m.streamSid
        }
    }

    /// The message's position in the stream; `nil` only for `connected`.
    public var sequenceNumber: Int? {
        switch self {
        case .connected: nil
        case .start(let m): m.sequenceNumber
        case .media(let m): m.sequenceNumber
        case .dtmf(let m): m.sequenceNumber
        case .mark(let m): m.sequenceNumber
        case .stop(let m): m.sequenceNumber
        }
    }
}

/// The audio format announced in a `start` message (`start.mediaFormat`).
public struct MediaFormat: Hashable, Sendable {
    /// MIME-like name, `audio/x-mulaw` for Twilio.
    public var encoding: String
    /// Samples per second, 8000 for Twilio.
    public var sampleRate: Int
    /// Channel count, 1 for Twilio.
    public var channels: Int

    public init(encoding: String, sampleRate: Int, channels: Int) {
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// What Twilio streams: 8 kHz mono μ-law.
    public static let twilioMuLaw8kMono = MediaFormat(encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1)

    /// Whether this is exactly the format Earshot's media path expects.
    public var isTwilioMuLaw8kMono: Bool { self == .twilioMuLaw8kMono }

    /// Throws ``TwilioProtocolError/unsupportedMediaFormat(encoding:sampleRate:channels:)``
    /// unless the format is 8 kHz mono μ-law.
    public func requireTwilioMuLaw8kMono() throws(TwilioProtocolError) {
        guard isTwilioMuLaw8kMono else {
            throw .unsupportedMediaFormat(encoding: encoding, sampleRate: sampleRate, channels: channels)
        }
    }
}

/// The audio track a Media Streams message belongs to.
///
/// An open set: Twilio names tracks `inbound`/`outbound` in `media` and `start` messages and
/// `inbound_track`/`outbound_track` in `dtmf` messages, and a future value must not break decoding.
public struct MediaTrack: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The name as it appears on the wire.
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// The caller's audio (the only track a bidirectional `<Connect><Stream>` sends).
    public static let inbound = MediaTrack(rawValue: "inbound")
    /// The audio played to the caller.
    public static let outbound = MediaTrack(rawValue: "outbound")
    /// The caller's side, as `dtmf` messages name it.
    public static let inboundTrack = MediaTrack(rawValue: "inbound_track")
    /// The far side, as `dtmf` messages name it.
    public static let outboundTrack = MediaTrack(rawValue: "outbound_track")

    /// Whether this is the caller's side under either spelling.
    public var isInbound: Bool { self == .inbound || self == .inboundTrack }

    public var description: String { rawValue }
}

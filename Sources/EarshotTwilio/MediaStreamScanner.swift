/// The per-frame fast path for messages from Twilio: finds the `event` and, for `media`, the
/// base64 payload, in one pass over the bytes with no allocation and no JSON tree.
///
/// Whitespace and any key order are accepted. Anything the scan cannot answer cheaply and
/// exactly (an escaped payload such as `\/`, a repeated or mistyped member, a missing payload)
/// yields ``ScanResult/needsFullParse``: decode with `InboundMessage(decoding:)`,
/// which also explains what is wrong. Members other than `event` and `media` are only checked
/// for well-formedness.
public enum MediaStreamScanner {
    /// What a scan found. Ranges are byte offsets into the scanned buffer.
    public enum ScanResult: Hashable, Sendable {
        /// Audio: `payload` holds the base64 text (between the quotes, no escapes in it).
        case media(payload: Range<Int>, track: ScannedTrack)
        /// Another known event; decode it fully (these are rare).
        case other(InboundEvent)
        /// An event name Twilio did not document; `name` holds it, unescaped.
        case unknown(name: Range<Int>)
        /// Well-formed JSON the fast path cannot read exactly: decode it fully.
        case needsFullParse
        /// Not a JSON object, or no `event` member.
        case invalid
    }

    /// The `track` of a media message, as the scan saw it.
    public enum ScannedTrack: Hashable, Sendable {
        case inbound
        case outbound
        /// No `track` member; Twilio's bidirectional streams carry only the caller's audio.
        case unspecified
        /// Another value; the range holds it.
        case other(Range<Int>)

        /// Whether the audio is the caller's (`inbound`, or no track given).
        public var isInbound: Bool { self == .inbound || self == .unspecified }
    }

    /// Scans one message (a WebSocket text frame).
    public static func scan(_ bytes: UnsafeRawBufferPointer) -> ScanResult {
        guard let message = MessageSkeleton(scanning: bytes) else { return .invalid }
        guard let event = message.event else { return message.isUnusual ? .needsFullParse : .invalid }
        guard !message.isUnusual, !event.hasEscape, let cursor = JSONCursor(bytes) else { return .needsFullParse }
        guard let kind = Self.event(event.range, in: cursor) else { return .unknown(name: event.range) }
        guard kind == .media else { return .other(kind) }
        guard let payload = message.payload, !payload.hasEscape else { return .needsFullParse }
        guard let track = message.track else { return .media(payload: payload.range, track: .unspecified) }
        if track.hasEscape { return .needsFullParse }
        if cursor.bytes(track.range, equal: "inbound") { return .media(payload: payload.range, track: .inbound) }
        if cursor.bytes(track.range, equal: "outbound") { return .media(payload: payload.range, track: .outbound) }
        return .media(payload: payload.range, track: .other(track.range))
    }

    @inline(__always)
    private static func event(_ name: Range<Int>, in cursor: JSONCursor) -> InboundEvent? {
        // Media first: it is 99% of the traffic.
        if cursor.bytes(name, equal: "media") { return .media }
        if cursor.bytes(name, equal: "mark") { return .mark }
        if cursor.bytes(name, equal: "start") { return .start }
        if cursor.bytes(name, equal: "stop") { return .stop }
        if cursor.bytes(name, equal: "dtmf") { return .dtmf }
        if cursor.bytes(name, equal: "connected") { return .connected }
        return nil
    }
}

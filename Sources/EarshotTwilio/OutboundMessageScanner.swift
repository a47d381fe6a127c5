/// The fast path for messages the server sends to Twilio, for a simulator or load generator
/// receiving tens of thousands a second: one pass, no allocation.
///
/// Like ``MediaStreamScanner``, it answers ``ScanResult/needsFullParse`` whenever it cannot
/// be exact (an escaped payload or mark name, a repeated member); decode those with
/// `OutboundMessage(decoding:)`.
public enum OutboundMessageScanner {
    /// What a scan found. Ranges are byte offsets into the scanned buffer.
    public enum ScanResult: Hashable, Sendable {
        /// Audio to play: `payload` holds the base64 text, no escapes in it.
        case media(payload: Range<Int>)
        /// A mark: `name` holds its name, no escapes in it.
        case mark(name: Range<Int>)
        /// Drop the buffered audio.
        case clear
        /// An event name that is not media, mark or clear; `name` holds it, unescaped.
        case unknown(name: Range<Int>)
        /// Well-formed JSON the fast path cannot read exactly: decode it fully.
        case needsFullParse
        /// Not a JSON object, or no `event` member.
        case invalid
    }

    /// Scans one message (a WebSocket text frame).
    public static func scan(_ bytes: UnsafeRawBufferPointer) -> ScanResult {
        guard let message = MessageSkeleton(scanning: bytes) else { return .invalid }
        guard let event = message.event else { return message.isUnusual ? .needsFullParse : .invalid }
        guard !message.isUnusual, !event.hasEscape, let cursor = JSONCursor(bytes) else { return .needsFullParse }
        if cursor.bytes(event.range, equal: "media") {
            guard let payload = message.payload, !payload.hasEscape else { return .needsFullParse }
            return .media(payload: payload.range)
        }
        if cursor.bytes(event.range, equal: "mark") {
            guard let name = message.markName, !name.hasEscape else { return .needsFullParse }
            return .mark(name: name.range)
        }
        if cursor.bytes(event.range, equal: "clear") { return .clear }
        return .unknown(name: event.range)
    }
}

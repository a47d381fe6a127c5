internal import EarshotAudio

/// Writes the server's messages for one stream straight into a caller's buffer (the hot
/// outbound path: one `media` message per 20–100 ms of reply audio per call).
///
/// The JSON around the payload is built once per stream, so writing a message is two copies
/// and a base64 pass. Size the buffer with the matching `…Length` function; a write into a
/// smaller buffer throws ``TwilioProtocolError/noSpace(needed:available:)`` before writing anything.
public struct OutboundMessageWriter: Sendable {
    /// The stream every message is addressed to.
    public let streamSid: String
    /// `{"event":"media","streamSid":"…","media":{"payload":"`
    private let mediaPrefix: [UInt8]
    /// `{"event":"mark","streamSid":"…","mark":{"name":"`
    private let markPrefix: [UInt8]
    /// `{"event":"clear","streamSid":"…"}`
    private let clearMessage: [UInt8]
    /// Closes the payload or name string and both objects.
    private static let suffix: [UInt8] = Array("\"}}".utf8)

    /// Prepares the messages for `streamSid`, escaped for JSON if it holds odd characters.
    public init(streamSid: String) {
        self.streamSid = streamSid
        mediaPrefix = Self.prefix(event: .media, streamSid: streamSid, field: "payload")
        markPrefix = Self.prefix(event: .mark, streamSid: streamSid, field: "name")
        clearMessage = OutboundMessage.clear(streamSid: streamSid).encoded()
    }

    /// Bytes of a `media` message carrying `muLawCount` μ-law bytes (or PCM samples).
    public func mediaLength(muLawCount: Int) -> Int {
        mediaPrefix.count + Base64.encodedLength(muLawCount) + Self.suffix.count
    }

    /// Writes a `media` message for raw μ-law bytes; returns the bytes written.
    public func writeMedia(muLaw: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(TwilioProtocolError) -> Int {
        var writer = try RawBufferWriter(output, needed: mediaLength(muLawCount: muLaw.count))
        writer.append(mediaPrefix)
        try writer.appendBase64(muLaw)
        writer.append(Self.suffix)
        return writer.count
    }

    /// Writes a `media` message for 8 kHz PCM16, μ-law-encoding it on the way; returns the bytes written.
    public func writeMedia(pcm: UnsafeBufferPointer<Int16>, into output: UnsafeMutableRawBufferPointer) throws(TwilioProtocolError) -> Int {
        var writer = try RawBufferWriter(output, needed: mediaLength(muLawCount: pcm.count))
        writer.append(mediaPrefix)
        try writer.appendMuLawBase64(pcm)
        writer.append(Self.suffix)
        return writer.count
    }

    /// Bytes of a `mark` message named `name`.
    public func markLength(name: String) -> Int {
        markPrefix.count + JSONEscaping.escapedLength(name.utf8) + Self.suffix.count
    }

    /// Writes a `mark` message; the name is escaped for JSON. Returns the bytes written.
    public func writeMark(name: String, into output: UnsafeMutableRawBufferPointer) throws(TwilioProtocolError) -> Int {
        var writer = try RawBufferWriter(output, needed: markLength(name: name))
        writer.append(markPrefix)
        JSONEscaping.write(name.utf8, to: &writer)
        writer.append(Self.suffix)
        return writer.count
    }

    /// Bytes of the `clear` message.
    public var clearLength: Int { clearMessage.count }

    /// Writes the `clear` message; returns the bytes written.
    public func writeClear(into output: UnsafeMutableRawBufferPointer) throws(TwilioProtocolError) -> Int {
        var writer = try RawBufferWriter(output, needed: clearLength)
        writer.append(clearMessage)
        return writer.count
    }

    /// A `media` message for raw μ-law bytes, as a new array.
    public func media(muLaw: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: mediaLength(muLawCount: muLaw.count)) { buffer, count in
            count = muLaw.withUnsafeBytes { (try? writeMedia(muLaw: $0, into: UnsafeMutableRawBufferPointer(buffer))) ?? 0 }
        }
    }

    /// A `mark` message, as a new array.
    public func mark(name: String) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: markLength(name: name)) { buffer, count in
            count = (try? writeMark(name: name, into: UnsafeMutableRawBufferPointer(buffer))) ?? 0
        }
    }

    /// The `clear` message.
    public func clear() -> [UInt8] { clearMessage }

    private static func prefix(event: OutboundEvent, streamSid: String, field: String) -> [UInt8] {
        var json = JSONWriter(capacity: 64)
        json.beginObject()
        json.member("event", event.rawValue)
        json.member("streamSid", streamSid)
        json.key(event.rawValue)
        json.beginObject()
        json.key(field)
        // Open the string; the payload or name and `suffix` complete it.
        json.append(UInt8(ascii: "\""))
        return json.bytes
    }
}

internal import EarshotAudio

/// Writes Twilio's `media` messages for one stream into a caller's buffer, byte for byte as
/// ``InboundMessage/encoded()`` does, without allocating: the load generator sends one per
/// simulated call every 20 ms.
public struct InboundMediaWriter: Sendable {
    /// The stream every message belongs to.
    public let streamSid: String
    /// The track the messages claim, `inbound` as on a bidirectional stream.
    public let track: MediaTrack
    /// `{"event":"media","sequenceNumber":"`
    private static let head: [UInt8] = Array(#"{"event":"media","sequenceNumber":""#.utf8)
    /// `","media":{"track":"inbound","chunk":"`
    private let afterSequenceNumber: [UInt8]
    private static let afterChunk: [UInt8] = Array(#"","timestamp":""#.utf8)
    private static let afterTimestamp: [UInt8] = Array(#"","payload":""#.utf8)
    /// `"},"streamSid":"MZ…"}`
    private let tail: [UInt8]

    public init(streamSid: String, track: MediaTrack = .inbound) {
        self.streamSid = streamSid
        self.track = track
        var middle = JSONWriter(capacity: 48)
        middle.append(contentsOf: #"","media":{"track":""#)
        JSONEscaping.write(track.rawValue.utf8, to: &middle)
        middle.append(contentsOf: #"","chunk":""#)
        afterSequenceNumber = middle.bytes
        var end = JSONWriter(capacity: 64)
        end.append(contentsOf: #""},"streamSid":""#)
        JSONEscaping.write(streamSid.utf8, to: &end)
        end.append(contentsOf: #""}"#)
        tail = end.bytes
    }

    /// Bytes of the message for these counters and `muLawCount` bytes of audio.
    public func length(sequenceNumber: Int, chunk: Int, timestamp: Int, muLawCount: Int) -> Int {
        Self.head.count + DecimalText.length(sequenceNumber) + afterSequenceNumber.count + DecimalText.length(chunk)
            + Self.afterChunk.count + DecimalText.length(timestamp) + Self.afterTimestamp.count
            + Base64.encodedLength(muLawCount) + tail.count
    }

    /// An upper bound on ``length(sequenceNumber:chunk:timestamp:muLawCount:)`` for any counters,
    /// to size one reusable buffer.
    public func maximumLength(muLawCount: Int) -> Int {
        length(sequenceNumber: Int.min, chunk: Int.min, timestamp: Int.min, muLawCount: muLawCount)
    }

    /// Writes the message; returns the bytes written.
    public func write(
        sequenceNumber: Int, chunk: Int, timestamp: Int, muLaw: UnsafeRawBufferPointer,
        into output: UnsafeMutableRawBufferPointer
    ) throws(TwilioProtocolError) -> Int {
        let needed = length(sequenceNumber: sequenceNumber, chunk: chunk, timestamp: timestamp, muLawCount: muLaw.count)
        var writer = try RawBufferWriter(output, needed: needed)
        writer.append(Self.head)
        DecimalText.write(sequenceNumber, to: &writer)
        writer.append(afterSequenceNumber)
        DecimalText.write(chunk, to: &writer)
        writer.append(Self.afterChunk)
        DecimalText.write(timestamp, to: &writer)
        writer.append(Self.afterTimestamp)
        try writer.appendBase64(muLaw)
        writer.append(tail)
        return writer.count
    }

    /// The message as a new array.
    public func message(sequenceNumber: Int, chunk: Int, timestamp: Int, muLaw: [UInt8]) -> [UInt8] {
        let capacity = length(sequenceNumber: sequenceNumber, chunk: chunk, timestamp: timestamp, muLawCount: muLaw.count)
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            count = muLaw.withUnsafeBytes { audio in
                (try? write(sequenceNumber: sequenceNumber, chunk: chunk, timestamp: timestamp, muLaw: audio,
                            into: UnsafeMutableRawBufferPointer(buffer))) ?? 0
            }
        }
    }
}

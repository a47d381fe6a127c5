/// Twilio's `media` message for one stream, written around an already-encoded payload.
///
/// EarshotTwilio's ``InboundMediaWriter`` base64-encodes on every write; the load generator
/// sends the same clip frames over and over, so it copies precomputed text instead. The bytes
/// are the same — ``LoadGenerator`` checks that against ``InboundMediaWriter`` before a run.
struct PrecodedMediaWriter {
    private static let head = Array(#"{"event":"media","sequenceNumber":""#.utf8)
    private static let afterSequenceNumber = Array(#"","media":{"track":"inbound","chunk":""#.utf8)
    private static let afterChunk = Array(#"","timestamp":""#.utf8)
    private static let afterTimestamp = Array(#"","payload":""#.utf8)
    /// `"},"streamSid":"MZ…"}`; stream SIDs are hex, so nothing needs escaping.
    private let tail: [UInt8]

    init(streamSid: String) {
        tail = Array(#""},"streamSid":""#.utf8) + Array(streamSid.utf8) + Array(#""}"#.utf8)
    }

    /// The message's exact length.
    func length(sequenceNumber: Int, chunk: Int, timestamp: Int, payloadCount: Int) -> Int {
        Self.head.count + digits(sequenceNumber) + Self.afterSequenceNumber.count + digits(chunk)
            + Self.afterChunk.count + digits(timestamp) + Self.afterTimestamp.count + payloadCount + tail.count
    }

    /// Writes the message into `output` (at least ``length(sequenceNumber:chunk:timestamp:payloadCount:)``
    /// bytes); returns the bytes written.
    func write(sequenceNumber: Int, chunk: Int, timestamp: Int, payload: UnsafeRawBufferPointer,
               into output: UnsafeMutableRawBufferPointer) -> Int {
        var at = 0
        copy(Self.head, output, &at)
        decimal(sequenceNumber, output, &at)
        copy(Self.afterSequenceNumber, output, &at)
        decimal(chunk, output, &at)
        copy(Self.afterChunk, output, &at)
        decimal(timestamp, output, &at)
        copy(Self.afterTimestamp, output, &at)
        UnsafeMutableRawBufferPointer(rebasing: output[at...]).copyMemory(from: payload)
        at += payload.count
        copy(tail, output, &at)
        return at
    }

    @inline(__always)
    private func copy(_ bytes: [UInt8], _ output: UnsafeMutableRawBufferPointer, _ at: inout Int) {
        bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: output[at...]).copyMemory(from: $0) }
        at += bytes.count
    }

    /// Non-negative decimal, most significant digit first.
    @inline(__always)
    private func decimal(_ value: Int, _ output: UnsafeMutableRawBufferPointer, _ at: inout Int) {
        let n = digits(value)
        var v = value
        for i in stride(from: at + n - 1, through: at, by: -1) {
            output[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
            v /= 10
        }
        at += n
    }

    @inline(__always)
    private func digits(_ value: Int) -> Int {
        var n = 1
        var v = value
        while v >= 10 { v /= 10; n += 1 }
        return n
    }
}

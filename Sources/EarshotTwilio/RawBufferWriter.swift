internal import EarshotAudio

/// Writes a message of known length into a caller's buffer. The capacity is checked once,
/// up front, against the exact length; the appends then only assert.
struct RawBufferWriter: ByteSink {
    private let buffer: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ buffer: UnsafeMutableRawBufferPointer, needed: Int) throws(TwilioProtocolError) {
        guard buffer.count >= needed else { throw .noSpace(needed: needed, available: buffer.count) }
        self.buffer = buffer
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        assert(count < buffer.count)
        buffer[count] = byte
        count += 1
    }

    mutating func append(_ bytes: [UInt8]) {
        assert(count + bytes.count <= buffer.count)
        bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[count...]).copyMemory(from: $0) }
        count += bytes.count
    }

    /// base64 of raw bytes (μ-law).
    mutating func appendBase64(_ bytes: UnsafeRawBufferPointer) throws(TwilioProtocolError) {
        let remaining = UnsafeMutableRawBufferPointer(rebasing: buffer[count...])
        do { count += try Base64.encode(bytes, into: remaining) } catch { throw noSpace(Base64.encodedLength(bytes.count)) }
    }

    /// base64 of the μ-law encoding of PCM16, in one pass.
    mutating func appendMuLawBase64(_ pcm: UnsafeBufferPointer<Int16>) throws(TwilioProtocolError) {
        let remaining = UnsafeMutableRawBufferPointer(rebasing: buffer[count...])
        do { count += try Base64.encodeMuLaw(pcm, into: remaining) } catch { throw noSpace(Base64.encodedLength(pcm.count)) }
    }

    private func noSpace(_ more: Int) -> TwilioProtocolError {
        .noSpace(needed: count + more, available: buffer.count)
    }
}

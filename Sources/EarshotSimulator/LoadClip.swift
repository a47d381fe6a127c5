import EarshotAudio

/// A clip prepared for thousands of streams: every frame's base64 text is computed once, so
/// sending a frame copies bytes and encodes nothing.
struct LoadClip: Sendable {
    /// base64 characters of one 160-byte frame.
    static let payloadLength = Base64.encodedLength(CallClip.frameBytes)

    let frameCount: Int
    /// `frameCount` payloads back to back, `payloadLength` bytes each.
    let payloads: [UInt8]
    /// `true` at each utterance's last voiced frame.
    let endsUtterance: [Bool]

    init(_ clip: CallClip) {
        frameCount = clip.frameCount
        var payloads: [UInt8] = []
        payloads.reserveCapacity(frameCount * Self.payloadLength)
        for frame in 0..<frameCount {
            payloads += Array(Base64.encode(Array(clip.frame(frame))).utf8)
        }
        self.payloads = payloads
        var ends = [Bool](repeating: false, count: frameCount)
        for utterance in clip.utterances { ends[utterance.lastVoicedFrame] = true }
        endsUtterance = ends
    }
}

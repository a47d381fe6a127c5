/// What a call session needs from the carrier connection (Twilio's WebSocket, or another
/// carrier's). Called only on the session's event loop.
public protocol CallTransport: AnyObject {
    /// Sends one message of 8 kHz μ-law audio (20–100 ms).
    func sendAudio(_ muLaw: UnsafeBufferPointer<UInt8>)
    /// Sends a named mark; the carrier echoes it once the audio before it has played,
    /// or at once when a clear discards that audio.
    func sendMark(_ name: String)
    /// Discards the audio the carrier has buffered but not played yet.
    func sendClear()
    /// Ends the call (close the stream so the carrier runs its next instruction).
    func hangUp()
}

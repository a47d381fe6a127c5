internal import CEarshot

/// RFC 6455 unmasking into a caller buffer: a client frame is read without mutating (and so
/// copying) the shared receive buffer it sits in.
public enum WebSocketMask {
    /// Writes `source` XOR the repeating 4-byte `key` into `destination` (at least as long).
    public static func unmask(_ source: UnsafeRawBufferPointer, key: (UInt8, UInt8, UInt8, UInt8),
                              into destination: UnsafeMutableRawBufferPointer) throws(AudioError) {
        guard destination.count >= source.count else { throw .noSpace }
        guard !source.isEmpty else { return }
        let rc = withUnsafeBytes(of: key) { keyBytes in // a tuple: no allocation per frame
            es_ws_unmask(destination.baseAddress!.assumingMemoryBound(to: UInt8.self),
                         source.baseAddress!.assumingMemoryBound(to: UInt8.self), source.count,
                         keyBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), 0)
        }
        _ = try checked(rc)
    }
}

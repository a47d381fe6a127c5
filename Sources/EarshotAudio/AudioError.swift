internal import CEarshot

/// An error reported by Earshot's C audio core.
public enum AudioError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An argument was out of range or inconsistent (a configuration, a length).
    case invalidArgument
    /// An output buffer or a ring was too small for the result.
    case noSpace
    /// Malformed input: bad base64 characters or padding.
    case badData
    /// The C core could not allocate a handle.
    case outOfMemory
    /// A system library (WebRTC VAD, speexdsp, libcrypto) failed.
    case library
    /// The input does not match the format the handle was configured for.
    case wrongFormat

    init(code: Int) {
        switch code {
        case Int(ES_ENOSPC): self = .noSpace
        case Int(ES_EBADDATA): self = .badData
        case Int(ES_ENOMEM): self = .outOfMemory
        case Int(ES_ELIB): self = .library
        case Int(ES_EFORMAT): self = .wrongFormat
        default: self = .invalidArgument
        }
    }

    public var description: String {
        switch self {
        case .invalidArgument: "invalid argument"
        case .noSpace: "not enough space"
        case .badData: "malformed input data"
        case .outOfMemory: "out of memory"
        case .library: "system library call failed"
        case .wrongFormat: "input does not match the configured format"
        }
    }
}

/// Turns a C return value (a count, or a negative error code) into a count or a typed error.
@inline(__always)
func checked(_ result: Int) throws(AudioError) -> Int {
    if result < 0 { throw AudioError(code: result) }
    return result
}

@inline(__always)
func checked(_ result: Int32) throws(AudioError) {
    if result < 0 { throw AudioError(code: Int(result)) }
}

internal import CEarshotVoice

/// Reading the C voice core's `ES_E…` codes.
enum VoiceCore {
    /// The message for a code, for `ProviderError` descriptions.
    static func message(_ code: Int) -> String {
        String(cString: es_voice_strerror(Int32(clamping: code)))
    }

    /// A voice, model file or data directory does not exist.
    static func isNotFound(_ code: Int) -> Bool { code == Int(ES_ENOTFOUND) }
}

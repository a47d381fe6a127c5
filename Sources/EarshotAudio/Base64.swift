internal import CEarshot

/// Strict base64 (RFC 4648, standard alphabet, padded): any bad character or
/// padding is ``AudioError/badData``, never a partial result.
public enum Base64 {
    /// Decodes text bytes into `output`; returns the number of bytes written.
    public static func decode(_ text: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>) throws(AudioError) -> Int {
        guard !text.isEmpty else { return 0 }
        return try checked(es_base64_decode(text.baseAddress, text.count, output.baseAddress, output.count))
    }

    /// Decodes a string.
    public static func decode(_ text: String) throws(AudioError) -> [UInt8] {
        var text = text
        let result: Result<[UInt8], AudioError> = text.withUTF8 { utf8 in
            let capacity = es_base64_decoded_max(utf8.count)
            var rc = 0
            let bytes = [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
                rc = utf8.isEmpty ? 0 : es_base64_decode(utf8.baseAddress, utf8.count, out.baseAddress, out.count)
                count = max(0, rc)
            }
            return rc < 0 ? .failure(AudioError(code: rc)) : .success(bytes)
        }
        return try result.get()
    }

    /// Encodes bytes into text bytes in `output`; returns the characters written.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(AudioError) -> Int {
        guard !bytes.isEmpty else { return 0 }
        return try checked(es_base64_encode(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, output.baseAddress, output.count))
    }

    /// Encodes bytes as a string.
    public static func encode(_ bytes: [UInt8]) -> String {
        let length = es_base64_encoded_len(bytes.count)
        return String(unsafeUninitializedCapacity: length) { out in
            bytes.withUnsafeBytes { (try? encode($0, into: UnsafeMutableRawBufferPointer(out))) ?? 0 }
        }
    }

    /// Characters needed to encode `count` bytes.
    public static func encodedLength(_ count: Int) -> Int { es_base64_encoded_len(count) }

    /// The outbound media path in one step: PCM16 → μ-law → base64 text bytes.
    /// Returns the characters written.
    public static func encodeMuLaw(_ pcm: UnsafeBufferPointer<Int16>, into output: UnsafeMutableRawBufferPointer) throws(AudioError) -> Int {
        guard !pcm.isEmpty else { return 0 }
        return try checked(es_pcm_to_ulaw_base64(pcm.baseAddress, pcm.count, output.baseAddress, output.count))
    }

    /// The inbound media path in one step: base64 μ-law text → PCM16. Returns samples written.
    public static func decodeMuLaw(_ text: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>) throws(AudioError) -> Int {
        guard !text.isEmpty else { return 0 }
        return try checked(es_base64_ulaw_to_pcm(text.baseAddress, text.count, pcm.baseAddress, pcm.count))
    }
}

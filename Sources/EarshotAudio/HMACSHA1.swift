internal import CEarshot

/// HMAC-SHA1 through libcrypto, as Twilio uses for request signatures.
public enum HMACSHA1 {
    /// The 20-byte MAC of `message` under `key`.
    public static func authenticate(key: some Collection<UInt8>, message: some Collection<UInt8>) throws(AudioError) -> [UInt8] {
        let key = Array(key), message = Array(message)
        var mac = [UInt8](repeating: 0, count: Int(ES_SHA1_LEN))
        let rc = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                mac.withUnsafeMutableBufferPointer { es_hmac_sha1(k.baseAddress, k.count, m.baseAddress, m.count, $0.baseAddress) }
            }
        }
        try checked(rc)
        return mac
    }

    /// base64 of the MAC: the form of an `X-Twilio-Signature` header.
    public static func base64(key: String, message: String) throws(AudioError) -> String {
        Base64.encode(try authenticate(key: key.utf8, message: message.utf8))
    }

    /// Compares two byte strings in time that depends only on their lengths.
    public static func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        let a = Array(a), b = Array(b)
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in es_ct_equal(x.baseAddress, x.count, y.baseAddress, y.count) == 1 } }
    }
}

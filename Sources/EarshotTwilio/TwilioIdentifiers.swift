/// Identifiers shaped like Twilio's: a two-letter prefix and 32 lowercase hex digits.
public enum TwilioIdentifier {
    /// A call: `CA…`.
    public static func callSid() -> String { make("CA") }
    /// An account: `AC…`.
    public static func accountSid() -> String { make("AC") }
    /// A media stream: `MZ…`.
    public static func streamSid() -> String { make("MZ") }

    /// `prefix` followed by 32 random lowercase hex digits.
    public static func make(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(prefix, using: &generator)
    }

    /// `prefix` followed by 32 lowercase hex digits drawn from `generator`.
    public static func make(_ prefix: String, using generator: inout some RandomNumberGenerator) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = Array(prefix.utf8)
        out.reserveCapacity(out.count + 32)
        for _ in 0..<2 {
            var word = generator.next()
            for _ in 0..<16 {
                out.append(digits[Int(word & 0xF)])
                word >>= 4
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

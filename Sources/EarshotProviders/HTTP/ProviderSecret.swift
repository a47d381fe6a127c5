/// An API key or token. It goes into request headers and nowhere else: printing, logging,
/// interpolating or mirroring it shows `<redacted>`, so a configuration can be logged whole.
public struct ProviderSecret: Sendable, Equatable, ExpressibleByStringLiteral,
    CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable
{
    /// The secret itself; read it only to build a header.
    public let value: String

    public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }

    /// Nil for an absent or blank value, so `ProviderSecret(environment["KEY"])` reads naturally.
    public init?(_ value: String?) {
        guard let value, !value.allSatisfy(\.isWhitespace) else { return nil }
        self.value = value
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

enum Redaction {
    /// Removes `secrets` and anything shaped like an OpenAI-style key (`sk-…`) from text that
    /// came back from a provider (error bodies often echo part of the key).
    static func scrub(_ text: String, secrets: [ProviderSecret]) -> String {
        var text = text
        for secret in secrets where secret.value.count >= 4 {
            text = text.replacing(secret.value, with: "<redacted>")
        }
        return scrubKeyShapedTokens(text)
    }

    private static func scrubKeyShapedTokens(_ text: String) -> String {
        guard text.contains("sk-") else { return text }
        var out = ""
        var rest = Substring(text)
        while let start = rest.firstRange(of: "sk-") {
            out += rest[..<start.lowerBound]
            var end = start.upperBound
            while end < rest.endIndex, isKeyCharacter(rest[end]) { end = rest.index(after: end) }
            out += rest.distance(from: start.upperBound, to: end) >= 6 ? "sk-<redacted>" : String(rest[start.lowerBound..<end])
            rest = rest[end...]
        }
        return out + rest
    }

    private static func isKeyCharacter(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "-" || c == "_" || c == "*" || c == "."
    }
}

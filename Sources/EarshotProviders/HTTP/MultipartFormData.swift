import NIOCore

/// A `multipart/form-data` body (RFC 7578), written straight into one buffer.
public struct MultipartFormData: Sendable {
    public let boundary: String
    private var body = ByteBuffer()

    /// `boundary` must not occur in any part; the random default cannot in practice.
    public init(boundary: String = MultipartFormData.randomBoundary()) {
        self.boundary = boundary
    }

    /// The request's `Content-Type` header value.
    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    public static func randomBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return "earshot-" + hex(high) + hex(low)
    }

    /// Adds a text field.
    public mutating func append(field name: String, value: String) {
        openPart(disposition: "form-data; name=\"\(Self.escape(name))\"", contentType: nil)
        body.writeString(value)
        body.writeString("\r\n")
    }

    /// Adds a file.
    public mutating func append(file name: String, filename: String, contentType: String, bytes: some Collection<UInt8>) {
        openPart(
            disposition: "form-data; name=\"\(Self.escape(name))\"; filename=\"\(Self.escape(filename))\"",
            contentType: contentType
        )
        body.writeBytes(bytes)
        body.writeString("\r\n")
    }

    /// The body with its closing delimiter.
    public func finished() -> ByteBuffer {
        var out = body
        out.writeString("--\(boundary)--\r\n")
        return out
    }

    private mutating func openPart(disposition: String, contentType: String?) {
        body.writeString("--\(boundary)\r\nContent-Disposition: \(disposition)\r\n")
        if let contentType { body.writeString("Content-Type: \(contentType)\r\n") }
        body.writeString("\r\n")
    }

    /// Quotes, CR and LF percent-encoded in names, as browsers do (HTML's form submission).
    private static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "%22"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// `application/x-www-form-urlencoded`, as Twilio posts webhook parameters (WHATWG URL
/// standard, "application/x-www-form-urlencoded").
public enum FormURLEncoded {
    /// Splits a body into name/value pairs, in order, duplicates kept.
    ///
    /// `+` is a space and `%XX` a byte. Like browsers (and the WHATWG parser), it never fails:
    /// a `%` not followed by two hex digits is kept literally, a pair without `=` has an empty
    /// value, empty pairs (`a=1&&b=2`) are skipped, and bytes that are not UTF-8 become U+FFFD.
    public static func parse(_ body: some Collection<UInt8>) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for field in Array(body).split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = field.firstIndex(of: UInt8(ascii: "=")) {
                pairs.append((decode(field[..<equals]), decode(field[(equals + 1)...])))
            } else {
                pairs.append((decode(field[...]), ""))
            }
        }
        return pairs
    }

    /// Joins pairs as `name=value&…`, percent-encoding every byte but ASCII letters, digits
    /// and `*-._`, and writing spaces as `+` (the WHATWG form rules).
    public static func encode(_ pairs: [(name: String, value: String)]) -> String {
        var bytes: [UInt8] = []
        for (index, pair) in pairs.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "&")) }
            encode(pair.name, into: &bytes)
            bytes.append(UInt8(ascii: "="))
            encode(pair.value, into: &bytes)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func decode(_ text: ArraySlice<UInt8>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < text.endIndex,
                      let high = hexValue(text[index + 1]), let low = hexValue(text[index + 2]) {
                bytes.append(high << 4 | low)
                index += 2
            } else {
                bytes.append(byte)
            }
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func encode(_ text: String, into bytes: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "-"),
                 UInt8(ascii: "."), UInt8(ascii: "_"):
                bytes.append(byte)
            case UInt8(ascii: " "):
                bytes.append(UInt8(ascii: "+"))
            default:
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigit(byte >> 4))
                bytes.append(hexDigit(byte & 0x0F))
            }
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }
}

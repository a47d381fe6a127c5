/// A JSON string found by ``JSONCursor``: the bytes between the quotes, still escaped.
struct ScannedString {
    var range: Range<Int>
    /// Whether the text holds a backslash escape, so its bytes are not its value.
    var hasEscape: Bool
}

/// A forward-only reader over JSON bytes for the allocation-free scanners. Every read is
/// checked against `end`, so truncated or hostile input can make a scan fail, never overrun.
struct JSONCursor {
    private let base: UnsafeRawPointer
    private let end: Int
    private(set) var position = 0

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return nil }
        self.base = base
        self.end = bytes.count
    }

    var isAtEnd: Bool { position >= end }

    @inline(__always)
    private func byte(_ index: Int) -> UInt8 { base.load(fromByteOffset: index, as: UInt8.self) }

    /// The byte under the cursor, or `nil` at the end.
    @inline(__always)
    var current: UInt8? { position < end ? byte(position) : nil }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < end {
            switch byte(position) {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Steps over `expected` if it is the current byte.
    @inline(__always)
    mutating func consume(_ expected: UInt8) -> Bool {
        guard position < end, byte(position) == expected else { return false }
        position += 1
        return true
    }

    /// Whether the scanned bytes equal an ASCII literal.
    @inline(__always)
    func bytes(_ range: Range<Int>, equal literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let text = literal.utf8Start
        var offset = 0
        while offset < range.count {
            if byte(range.lowerBound + offset) != text[offset] { return false }
            offset += 1
        }
        return true
    }

    /// Reads a string whose opening quote is under the cursor. Returns `nil` if it is
    /// unterminated or holds a raw control character (both invalid JSON).
    mutating func scanString() -> ScannedString? {
        guard consume(Byte.quote) else { return nil }
        let start = position
        var index = position
        var hasEscape = false
        while true {
            // Eight bytes at a time past ordinary text: base64 payloads are most of the traffic.
            while index + 8 <= end, !Self.needsAttention(base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                index += 8
            }
            guard index < end else { return nil }
            let character = byte(index)
            if character == Byte.quote {
                position = index + 1
                return ScannedString(range: start..<index, hasEscape: hasEscape)
            }
            if character == Byte.backslash {
                hasEscape = true
                index += 2  // the escaped character cannot end the string
                continue
            }
            if character < 0x20 { return nil }
            index += 1
        }
    }

    /// Whether any of the eight bytes is a quote, a backslash or a control character
    /// (the classic "has zero byte" bit trick; exact for "any", so no match is missed).
    @inline(__always)
    private static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(Byte.quote))
        let backslashes = word ^ (ones &* UInt64(Byte.backslash))
        let quoteFound = (quotes &- ones) & ~quotes
        let backslashFound = (backslashes &- ones) & ~backslashes
        let controlFound = (word &- ones &* 0x20) & ~word
        return (quoteFound | backslashFound | controlFound) & highs != 0
    }

    /// Steps over any JSON value. Nested objects and arrays are checked only for balanced
    /// brackets and well-formed strings: the scanners read top-level members, and a full
    /// parse judges the rest when it matters.
    mutating func skipValue() -> Bool {
        guard let first = current else { return false }
        switch first {
        case Byte.quote: return scanString() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["): return skipContainer()
        case UInt8(ascii: "t"): return consumeLiteral("true")
        case UInt8(ascii: "f"): return consumeLiteral("false")
        case UInt8(ascii: "n"): return consumeLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return skipNumber()
        default: return false
        }
    }

    private mutating func skipContainer() -> Bool {
        var depth = 0
        while position < end {
            switch byte(position) {
            case Byte.quote:
                guard scanString() != nil else { return false }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    position += 1
                    return true
                }
            default:
                break
            }
            position += 1
        }
        return false
    }

    private mutating func skipNumber() -> Bool {
        let start = position
        while position < end {
            switch byte(position) {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
                 UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                position += 1
            default:
                return position > start
            }
        }
        return position > start
    }

    private mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= end, bytes(position..<position + count, equal: literal) else { return false }
        position += count
        return true
    }

    /// Visits the members of the object under the cursor; `visit` is called with the cursor
    /// on the value and must step over it. Returns `false` on malformed JSON.
    @inline(__always)
    mutating func scanObject(_ visit: (inout JSONCursor, ScannedString) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            skipWhitespace()
            guard current == Byte.quote, let key = scanString() else { return false }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            guard visit(&self, key) else { return false }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }
}

/// ASCII bytes the scanners compare against.
enum Byte {
    static let quote = UInt8(ascii: "\"")
    static let backslash = UInt8(ascii: "\\")
}

/// A forgiving reader of XML tags, enough to find elements and attributes in a TwiML
/// document: comments, declarations and processing instructions are skipped, and a
/// truncated document simply ends the scan. The character data before each tag is kept
/// aside as ``precedingText`` for readers that want element content.
struct XMLTagScanner: IteratorProtocol {
    enum Tag {
        case open(name: String, attributes: [(name: String, value: String)], selfClosing: Bool)
        case close(name: String)
    }

    private let bytes: [UInt8]
    private var index = 0
    /// Where the text between the previous tag and the one just returned lies, in pieces
    /// (comments cut it up); `true` marks CDATA, which is taken literally.
    private var textPieces: [(range: Range<Int>, literal: Bool)] = []

    init(_ document: String) { bytes = Array(document.utf8) }

    /// The character data between the previous tag and the one ``next()`` returned last,
    /// entities replaced, comments left out, CDATA sections as written.
    var precedingText: String {
        var text = ""
        for piece in textPieces {
            let raw = String(decoding: bytes[piece.range], as: UTF8.self)
            text += piece.literal ? raw : XMLText.unescape(Substring(raw))
        }
        return text
    }

    mutating func next() -> Tag? {
        textPieces.removeAll(keepingCapacity: true)
        var textStart = index
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
            index = open + 1
            switch peek {
            case UInt8(ascii: "?"):
                keepText(textStart..<open)
                guard skip(past: "?>") else { return nil }
                textStart = index
            case UInt8(ascii: "!") where bytes[index...].starts(with: Self.cdataOpen):
                keepText(textStart..<open)
                let start = index + Self.cdataOpen.count
                guard skip(past: "]]>") else { return nil }
                textPieces.append((start..<(index - 3), true))
                textStart = index
            case UInt8(ascii: "!"):
                keepText(textStart..<open)
                guard skip(past: bytes[index...].starts(with: "!--".utf8) ? "-->" : ">") else { return nil }
                textStart = index
            case UInt8(ascii: "/"):
                keepText(textStart..<open)
                index += 1
                let name = readName()
                guard skip(past: ">") else { return nil }
                return .close(name: name)
            default:
                let name = readName()
                guard !name.isEmpty else { continue }  // a lone `<` in text: it stays text
                keepText(textStart..<open)
                return readAttributes(of: name)
            }
        }
        return nil
    }

    private static let cdataOpen = Array("![CDATA[".utf8)

    private mutating func keepText(_ range: Range<Int>) {
        if !range.isEmpty { textPieces.append((range, false)) }
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func readAttributes(of name: String) -> Tag? {
        var attributes: [(name: String, value: String)] = []
        while true {
            skipWhitespace()
            guard let byte = peek else { return nil }
            switch byte {
            case UInt8(ascii: ">"):
                index += 1
                return .open(name: name, attributes: attributes, selfClosing: false)
            case UInt8(ascii: "/"):
                index += 1
                guard skip(past: ">") else { return nil }
                return .open(name: name, attributes: attributes, selfClosing: true)
            default:
                let attribute = readName()
                guard !attribute.isEmpty else {
                    index += 1  // a stray character: step over it
                    continue
                }
                skipWhitespace()
                guard peek == UInt8(ascii: "=") else {
                    attributes.append((attribute, ""))
                    continue
                }
                index += 1
                skipWhitespace()
                guard let value = readQuoted() else { return nil }
                attributes.append((attribute, value))
            }
        }
    }

    /// A tag or attribute name: everything up to whitespace, `=`, `/` or `>`.
    private mutating func readName() -> String {
        let start = index
        while let byte = peek, !Self.isWhitespace(byte), byte != UInt8(ascii: "="), byte != UInt8(ascii: "/"),
              byte != UInt8(ascii: ">"), byte != UInt8(ascii: "<") {
            index += 1
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// A value in single or double quotes, entities replaced; `nil` if unterminated.
    private mutating func readQuoted() -> String? {
        guard let quote = peek, quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
        let start = index + 1
        guard let end = bytes[start...].firstIndex(of: quote) else { return nil }
        index = end + 1
        return XMLText.unescape(Substring(String(decoding: bytes[start..<end], as: UTF8.self)))
    }

    private mutating func skipWhitespace() {
        while let byte = peek, Self.isWhitespace(byte) { index += 1 }
    }

    /// Moves past the next occurrence of `terminator`; `false` if there is none.
    private mutating func skip(past terminator: String) -> Bool {
        let pattern = Array(terminator.utf8)
        while index + pattern.count <= bytes.count {
            if bytes[index..<index + pattern.count].elementsEqual(pattern) {
                index += pattern.count
                return true
            }
            index += 1
        }
        index = bytes.count
        return false
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

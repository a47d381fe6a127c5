/// Where escaped JSON bytes go: a growing array or a caller's buffer.
protocol ByteSink {
    mutating func append(_ byte: UInt8)
}

/// JSON string escaping (RFC 8259): `"` and `\` are escaped, control characters become
/// `\n`-style or `\u00XX` escapes, everything else (including UTF-8) passes through.
enum JSONEscaping {
    /// Bytes `utf8` takes once escaped, without the surrounding quotes.
    static func escapedLength(_ utf8: some Sequence<UInt8>) -> Int {
        var length = 0
        for byte in utf8 { length += escapedLength(byte) }
        return length
    }

    /// Writes `utf8` escaped, without the surrounding quotes.
    static func write(_ utf8: some Sequence<UInt8>, to sink: inout some ByteSink) {
        for byte in utf8 { write(byte, to: &sink) }
    }

    @inline(__always)
    private static func escapedLength(_ byte: UInt8) -> Int {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x08, 0x09, 0x0A, 0x0C, 0x0D: 2
        case 0..<0x20: 6
        default: 1
        }
    }

    private static func write(_ byte: UInt8, to sink: inout some ByteSink) {
        let short: UInt8? = switch byte {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        case 0x08: UInt8(ascii: "b")
        case 0x09: UInt8(ascii: "t")
        case 0x0A: UInt8(ascii: "n")
        case 0x0C: UInt8(ascii: "f")
        case 0x0D: UInt8(ascii: "r")
        default: nil
        }
        if let short {
            sink.append(UInt8(ascii: "\\"))
            sink.append(short)
        } else if byte < 0x20 {
            for character in "\\u00".utf8 { sink.append(character) }
            sink.append(hexDigit(byte >> 4))
            sink.append(hexDigit(byte & 0x0F))
        } else {
            sink.append(byte)
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

/// Decimal text of integers, written without allocating.
enum DecimalText {
    /// Characters `value` takes in decimal, with its sign.
    static func length(_ value: Int) -> Int {
        var magnitude = value.magnitude
        var length = value < 0 ? 2 : 1
        while magnitude >= 10 {
            magnitude /= 10
            length += 1
        }
        return length
    }

    static func write(_ value: Int, to sink: inout some ByteSink) {
        if value < 0 { sink.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var divisor: UInt = 1
        while magnitude / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            sink.append(UInt8(ascii: "0") + UInt8(magnitude / divisor))
            magnitude %= divisor
            divisor /= 10
        }
    }
}

/// Builds compact JSON into a byte array, in the key order it is given: the slow encodings
/// (simulator messages, tests) use it; the hot writers copy precomputed pieces instead.
struct JSONWriter: ByteSink {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    /// Raw JSON text, written as is.
    mutating func append(contentsOf text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func beginObject() { open(UInt8(ascii: "{")) }
    mutating func endObject() { close(UInt8(ascii: "}")) }
    mutating func beginArray() { open(UInt8(ascii: "[")) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    /// A member name; the value written next belongs to it.
    mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        JSONEscaping.write(value.utf8, to: &self)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    mutating func integer(_ value: Int) {
        separate()
        DecimalText.write(value, to: &self)
        needsComma = true
    }

    /// `"name":"value"`.
    mutating func member(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    /// `"name":"123"`: Twilio's integers travel as strings.
    mutating func member(_ name: String, integerString value: Int) {
        member(name, String(value))
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }
}

/// The few members the fast scanners need from a Media Streams message, found in one pass
/// over its bytes without allocating: the `event`, and the strings inside `media` and `mark`.
/// Both directions share it, so the server's and the simulator's scanners agree.
struct MessageSkeleton {
    var event: ScannedString?
    /// `media.payload`.
    var payload: ScannedString?
    /// `media.track`.
    var track: ScannedString?
    /// `mark.name`.
    var markName: ScannedString?
    /// Something the fast paths do not handle (an escaped key, a repeated or mistyped member):
    /// a full parse must decide what the message means.
    var isUnusual = false

    /// Scans one JSON object with nothing after it but whitespace; `nil` if the bytes are not that.
    init?(scanning bytes: UnsafeRawBufferPointer) {
        guard var cursor = JSONCursor(bytes) else { return nil }
        cursor.skipWhitespace()
        let wellFormed = cursor.scanObject { cursor, key in
            guard !key.hasEscape else {
                self.isUnusual = true
                return cursor.skipValue()
            }
            if cursor.bytes(key.range, equal: "event") {
                return Self.scanString(&cursor, into: &self.event, unusual: &self.isUnusual)
            } else if cursor.bytes(key.range, equal: "media") {
                return self.scanMedia(&cursor)
            } else if cursor.bytes(key.range, equal: "mark") {
                return self.scanMark(&cursor)
            }
            return cursor.skipValue()
        }
        guard wellFormed else { return nil }
        cursor.skipWhitespace()
        guard cursor.isAtEnd else { return nil }
    }

    private mutating func scanMedia(_ cursor: inout JSONCursor) -> Bool {
        guard cursor.current == UInt8(ascii: "{") else {
            isUnusual = true
            return cursor.skipValue()
        }
        return cursor.scanObject { cursor, key in
            if key.hasEscape {
                self.isUnusual = true
            } else if cursor.bytes(key.range, equal: "payload") {
                return Self.scanString(&cursor, into: &self.payload, unusual: &self.isUnusual)
            } else if cursor.bytes(key.range, equal: "track") {
                return Self.scanString(&cursor, into: &self.track, unusual: &self.isUnusual)
            }
            return cursor.skipValue()
        }
    }

    private mutating func scanMark(_ cursor: inout JSONCursor) -> Bool {
        guard cursor.current == UInt8(ascii: "{") else {
            isUnusual = true
            return cursor.skipValue()
        }
        return cursor.scanObject { cursor, key in
            if key.hasEscape {
                self.isUnusual = true
            } else if cursor.bytes(key.range, equal: "name") {
                return Self.scanString(&cursor, into: &self.markName, unusual: &self.isUnusual)
            }
            return cursor.skipValue()
        }
    }

    /// Reads a member that should be a string, once; anything else is unusual but well-formed.
    @inline(__always)
    private static func scanString(_ cursor: inout JSONCursor, into slot: inout ScannedString?, unusual: inout Bool) -> Bool {
        guard cursor.current == Byte.quote, slot == nil else {
            unusual = true
            return cursor.skipValue()
        }
        slot = cursor.scanString()
        return slot != nil
    }
}

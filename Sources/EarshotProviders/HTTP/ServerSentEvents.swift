import NIOCore

/// One event of a `text/event-stream` (WHATWG HTML, "Server-sent events").
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field, or nil for the default type ("message").
    public var event: String?
    /// The `data:` lines joined with "\n".
    public var data: String
    /// The last `id:` seen on the stream so far, if any.
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

public enum ServerSentEventError: Error, Sendable, Equatable {
    /// A line or an event grew past the parser's limit without ending.
    case eventTooLarge(limit: Int)
}

/// An incremental `text/event-stream` parser: feed bytes as they arrive, split anywhere (even
/// inside a CRLF or a UTF-8 sequence), and get each event once its blank line has arrived.
///
/// Lines end in LF, CRLF or CR. `data:` lines accumulate, comments (`:…`) are skipped, one
/// space after the colon is dropped, a leading BOM is ignored, unknown fields are ignored.
public struct ServerSentEventParser: Sendable {
    /// Longest line or event accepted, in bytes.
    public let limit: Int

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: String?
    private var lastEventID: String?
    private var afterCR = false
    private var atStreamStart = true

    public init(limit: Int = 1 << 20) {
        self.limit = limit
    }

    /// Feeds bytes and calls `onEvent` for each event they complete, in order.
    public mutating func feed(
        _ bytes: UnsafeRawBufferPointer,
        onEvent: (ServerSentEvent) throws -> Void
    ) throws {
        var lineStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                // The LF of a CRLF whose CR already ended the line (possibly in the last chunk).
                let continuesCRLF = byte == 0x0A && afterCR
                afterCR = byte == 0x0D
                if !continuesCRLF {
                    try appendToLine(bytes[lineStart..<index])
                    try endLine(onEvent: onEvent)
                }
                lineStart = index + 1
            } else if afterCR {
                afterCR = false
            }
            index += 1
        }
        try appendToLine(bytes[lineStart..<count])
    }

    /// Feeds a buffer's readable bytes (the buffer is not consumed).
    public mutating func feed(_ buffer: ByteBuffer, onEvent: (ServerSentEvent) throws -> Void) throws {
        try buffer.withUnsafeReadableBytes { try feed($0, onEvent: onEvent) }
    }

    /// Feeds bytes and returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        let array = Array(bytes)
        try array.withUnsafeBytes { try feed($0) { events.append($0) } }
        return events
    }

    /// The end of the stream. The standard drops an event whose blank line never came; this
    /// returns it instead when at least one `data:` line was complete, because some
    /// OpenAI-compatible servers end with `data: [DONE]\n` and close.
    public mutating func finish() -> ServerSentEvent? {
        defer { resetEvent(); line.removeAll() }
        guard hasData else { return nil }
        return ServerSentEvent(event: eventType, data: String(decoding: data, as: UTF8.self), id: lastEventID)
    }

    private mutating func appendToLine(_ bytes: Slice<UnsafeRawBufferPointer>) throws {
        guard !bytes.isEmpty else { return }
        guard line.count + bytes.count <= limit else { throw ServerSentEventError.eventTooLarge(limit: limit) }
        line.append(contentsOf: bytes)
    }

    private mutating func endLine(onEvent: (ServerSentEvent) throws -> Void) throws {
        defer { line.removeAll(keepingCapacity: true) }
        if atStreamStart {
            atStreamStart = false
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        guard let first = line.first else {
            try dispatch(onEvent: onEvent)
            return
        }
        if first == UInt8(ascii: ":") { return }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        var valueStart = colon == line.endIndex ? colon : colon + 1
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = line[valueStart...]
        switch String(decoding: line[..<colon], as: UTF8.self) {
        case "data":
            guard data.count + value.count + 1 <= limit else { throw ServerSentEventError.eventTooLarge(limit: limit) }
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        default:
            break  // `retry` and unknown fields
        }
    }

    private mutating func dispatch(onEvent: (ServerSentEvent) throws -> Void) throws {
        defer { resetEvent() }
        guard hasData else { return }
        let type = eventType.flatMap { $0.isEmpty ? nil : $0 }
        try onEvent(ServerSentEvent(event: type, data: String(decoding: data, as: UTF8.self), id: lastEventID))
    }

    private mutating func resetEvent() {
        data.removeAll(keepingCapacity: true)
        hasData = false
        eventType = nil
    }
}

/// A strict `multipart/form-data` reader for the fakes: what a server would accept.
enum MultipartParser {
    struct Part: Equatable {
        var name: String
        var filename: String?
        var contentType: String?
        var bytes: [UInt8]

        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Nil when the body does not follow RFC 7578 framing for the boundary in `contentType`.
    static func parse(_ body: [UInt8], contentType: String) -> [Part]? {
        guard contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundaryRange = contentType.firstRange(of: "boundary=")
        else { return nil }
        var boundary = String(contentType[boundaryRange.upperBound...].prefix { $0 != ";" })
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 {
            boundary = String(boundary.dropFirst().dropLast())
        }
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]

        guard body.starts(with: delimiter) else { return nil }
        var parts: [Part] = []
        var cursor = delimiter.count
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if body[cursor...].starts(with: [45, 45]) { return parts }
            guard body[cursor...].starts(with: crlf) else { return nil }
            cursor += 2
            guard let headerEnd = find([13, 10, 13, 10], in: body, from: cursor) else { return nil }
            let headers = String(decoding: body[cursor..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = find(crlf + delimiter, in: body, from: contentStart) else { return nil }
            guard var part = parseHeaders(headers) else { return nil }
            part.bytes = Array(body[contentStart..<next])
            parts.append(part)
            cursor = next + 2 + delimiter.count
        }
    }

    private static func parseHeaders(_ text: String) -> Part? {
        var part = Part(name: "", bytes: [])
        var sawDisposition = false
        for line in text.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            switch name {
            case "content-disposition":
                guard value.hasPrefix("form-data") else { return nil }
                sawDisposition = true
                for parameter in value.split(separator: ";").dropFirst() {
                    let pair = parameter.drop { $0 == " " }.split(separator: "=", maxSplits: 1)
                    guard pair.count == 2 else { continue }
                    let unquoted = String(pair[1].dropFirst().dropLast())
                    if pair[0] == "name" { part.name = unquoted }
                    if pair[0] == "filename" { part.filename = unquoted }
                }
            case "content-type":
                part.contentType = String(value)
            default:
                break
            }
        }
        return sawDisposition && !part.name.isEmpty ? part : nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }
}

extension TwiML {
    /// The `<Stream>` of a TwiML document, as the call simulator needs it to connect.
    public struct StreamInstruction: Sendable {
        /// The WebSocket URL, entities replaced.
        public var url: String
        /// The `<Parameter name=… value=…/>` children, in document order.
        public var parameters: [(name: String, value: String)]
        /// `true` inside `<Connect>` (audio both ways), `false` inside `<Start>` (listen only).
        public var isBidirectional: Bool

        /// The value of the first parameter named `name`.
        public func parameter(_ name: String) -> String? {
            parameters.first { $0.name == name }?.value
        }
    }

    /// Finds the first `<Stream>` with a `url` in `document`. A forgiving scan, not a
    /// validating parser: it accepts any whitespace, quote style and surrounding verbs.
    public static func streamInstruction(in document: String) -> StreamInstruction? {
        var tags = XMLTagScanner(document)
        var openElements: [String] = []
        var stream: StreamInstruction?
        while let tag = tags.next() {
            switch tag {
            case let .open(name, attributes, selfClosing):
                if stream != nil, name == "Parameter" {
                    let value = { (key: String) in attributes.first { $0.name == key }?.value }
                    if let parameterName = value("name") {
                        stream?.parameters.append((parameterName, value("value") ?? ""))
                    }
                } else if stream == nil, name == "Stream", let url = attributes.first(where: { $0.name == "url" })?.value {
                    stream = StreamInstruction(url: url, parameters: [], isBidirectional: openElements.last == "Connect")
                    if selfClosing { return stream }
                }
                if !selfClosing { openElements.append(name) }
            case .close(let name):
                if stream != nil, name == "Stream" { return stream }
                if let open = openElements.lastIndex(of: name) { openElements.removeSubrange(open...) }
            }
        }
        return stream
    }
}

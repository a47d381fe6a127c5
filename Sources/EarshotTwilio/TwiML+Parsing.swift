extension TwiML {
    /// The verbs of the first `<Response>` in `document`, in order, as a carrier would run
    /// them; `nil` when there is no `<Response>`.
    ///
    /// A forgiving reader, not a validator: any quoting and whitespace, comments and CDATA
    /// are accepted, entities are replaced, verbs this module has no case for (`<Gather>`,
    /// `<Dial>`, `<Start>`, …) are skipped, and a document cut short yields the verbs before
    /// the cut. Missing `<Record>` attributes take Twilio's defaults (`action` empty: the
    /// current document's URL); a `<Pause>` without `length` lasts one second.
    public static func verbs(in document: String) -> [Verb]? {
        guard let response = XMLElementTree(document).first(named: "Response") else { return nil }
        return response.children.compactMap(Verb.init(element:))
    }
}

extension TwiML.Verb {
    fileprivate init?(element: XMLElementTree.Element) {
        guard element.isClosed else { return nil }  // cut short: its content is unknown
        let text = element.text.trimmingXMLWhitespace()
        switch element.name {
        case "Say":
            self = .say(text, language: element.attribute("language"), voice: element.attribute("voice"))
        case "Play":
            self = .play(url: text)
        case "Pause":
            self = .pause(seconds: element.attribute("length").flatMap(Self.integer) ?? 1)
        case "Record":
            self = .record(TwiML.Record(element: element))
        case "Redirect":
            self = .redirect(url: text)
        case "Hangup":
            self = .hangup
        case "Connect":
            guard let stream = element.children.first(where: { $0.name == "Stream" }),
                  let url = stream.attribute("url") else { return nil }
            let parameters = stream.children.compactMap { child -> (name: String, value: String)? in
                guard child.name == "Parameter", let name = child.attribute("name") else { return nil }
                return (name, child.attribute("value") ?? "")
            }
            self = .connectStream(url: url, parameters: parameters)
        default:
            return nil
        }
    }

    fileprivate static func integer(_ text: String) -> Int? {
        Int(text.trimmingXMLWhitespace())
    }
}

extension TwiML.Record {
    fileprivate init(element: XMLElementTree.Element) {
        let defaults = TwiML.Record(action: "")
        let integer = { (name: String) in element.attribute(name).flatMap(TwiML.Verb.integer) }
        let word = { (name: String) in element.attribute(name)?.trimmingXMLWhitespace().lowercased() }
        self.init(
            action: element.attribute("action")?.trimmingXMLWhitespace() ?? defaults.action,
            timeout: integer("timeout") ?? defaults.timeout,
            maxLength: integer("maxLength") ?? defaults.maxLength,
            playBeep: word("playBeep").map { $0 != "false" } ?? defaults.playBeep,
            trim: word("trim").map { $0 != "do-not-trim" } ?? defaults.trim
        )
    }
}

extension TwiML.Verb: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case let (.say(a, languageA, voiceA), .say(b, languageB, voiceB)):
            a == b && languageA == languageB && voiceA == voiceB
        case let (.play(a), .play(b)), let (.redirect(a), .redirect(b)):
            a == b
        case let (.pause(a), .pause(b)):
            a == b
        case let (.record(a), .record(b)):
            a == b
        case let (.connectStream(urlA, parametersA), .connectStream(urlB, parametersB)):
            urlA == urlB && parametersA.elementsEqual(parametersB) { $0.name == $1.name && $0.value == $1.value }
        case (.hangup, .hangup):
            true
        default:
            false
        }
    }
}

/// The elements of an XML document as a tree, built forgivingly: a close tag ends the
/// nearest open element of its name (and any left open inside it), a stray close tag is
/// ignored, and elements still open at the end are closed there.
private struct XMLElementTree {
    struct Element {
        var name: String
        var attributes: [(name: String, value: String)]
        var children: [Element] = []
        /// All character data inside, the children's included, in document order.
        var text = ""
        /// Ended by its own close tag or self-closing, not by the end of the document or an
        /// enclosing element's close tag.
        var isClosed = false

        func attribute(_ name: String) -> String? {
            attributes.first { $0.name == name }?.value
        }
    }

    /// The top-level elements.
    private(set) var roots: [Element] = []

    init(_ document: String) {
        var tags = XMLTagScanner(document)
        var open: [Element] = []
        while let tag = tags.next() {
            if !open.isEmpty { open[open.count - 1].text += tags.precedingText }
            switch tag {
            case let .open(name, attributes, selfClosing):
                let element = Element(name: name, attributes: attributes, isClosed: selfClosing)
                if selfClosing { add(element, to: &open) } else { open.append(element) }
            case .close(let name):
                guard let match = open.lastIndex(where: { $0.name == name }) else { continue }
                open[match].isClosed = true
                while open.count > match { add(open.removeLast(), to: &open) }
            }
        }
        while let element = open.popLast() { add(element, to: &open) }
    }

    private mutating func add(_ element: Element, to open: inout [Element]) {
        if open.isEmpty {
            roots.append(element)
            return
        }
        open[open.count - 1].text += element.text
        open[open.count - 1].children.append(element)
    }

    /// The first element named `name`, depth first in document order.
    func first(named name: String) -> Element? {
        var pending = roots.reversed() as [Element]
        while let element = pending.popLast() {
            if element.name == name { return element }
            pending.append(contentsOf: element.children.reversed())
        }
        return nil
    }
}

extension String {
    /// Without the XML whitespace (space, tab, CR, LF) at either end.
    fileprivate func trimmingXMLWhitespace() -> String {
        let isSpace = { (c: Character) in c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}

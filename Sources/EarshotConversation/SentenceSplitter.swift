/// Cuts a streamed reply into pieces worth speaking, as early as they can be spoken.
///
/// A piece ends at `.`, `?`, `!` or `…` followed by white space, at the Devanagari danda
/// `।` / `॥`, or at a line break. So the first audio starts sooner, the reply's first piece
/// may also end at a clause boundary (`,` `;` `:`) once it is `minFirstClause` characters
/// long; later pieces do so only past `minClause`. Text with no punctuation is cut at the
/// last space before `maxLength`. Common abbreviations ("Dr.", "e.g.") and decimals do not end a piece.
public struct SentenceSplitter: Sendable {
    public var minFirstClause: Int
    public var minClause: Int
    public var maxLength: Int
    private var buffer: [Character] = []
    private var released = 0

    public init(minFirstClause: Int = 20, minClause: Int = 60, maxLength: Int = 160) {
        self.minFirstClause = minFirstClause
        self.minClause = minClause
        self.maxLength = max(20, maxLength)
    }

    static let abbreviations: Set<String> = ["mr", "mrs", "ms", "dr", "st", "sr", "jr", "prof", "vs", "etc", "e.g", "i.e", "no", "approx", "mt"]

    /// Adds streamed text; returns the pieces it completes.
    public mutating func feed(_ text: String) -> [String] {
        buffer.append(contentsOf: text)
        var out: [String] = []
        while let cut = nextCut() {
            emit(upTo: cut, into: &out)
        }
        return out
    }

    /// The rest of the text, at the end of the reply.
    public mutating func flush() -> [String] {
        var out: [String] = []
        emit(upTo: buffer.count, into: &out)
        return out
    }

    private mutating func emit(upTo cut: Int, into out: inout [String]) {
        let piece = String(buffer[0..<cut]).trimmingWhitespace
        buffer.removeFirst(cut)
        if !piece.isEmpty {
            out.append(piece)
            released += 1
        }
    }

    /// Where the next piece ends (exclusive), or nil if more text is needed.
    private func nextCut() -> Int? {
        let clauseMin = released == 0 ? minFirstClause : minClause
        var lastSpace: Int?
        for i in buffer.indices {
            let c = buffer[i]
            let next: Character? = i + 1 < buffer.count ? buffer[i + 1] : nil
            switch c {
            case "।", "॥", "\n":
                return i + 1
            case ".", "?", "!", "…":
                guard let next else { return nil } // wait: "3." may become "3.5"
                if next.isWhitespace && !(c == "." && endsWithAbbreviation(before: i)) { return i + 1 }
            case ",", ";", ":", "،", "、":
                if let next, next.isWhitespace, i + 1 >= clauseMin { return i + 1 }
            default:
                break
            }
            if c.isWhitespace { lastSpace = i }
            if i + 1 >= maxLength { return (lastSpace.map { $0 + 1 }) ?? (i + 1) }
        }
        return nil
    }

    private func endsWithAbbreviation(before dot: Int) -> Bool {
        var start = dot
        while start > 0, !buffer[start - 1].isWhitespace { start -= 1 }
        let word = String(buffer[start..<dot]).lowercased()
        if Self.abbreviations.contains(word) { return true }
        return word.count == 1 && word.first?.isLetter == true // an initial: "J. Smith"
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}

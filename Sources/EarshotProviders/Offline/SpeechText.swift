/// Cuts text for a synthesiser that speaks a piece at a time: at sentence ends, so the first
/// sentence can play while the next is made, and under a byte limit, so no piece overflows.
enum SpeechText {
    private static let sentenceEnds: Set<Character> = [".", "!", "?", ";", "。", "！", "？"]

    /// Sentences of `text`, each at most `limit` UTF-8 bytes (longer ones are cut between
    /// words), trimmed; pieces with nothing to say (no letter or digit) are dropped.
    static func pieces(_ text: String, limit: Int = 600) -> [String] {
        sentences(text).flatMap { split($0, limit: limit) }.filter { piece in
            piece.contains { $0.isLetter || $0.isNumber }
        }
    }

    /// Ends a sentence at an end mark followed by white space (so "3.5" and "e.g." mid-word
    /// stay whole), and at every line break.
    private static func sentences(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var previous: Character?
        for character in text {
            if character.isNewline || (character.isWhitespace && previous.map(sentenceEnds.contains) == true) {
                result.append(current)
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        result.append(current)
        return result.map(trimmed).filter { !$0.isEmpty }
    }

    /// Cuts a sentence longer than `limit` bytes between words (inside a word only if one word
    /// alone is too long).
    private static func split(_ sentence: String, limit: Int) -> [String] {
        guard sentence.utf8.count > limit else { return [sentence] }
        var result: [String] = []
        var current = ""
        for word in sentence.split(whereSeparator: \.isWhitespace) {
            let joined = current.isEmpty ? String(word) : current + " " + word
            if joined.utf8.count <= limit {
                current = joined
                continue
            }
            if !current.isEmpty { result.append(current) }
            current = ""
            for character in word {
                if current.utf8.count + String(character).utf8.count > limit {
                    result.append(current)
                    current = ""
                }
                current.append(character)
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    private static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
              let last = text.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(text[first...last])
    }
}

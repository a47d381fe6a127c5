import Testing
@testable import EarshotConversation

@Suite struct SentenceSplitterTests {
    /// Feeds the text in pieces of `step` characters and collects what is released.
    func split(_ text: String, step: Int = 3, splitter: SentenceSplitter = .init()) -> [String] {
        var s = splitter
        var out: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let piece = rest.prefix(step)
            rest = rest.dropFirst(step)
            out += s.feed(String(piece))
        }
        return out + s.flush()
    }

    @Test func sentencesAtTerminators() {
        #expect(split("Hello there. How are you? Great!") == ["Hello there.", "How are you?", "Great!"])
    }

    @Test func firstClauseReleasedEarly() {
        #expect(split("Sure thing, my friend, I can book that table for you tonight, no problem at all.")
            == ["Sure thing, my friend,", "I can book that table for you tonight, no problem at all."])
    }

    @Test func abbreviationsAndDecimalsDoNotSplit() {
        #expect(split("Dr. Smith costs 3.50 dollars. Call J. Doe now.", step: 1) == ["Dr. Smith costs 3.50 dollars.", "Call J. Doe now."])
    }

    @Test func devanagariDanda() {
        #expect(split("नमस्ते। आप कैसे हैं?") == ["नमस्ते।", "आप कैसे हैं?"])
    }

    @Test func noPunctuationIsCutAtALengthCap() {
        let words = Array(repeating: "word", count: 60).joined(separator: " ")
        let pieces = split(words, splitter: SentenceSplitter(maxLength: 50))
        #expect(pieces.count > 1)
        #expect(pieces.allSatisfy { $0.count <= 50 })
        #expect(pieces.joined(separator: " ") == words)
    }

    @Test func terminatorAtTheEndWaitsForMoreText() {
        var s = SentenceSplitter()
        #expect(s.feed("It costs 3.") == [])
        #expect(s.feed("5 dollars. Ok") == ["It costs 3.5 dollars."])
        #expect(s.flush() == ["Ok"])
    }
}

import Foundation

/// The offline stand-in for an LLM: answers from a ``ConversationScript`` of keyword rules and
/// streams the reply in a few deltas, as a real model would.
///
/// A reply that should end the call ends with ``endCallMarker``, sent as the last delta on its
/// own; the conversation layer strips it, says the rest, then hangs up. `CompletionOptions`
/// are ignored.
public struct ScriptedLanguageModel: LanguageModel {
    /// Ends a reply that means "say this, then end the call".
    public static let endCallMarker = "[END_CALL]"

    public let name = "scripted"
    public let script: ConversationScript
    /// A pause before each delta, to mimic a model's pacing; zero by default.
    public var deltaDelay: Duration
    /// Words per delta.
    public var wordsPerDelta: Int

    public init(script: ConversationScript = .restaurant, deltaDelay: Duration = .zero, wordsPerDelta: Int = 3) {
        self.script = script
        self.deltaDelay = deltaDelay
        self.wordsPerDelta = max(1, wordsPerDelta)
    }

    /// The script at `path`, or the built-in restaurant script when `path` is nil or empty.
    public init(scriptPath: String?) throws(ScriptError) {
        if let scriptPath, !scriptPath.isEmpty {
            self.init(script: try ConversationScript(contentsOfFile: scriptPath))
        } else {
            self.init()
        }
    }

    /// Reads the script named by `EARSHOT_SCRIPT` (a file path), or uses the built-in one.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(ScriptError) -> ScriptedLanguageModel {
        try ScriptedLanguageModel(scriptPath: environment["EARSHOT_SCRIPT"])
    }

    public func complete(_ messages: [ChatMessage], options: CompletionOptions) -> AsyncThrowingStream<String, any Error> {
        let answer = script.answer(messages)
        var deltas = Self.deltas(of: answer.text, wordsPerDelta: wordsPerDelta)
        if answer.endsCall {
            deltas[deltas.count - 1] += " "
            deltas.append(Self.endCallMarker)
        }
        let cursor = DeltaCursor(deltas)
        let delay = deltaDelay
        return AsyncThrowingStream {
            if delay > .zero { try await Task.sleep(for: delay) }
            return cursor.next()
        }
    }

    /// Cuts `text` into pieces of `wordsPerDelta` words whose concatenation is `text`.
    static func deltas(of text: String, wordsPerDelta: Int) -> [String] {
        var deltas: [String] = []
        var current = ""
        var words = 0
        var inWord = false
        for character in text {
            if character.isWhitespace {
                inWord = false
            } else if !inWord {
                inWord = true
                if words == wordsPerDelta {
                    deltas.append(current)
                    current = ""
                    words = 0
                }
                words += 1
            }
            current.append(character)
        }
        if !current.isEmpty || deltas.isEmpty { deltas.append(current) }
        return deltas
    }
}

/// Hands out the deltas one by one to the stream's consumer.
private final class DeltaCursor: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: ArraySlice<String>

    init(_ deltas: [String]) { remaining = deltas[...] }

    func next() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return remaining.popFirst()
    }
}

extension ConversationScript {
    /// What the script says next: the reply, whether it ends the call, and which rule spoke
    /// ("greeting", "fallback", a rule's name, or nil for an anonymous rule).
    public func answer(_ messages: [ChatMessage]) -> (text: String, endsCall: Bool, rule: String?) {
        guard let said = messages.last(where: { $0.role == .user }) else { return (greeting, false, "greeting") }
        let words = Self.words(said.content)
        let previous = previousRule(before: messages)
        let contextual = rules.filter { !$0.after.isEmpty && previous.map($0.after.contains) == true }
        let general = rules.filter { $0.after.isEmpty }
        if let rule = (contextual + general).first(where: { $0.matches(words) }) {
            return (rule.reply, rule.endsCall, rule.name)
        }
        return (fallback, false, "fallback")
    }

    /// The name of the rule whose reply the last assistant message was. A barge-in may have cut
    /// that message short, so a prefix of the reply counts.
    private func previousRule(before messages: [ChatMessage]) -> String? {
        guard let last = messages.last(where: { $0.role == .assistant }) else { return nil }
        let said = last.content.replacingOccurrences(of: ScriptedLanguageModel.endCallMarker, with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !said.isEmpty else { return nil }
        let candidates = [(greeting, "greeting"), (fallback, "fallback")] + rules.compactMap { rule in rule.name.map { (rule.reply, $0) } }
        return candidates.first { reply, _ in reply == said || reply.hasPrefix(said) }?.1
    }
}

extension ConversationScript.Rule {
    /// Whether one of the phrases occurs, word for word, in `words`.
    func matches(_ words: [String]) -> Bool {
        phrases.contains { phrase in
            guard !phrase.isEmpty, phrase.count <= words.count else { return false }
            return (0...(words.count - phrase.count)).contains { start in
                words[start..<(start + phrase.count)].elementsEqual(phrase)
            }
        }
    }
}

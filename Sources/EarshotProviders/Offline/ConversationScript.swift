import Foundation

/// The rules a ``ScriptedLanguageModel`` answers by, read from JSON:
///
/// ```json
/// {
///   "greeting": "Hello, thanks for calling. How can I help?",
///   "fallback": "Sorry, I can book a table or tell you our hours.",
///   "rules": [
///     { "name": "hours", "match": ["open", "hours", "what time"], "reply": "We open at noon." },
///     { "name": "booking", "match": ["book", "table"], "reply": "For how many people?" },
///     { "after": ["booking"], "match": ["two", "four", "people"], "reply": "Booked!" },
///     { "match": ["bye", "thank you"], "reply": "Goodbye!", "end": true }
///   ]
/// }
/// ```
///
/// - `greeting` answers a conversation with no user message yet; `fallback` a message no rule
///   matches.
/// - `match` lists words or phrases. A phrase matches when its words appear together, in order,
///   in the caller's last message, ignoring case and punctuation ("what's" equals "whats").
/// - `after` (optional) lists rule names (or "greeting", "fallback"): the rule applies only
///   when the previous assistant message was one of those rules' replies. Such rules are tried
///   first; then the others, in file order. The first match answers.
/// - `end: true` means "say this, then hang up": the reply ends with
///   ``ScriptedLanguageModel/endCallMarker``.
/// - Unknown keys are errors, so a typo (`"replly"`) does not pass unnoticed.
public struct ConversationScript: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        /// How `after` lists refer to this rule; nil for anonymous rules.
        public var name: String?
        /// The phrases as written.
        public var match: [String]
        public var reply: String
        /// Say the reply, then end the call.
        public var endsCall: Bool
        /// Names of the rules whose reply must come just before; empty: any time.
        public var after: [String]

        /// The phrases as word lists, as matching sees them.
        var phrases: [[String]] { match.map(ConversationScript.words) }
    }

    public var greeting: String
    public var fallback: String
    public var rules: [Rule]

    /// Parses and checks a script. `source` names it in error messages (a path, "default").
    public init(json: Data, source: String = "script") throws(ScriptError) {
        let raw: RawScript
        do {
            raw = try JSONDecoder().decode(RawScript.self, from: json)
        } catch let error as DecodingError {
            throw .invalid(source: source, reason: Self.describe(error))
        } catch {
            throw .invalid(source: source, reason: "\(error)")
        }
        try self.init(raw, source: source)
    }

    /// Reads a script file.
    public init(contentsOfFile path: String) throws(ScriptError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        try self.init(json: data, source: path)
    }

    /// The built-in demo: the front desk of a restaurant (see ``ScriptedLanguageModel/restaurantScriptJSON``).
    public static let restaurant: ConversationScript = {
        do {
            return try ConversationScript(json: Data(ScriptedLanguageModel.restaurantScriptJSON.utf8), source: "built-in restaurant script")
        } catch {
            fatalError("\(error)")  // a constant, checked by the tests
        }
    }()

    /// Lower-case words of `text`, split at anything but letters, digits and apostrophes, with
    /// the apostrophes dropped.
    static func words(_ text: String) -> [String] {
        text.lowercased()
            .split { !($0.isLetter || $0.isNumber || $0 == "'" || $0 == "’") }
            .map { $0.filter { $0 != "'" && $0 != "’" } }
            .filter { !$0.isEmpty }
    }
}

/// Why a conversation script cannot be used.
public enum ScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The JSON is malformed or breaks a rule of the format.
    case invalid(source: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read conversation script \(path): \(reason)"
        case .invalid(let source, let reason): "invalid conversation script \(source): \(reason)"
        }
    }
}

// MARK: - Parsing and checks

extension ConversationScript {
    private init(_ raw: RawScript, source: String) throws(ScriptError) {
        func fail(_ reason: String) -> ScriptError { .invalid(source: source, reason: reason) }
        guard let greeting = raw.greeting?.trimmingCharacters(in: .whitespacesAndNewlines), !greeting.isEmpty else {
            throw fail("'greeting' is missing or empty")
        }
        guard let fallback = raw.fallback?.trimmingCharacters(in: .whitespacesAndNewlines), !fallback.isEmpty else {
            throw fail("'fallback' is missing or empty")
        }
        guard let rawRules = raw.rules else { throw fail("'rules' is missing (use [] for none)") }
        var rules: [Rule] = []
        var names: Set<String> = ["greeting", "fallback"]
        for (index, rawRule) in rawRules.enumerated() {
            let at = "rules[\(index)]" + (rawRule.name.map { " (\($0))" } ?? "")
            if let name = rawRule.name {
                guard !name.isEmpty else { throw fail("\(at): 'name' is empty") }
                guard names.insert(name).inserted else { throw fail("\(at): the name '\(name)' is already taken") }
            }
            guard let match = rawRule.match, !match.isEmpty else { throw fail("\(at): 'match' is missing or empty") }
            if let bad = match.first(where: { Self.words($0).isEmpty }) {
                throw fail("\(at): the phrase '\(bad)' has no words")
            }
            guard let reply = rawRule.reply?.trimmingCharacters(in: .whitespacesAndNewlines), !reply.isEmpty else {
                throw fail("\(at): 'reply' is missing or empty")
            }
            guard !reply.contains(ScriptedLanguageModel.endCallMarker) else {
                throw fail("\(at): write \"end\": true instead of \(ScriptedLanguageModel.endCallMarker) in the reply")
            }
            rules.append(Rule(name: rawRule.name, match: match, reply: reply, endsCall: rawRule.end ?? false, after: rawRule.after ?? []))
        }
        for (index, rule) in rules.enumerated() {
            if let unknown = rule.after.first(where: { !names.contains($0) }) {
                throw fail("rules[\(index)]: 'after' names '\(unknown)', which no rule is called")
            }
        }
        self.init(greeting: greeting, fallback: fallback, rules: rules)
    }

    private init(greeting: String, fallback: String, rules: [Rule]) {
        self.greeting = greeting
        self.fallback = fallback
        self.rules = rules
    }

    /// "rules[2].end: expected Bool" rather than Foundation's paragraph.
    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce(into: "") { text, key in
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
        }
        switch error {
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type == String.self ? "a string" : type == Bool.self ? "true or false" : "\(type)")"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .dataCorrupted(let context):
            let place = path(context.codingPath)
            let detail = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return (place.isEmpty ? "" : "\(place): ") + context.debugDescription + (detail.map { " (\($0))" } ?? "")
        @unknown default:
            return "\(error)"
        }
    }
}

private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Rejects keys outside `allowed`, naming the first one found.
private func rejectUnknownKeys(_ container: KeyedDecodingContainer<AnyKey>, allowed: Set<String>) throws {
    if let unknown = container.allKeys.first(where: { !allowed.contains($0.stringValue) }) {
        throw DecodingError.dataCorrupted(.init(
            codingPath: container.codingPath + [unknown],
            debugDescription: "unknown key (expected one of \(allowed.sorted().joined(separator: ", ")))"))
    }
}

private struct RawScript: Decodable {
    var greeting: String?
    var fallback: String?
    var rules: [RawRule]?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        try rejectUnknownKeys(container, allowed: ["greeting", "fallback", "rules"])
        greeting = try container.decodeIfPresent(String.self, forKey: AnyKey("greeting"))
        fallback = try container.decodeIfPresent(String.self, forKey: AnyKey("fallback"))
        rules = try container.decodeIfPresent([RawRule].self, forKey: AnyKey("rules"))
    }
}

private struct RawRule: Decodable {
    var name: String?
    var match: [String]?
    var reply: String?
    var end: Bool?
    var after: [String]?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        try rejectUnknownKeys(container, allowed: ["name", "match", "reply", "end", "after"])
        name = try container.decodeIfPresent(String.self, forKey: AnyKey("name"))
        match = try container.decodeIfPresent([String].self, forKey: AnyKey("match"))
        reply = try container.decodeIfPresent(String.self, forKey: AnyKey("reply"))
        end = try container.decodeIfPresent(Bool.self, forKey: AnyKey("end"))
        after = try container.decodeIfPresent([String].self, forKey: AnyKey("after"))
    }
}

import Foundation
import Testing

@testable import EarshotProviders

@Suite("Scripted language model")
struct ScriptedLanguageModelTests {
    let model = ScriptedLanguageModel()
    let options = CompletionOptions(model: "scripted")

    private func reply(_ messages: [ChatMessage], model: ScriptedLanguageModel? = nil) async throws -> [String] {
        var deltas: [String] = []
        for try await delta in (model ?? self.model).complete(messages, options: options) { deltas.append(delta) }
        return deltas
    }

    private func script(_ json: String) throws(ScriptError) -> ConversationScript {
        try ConversationScript(json: Data(json.utf8), source: "test")
    }

    @Test("greets when the caller has not spoken yet")
    func greets() async throws {
        let text = try await reply([ChatMessage(role: .system, content: "You are a front desk.")]).joined()
        #expect(text == ConversationScript.restaurant.greeting)
    }

    @Test("matches rules on words, ignoring case and punctuation")
    func matchesRules() async throws {
        let script = ConversationScript.restaurant
        func answer(_ said: String) -> String? { script.answer([ChatMessage(role: .user, content: said)]).rule }
        #expect(answer("What time do you OPEN on Sunday?") == "hours")
        #expect(answer("WHAT'S your ADDRESS?!") == "address")
        #expect(answer("i'd like to book a table please") == "booking")
        #expect(answer("do you have vegan dishes") == "menu")
        #expect(answer("thanks, and what are your opening hours") == "hours")  // file order decides
        // Whole words only: "know" is not "no", "bookshelf" is not "book".
        #expect(answer("i don't know about the bookshelf") == "fallback")
    }

    @Test("falls back when nothing matches")
    func fallsBack() async throws {
        let text = try await reply([ChatMessage(role: .user, content: "purple elephants")]).joined()
        #expect(text == ConversationScript.restaurant.fallback)
    }

    @Test("holds a booking conversation and ends it with the marker")
    func bookingConversation() async throws {
        var history = [ChatMessage(role: .assistant, content: ConversationScript.restaurant.greeting)]
        var rules: [String?] = []
        for said in ["hello i would like to book a table", "four people at seven tomorrow", "no that's all"] {
            history.append(ChatMessage(role: .user, content: said))
            let answer = ConversationScript.restaurant.answer(history)
            rules.append(answer.rule)
            let text = try await reply(history).joined()
            history.append(ChatMessage(role: .assistant, content: text))
        }
        #expect(rules == ["booking", "booked", "goodbye"])
        #expect(history.last?.content.hasSuffix(ScriptedLanguageModel.endCallMarker) == true)
        // "seven" without the booking question before it is not a booking.
        #expect(ConversationScript.restaurant.answer([ChatMessage(role: .user, content: "seven")]).rule == "fallback")
    }

    @Test("a reply cut short by barge-in still counts as said")
    func truncatedAssistantMessage() {
        let booking = ConversationScript.restaurant.rules.first { $0.name == "booking" }!.reply
        let history = [
            ChatMessage(role: .user, content: "book a table"),
            ChatMessage(role: .assistant, content: String(booking.prefix(30))),
            ChatMessage(role: .user, content: "two people tonight"),
        ]
        #expect(ConversationScript.restaurant.answer(history).rule == "booked")
    }

    @Test("streams a reply in several deltas; the end marker comes last, alone")
    func streamsDeltas() async throws {
        let deltas = try await reply([ChatMessage(role: .user, content: "thank you, goodbye")])
        let goodbye = ConversationScript.restaurant.rules.first { $0.name == "goodbye" }!.reply
        #expect(deltas.count > 3)
        #expect(deltas.last == ScriptedLanguageModel.endCallMarker)
        #expect(deltas.dropLast().joined() == goodbye + " ")
        #expect(deltas.joined() == goodbye + " " + ScriptedLanguageModel.endCallMarker)

        let hours = try await reply([ChatMessage(role: .user, content: "when are you open")])
        #expect(hours.count > 1 && !hours.joined().contains(ScriptedLanguageModel.endCallMarker))
        #expect(ScriptedLanguageModel.deltas(of: "one two three four", wordsPerDelta: 3) == ["one two three ", "four"])
        #expect(ScriptedLanguageModel.deltas(of: "", wordsPerDelta: 3) == [""])
    }

    @Test("cancelling the consumer stops a paced stream")
    func cancellation() async throws {
        let slow = ScriptedLanguageModel(deltaDelay: .seconds(30))
        let task = Task {
            var count = 0
            for try await _ in slow.complete([ChatMessage(role: .user, content: "hours")], options: options) { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let started = ContinuousClock.now
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("reads a script file; EARSHOT_SCRIPT selects it")
    func scriptFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-script-\(UUID().uuidString).json").path
        try #"{"greeting": "Yo.", "fallback": "Eh?", "rules": [{"match": ["ping"], "reply": "Pong.", "end": true}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let custom = try ScriptedLanguageModel.fromEnvironment(["EARSHOT_SCRIPT": path])
        #expect(try await reply([], model: custom).joined() == "Yo.")
        #expect(try await reply([ChatMessage(role: .user, content: "Ping!")], model: custom).joined() == "Pong. [END_CALL]")
        #expect(try ScriptedLanguageModel.fromEnvironment([:]).script == .restaurant)
    }

    @Test("bad scripts give a clear error", arguments: [
        (#"{"greeting": "Hi", "fallback": "Eh?", "rules": [ {"match": ["x"]} ]"#, "not valid JSON"),
        (#"{"fallback": "Eh?", "rules": []}"#, "'greeting' is missing"),
        (#"{"greeting": "Hi", "rules": []}"#, "'fallback' is missing"),
        (#"{"greeting": "Hi", "fallback": "Eh?"}"#, "'rules' is missing"),
        (#"{"greeting": "Hi", "fallback": "Eh?", "rules": [{"match": ["x"]}]}"#, "rules[0]: 'reply' is missing"),
        (#"{"greeting": "Hi", "fallback": "Eh?", "rules": [{"match": [], "reply": "R"}]}"#, "rules[0]: 'match' is missing or empty"),
        (#"{"greeting": "Hi", "fallback": "Eh?", "rules": [{"match": ["?!"], "reply": "R"}]}"#, "the phrase '?!' has no words"),
        (#"{"greeting": "Hi", "fallback": "Eh?", "rules": [{"match": ["x"], "replly": "R"}]}"#, "rules[0].replly: unknown key"),
        (#"{"greeting": "Hi", "fallback": "Eh?", "rules": [{"match": ["x"], "reply": "R", "end": "yes"}]}"#, "rules[0].end: expected true or false"),
        (#"{"greeting": "Hi", "fallback": "Eh?", "rules": [{"match": "x", "reply": "R"}]}"#, "rules[0].match: expected"),
        (#"{"greeting": "Hi", "fallback": "Eh?", "rules": [{"match": ["x"], "reply": "R", "after": ["nobody"]}]}"#, "'after' names 'nobody'"),
        (#"{"greeting": "Hi", "fallback": "Eh?", "rules": [{"name": "a", "match": ["x"], "reply": "R"}, {"name": "a", "match": ["y"], "reply": "S"}]}"#, "rules[1] (a): the name 'a' is already taken"),
        (#"{"greeting": "Hi", "fallback": "Eh?", "rules": [{"match": ["x"], "reply": "Bye [END_CALL]"}]}"#, "write \"end\": true"),
    ])
    func badScripts(json: String, expected: String) throws {
        do {
            _ = try script(json)
            Issue.record("accepted a bad script: \(json)")
        } catch {
            let message = error.description
            #expect(message.hasPrefix("invalid conversation script test: "))
            #expect(message.contains(expected), "\(message)")
        }
    }

    @Test("a missing script file is reported with its path")
    func missingFile() {
        #expect(throws: ScriptError.self) { try ConversationScript(contentsOfFile: "/nonexistent/script.json") }
        do {
            _ = try ScriptedLanguageModel(scriptPath: "/nonexistent/script.json")
        } catch {
            #expect(error.description.contains("cannot read conversation script /nonexistent/script.json"))
        }
    }
}

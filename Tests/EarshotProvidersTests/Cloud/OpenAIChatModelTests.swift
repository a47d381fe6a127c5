@testable import EarshotFakes
import Foundation
import NIOCore
import Testing

@testable import EarshotProviders

@Suite("OpenAI chat completions against the fake")
struct OpenAIChatModelTests {
    private let messages = [
        ChatMessage(role: .system, content: "You are brief."),
        ChatMessage(role: .user, content: "Say \"hi\"."),
    ]

    private func model(_ fake: FakeProviderServer, _ client: ProviderHTTPClient, key: ProviderSecret? = "sk-test-key-1234567890",
                       firstToken: Duration = .seconds(5), idle: Duration = .seconds(5)) -> OpenAIChatModel {
        OpenAIChatModel(
            configuration: .init(baseURL: fake.baseURL + "/v1", apiKey: key, model: "default-model",
                                 firstTokenTimeout: firstToken, idleTimeout: idle),
            client: client
        )
    }

    @Test func streamsDeltasInOrderAndSendsTheRequestOpenAIExpects() async throws {
        try await withFakeProviders { fake, client in
            fake.llmReply = ["Hi", " there", ", \"friend\"", " 🎧"]
            let tokens = try await collect(model(fake, client).complete(messages, options: .init(model: "gpt-test", temperature: 0.3, maxTokens: 50)))
            #expect(tokens == ["Hi", " there", ", \"friend\"", " 🎧"])

            let request = try #require(fake.stats.lastRequest[.chat])
            #expect(request.path == "/v1/chat/completions")
            #expect(request.headers.first(name: "Authorization") == "Bearer sk-test-key-1234567890")
            #expect(request.headers.first(name: "Content-Type") == "application/json")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect(body["model"] as? String == "gpt-test")
            #expect(body["stream"] as? Bool == true)
            #expect(body["temperature"] as? Double == 0.3)
            #expect(body["max_tokens"] as? Int == 50)
            let sent = try #require(body["messages"] as? [[String: String]])
            #expect(sent == [["role": "system", "content": "You are brief."], ["role": "user", "content": "Say \"hi\"."]])
        }
    }

    @Test func configuredModelAndTokenFieldAndNoKey() async throws {
        try await withFakeProviders { fake, client in
            let model = OpenAIChatModel(
                configuration: .init(baseURL: fake.baseURL + "/v1/", model: "llama3", maxTokensField: "max_completion_tokens", sendsTemperature: false),
                client: client
            )
            _ = try await collect(model.complete(messages, options: .init(model: "", maxTokens: 20)))
            let request = try #require(fake.stats.lastRequest[.chat])
            #expect(request.path == "/v1/chat/completions", "a trailing slash on the base URL is tolerated")
            #expect(request.headers.first(name: "Authorization") == nil)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            #expect(body["model"] as? String == "llama3")
            #expect(body["max_completion_tokens"] as? Int == 20)
            #expect(body["max_tokens"] == nil)
            #expect(body["temperature"] == nil)
        }
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func eventsSplitAcrossWritesAndLineEndings(ending: String) async throws {
        try await withFakeProviders { fake, client in
            fake.sseSplitWrites = true
            fake.sseLineEnding = ending
            fake.llmReply = ["one", " two", " three"]
            let tokens = try await collect(model(fake, client).complete(messages, options: .init(model: "m")))
            #expect(tokens.joined() == "one two three")
        }
    }

    @Test func tokensArriveAsTheyAreGenerated() async throws {
        try await withFakeProviders { fake, client in
            fake.llmReply = ["a", "b", "c", "d"]
            fake.llmTokenDelay = .milliseconds(150)
            let baseline = fake.stats.bodyChunksSent
            var sentAtArrival: [Int] = []
            for try await _ in model(fake, client).complete(messages, options: .init(model: "m")) {
                sentAtArrival.append(fake.stats.bodyChunksSent - baseline)
            }
            #expect(sentAtArrival.count == 4)
            // Structural, not timed: when the first token reaches us the fake has not yet sent
            // the last one (4 token events and the [DONE] event).
            #expect((sentAtArrival.first ?? 99) < 4, "the first token must not wait for the rest: \(sentAtArrival)")
        }
    }

    @Test func httpErrorStatusCarriesStatusAndBodyPrefix() async throws {
        try await withFakeProviders { fake, client in
            let longBody = #"{"error":{"message":"# + String(repeating: "overloaded ", count: 40) + #""}}"#
            fake.fault = .status(503, body: longBody)
            let error = await providerError { _ = try await collect(model(fake, client).complete(messages, options: .init(model: "m"))) }
            guard case .http(let status, let body) = error else {
                Issue.record("expected .http, got \(String(describing: error))")
                return
            }
            #expect(status == 503)
            #expect(body.utf8.count == 200)
            #expect(longBody.hasPrefix(body))
        }
    }

    @Test func theKeyNeverAppearsInErrors() async throws {
        try await withFakeProviders { fake, client in
            fake.expectedKey = "sk-the-right-key-000000"
            let wrong: ProviderSecret = "sk-proj-wrongkeyABCDEF123456"
            let error = try #require(await providerError {
                _ = try await collect(model(fake, client, key: wrong).complete(messages, options: .init(model: "m")))
            })
            #expect(error.kind == "http")
            #expect(!error.description.contains(wrong.value))
            #expect(!error.description.contains("wrongkey"))
            #expect("\(wrong)" == "<redacted>")
            #expect(!"\(OpenAIChatModel.Configuration(apiKey: wrong))".contains("wrongkey"))
        }
    }

    @Test func malformedChunkIsMalformed() async throws {
        try await withFakeProviders { fake, client in
            fake.fault = .malformedJSON
            var received: [String] = []
            let error = await providerError {
                for try await token in model(fake, client).complete(messages, options: .init(model: "m")) { received.append(token) }
            }
            #expect(error?.kind == "malformed")
            #expect(received == ["Hello"], "tokens before the bad chunk are delivered")
        }
    }

    @Test func connectionCutMidStreamIsDisconnected() async throws {
        try await withFakeProviders { fake, client in
            fake.fault = .cutMidway(afterChunks: 2)
            var received: [String] = []
            let error = await providerError {
                for try await token in model(fake, client).complete(messages, options: .init(model: "m")) { received.append(token) }
            }
            #expect(error?.kind == "disconnected")
            #expect(received == ["Hello", " there"])
        }
    }

    @Test func serverThatNeverAnswersTimesOut() async throws {
        try await withFakeProviders { fake, client in
            fake.fault = .neverAnswer
            let start = ContinuousClock.now
            let error = await providerError {
                _ = try await collect(model(fake, client, firstToken: .milliseconds(300)).complete(messages, options: .init(model: "m")))
            }
            let elapsed = ContinuousClock.now - start
            #expect(error?.kind == "timeout")
            #expect(elapsed >= .milliseconds(290) && elapsed < .seconds(2))
            #expect(await fake.waitUntil { $0.responsesAbandoned == 1 }, "the timed-out request's connection is closed")
        }
    }

    @Test func firstTokenTooLateTimesOut() async throws {
        try await withFakeProviders { fake, client in
            fake.llmFirstTokenDelay = .seconds(2)
            let error = await providerError {
                _ = try await collect(model(fake, client, firstToken: .milliseconds(200)).complete(messages, options: .init(model: "m")))
            }
            #expect(error?.kind == "timeout")
        }
    }

    @Test func stalledStreamTimesOutOnTheIdleLimit() async throws {
        try await withFakeProviders { fake, client in
            fake.fault = .stall(afterChunks: 1)
            var received: [String] = []
            let start = ContinuousClock.now
            let error = await providerError {
                for try await token in model(fake, client, firstToken: .seconds(5), idle: .milliseconds(250))
                    .complete(messages, options: .init(model: "m"))
                {
                    received.append(token)
                }
            }
            #expect(error?.kind == "timeout")
            #expect(received == ["Hello"])
            #expect(ContinuousClock.now - start < .seconds(2))
        }
    }

    @Test func cancellingTheConsumerClosesTheRequest() async throws {
        try await withFakeProviders { fake, client in
            fake.llmReply = Array(repeating: "word ", count: 50)
            fake.llmTokenDelay = .milliseconds(50)
            let model = self.model(fake, client)
            let consumer = Task {
                var count = 0
                for try await _ in model.complete(messages, options: .init(model: "m")) { count += 1 }
                return count
            }
            #expect(await fake.waitUntil { $0.count(.chat) == 1 })
            try await Task.sleep(for: .milliseconds(120))
            let cancelledAt = ContinuousClock.now
            consumer.cancel()
            _ = try? await consumer.value
            #expect(await fake.waitUntil(timeout: .seconds(1)) { $0.responsesAbandoned == 1 })
            #expect(ContinuousClock.now - cancelledAt < .seconds(1), "cancellation reaches the socket promptly")
        }
    }

    @Test func droppingTheStreamAlsoCancels() async throws {
        try await withFakeProviders { fake, client in
            fake.llmReply = Array(repeating: "word ", count: 50)
            fake.llmTokenDelay = .milliseconds(50)
            do {
                var iterator = model(fake, client).complete(messages, options: .init(model: "m")).makeAsyncIterator()
                _ = try await iterator.next()
            }
            #expect(await fake.waitUntil(timeout: .seconds(1)) { $0.responsesAbandoned == 1 })
        }
    }

    @Test func consecutiveTurnsReuseOneConnection() async throws {
        try await withFakeProviders { fake, client in
            let model = self.model(fake, client)
            for _ in 0..<5 {
                _ = try await collect(model.complete(messages, options: .init(model: "m")))
                // Turns of a call are seconds apart. Without a pause the next request can ask the
                // pool for a connection in the instant between the body's end and the client
                // handing the connection back, and open a second one (seen once on a loaded CI).
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(fake.stats.count(.chat) == 5)
            #expect(fake.stats.connectionsOpened == 1, "keep-alive: the [DONE] tail is read so the connection returns to the pool")
        }
    }

    @Test func refusedConnectionIsUnavailable() async throws {
        let fake = FakeProviderServer()
        let port = try await fake.start()
        try await fake.stop()
        let client = ProviderHTTPClient()
        let model = OpenAIChatModel(configuration: .init(baseURL: "http://127.0.0.1:\(port)/v1"), client: client)
        let start = ContinuousClock.now
        let error = await providerError { _ = try await collect(model.complete(messages, options: .init(model: "m"))) }
        try await client.shutdown()
        #expect(error?.kind == "unavailable", "\(String(describing: error))")
        #expect(ContinuousClock.now - start < .seconds(1), "a refused connect fails fast")
    }
}

@Suite("Chat stream reader")
struct ChatStreamReaderTests {
    private func read(_ text: String) throws -> [String] {
        var reader = ChatStreamReader(what: "test chat")
        var tokens: [String] = []
        try reader.feed(ByteBuffer(string: text)) { tokens.append($0) }
        try reader.finish { tokens.append($0) }
        return tokens
    }

    @Test func endWithoutDoneButWithFinishReasonIsAccepted() throws {
        let text = #"data: {"choices":[{"delta":{"content":"ok"},"finish_reason":null}]}"# + "\n\n"
            + #"data: {"choices":[{"delta":{},"finish_reason":"stop"}]}"# + "\n\n"
        #expect(try read(text) == ["ok"])
    }

    @Test func endWithoutDoneOrFinishReasonIsDisconnected() throws {
        let text = #"data: {"choices":[{"delta":{"content":"ok"},"finish_reason":null}]}"# + "\n\n"
        #expect(throws: ProviderError.disconnected("test chat: stream ended before [DONE]")) { _ = try read(text) }
    }

    @Test func doneWithoutTrailingBlankLineAtEOF() throws {
        let text = #"data: {"choices":[{"delta":{"content":"ok"}}]}"# + "\n\ndata: [DONE]\n"
        #expect(try read(text) == ["ok"])
    }

    @Test func usageChunkAndRoleChunkAreSkipped() throws {
        let text = #"data: {"choices":[{"delta":{"role":"assistant","content":""}}]}"# + "\n\n"
            + #"data: {"choices":[],"usage":{"total_tokens":3}}"# + "\n\n" + "data: [DONE]\n\n"
        #expect(try read(text).isEmpty)
    }

    @Test func errorObjectInsideTheStream() throws {
        let text = #"data: {"error":{"message":"rate limited","code":429}}"# + "\n\n"
        #expect(throws: ProviderError.http(status: 429, body: "rate limited")) { _ = try read(text) }
    }
}

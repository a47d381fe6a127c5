@testable import EarshotFakes
import NIOCore
import NIOHTTP1
import Testing

@testable import EarshotProviders

@Suite("Shared HTTP client")
struct ProviderHTTPClientTests {
    @Test func prewarmOpensAConnectionTheFirstTurnReuses() async throws {
        try await withFakeProviders { fake, client in
            await client.prewarm(urls: [fake.baseURL + "/v1", fake.baseURL + "/v1"])
            #expect(fake.stats.connectionsOpened == 1)
            #expect(fake.stats.count(.other) == 1, "one HEAD per distinct URL, status ignored (404 here)")

            let model = OpenAIChatModel(configuration: .init(baseURL: fake.baseURL + "/v1"), client: client)
            _ = try await collect(model.complete([ChatMessage(role: .user, content: "hi")], options: .init(model: "m")))
            #expect(fake.stats.connectionsOpened == 1, "the turn used the warm connection")
        }
    }

    @Test func prewarmNeverThrows() async throws {
        let client = ProviderHTTPClient(configuration: .init(connectTimeout: .milliseconds(200)))
        await client.prewarm(urls: ["http://127.0.0.1:1/v1", "not a url"], timeout: .milliseconds(300))
        try await client.shutdown()
    }

    @Test func totalLimitCapsASlowTrickle() async throws {
        try await withFakeProviders { fake, client in
            fake.ttsChunkDelay = .milliseconds(100)
            fake.ttsChunkBytes = 10
            let request = ProviderRequest(url: fake.baseURL + "/v1/speak", body: ByteBuffer(string: "{}"), what: "trickle")
            let error = await providerError {
                _ = try await client.collect(request, timeouts: RequestTimeouts(firstByte: .seconds(5), idle: .seconds(5), total: .milliseconds(350)))
            }
            #expect(error == .timeout("trickle: not complete within 0.35 seconds"))
        }
    }

    @Test func collectRefusesOversizedBodies() async throws {
        try await withFakeProviders { fake, client in
            let request = ProviderRequest(url: fake.baseURL + "/v1/speak", body: ByteBuffer(string: "{}"), what: "big")
            let error = await providerError { _ = try await client.collect(request, timeouts: .total(.seconds(5)), limit: 100) }
            #expect(error?.kind == "malformed")
        }
    }
}

@Suite("Secrets and redaction")
struct RedactionTests {
    @Test func secretsPrintAsRedacted() {
        let key: ProviderSecret = "sk-live-abcdef"
        #expect("\(key)" == "<redacted>")
        #expect(String(reflecting: key) == "<redacted>")
        let configuration = DeepgramTranscriber.Configuration(apiKey: key)
        #expect(!"\(configuration)".contains("abcdef"))
        #expect(!String(reflecting: configuration).contains("abcdef"))
        #expect(ProviderSecret("   " as String?) == nil)
        #expect(ProviderSecret(nil as String?) == nil)
    }

    @Test func scrubRemovesTheKeyAndKeyShapedTokens() {
        let key = ProviderSecret("dg-0123456789")
        #expect(Redaction.scrub("bad key dg-0123456789 given", secrets: [key]) == "bad key <redacted> given")
        #expect(Redaction.scrub("Incorrect API key provided: sk-proj-****abcd.", secrets: []) == "Incorrect API key provided: sk-<redacted>")
        #expect(Redaction.scrub("task-list", secrets: []) == "task-list", "short sk- fragments are left alone")
    }
}

@Suite("Multipart form data")
struct MultipartFormDataTests {
    @Test func roundTripsThroughAStrictParser() throws {
        var form = MultipartFormData()
        let file = (0..<300).map { UInt8(truncatingIfNeeded: $0) }  // includes CR, LF and "-"
        form.append(file: "file", filename: "utterance.wav", contentType: "audio/wav", bytes: file)
        form.append(field: "model", value: "whisper-1")
        form.append(field: "prompt", value: "line one\r\nline two")
        let parts = try #require(MultipartParser.parse(Array(form.finished().readableBytesView), contentType: form.contentType))
        #expect(parts.count == 3)
        #expect(parts[0] == .init(name: "file", filename: "utterance.wav", contentType: "audio/wav", bytes: file))
        #expect(parts[1].name == "model" && parts[1].text == "whisper-1" && parts[1].filename == nil)
        #expect(parts[2].text == "line one\r\nline two")
    }

    @Test func namesAreEscaped() throws {
        var form = MultipartFormData(boundary: "b")
        form.append(field: "a\"b\r\nc", value: "v")
        #expect(String(buffer: form.finished()) == "--b\r\nContent-Disposition: form-data; name=\"a%22b%0D%0Ac\"\r\n\r\nv\r\n--b--\r\n")
    }

    @Test func boundariesAreRandom() {
        #expect(MultipartFormData.randomBoundary() != MultipartFormData.randomBoundary())
        #expect(MultipartFormData.randomBoundary().count == 40)
    }
}

@Suite("Endpoint URLs")
struct EndpointURLTests {
    @Test func join() {
        #expect(EndpointURL.join("https://api.openai.com/v1/", "/chat/completions") == "https://api.openai.com/v1/chat/completions")
        #expect(EndpointURL.join("http://localhost:11434/v1", "audio/speech") == "http://localhost:11434/v1/audio/speech")
    }

    @Test func queryIsPercentEncodedAndSkipsEmptyValues() {
        let url = EndpointURL.withQuery("wss://h/v1/listen", [("model", "nova-3"), ("language", ""), ("keyterm", "Earshot & co/é")])
        #expect(url == "wss://h/v1/listen?model=nova-3&keyterm=Earshot%20%26%20co%2F%C3%A9")
        #expect(EndpointURL.withQuery("http://h/x?a=1", [("b", "2")]) == "http://h/x?a=1&b=2")
        #expect(EndpointURL.withQuery("http://h/x", []) == "http://h/x")
    }

    @Test func parse() {
        #expect(EndpointURL.parse("wss://api.deepgram.com/v1/listen?x=1") ==
            .init(secure: true, host: "api.deepgram.com", port: 443, target: "/v1/listen?x=1", hostHeader: "api.deepgram.com"))
        #expect(EndpointURL.parse("ws://127.0.0.1:8080") ==
            .init(secure: false, host: "127.0.0.1", port: 8080, target: "/", hostHeader: "127.0.0.1:8080"))
        #expect(EndpointURL.parse("ws://[::1]:9000/a?b") ==
            .init(secure: false, host: "::1", port: 9000, target: "/a?b", hostHeader: "[::1]:9000"))
        #expect(EndpointURL.parse("ws://h?q=1")?.target == "/?q=1")
        #expect(EndpointURL.parse("ftp://h/") == nil)
        #expect(EndpointURL.parse("ws://user:pw@h/") == nil)
        #expect(EndpointURL.parse("ws://h:99999/") == nil)
    }

    @Test func languageTags() {
        #expect(LanguageTag.primary("en-US") == "en")
        #expect(LanguageTag.primary("HI-in") == "hi")
        #expect(LanguageTag.primary("") == nil)
        #expect(LanguageTag.primary("auto") == nil)
    }
}

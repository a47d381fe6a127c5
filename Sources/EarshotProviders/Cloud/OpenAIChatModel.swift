import NIOCore
import NIOHTTP1

/// A chat model behind the OpenAI Chat Completions API with `stream: true` — OpenAI itself,
/// and the compatible servers: Groq, OpenRouter, Ollama, llama.cpp's server, vLLM.
///
/// Yields `choices[0].delta.content` of each SSE chunk as it arrives and ends at `[DONE]`.
/// A stream that ends without `[DONE]` is ``ProviderError/disconnected(_:)`` — unless a chunk
/// already carried a `finish_reason`, which some compatible servers send instead.
public struct OpenAIChatModel: LanguageModel {
    public struct Configuration: Sendable, Equatable {
        /// Name for logs and metric labels.
        public var name: String
        /// API root, up to and including the version (`…/v1`).
        public var baseURL: String
        /// Sent as `Authorization: Bearer …`; nil for local servers that need none.
        public var apiKey: ProviderSecret?
        /// Model used when ``CompletionOptions/model`` is empty.
        public var model: String
        /// Longest wait for the first bytes of the answer.
        public var firstTokenTimeout: Duration
        /// Longest gap between two chunks once the answer has started.
        public var idleTimeout: Duration
        /// The request field for the token cap: `max_tokens` (compatible servers, older
        /// models) or `max_completion_tokens` (OpenAI's reasoning models).
        public var maxTokensField: String
        /// Send `temperature` (some reasoning models refuse any value but the default).
        public var sendsTemperature: Bool
        /// Extra request headers (OpenRouter's `HTTP-Referer`, `X-Title`…).
        public var extraHeaders: [String: String]

        public init(
            name: String = "openai",
            baseURL: String = "https://api.openai.com/v1",
            apiKey: ProviderSecret? = nil,
            model: String = "gpt-4o-mini",
            firstTokenTimeout: Duration = .seconds(10),
            idleTimeout: Duration = .seconds(10),
            maxTokensField: String = "max_tokens",
            sendsTemperature: Bool = true,
            extraHeaders: [String: String] = [:]
        ) {
            self.name = name
            self.baseURL = baseURL
            self.apiKey = apiKey
            self.model = model
            self.firstTokenTimeout = firstTokenTimeout
            self.idleTimeout = idleTimeout
            self.maxTokensField = maxTokensField
            self.sendsTemperature = sendsTemperature
            self.extraHeaders = extraHeaders
        }
    }

    public let configuration: Configuration
    private let client: ProviderHTTPClient

    public init(configuration: Configuration, client: ProviderHTTPClient = .shared) {
        self.configuration = configuration
        self.client = client
    }

    public var name: String { configuration.name }

    public func complete(_ messages: [ChatMessage], options: CompletionOptions) -> AsyncThrowingStream<String, any Error> {
        let request: ProviderRequest
        do {
            request = try makeRequest(messages, options: options)
        } catch {
            return ProducerStream.failed(error)
        }
        let timeouts = RequestTimeouts(firstByte: configuration.firstTokenTimeout, idle: configuration.idleTimeout)
        let client = self.client
        return ProducerStream.make { continuation in
            try await client.execute(request, timeouts: timeouts) { body in
                var reader = ChatStreamReader(what: request.what)
                var chunks = body.makeAsyncIterator()
                while let chunk = try await chunks.next() {
                    try reader.feed(chunk) { continuation.yield($0) }
                    if reader.sawDone {
                        // The caller has its answer now; reading the last bytes (the chunked
                        // terminator) after this keeps the connection for the next turn.
                        continuation.finish()
                        while try await chunks.next() != nil {}
                        return
                    }
                }
                try reader.finish { continuation.yield($0) }
            }
        }
    }

    func makeRequest(_ messages: [ChatMessage], options: CompletionOptions) throws -> ProviderRequest {
        var headers = HTTPHeaders.provider(contentType: "application/json", accept: "text/event-stream")
        if let key = configuration.apiKey {
            headers.add(name: "Authorization", value: "Bearer \(key.value)")
        }
        for (name, value) in configuration.extraHeaders.sorted(by: { $0.key < $1.key }) {
            headers.add(name: name, value: value)
        }
        let body = ChatRequestBody(
            model: options.model.isEmpty ? configuration.model : options.model,
            messages: messages,
            temperature: configuration.sendsTemperature ? options.temperature : nil,
            maxTokens: options.maxTokens,
            maxTokensField: configuration.maxTokensField
        )
        return ProviderRequest(
            url: EndpointURL.join(configuration.baseURL, "chat/completions"),
            headers: headers,
            body: try ProviderJSON.body(body),
            what: "\(configuration.name) chat",
            secrets: configuration.apiKey.map { [$0] } ?? []
        )
    }
}

/// The request body; keys in the order the API documents them.
private struct ChatRequestBody: Encodable {
    var model: String
    var messages: [ChatMessage]
    var temperature: Double?
    var maxTokens: Int
    var maxTokensField: String

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(model, forKey: Key("model"))
        try container.encode(messages, forKey: Key("messages"))
        try container.encode(true, forKey: Key("stream"))
        if let temperature { try container.encode(temperature, forKey: Key("temperature")) }
        if maxTokens > 0 { try container.encode(maxTokens, forKey: Key(maxTokensField)) }
    }
}

/// SSE bytes in, text deltas out: the part of the chat model that knows the chunk format.
struct ChatStreamReader {
    let what: String
    private var parser = ServerSentEventParser()
    private(set) var sawDone = false
    private var sawFinishReason = false

    init(what: String) {
        self.what = what
    }

    mutating func feed(_ chunk: ByteBuffer, yield: (String) -> Void) throws {
        guard !sawDone else { return }
        // Take the parser out of `self` (no copy) so the event handler may mutate `self`.
        var parser = ServerSentEventParser()
        swap(&parser, &self.parser)
        defer { swap(&parser, &self.parser) }
        do {
            try parser.feed(chunk) { event in
                if !sawDone { try handle(event, yield: yield) }
            }
        } catch let error as ServerSentEventError {
            throw ProviderError.malformed("\(what): \(error)")
        }
    }

    mutating func finish(yield: (String) -> Void) throws {
        if !sawDone, let last = parser.finish() {
            try handle(last, yield: yield)
        }
        guard sawDone || sawFinishReason else {
            throw ProviderError.disconnected("\(what): stream ended before [DONE]")
        }
    }

    private mutating func handle(_ event: ServerSentEvent, yield: (String) -> Void) throws {
        let data = event.data.trimmingWhitespace()
        if data == "[DONE]" {
            sawDone = true
            return
        }
        guard !data.isEmpty else { return }
        let chunk = try ProviderJSON.decode(ChatChunk.self, from: String(data), what: what)
        if let error = chunk.error {
            throw ProviderError.http(status: error.statusCode ?? 500, body: String((error.message ?? "error in stream").prefix(200)))
        }
        guard let choice = chunk.choices?.first else { return }  // e.g. the usage chunk
        if let content = choice.delta?.content, !content.isEmpty {
            yield(content)
        }
        if choice.finishReason != nil { sawFinishReason = true }
    }
}

private struct ChatChunk: Decodable {
    struct Choice: Decodable {
        struct Delta: Decodable {
            var content: String?
        }
        var delta: Delta?
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case delta
            case finishReason = "finish_reason"
        }
    }

    /// An error reported inside the stream (OpenRouter, vLLM do this after a 200).
    struct StreamError: Decodable {
        var message: String?
        var statusCode: Int?

        enum CodingKeys: String, CodingKey {
            case message, code
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            message = try? container.decode(String.self, forKey: .message)
            statusCode = try? container.decode(Int.self, forKey: .code)
        }
    }

    var choices: [Choice]?
    var error: StreamError?
}

extension String {
    func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}

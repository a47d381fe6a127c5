/// Builds the `AsyncThrowingStream` a streaming provider returns.
///
/// The request starts at once (so a caller may synthesise the next sentence while the current
/// one plays) in a task the stream owns: when the consumer cancels or drops the stream the
/// task is cancelled, which cancels the HTTP request and closes its connection. When the
/// producer finishes the stream itself (`[DONE]` seen), the task is left to read the last
/// bytes of the response so the connection goes back to the pool instead of being closed.
enum ProducerStream {
    static func make<Element: Sendable>(
        of: Element.Type = Element.self,
        _ produce: @escaping @Sendable (AsyncThrowingStream<Element, any Error>.Continuation) async throws -> Void
    ) -> AsyncThrowingStream<Element, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Element.self, throwing: (any Error).self)
        let task = Task {
            do {
                try await produce(continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { task.cancel() }
        }
        return stream
    }

    /// A stream that fails at once (bad configuration found before any I/O).
    static func failed<Element: Sendable>(_ error: any Error, of: Element.Type = Element.self) -> AsyncThrowingStream<Element, any Error> {
        AsyncThrowingStream { $0.finish(throwing: error) }
    }
}

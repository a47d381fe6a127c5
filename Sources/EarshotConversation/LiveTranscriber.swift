import EarshotProviders
import NIOConcurrencyHelpers

/// A streaming speech-to-text session for one call, fed every frame from the event loop.
/// One task reads the provider's transcripts for the whole call and collects the final
/// ones, so a turn's reply (which barge-in may cancel at any time) only waits on this
/// collector, never on the provider's stream itself.
public final class LiveTranscriber: Sendable {
    private struct State {
        var finals: [String] = []
        var generation = 0   // finals seen so far, ever
        var failure: (any Error)?
    }

    private let stream: any SpeechToTextStream
    private let state = NIOLockedValueBox(State())
    private let reader: Task<Void, Never>

    public init(stream: any SpeechToTextStream) {
        self.stream = stream
        let state = self.state
        reader = Task {
            do {
                for try await transcript in stream.transcripts where transcript.isFinal {
                    let text = transcript.text.trimmingWhitespace
                    state.withLockedValue { s in
                        if !text.isEmpty { s.finals.append(text) }
                        s.generation += 1
                    }
                }
            } catch {
                state.withLockedValue { $0.failure = error }
            }
        }
    }

    deinit {
        reader.cancel()
        stream.close()
    }

    /// Queues one frame of 8 kHz μ-law for the provider.
    public func send(muLaw: UnsafeBufferPointer<UInt8>) { stream.send(muLaw: Array(muLaw)) }

    /// At the end of a turn: asks the provider to finalise, waits (bounded) for its final
    /// result, and returns everything final since the previous turn.
    public func takeTurn(timeout: Duration) async throws -> String {
        let before = state.withLockedValue { $0.generation }
        stream.finalize()
        let deadline = ContinuousClock.now + timeout
        while true {
            let (seen, failure) = state.withLockedValue { ($0.generation, $0.failure) }
            if let failure { throw failure }
            if seen > before { break }
            guard ContinuousClock.now < deadline else { throw ProviderError.timeout("no final transcript within \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
        return state.withLockedValue { s in
            defer { s.finals.removeAll() }
            return s.finals.joined(separator: " ")
        }
    }

    public func close() {
        reader.cancel()
        stream.close()
    }
}

import NIOConcurrencyHelpers
import NIOCore

/// One call's live Deepgram session.
///
/// `transcripts` speaks in utterances, not in Deepgram's segments: Deepgram marks each piece
/// of audio `is_final` once, and an utterance may span several such segments before one is
/// `speech_final` (or answers a `Finalize`, or an `UtteranceEnd` arrives). So an interim
/// ``Transcript`` carries the utterance so far (final segments plus the current guess), and a
/// final one carries the whole utterance, once. After ``finalize()`` a final follows —
/// possibly empty if nothing was said — when Deepgram answers with `from_finalize`.
public final class DeepgramLiveStream: SpeechToTextStream {
    public let transcripts: AsyncThrowingStream<Transcript, any Error>

    private let connection: WebSocketConnection
    private let closeGrace: Duration
    private let closing = NIOLockedValueBox(false)

    init(connection: WebSocketConnection, keepAliveInterval: Duration?, closeGrace: Duration, what: String) {
        self.connection = connection
        self.closeGrace = closeGrace
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Transcript.self, throwing: (any Error).self)
        self.transcripts = stream

        let closing = self.closing
        let reader = Task {
            await Self.read(connection, into: continuation, closing: closing, what: what)
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                closing.withLockedValue { $0 = true }
                connection.abort()
                reader.cancel()
            }
        }
        if let keepAliveInterval {
            let channel = connection.channel
            let keepAlive = channel.eventLoop.scheduleRepeatedTask(
                initialDelay: .init(keepAliveInterval),
                delay: .init(keepAliveInterval)
            ) { _ in
                connection.send(text: #"{"type":"KeepAlive"}"#)
            }
            channel.closeFuture.whenComplete { _ in keepAlive.cancel() }
        }
    }

    /// Queues one frame of audio for the socket. Cheap and non-blocking: one buffer copy, then
    /// a direct write when called on the socket's event loop (see
    /// ``DeepgramTranscriber/openLiveStream(language:on:)``), or a hand-off to that loop from
    /// any other thread. Ignored after ``close()``.
    public func send(muLaw: [UInt8]) {
        // An empty binary frame means "close" in Deepgram's older protocol.
        guard !muLaw.isEmpty, !closing.withLockedValue({ $0 }) else { return }
        connection.send(binary: muLaw)
    }

    /// Asks Deepgram to finish what it has heard so far (`{"type":"Finalize"}`).
    public func finalize() {
        guard !closing.withLockedValue({ $0 }) else { return }
        connection.send(text: #"{"type":"Finalize"}"#)
    }

    /// Sends `{"type":"CloseStream"}`: Deepgram answers with its last results and closes.
    /// The socket is dropped anyway if it has not closed within the configured grace.
    /// `transcripts` then finishes normally.
    public func close() {
        let first = closing.withLockedValue { closing in
            defer { closing = true }
            return !closing
        }
        guard first else { return }
        // No close frame yet: Deepgram still has results to send, and closes itself after them.
        connection.send(text: #"{"type":"CloseStream"}"#)
        connection.abort(after: closeGrace)
    }

    private static func read(
        _ connection: WebSocketConnection,
        into continuation: AsyncThrowingStream<Transcript, any Error>.Continuation,
        closing: NIOLockedValueBox<Bool>,
        what: String
    ) async {
        var utterance = DeepgramUtterance()
        do {
            let close = try await connection.receive { message in
                guard case .text(let text) = message else { return }
                let parsed = try ProviderJSON.decode(DeepgramMessage.self, from: text, what: what)
                if parsed.type == "Error" {
                    throw ProviderError.disconnected("\(what): Deepgram error: \(parsed.errorDescription ?? "unknown")")
                }
                if let transcript = utterance.handle(parsed) {
                    continuation.yield(transcript)
                }
            }
            if let last = utterance.flush() { continuation.yield(last) }
            let wasClosing = closing.withLockedValue { $0 }
            switch close {
            case .some(let close) where !close.isNormal && !wasClosing:
                let why = "\(what): Deepgram closed the stream (\(close.code) \(close.reason))"
                continuation.finish(throwing: ProviderError.disconnected(why))
            case .none where !wasClosing:
                continuation.finish(throwing: ProviderError.disconnected("\(what): connection lost"))
            default:
                continuation.finish()
            }
        } catch {
            if let last = utterance.flush() { continuation.yield(last) }
            if closing.withLockedValue({ $0 }), !(error is ProviderError) {
                continuation.finish()
            } else {
                continuation.finish(throwing: ProviderHTTPErrors.map(error, what: what))
            }
        }
    }
}

/// Folds Deepgram's segments into utterances (see ``DeepgramLiveStream``).
struct DeepgramUtterance {
    private var segments: [String] = []
    private var confidences: [Double] = []

    mutating func handle(_ message: DeepgramMessage) -> Transcript? {
        switch message.type {
        case "Results":
            return handleResult(message)
        case "UtteranceEnd":
            return flush()
        default:
            return nil  // Metadata, SpeechStarted…
        }
    }

    private mutating func handleResult(_ message: DeepgramMessage) -> Transcript? {
        let text = message.transcript ?? ""
        guard message.isFinal == true else {
            guard !text.isEmpty else { return nil }
            return Transcript(text: joined(with: text), isFinal: false, confidence: message.confidence)
        }
        if !text.isEmpty {
            segments.append(text)
            if let confidence = message.confidence { confidences.append(confidence) }
        }
        if message.fromFinalize == true {
            return flush(evenIfEmpty: true)
        }
        if message.speechFinal == true {
            return flush()
        }
        return text.isEmpty ? nil : Transcript(text: joined(with: nil), isFinal: false, confidence: message.confidence)
    }

    /// The utterance so far as a final transcript, then a fresh start.
    mutating func flush(evenIfEmpty: Bool = false) -> Transcript? {
        defer {
            segments.removeAll()
            confidences.removeAll()
        }
        guard evenIfEmpty || !segments.isEmpty else { return nil }
        let confidence = confidences.isEmpty ? nil : confidences.reduce(0, +) / Double(confidences.count)
        return Transcript(text: joined(with: nil), isFinal: true, confidence: confidence)
    }

    private func joined(with pending: String?) -> String {
        (pending.map { segments + [$0] } ?? segments).joined(separator: " ")
    }
}

/// The fields of Deepgram's live messages that matter here. `channel` is an object in
/// `Results` but an array in `UtteranceEnd`, so it is read leniently.
struct DeepgramMessage: Decodable {
    var type: String?
    var isFinal: Bool?
    var speechFinal: Bool?
    var fromFinalize: Bool?
    var transcript: String?
    var confidence: Double?
    var errorDescription: String?

    private enum Keys: String, CodingKey {
        case type, channel, description, message
        case isFinal = "is_final"
        case speechFinal = "speech_final"
        case fromFinalize = "from_finalize"
    }

    private struct Channel: Decodable {
        struct Alternative: Decodable {
            var transcript: String?
            var confidence: Double?
        }
        var alternatives: [Alternative]?
    }

    init(
        type: String?, transcript: String? = nil, isFinal: Bool? = nil, speechFinal: Bool? = nil,
        fromFinalize: Bool? = nil, confidence: Double? = nil
    ) {
        self.type = type
        self.transcript = transcript
        self.isFinal = isFinal
        self.speechFinal = speechFinal
        self.fromFinalize = fromFinalize
        self.confidence = confidence
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        type = try container.decodeIfPresent(String.self, forKey: .type)
        isFinal = try container.decodeIfPresent(Bool.self, forKey: .isFinal)
        speechFinal = try container.decodeIfPresent(Bool.self, forKey: .speechFinal)
        fromFinalize = try container.decodeIfPresent(Bool.self, forKey: .fromFinalize)
        let best = (try? container.decodeIfPresent(Channel.self, forKey: .channel))?.alternatives?.first
        transcript = best?.transcript
        confidence = best?.confidence
        errorDescription = (try? container.decodeIfPresent(String.self, forKey: .description))
            ?? (try? container.decodeIfPresent(String.self, forKey: .message))
    }
}

import NIOConcurrencyHelpers

/// How long one provider request may take, in the terms a voice pipeline cares about.
struct RequestTimeouts: Sendable, Equatable {
    /// From sending the request to the first byte of the response body (the first token, the
    /// first audio): the latency a caller would hear.
    var firstByte: Duration
    /// Longest gap between two body chunks after the first: a stalled stream.
    var idle: Duration
    /// Cap on the whole exchange, or nil for none (streams end when the consumer cancels).
    var total: Duration?

    init(firstByte: Duration, idle: Duration, total: Duration? = nil) {
        self.firstByte = firstByte
        self.idle = idle
        self.total = total
    }

    /// One limit for a request-response exchange that is read whole (batch STT).
    static func total(_ limit: Duration) -> RequestTimeouts {
        RequestTimeouts(firstByte: limit, idle: limit, total: limit)
    }
}

/// Watches one request's progress. The body reader calls ``advance()`` per chunk (a clock read
/// and an uncontended lock); a single watchdog task sleeps until the current deadline and
/// checks again, instead of arming a timer per chunk.
final class ProgressMeter: Sendable {
    private struct State {
        var lastProgress: ContinuousClock.Instant
        var sawFirstByte = false
    }

    let timeouts: RequestTimeouts
    private let start: ContinuousClock.Instant
    private let state: NIOLockedValueBox<State>

    init(timeouts: RequestTimeouts) {
        let now = ContinuousClock.now
        self.timeouts = timeouts
        self.start = now
        self.state = NIOLockedValueBox(State(lastProgress: now))
    }

    func advance() {
        let now = ContinuousClock.now
        state.withLockedValue {
            $0.lastProgress = now
            $0.sawFirstByte = true
        }
    }

    /// When the request times out unless it makes progress first, and what it is waiting for.
    private func deadline() -> (deadline: ContinuousClock.Instant, waitingFor: String, started: Bool) {
        let (last, started) = state.withLockedValue { ($0.lastProgress, $0.sawFirstByte) }
        var deadline = started ? last + timeouts.idle : start + timeouts.firstByte
        var waitingFor = started ? "no data for \(timeouts.idle)" : "no response within \(timeouts.firstByte)"
        if let total = timeouts.total, start + total < deadline {
            deadline = start + total
            waitingFor = "not complete within \(total)"
        }
        return (deadline, waitingFor, started)
    }

    /// Runs `operation` in a child task beside a watchdog; whichever finishes first wins and
    /// the other is cancelled. The watchdog throws ``ProviderError/timeout(_:)``.
    func enforce<Result: Sendable>(
        what: String,
        _ operation: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await self.watch(what: what)
                return nil
            }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let result = next { return result }
            }
            throw CancellationError()
        }
    }

    private func watch(what: String) async throws {
        while !Task.isCancelled {
            let (deadline, waitingFor, started) = self.deadline()
            let now = ContinuousClock.now
            if now >= deadline {
                throw ProviderError.timeout("\(what): \(waitingFor)")
            }
            // Before the first byte the deadline can move earlier (the idle limit is usually
            // shorter), so look again within one idle period; after it, it only moves later.
            let wake = started ? deadline : min(deadline, now + timeouts.idle)
            do {
                try await Task.sleep(until: wake, tolerance: .milliseconds(5), clock: .continuous)
            } catch {
                return
            }
        }
    }
}

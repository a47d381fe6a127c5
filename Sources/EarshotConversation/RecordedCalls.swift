import NIOConcurrencyHelpers

/// The conversations of record-then-play calls, by call id. Such a call has no connection to
/// hang state on: each turn is a separate webhook, so its history lives here between them. A
/// call forgotten for ``idleLimit`` is dropped (carriers send no reliable "call over" to the
/// turn webhooks), and at most ``maxCalls`` are kept — the least recently seen goes first.
public final class RecordedCalls: Sendable {
    /// One call's state between turns.
    public struct Call: Sendable {
        public var info: CallInfo
        /// The conversation so far: user transcripts and the assistant's replies.
        public var history: [ChatMessage] = []
        /// Turns answered (the greeting is turn 0).
        public var turns = 0
        /// Silent turns in a row.
        public var silentTurns = 0
        /// The turn being answered: a carrier that retries a slow webhook must not start a second.
        public var busy = false
        var lastSeen: ContinuousClock.Instant

        init(info: CallInfo, now: ContinuousClock.Instant) {
            self.info = info
            self.lastSeen = now
        }
    }

    public let idleLimit: Duration
    public let maxCalls: Int

    private struct State {
        var calls: [String: Call] = [:]
        var lastSweep: ContinuousClock.Instant
    }

    private let state: NIOLockedValueBox<State>

    public init(idleLimit: Duration = .seconds(1800), maxCalls: Int = 10_000) {
        self.idleLimit = idleLimit
        self.maxCalls = max(1, maxCalls)
        self.state = NIOLockedValueBox(State(lastSweep: .now))
    }

    /// Calls currently remembered.
    public var count: Int { state.withLockedValue { $0.calls.count } }

    /// The call's state, creating it (with `info`) when it is new or was forgotten.
    @discardableResult
    public func open(_ info: CallInfo, now: ContinuousClock.Instant = .now) -> Call {
        state.withLockedValue { open(info, now: now, in: &$0) }
    }

    /// Marks the call busy with a turn; nil when it is already answering one.
    public func beginTurn(_ info: CallInfo, now: ContinuousClock.Instant = .now) -> Call? {
        state.withLockedValue { state in
            var call = open(info, now: now, in: &state)
            guard !call.busy else { return nil }
            call.busy = true
            state.calls[info.callSid] = call
            return call
        }
    }

    /// Ends the turn begun with ``beginTurn(_:now:)``, applying `change` to the call's state.
    public func endTurn(_ callSid: String, now: ContinuousClock.Instant = .now, _ change: (inout Call) -> Void) {
        state.withLockedValue { state in
            guard var call = state.calls[callSid] else { return }
            change(&call)
            call.busy = false
            call.lastSeen = now
            state.calls[callSid] = call
        }
    }

    /// Forgets a call (it hung up).
    public func close(_ callSid: String) {
        _ = state.withLockedValue { $0.calls.removeValue(forKey: callSid) }
    }

    private func open(_ info: CallInfo, now: ContinuousClock.Instant, in state: inout State) -> Call {
        sweep(&state, now: now)
        if var call = state.calls[info.callSid], now - call.lastSeen < idleLimit {
            call.lastSeen = now
            state.calls[info.callSid] = call
            return call
        }
        if state.calls.count >= maxCalls, let oldest = state.calls.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
            state.calls[oldest] = nil
        }
        let call = Call(info: info, now: now)
        state.calls[info.callSid] = call
        return call
    }

    /// Drops idle calls, at most once a minute (or a tenth of the idle limit, if shorter).
    private func sweep(_ state: inout State, now: ContinuousClock.Instant) {
        guard now - state.lastSweep >= min(.seconds(60), idleLimit / 10) else { return }
        state.lastSweep = now
        state.calls = state.calls.filter { now - $0.value.lastSeen < idleLimit }
    }
}

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
    private let calls = NIOLockedValueBox([String: Call]())
    private let lastSweep: NIOLockedValueBox<ContinuousClock.Instant>

    public init(idleLimit: Duration = .seconds(1800), maxCalls: Int = 10_000) {
        self.idleLimit = idleLimit
        self.maxCalls = max(1, maxCalls)
        self.lastSweep = NIOLockedValueBox(.now)
    }

    /// Calls currently remembered.
    public var count: Int { calls.withLockedValue { $0.count } }

    /// The call's state, creating it (with `info`) when it is new or was forgotten.
    @discardableResult
    public func open(_ info: CallInfo, now: ContinuousClock.Instant = .now) -> Call {
        calls.withLockedValue { calls in
            sweep(&calls, now: now)
            if var call = calls[info.callSid], now - call.lastSeen < idleLimit {
                call.lastSeen = now
                calls[info.callSid] = call
                return call
            }
            if calls.count >= maxCalls, let oldest = calls.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
                calls[oldest] = nil
            }
            let call = Call(info: info, now: now)
            calls[info.callSid] = call
            return call
        }
    }

    /// Marks the call busy with a turn; nil when it is already answering one.
    public func beginTurn(_ info: CallInfo, now: ContinuousClock.Instant = .now) -> Call? {
        open(info, now: now)
        return calls.withLockedValue { calls in
            guard var call = calls[info.callSid], !call.busy else { return nil }
            call.busy = true
            calls[info.callSid] = call
            return call
        }
    }

    /// Ends the turn begun with ``beginTurn(_:now:)``, applying `change` to the call's state.
    public func endTurn(_ callSid: String, now: ContinuousClock.Instant = .now, _ change: (inout Call) -> Void) {
        calls.withLockedValue { calls in
            guard var call = calls[callSid] else { return }
            change(&call)
            call.busy = false
            call.lastSeen = now
            calls[callSid] = call
        }
    }

    /// Forgets a call (it hung up).
    public func close(_ callSid: String) {
        _ = calls.withLockedValue { $0.removeValue(forKey: callSid) }
    }

    /// Drops idle calls, at most once a minute (or a tenth of the idle limit, if shorter).
    private func sweep(_ calls: inout [String: Call], now: ContinuousClock.Instant) {
        let due = lastSweep.withLockedValue { last in
            guard now - last >= min(.seconds(60), idleLimit / 10) else { return false }
            last = now
            return true
        }
        if due { calls = calls.filter { now - $0.value.lastSeen < idleLimit } }
    }
}

import EarshotConversation
import NIOConcurrencyHelpers
import NIOCore

/// The server's view of its calls: admission against the limit, draining, and a way to close
/// every call at the end of a drain. Touched once per call (not per frame), so a lock is fine.
public final class CallRegistry: Sendable {
    public enum Admission: Sendable, Equatable { case admitted, atCapacity, draining }

    private struct State {
        var active = 0
        var draining = false
        var closers: [ObjectIdentifier: @Sendable () -> Void] = [:]
    }

    private let state = NIOLockedValueBox(State())
    private let maxCalls: Int
    private let metrics: CallMetrics

    init(maxCalls: Int, metrics: CallMetrics) {
        self.maxCalls = maxCalls
        self.metrics = metrics
    }

    public var activeCalls: Int { state.withLockedValue { $0.active } }
    public var isDraining: Bool { state.withLockedValue { $0.draining } }

    /// Whether a new call would be admitted now (for /readyz and the webhook).
    public var readiness: Admission {
        state.withLockedValue { $0.draining ? .draining : ($0.active >= maxCalls ? .atCapacity : .admitted) }
    }

    /// Takes a call slot; the caller must `release` it when the call ends.
    func admit() -> Admission {
        let result = state.withLockedValue { s -> Admission in
            if s.draining { return .draining }
            if s.active >= maxCalls { return .atCapacity }
            s.active += 1
            return .admitted
        }
        if result == .admitted { metrics.callsActive.record(activeCalls) } else { metrics.callsRefused.increment() }
        return result
    }

    func release() {
        let now = state.withLockedValue { s -> Int in
            s.active -= 1
            return s.active
        }
        metrics.callsActive.record(now)
    }

    /// Remembers how to close a call at the end of a drain.
    func register(_ id: ObjectIdentifier, closer: @escaping @Sendable () -> Void) {
        state.withLockedValue { $0.closers[id] = closer }
    }

    func unregister(_ id: ObjectIdentifier) {
        _ = state.withLockedValue { $0.closers.removeValue(forKey: id) }
    }

    /// Stops admitting calls (readyz turns 503).
    public func beginDrain() { state.withLockedValue { $0.draining = true } }

    /// Asks every remaining call to close (going away).
    public func closeAll() {
        let closers = state.withLockedValue { Array($0.closers.values) }
        for close in closers { close() }
    }
}

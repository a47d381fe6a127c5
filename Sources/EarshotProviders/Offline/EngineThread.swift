import Foundation

/// A dedicated thread that owns one engine which is not thread-safe (a C handle) and runs jobs
/// on it one at a time, in the order they were submitted.
///
/// espeak-ng keeps global state and pocketsphinx decoders are single-threaded; both block for
/// milliseconds to seconds of CPU. Running them here keeps them off Swift's cooperative pool:
/// callers await a continuation that the job resumes.
///
/// The engine is made on the thread by the first job (so a failure to load is reported to every
/// job) and destroyed there after ``stop()``.
final class EngineThread<Engine>: @unchecked Sendable {
    typealias Job = @Sendable (Result<Engine, any Error>) -> Void

    // `condition` guards `jobs` and `stopping`.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var stopping = false
    private let makeEngine: @Sendable () throws -> Engine

    init(name: String, makeEngine: @escaping @Sendable () throws -> Engine) {
        self.makeEngine = makeEngine
        // The thread holds this object until it has stopped and drained its queue.
        let thread = Thread { self.run() }
        thread.name = name
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Jobs waiting or running; for picking the least busy of several threads.
    var load: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count
    }

    /// Queues a job; false once the thread is stopping.
    @discardableResult
    func submit(_ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Lets queued jobs finish, then ends the thread and frees the engine on it.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `body` with the engine on the thread and returns its result. Cancelling the calling
    /// task resumes it at once with `CancellationError`; a job still queued is then skipped, and
    /// one already running finishes unobserved.
    func perform<T: Sendable>(_ body: @escaping @Sendable (Engine) throws -> T) async throws -> T {
        let outcome = ResumeOnce<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard outcome.arm(continuation) else { return }
                let queued = submit { engine in
                    guard outcome.isWaiting else { return }
                    outcome.resume(with: Result { try body(engine.get()) })
                }
                if !queued { outcome.resume(with: .failure(ProviderError.unavailable("engine thread stopped"))) }
            }
        } onCancel: {
            outcome.resume(with: .failure(CancellationError()))
        }
    }

    private func run() {
        var engine: Result<Engine, any Error>?
        while let job = nextJob() {
            let ready = engine ?? Result { try makeEngine() }
            engine = ready
            job(ready)
        }
    }

    private func nextJob() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.isEmpty && !stopping { condition.wait() }
        return jobs.isEmpty ? nil : jobs.removeFirst()
    }
}

/// Resumes a checked continuation exactly once, from whichever side comes first: the job that
/// finished or the task that was cancelled (possibly before the continuation existed).
final class ResumeOnce<T: Sendable>: @unchecked Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<T, any Error>)
        case early(Result<T, any Error>)
        case done
    }

    private let lock = NSLock()
    private var state = State.idle

    /// Stores the continuation; false if a result came first (the continuation is then resumed).
    func arm(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
        lock.lock()
        switch state {
        case .early(let result):
            state = .done
            lock.unlock()
            continuation.resume(with: result)
            return false
        default:
            state = .waiting(continuation)
            lock.unlock()
            return true
        }
    }

    /// True while nobody has resumed the continuation yet.
    var isWaiting: Bool {
        lock.lock()
        defer { lock.unlock() }
        if case .waiting = state { return true }
        return false
    }

    func resume(with result: Result<T, any Error>) {
        lock.lock()
        switch state {
        case .idle:
            state = .early(result)
            lock.unlock()
        case .waiting(let continuation):
            state = .done
            lock.unlock()
            continuation.resume(with: result)
        case .early, .done:
            lock.unlock()
        }
    }
}

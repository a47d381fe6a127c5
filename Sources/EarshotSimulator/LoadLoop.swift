import NIOCore

/// Counters one event loop keeps for its calls; merged across loops at the end.
struct LoadLoopStats: Sendable {
    var framesSent = 0
    var framesSkipped = 0
    var lateness = LatencyHistogram()
    var received = LoadReport.Received()
    var marksEchoed = 0
    var response = LatencyHistogram()
    var turnsOverlapped = 0
    var turnsUnanswered = 0
    var callsStreaming = 0
    var callsDropped = 0

    mutating func add(_ other: LoadLoopStats) {
        framesSent += other.framesSent
        framesSkipped += other.framesSkipped
        lateness.merge(other.lateness)
        received.add(other.received)
        marksEchoed += other.marksEchoed
        response.merge(other.response)
        turnsOverlapped += other.turnsOverlapped
        turnsUnanswered += other.turnsUnanswered
        callsStreaming += other.callsStreaming
        callsDropped += other.callsDropped
    }
}

/// The calls on one event loop and their shared clock: ONE scheduled callback every 20 ms
/// (absolute deadlines t0 + n × 20 ms, so no drift) sends the due frame of every call.
final class LoadLoop: NIOScheduledCallbackHandler {
    static let frameTime = TimeAmount.milliseconds(Int64(CallClip.frameMilliseconds))
    /// Slots a late loop may catch up on; beyond this it skips to the present.
    static let maximumBacklog = 10

    let eventLoop: any EventLoop
    let clip: LoadClip
    var stats = LoadLoopStats()
    /// Open calls: streaming, or stopping and waiting for the close to finish.
    private var calls: [LoadCall] = []
    private var t0 = NIODeadline.now()
    private var tick = 0
    private var scheduled: NIOScheduledCallback?
    private(set) var isStopping = false
    private var drained: EventLoopPromise<Void>?
    /// Seeds each call's masking-key generator.
    var random = SplitMix64(seed: UInt64.random(in: 0...UInt64.max))

    init(eventLoop: any EventLoop, clip: LoadClip) {
        self.eventLoop = eventLoop
        self.clip = clip
    }

    /// Starts the clock: the first tick fires at `start`.
    func start(at start: NIODeadline) {
        t0 = start
        tick = 0
        scheduled = try? eventLoop.assumeIsolated().scheduleCallback(at: start, handler: self)
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        let deadline = t0 + Self.frameTime * Int64(tick)
        for call in calls { call.tick(scheduledAt: deadline) }
        // A late tick does not move the schedule: the next deadline may already have passed,
        // and then it fires at once and catches up, as the lateness figures show. Only a loop
        // starved for longer than the backlog skips ahead, and counts what it skipped.
        tick += 1
        let due = Int((NIODeadline.now() - t0).nanoseconds / Self.frameTime.nanoseconds)
        if due - tick > Self.maximumBacklog {
            stats.framesSkipped += (due - tick) * calls.count
            tick = due
        }
        guard !isStopping else { return }
        scheduled = try? self.eventLoop.assumeIsolated().scheduleCallback(at: t0 + Self.frameTime * Int64(tick), handler: self)
    }

    /// A call whose stream just started.
    func add(_ call: LoadCall) {
        call.slot = calls.count
        calls.append(call)
        stats.callsStreaming += 1
        if isStopping { call.stop() }
    }

    /// A call whose channel closed.
    func remove(_ call: LoadCall) {
        guard let slot = call.slot, slot < calls.count, calls[slot] === call else { return }
        let last = calls.removeLast()
        if slot < calls.count {
            calls[slot] = last
            last.slot = slot
        }
        call.slot = nil
        if isStopping, calls.isEmpty { drained?.succeed() }
    }

    /// Calls that are open now.
    var openCalls: Int { calls.count }

    /// Ends every call (stop message, close frame); succeeds when all channels are closed.
    func stopAll() -> EventLoopFuture<Void> {
        isStopping = true
        scheduled?.cancel()
        let promise = eventLoop.makePromise(of: Void.self)
        drained = promise
        for call in calls { call.stop() }
        if calls.isEmpty { promise.succeed() }
        return promise.futureResult
    }

    /// Closes whatever did not close by itself.
    func forceClose() {
        for call in calls { call.forceClose() }
        drained?.succeed()
    }
}

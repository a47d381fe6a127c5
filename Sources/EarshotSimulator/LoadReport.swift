/// What a load test measured. Histograms travel whole (sparse), so reports from several
/// processes merge exactly; the summaries next to them are for people reading the JSON.
public struct LoadReport: Sendable, Codable {
    /// Messages received from the server, by event.
    public struct Received: Sendable, Codable, Equatable {
        public var media = 0
        public var mark = 0
        public var clear = 0
        /// Another `event` name.
        public var other = 0
        /// Not a JSON object with an `event`.
        public var invalid = 0

        public init() {}

        mutating func add(_ o: Received) {
            media += o.media; mark += o.mark; clear += o.clear; other += o.other; invalid += o.invalid
        }
    }

    /// The server's cost over the steady window (all calls up, ramp-up over).
    public struct ServerUsage: Sendable, Codable, Equatable {
        public var pid: Int32
        /// Length of the window the CPU time was measured over.
        public var windowSeconds: Double
        /// CPU time over wall time, in percent of one core.
        public var cpuPercent: Double
        /// CPU milliseconds per second of one call.
        public var cpuMillisecondsPerCallSecond: Double?
        /// Resident memory before the first call.
        public var rssIdleKilobytes: Int
        /// Resident memory at the end of the window.
        public var rssSteadyKilobytes: Int
        /// (steady − idle) / calls.
        public var rssKilobytesPerCall: Double?
        /// Calls the per-call figures divide by.
        public var calls: Int
    }

    public var callsRequested: Int
    /// Calls whose WebSocket was up and streaming.
    public var callsConnected: Int
    /// Calls that never connected.
    public var callsFailed: Int
    /// Why calls failed: a short reason and how often.
    public var failures: [String: Int]
    /// Connected calls that ended before the test did (server close or broken connection).
    public var callsDropped: Int
    public var durationSeconds: Double
    public var rampSeconds: Double
    public var threads: Int
    public var processes: Int
    /// `media` frames sent.
    public var framesSent: Int
    /// Frames never sent because an event loop fell more than ``LoadLoop/maximumBacklog`` behind:
    /// the generator was starved of CPU, and a burst to catch up would only flood the server.
    public var framesSkipped: Int
    /// Actual send time minus scheduled time, per frame.
    public var frameLateness: LatencyHistogram
    public var frameLatenessSummary: LatencySummary
    public var received: Received
    public var marksEchoed: Int
    /// End of each caller utterance (its last voiced frame sent) → first bot `media` after it.
    public var responseLatency: LatencyHistogram
    public var responseLatencySummary: LatencySummary
    /// Utterances that ended while bot audio was still arriving or queued: not measured.
    public var turnsOverlapped: Int
    /// Utterances followed by the next one with no bot audio in between.
    public var turnsUnanswered: Int
    public var server: ServerUsage?
    /// The generator's own CPU over the steady window, in percent of one core (all processes).
    public var generatorCPUPercent: Double?

    /// Adds up reports from several processes that ran the same test side by side.
    public static func merge(_ reports: [LoadReport]) -> LoadReport? {
        guard var total = reports.first else { return nil }
        for r in reports.dropFirst() {
            total.callsRequested += r.callsRequested
            total.callsConnected += r.callsConnected
            total.callsFailed += r.callsFailed
            total.failures.merge(r.failures, uniquingKeysWith: +)
            total.callsDropped += r.callsDropped
            total.threads += r.threads
            total.framesSent += r.framesSent
            total.framesSkipped += r.framesSkipped
            total.frameLateness.merge(r.frameLateness)
            total.received.add(r.received)
            total.marksEchoed += r.marksEchoed
            total.responseLatency.merge(r.responseLatency)
            total.turnsOverlapped += r.turnsOverlapped
            total.turnsUnanswered += r.turnsUnanswered
            if let cpu = r.generatorCPUPercent { total.generatorCPUPercent = (total.generatorCPUPercent ?? 0) + cpu }
        }
        total.processes = reports.count
        total.frameLatenessSummary = total.frameLateness.summary
        total.responseLatencySummary = total.responseLatency.summary
        return total
    }

    /// A few lines for a terminal.
    public func render() -> String {
        var out = "Load test: \(callsRequested) calls over \(durationSeconds.formatted(decimals: 0)) s "
        out += "(ramp \(rampSeconds.formatted(decimals: 1)) s, \(threads) thread\(threads == 1 ? "" : "s")"
        out += processes > 1 ? " in \(processes) processes)\n" : ")\n"
        out += "  calls      connected \(callsConnected), failed \(callsFailed), dropped \(callsDropped)\n"
        for (reason, count) in failures.sorted(by: { $0.value > $1.value }).prefix(5) {
            out += "             \(count) × \(reason)\n"
        }
        out += "  sent       \(framesSent) media frames; lateness \(frameLatenessSummary)\n"
        if framesSkipped > 0 { out += "             \(framesSkipped) frames skipped: the generator fell behind (use more --threads or --processes)\n" }
        out += "  received   media \(received.media), mark \(received.mark), clear \(received.clear)"
        out += received.other + received.invalid > 0 ? ", other \(received.other), invalid \(received.invalid)\n" : "\n"
        out += "  marks      echoed \(marksEchoed)\n"
        out += "  response   \(responseLatencySummary)"
        out += "; overlapped \(turnsOverlapped), unanswered \(turnsUnanswered)\n"
        if let s = server {
            out += "  server     pid \(s.pid): CPU \(s.cpuPercent.formatted(decimals: 1)) % over \(s.windowSeconds.formatted(decimals: 1)) s"
            if let perCall = s.cpuMillisecondsPerCallSecond { out += " = \(perCall.formatted(decimals: 3)) ms CPU per call-second" }
            out += "\n             RSS idle \(s.rssIdleKilobytes) KB, steady \(s.rssSteadyKilobytes) KB"
            if let perCall = s.rssKilobytesPerCall { out += " = \(perCall.formatted(decimals: 1)) KB per call" }
            out += " (\(s.calls) calls)\n"
        }
        if let cpu = generatorCPUPercent {
            out += "  generator  CPU \(cpu.formatted(decimals: 1)) % of one core\n"
        }
        return out
    }
}

import NIOCore

/// Outbound audio pacing for one call. Keeps at most `maxLead` of audio ahead of what the
/// carrier can have played, sends it in messages of up to `chunkBytes`, and a mark after
/// each segment, so a clear is cheap and marks say exactly what was heard.
final class Playout {
    struct Segment {
        let index: Int
        let text: String
        var audio: [UInt8] = []
        var offset = 0          // bytes of `audio` already sent
        var complete = false    // no more audio will come for it
        var markSent = false
        var heard = false
    }

    private let eventLoop: any EventLoop
    private unowned let transport: any CallTransport
    private let maxLead: TimeAmount
    private let chunkBytes: Int
    private(set) var segments: [Segment] = []
    private var nextToSend = 0
    /// When everything sent so far will have finished playing, if sent at real time.
    private var playedBy: NIODeadline = .uptimeNanoseconds(0)
    private var timer: Scheduled<Void>?
    private var generation = 0
    private var marksOutstanding = 0
    /// Called after a media message is handed to the transport (bytes sent).
    var onSend: ((Int) -> Void)?

    init(eventLoop: any EventLoop, transport: any CallTransport, maxLead: TimeAmount, chunkBytes: Int) {
        self.eventLoop = eventLoop
        self.transport = transport
        self.maxLead = maxLead
        self.chunkBytes = max(160, chunkBytes / 160 * 160)
    }

    /// Whether any audio is queued, in flight, or awaiting its mark.
    var isIdle: Bool { nextToSend >= segments.count && marksOutstanding == 0 }
    var segmentsHeard: Int { segments.reduce(0) { $0 + ($1.heard ? 1 : 0) } }
    var segmentsSent: Int { segments.reduce(0) { $0 + ($1.offset > 0 || $1.markSent ? 1 : 0) } }
    /// Texts of the segments the caller heard, in order.
    var heardTexts: [String] { segments.filter(\.heard).map(\.text) }
    var anythingSent: Bool { segments.contains { $0.offset > 0 } }

    /// Starts a new reply: forgets the previous one's segments.
    func reset(generation: Int) {
        timer?.cancel()
        timer = nil
        segments.removeAll(keepingCapacity: true)
        nextToSend = 0
        marksOutstanding = 0
        self.generation = generation
    }

    func beginSegment(text: String) {
        if let last = segments.indices.last { segments[last].complete = true }
        segments.append(Segment(index: segments.count, text: text))
        pump()
    }

    func append(_ audio: [UInt8]) {
        if segments.isEmpty { segments.append(Segment(index: 0, text: "")) }
        segments[segments.count - 1].audio += audio
        pump()
    }

    /// The reply has no more segments.
    func finish() {
        if let last = segments.indices.last { segments[last].complete = true }
        pump()
    }

    /// A mark came back. Returns true when it belonged to this reply and the caller heard it.
    @discardableResult
    func markPlayed(_ name: String) -> Bool {
        guard let (gen, index) = Self.parse(name), gen == generation, segments.indices.contains(index),
              segments[index].markSent, !segments[index].heard else { return false }
        segments[index].heard = true
        marksOutstanding -= 1
        // The carrier is at least this far: if it runs late, so does our estimate.
        let after = segments[(index + 1)...].reduce(0) { $0 + $1.offset }
        let floor = NIODeadline.now() + .milliseconds(Int64(after / 8))
        if floor > playedBy { playedBy = floor }
        pump()
        return true
    }

    /// Barge-in: discard what the carrier buffered; marks that come back later were not heard.
    func clear() {
        if anythingSent { transport.sendClear() }
        generation += 1_000_000 // marks of this reply no longer match
        timer?.cancel()
        timer = nil
        nextToSend = segments.count
        marksOutstanding = 0
        playedBy = .uptimeNanoseconds(0)
    }

    func cancelTimers() {
        timer?.cancel()
        timer = nil
    }

    private static func parse(_ name: String) -> (Int, Int)? {
        let parts = name.split(separator: "-")
        guard parts.count == 2, let g = Int(parts[0].dropFirst()), let s = Int(parts[1]) else { return nil }
        return (g, s)
    }

    /// Sends what the lead allows; schedules itself when the lead is used up.
    private func pump() {
        while nextToSend < segments.count {
            let now = NIODeadline.now()
            if playedBy < now { playedBy = now }
            if playedBy - now >= maxLead {
                schedule(at: playedBy - maxLead + .milliseconds(20))
                return
            }
            var seg = segments[nextToSend]
            let available = seg.audio.count - seg.offset
            if available >= 160 || (seg.complete && available > 0) {
                var n = min(available, chunkBytes)
                if available >= 160 { n -= n % 160 }
                send(&seg, bytes: n)
                segments[nextToSend] = seg
                continue
            }
            guard seg.complete else { return } // wait for more audio
            if !seg.markSent && seg.offset > 0 {
                transport.sendMark("g\(generation)-\(seg.index)")
                seg.markSent = true
                marksOutstanding += 1
            }
            seg.audio = [] // sent: keep only the bookkeeping
            segments[nextToSend] = seg
            nextToSend += 1
        }
    }

    private func send(_ seg: inout Segment, bytes n: Int) {
        // A final piece shorter than a 20 ms frame is padded with silence to one frame.
        let padded = max(n, 160)
        seg.audio.withUnsafeBufferPointer { all in
            if padded == n {
                transport.sendAudio(UnsafeBufferPointer(rebasing: all[seg.offset..<seg.offset + n]))
            } else {
                var frame = [UInt8](repeating: 0xFF, count: padded)
                frame.replaceSubrange(0..<n, with: all[seg.offset..<seg.offset + n])
                frame.withUnsafeBufferPointer { transport.sendAudio($0) }
            }
        }
        seg.offset += n
        playedBy = playedBy + .milliseconds(Int64(padded / 8))
        onSend?(padded)
    }

    private func schedule(at deadline: NIODeadline) {
        guard timer == nil else { return }
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            self?.timer = nil
            self?.pump()
        }
    }
}

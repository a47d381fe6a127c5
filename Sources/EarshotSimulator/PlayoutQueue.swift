import NIOCore

/// What Twilio does with the audio a bot sends: queue it, play it at real time, and echo each
/// `mark` once the audio queued before it has played — or at once when a `clear` drops the queue.
///
/// Positions are byte counts of 8 kHz μ-law (one byte per 125 µs). With `keepsAudio` the queue
/// holds the bytes so a caller can record what was heard; without it, it only counts them,
/// which is all a load test needs.
struct PlayoutQueue<MarkName> {
    private struct PendingMark {
        var name: MarkName
        /// Total audio received when the mark arrived: it is due once this much has played.
        var position: Int
    }

    private var marks = CircularBuffer<PendingMark>(initialCapacity: 4)
    private var audio: [UInt8] = []
    private var audioStart = 0
    private let keepsAudio: Bool
    /// Bytes of audio received in total.
    private(set) var received = 0
    /// Bytes of audio played (or dropped by `clear`) in total.
    private(set) var played = 0

    init(keepsAudio: Bool) { self.keepsAudio = keepsAudio }

    /// Bytes waiting to play.
    var queued: Int { received - played }
    /// Whether nothing is waiting: no audio and no mark.
    var isIdle: Bool { queued == 0 && marks.isEmpty }

    /// Queues `count` bytes of audio (their bytes, when the queue keeps audio).
    mutating func enqueue(audio bytes: UnsafeRawBufferPointer) {
        if keepsAudio { audio.append(contentsOf: bytes) }
        received += bytes.count
    }

    /// Queues `count` bytes of audio without their content.
    mutating func enqueue(audioCount count: Int) {
        precondition(!keepsAudio, "a recording queue needs the bytes")
        received += count
    }

    /// Queues a mark behind the audio received so far.
    mutating func enqueue(mark name: MarkName) {
        marks.append(PendingMark(name: name, position: received))
    }

    /// Plays up to `count` bytes; hands the bytes that played (when kept) to `output`, then each
    /// mark that became due to `onMark`. Returns the bytes played.
    @discardableResult
    mutating func play(upTo count: Int, output: (ArraySlice<UInt8>) -> Void = { _ in }, onMark: (MarkName) -> Void) -> Int {
        let n = min(count, queued)
        if n > 0 {
            if keepsAudio {
                output(audio[audioStart..<(audioStart + n)])
                audioStart += n
                compact()
            }
            played += n
        }
        while let first = marks.first, first.position <= played {
            onMark(marks.removeFirst().name)
        }
        return n
    }

    /// Drops the queued audio; every pending mark is due at once. Returns the bytes dropped.
    @discardableResult
    mutating func clear(onMark: (MarkName) -> Void) -> Int {
        let dropped = queued
        played = received
        audio.removeAll(keepingCapacity: true)
        audioStart = 0
        while let mark = marks.popFirst() { onMark(mark.name) }
        return dropped
    }

    private mutating func compact() {
        if audioStart == audio.count {
            audio.removeAll(keepingCapacity: true)
            audioStart = 0
        } else if audioStart > 64 * 1024, audioStart * 2 > audio.count {
            audio.removeFirst(audioStart)
            audioStart = 0
        }
    }
}

import EarshotAudio
import Foundation
import NIOConcurrencyHelpers

/// Synthesised phrases as 8 kHz μ-law, so a repeated sentence plays with no TTS round trip.
/// Pinned phrases (greeting, fallback, configured phrases) are never evicted; the rest are
/// kept least-recently-used within a byte budget, optionally mirrored in a directory.
public final class PhraseCache: Sendable {
    private struct Entry {
        var audio: [UInt8]
        var pinned: Bool
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    private let state = NIOLockedValueBox(State())
    /// Budget for unpinned entries, in bytes of μ-law (8,000 per second of speech).
    public let maxBytes: Int
    /// A directory to keep entries across restarts, or nil.
    public let directory: URL?

    public init(maxBytes: Int = 8 << 20, directory: URL? = nil) {
        self.maxBytes = maxBytes
        self.directory = directory
        if let directory { try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    }

    /// The cache key: the voice that spoke it, and the text as spoken (case and spacing folded).
    public static func key(text: String, voice: String) -> String {
        voice + "\u{1F}" + text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The phrase's audio, from memory or the directory; nil on a miss.
    public func audio(for key: String) -> [UInt8]? {
        let hit: [UInt8]? = state.withLockedValue { s in
            s.clock += 1
            guard var entry = s.entries[key] else { return nil }
            entry.lastUse = s.clock
            s.entries[key] = entry
            s.hits += 1
            return entry.audio
        }
        if let hit { return hit }
        if let audio = readFile(key) {
            insert(key, audio: audio, pinned: false, persist: false)
            state.withLockedValue { $0.hits += 1 }
            return audio
        }
        state.withLockedValue { $0.misses += 1 }
        return nil
    }

    /// Stores a phrase. Pinned phrases do not count against the budget and are never evicted.
    public func insert(_ key: String, audio: [UInt8], pinned: Bool = false) {
        insert(key, audio: audio, pinned: pinned, persist: true)
    }

    private func insert(_ key: String, audio: [UInt8], pinned: Bool, persist: Bool) {
        guard !audio.isEmpty, pinned || audio.count <= maxBytes else { return }
        state.withLockedValue { s in
            s.clock += 1
            if let old = s.entries[key], !old.pinned { s.bytes -= old.audio.count }
            let keepPinned = pinned || (s.entries[key]?.pinned ?? false)
            s.entries[key] = Entry(audio: audio, pinned: keepPinned, lastUse: s.clock)
            if !keepPinned { s.bytes += audio.count }
            while s.bytes > maxBytes, let victim = s.entries.filter({ !$0.value.pinned }).min(by: { $0.value.lastUse < $1.value.lastUse }) {
                s.bytes -= victim.value.audio.count
                s.entries.removeValue(forKey: victim.key)
            }
        }
        if persist { writeFile(key, audio: audio) }
    }

    /// Hits, misses, unpinned bytes held, entries.
    public var statistics: (hits: Int, misses: Int, bytes: Int, entries: Int) {
        state.withLockedValue { ($0.hits, $0.misses, $0.bytes, $0.entries.count) }
    }

    // MARK: directory

    private func fileURL(_ key: String) -> URL? {
        guard let directory else { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 // FNV-1a: a file name, not a security boundary
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return directory.appendingPathComponent(String(format: "%016llx.ulaw", hash))
    }

    /// File layout: the key's UTF-8, a NUL, then the μ-law audio (the key guards against collisions).
    private func writeFile(_ key: String, audio: [UInt8]) {
        guard let url = fileURL(key) else { return }
        try? Data(Array(key.utf8) + [0] + audio).write(to: url, options: .atomic)
    }

    private func readFile(_ key: String) -> [UInt8]? {
        guard let url = fileURL(key), let data = try? Data(contentsOf: url) else { return nil }
        let bytes = Array(data)
        let header = Array(key.utf8) + [0]
        guard bytes.count > header.count, Array(bytes[0..<header.count]) == header else { return nil }
        return Array(bytes[header.count...])
    }
}

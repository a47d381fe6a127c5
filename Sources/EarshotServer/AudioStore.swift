import EarshotAudio
import EarshotTwilio
import NIOConcurrencyHelpers
import NIOCore

/// Reply audio for record-then-play calls, served at `/audio/<id>.wav` for the carrier to fetch.
///
/// Ids are 128 random bits, so a URL cannot be guessed from another; entries expire after
/// ``ttl``; the store holds at most ``maxBytes`` (the oldest entries go first) and refuses a
/// single file over ``maxEntryBytes``. Phrases shared by every call (the greeting, the
/// reprompt) are kept once, under a key, and never expire.
public final class AudioStore: Sendable {
    struct Entry {
        var wav: ByteBuffer
        var expires: ContinuousClock.Instant?
        var sequence: Int
    }

    struct State {
        var entries: [String: Entry] = [:]
        var shared: [String: String] = [:]
        var bytes = 0
        var sequence = 0
    }

    public let ttl: Duration
    public let maxBytes: Int
    public let maxEntryBytes: Int
    /// At most this many shared phrases are kept (they never expire).
    public let maxSharedEntries = 64
    private let state = NIOLockedValueBox(State())

    public init(ttl: Duration = .seconds(600), maxBytes: Int = 64 << 20, maxEntryBytes: Int = 4 << 20) {
        self.ttl = ttl
        self.maxBytes = maxBytes
        self.maxEntryBytes = maxEntryBytes
    }

    /// Bytes held, and files held.
    public var bytes: Int { state.withLockedValue { $0.bytes } }
    public var count: Int { state.withLockedValue { $0.entries.count } }

    /// Stores 8 kHz μ-law as a WAV and returns its id, or nil when it is larger than
    /// ``maxEntryBytes``. With `sharedKey`, the audio is stored once for that key (later calls
    /// return the same id) and does not expire.
    public func insert(muLaw: [UInt8], sharedKey: String? = nil, now: ContinuousClock.Instant = .now) -> String? {
        let wav = WAV.encode(muLaw: muLaw)
        guard wav.count <= maxEntryBytes else { return nil }
        return state.withLockedValue { state in
            if let key = sharedKey, let id = state.shared[key], state.entries[id] != nil { return id }
            if sharedKey != nil && state.shared.count >= maxSharedEntries { return nil }
            expire(&state, now: now)
            // Make room, oldest expiring entry first.
            while state.bytes + wav.count > maxBytes,
                  let oldest = state.entries.filter({ $0.value.expires != nil }).min(by: { $0.value.sequence < $1.value.sequence })?.key {
                remove(oldest, from: &state)
            }
            guard state.bytes + wav.count <= maxBytes else { return nil }
            let id = Self.randomID()
            state.sequence += 1
            state.entries[id] = Entry(wav: ByteBuffer(bytes: wav), expires: sharedKey == nil ? now + ttl : nil, sequence: state.sequence)
            state.bytes += wav.count
            if let key = sharedKey { state.shared[key] = id }
            return id
        }
    }

    /// The WAV stored under `id`, unless it has expired.
    public func wav(id: String, now: ContinuousClock.Instant = .now) -> ByteBuffer? {
        state.withLockedValue { state in
            guard let entry = state.entries[id] else { return nil }
            if let expires = entry.expires, expires <= now {
                remove(id, from: &state)
                return nil
            }
            return entry.wav
        }
    }

    /// The id part of `/audio/<id>.wav`, when `file` has that form.
    public static func id(fromFileName file: String) -> String? {
        guard file.hasSuffix(".wav") else { return nil }
        let id = file.dropLast(4)
        guard id.utf8.count == 32, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        return String(id)
    }

    /// 32 lowercase hex digits (128 bits) from the system's secure generator.
    static func randomID() -> String { TwilioIdentifier.make("") }

    private func expire(_ state: inout State, now: ContinuousClock.Instant) {
        for (id, entry) in state.entries {
            if let expires = entry.expires, expires <= now { remove(id, from: &state) }
        }
    }

    private func remove(_ id: String, from state: inout State) {
        guard let entry = state.entries.removeValue(forKey: id) else { return }
        state.bytes -= entry.wav.readableBytes
    }
}

import Foundation
import Testing
@testable import EarshotConversation

@Suite struct PhraseCacheTests {
    @Test func lruWithinBudgetKeepsPinned() {
        let cache = PhraseCache(maxBytes: 100)
        cache.insert("greeting", audio: [UInt8](repeating: 1, count: 500), pinned: true)
        cache.insert("a", audio: [UInt8](repeating: 2, count: 40))
        cache.insert("b", audio: [UInt8](repeating: 3, count: 40))
        _ = cache.audio(for: "a") // a is now more recent than b
        cache.insert("c", audio: [UInt8](repeating: 4, count: 40)) // over budget: b goes
        #expect(cache.audio(for: "b") == nil)
        #expect(cache.audio(for: "a")?.count == 40)
        #expect(cache.audio(for: "c")?.count == 40)
        #expect(cache.audio(for: "greeting")?.count == 500)
        #expect(cache.statistics.bytes == 80)
    }

    @Test func keyFoldsCaseAndSpacing() {
        #expect(PhraseCache.key(text: "Hello   there", voice: "v") == PhraseCache.key(text: "hello there", voice: "v"))
        #expect(PhraseCache.key(text: "hello", voice: "v1") != PhraseCache.key(text: "hello", voice: "v2"))
    }

    @Test func directorySurvivesARestart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("earshot-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        PhraseCache(directory: dir).insert("k", audio: [9, 8, 7])
        let again = PhraseCache(directory: dir)
        #expect(again.audio(for: "k") == [9, 8, 7])
        #expect(again.audio(for: "other") == nil)
    }
}

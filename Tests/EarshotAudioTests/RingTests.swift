import Testing
@testable import EarshotAudio

@Suite struct RingTests {
    @Test func overwriteKeepsTheNewest() throws {
        let ring = try PCMRing(capacity: 4, overflow: .overwriteOldest)
        try ring.write([1, 2, 3])
        #expect(ring.read(max: 2) == [1, 2])
        try ring.write([4, 5, 6, 7]) // wraps and drops 3
        #expect(ring.count == 4)
        #expect(try ring.peekNewest(2) == [6, 7])
        #expect(ring.read(max: 10) == [4, 5, 6, 7])
        #expect(ring.totalWritten == 7)
    }

    @Test func rejectRefusesWhatDoesNotFit() throws {
        let ring = try ByteRing(capacity: 3, overflow: .reject)
        try ring.write([1, 2])
        #expect(throws: AudioError.noSpace) { try ring.write([3, 4]) }
        #expect(ring.count == 2)
        #expect(ring.skip(1) == 1)
        try ring.write([3, 4])
        #expect(ring.read(max: 3) == [2, 3, 4])
        #expect(throws: AudioError.noSpace) { try ring.peekNewest(1) }
    }

    @Test func badCapacityThrows() {
        #expect(throws: AudioError.invalidArgument) { try PCMRing(capacity: 0, overflow: .reject) }
    }
}

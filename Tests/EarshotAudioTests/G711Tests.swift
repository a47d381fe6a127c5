import Testing
@testable import EarshotAudio

@Suite struct G711Tests {
    @Test func muLawMatchesAudioopForEveryInput() throws {
        let want = try fixture("g711/ulaw_encode.bin")
        let all = (Int(Int16.min)...Int(Int16.max)).map { Int16($0) }
        #expect(MuLaw.encode(all) == want)
        #expect(MuLaw.decode(Array(0...255)) == int16s(try fixture("g711/ulaw_decode.bin")))
    }

    @Test func aLawMatchesAudioopForEveryInput() throws {
        let all = (Int(Int16.min)...Int(Int16.max)).map { Int16($0) }
        #expect(ALaw.encode(all) == (try fixture("g711/alaw_encode.bin")))
        #expect(ALaw.decode(Array(0...255)) == int16s(try fixture("g711/alaw_decode.bin")))
    }

    @Test func bufferFormsCheckLengths() throws {
        let codes: [UInt8] = [0, 0x7F, 0xFF]
        var out = [Int16](repeating: 0, count: 2)
        #expect(throws: AudioError.noSpace) {
            try codes.withUnsafeBufferPointer { c in
                try out.withUnsafeMutableBufferPointer { try MuLaw.decode(c, into: $0) }
            }
        }
    }
}

@Suite struct Base64Tests {
    @Test func roundTripsAndRejectsBadInput() throws {
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(try Base64.decode("Zm9vYg==") == Array("foob".utf8))
        #expect(try Base64.decode("") == [])
        for bad in ["Zm9", "Zm9v!A==", "Zg=a", "Zh==", " Zm9v"] {
            #expect(throws: AudioError.badData) { try Base64.decode(bad) }
        }
    }

    @Test func fusedMediaPathsAgreeWithTwoSteps() throws {
        let pcm: [Int16] = (0..<160).map { Int16(truncatingIfNeeded: $0 &* 397) }
        let text = Base64.encode(MuLaw.encode(pcm))
        var fused = [UInt8](repeating: 0, count: Base64.encodedLength(160))
        let n = try pcm.withUnsafeBufferPointer { p in
            try fused.withUnsafeMutableBytes { try Base64.encodeMuLaw(p, into: $0) }
        }
        #expect(String(decoding: fused[..<n], as: UTF8.self) == text)
        var back = [Int16](repeating: 0, count: 160)
        let m = try fused.withUnsafeBytes { t in try back.withUnsafeMutableBufferPointer { try Base64.decodeMuLaw(t, into: $0) } }
        #expect(m == 160)
        #expect(back == MuLaw.decode(MuLaw.encode(pcm)))
    }
}

@Suite struct HMACTests {
    @Test func twilioDocumentedVector() throws {
        let url = "https://example.com/myapp.php?foo=1&bar=2"
        let params = "CallSidCA1234567890ABCDE" + "Caller+14158675310" + "Digits1234" + "From+14158675310" + "To+18005551212"
        #expect(try HMACSHA1.base64(key: "12345", message: url + params) == "L/OH5YylLD5NRKLltdqwSvS0BnU=")
    }

    @Test func constantTimeEquals() {
        #expect(HMACSHA1.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!HMACSHA1.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!HMACSHA1.constantTimeEquals(Array("abc".utf8), Array("ab".utf8)))
    }
}

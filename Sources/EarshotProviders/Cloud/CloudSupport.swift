import EarshotAudio
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// How an utterance is packed into the WAV file a batch STT endpoint receives.
public enum UtteranceWAVEncoding: String, Sendable, Equatable {
    /// G.711 μ-law, 8 bits (format 7): the call's bytes as they came, half the upload.
    case muLaw
    /// 16-bit PCM: twice the bytes, but every decoder reads it.
    case pcm16

    func wav(fromMuLaw codes: [UInt8]) -> [UInt8] {
        switch self {
        case .muLaw: WAV.encode(muLaw: codes, sampleRate: 8000)
        case .pcm16: WAV.encode(pcm16: MuLaw.decode(codes), sampleRate: 8000)
        }
    }
}

enum LanguageTag {
    /// The ISO 639-1 part of a BCP 47 tag: "en-US" → "en", "hi_IN" → "hi". Empty and
    /// "auto" give nil (let the provider detect the language).
    static func primary(_ tag: String) -> String? {
        let primary = tag.prefix { $0 != "-" && $0 != "_" }.lowercased()
        guard !primary.isEmpty, primary != "auto" else { return nil }
        return primary
    }
}

enum ProviderJSON {
    static func body(_ value: some Encodable) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return ByteBuffer(data: try encoder.encode(value))
    }

    /// Decodes `buffer`, or throws ``ProviderError/malformed(_:)`` quoting its start.
    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: buffer)
        } catch {
            let start = String(decoding: buffer.readableBytesView.prefix(80), as: UTF8.self)
            throw ProviderError.malformed("\(what): unexpected JSON (\(start))")
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw ProviderError.malformed("\(what): unexpected JSON (\(text.prefix(80)))")
        }
    }
}

extension HTTPHeaders {
    /// Headers every provider request carries.
    static func provider(contentType: String?, accept: String? = nil) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "User-Agent", value: "earshot")
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        if let accept { headers.add(name: "Accept", value: accept) }
        return headers
    }
}

/// 16-bit little-endian PCM arriving in chunks of any length: an odd byte at the end of one
/// chunk is kept and joined to the first byte of the next.
struct PCM16LittleEndianAssembler {
    private var carry: UInt8?

    /// The whole samples completed by `chunk`.
    mutating func samples(from chunk: ByteBuffer) -> [Int16] {
        chunk.withUnsafeReadableBytes { bytes in
            guard !bytes.isEmpty else { return [] }
            var index = 0
            let available = bytes.count + (carry == nil ? 0 : 1)
            let count = available / 2
            let samples = [Int16](unsafeUninitializedCapacity: count) { out, initialized in
                var produced = 0
                if let low = carry, count > 0 {
                    out[0] = Int16(bitPattern: UInt16(low) | UInt16(bytes[0]) << 8)
                    index = 1
                    produced = 1
                }
                while produced < count {
                    out[produced] = Int16(bitPattern: UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8)
                    index += 2
                    produced += 1
                }
                initialized = count
            }
            if count > 0 { carry = nil }
            if index < bytes.count { carry = bytes[index] }
            return samples
        }
    }

    /// True when a lone byte is left over (the stream ended mid-sample).
    var hasPartialSample: Bool { carry != nil }
}


/// The common start of a cloud speech stream: nothing to say for blank text, a failed stream
/// when the request cannot be built (no key…), otherwise `stream` over the built request.
func speechStream(
    text: String, firstByte: Duration, idle: Duration, request: () throws -> ProviderRequest,
    stream: (ProviderRequest, RequestTimeouts) -> AsyncThrowingStream<AudioChunk, any Error>
) -> AsyncThrowingStream<AudioChunk, any Error> {
    guard !text.trimmingWhitespace().isEmpty else { return AsyncThrowingStream { $0.finish() } }
    let built: ProviderRequest
    do {
        built = try request()
    } catch {
        return ProducerStream.failed(error)
    }
    return stream(built, RequestTimeouts(firstByte: firstByte, idle: idle))
}

import NIOCore

/// The body of a TTS response that is raw 8 kHz μ-law, passed on as it arrives.
enum MuLawSpeechStream {
    static func make(
        client: ProviderHTTPClient,
        request: ProviderRequest,
        timeouts: RequestTimeouts
    ) -> AsyncThrowingStream<AudioChunk, any Error> {
        ProducerStream.make { continuation in
            try await client.execute(request, timeouts: timeouts) { body in
                for try await chunk in body where chunk.readableBytes > 0 {
                    continuation.yield(.muLaw(Array(chunk.readableBytesView)))
                }
            }
        }
    }
}

@testable import EarshotFakes
import EarshotProviders

/// Runs `body` with a started fake and a fresh client, and tears both down whatever happens.
func withFakeProviders<Result>(
    _ knobs: FakeKnobs = FakeKnobs(),
    client configuration: ProviderHTTPClient.Configuration = .init(),
    _ body: (FakeProviderServer, ProviderHTTPClient) async throws -> Result
) async throws -> Result {
    let fake = FakeProviderServer(knobs)
    try await fake.start()
    let client = ProviderHTTPClient(configuration: configuration)
    do {
        let result = try await body(fake, client)
        try await client.shutdown()
        try await fake.stop()
        return result
    } catch {
        try? await client.shutdown()
        try? await fake.stop()
        throw error
    }
}

/// Everything a stream yields, or its error.
func collect<Element>(_ stream: AsyncThrowingStream<Element, any Error>) async throws -> [Element] {
    var all: [Element] = []
    for try await element in stream { all.append(element) }
    return all
}

/// The ``ProviderError`` `body` throws, or nil if it throws something else or nothing.
func providerError(_ body: () async throws -> Void) async -> ProviderError? {
    do {
        try await body()
        return nil
    } catch let error as ProviderError {
        return error
    } catch {
        return nil
    }
}

/// What `body` threw, whatever it was.
func thrownError(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

/// μ-law bytes of an audio chunk stream, or the PCM samples.
extension Array where Element == AudioChunk {
    var muLawBytes: [UInt8] {
        flatMap { chunk -> [UInt8] in
            if case .muLaw(let bytes) = chunk { return bytes }
            return []
        }
    }

    var pcmSamples: [Int16] {
        flatMap { chunk -> [Int16] in
            if case .pcm16(let samples, _) = chunk { return samples }
            return []
        }
    }
}

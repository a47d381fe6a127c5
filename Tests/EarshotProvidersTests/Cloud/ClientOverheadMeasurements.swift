@testable import EarshotFakes
import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import EarshotProviders

/// What the client path adds on loopback, against AsyncHTTPClient used bare on the same fake.
/// Wall time, so opt-in and never a gate: `EARSHOT_MEASURE=1 swift test --filter ClientOverhead`.
@Suite(
    "Client overhead (measurement, opt-in)",
    .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["EARSHOT_MEASURE"] == "1")
)
struct ClientOverheadMeasurements {
    private let rounds = 400

    private func summary(_ label: String, _ samples: [Duration]) -> String {
        let sorted = samples.sorted()
        func micros(_ d: Duration) -> Int { Int(d / .microseconds(1)) }
        let p50 = micros(sorted[sorted.count / 2])
        let p90 = micros(sorted[sorted.count * 9 / 10])
        let p99 = micros(sorted[sorted.count * 99 / 100])
        return "\(label): p50 \(p50) µs, p90 \(p90) µs, p99 \(p99) µs (n=\(samples.count))"
    }

    @Test func chatTimeToFirstToken() async throws {
        try await withFakeProviders { fake, client in
            fake.llmReply = ["Hello", " there"]
            let model = OpenAIChatModel(configuration: .init(baseURL: fake.baseURL + "/v1", apiKey: "k"), client: client)
            let messages = [ChatMessage(role: .user, content: "hi")]
            let request = try model.makeRequest(messages, options: .init(model: "m"))

            var bare: [Duration] = []
            var ours: [Duration] = []
            for round in 0..<(rounds + 20) {
                // Bare AsyncHTTPClient: same request, time to the first body chunk.
                let start = ContinuousClock.now
                let response = try await client.http.execute(request.clientRequest(), timeout: .seconds(5))
                var body = response.body.makeAsyncIterator()
                _ = try await body.next()
                let bareFirst = ContinuousClock.now - start
                while try await body.next() != nil {}

                // The provider: time to the first token out of the stream.
                let ourStart = ContinuousClock.now
                var tokens = model.complete(messages, options: .init(model: "m")).makeAsyncIterator()
                _ = try await tokens.next()
                let ourFirst = ContinuousClock.now - ourStart
                while try await tokens.next() != nil {}

                if round >= 20 {  // warm-up
                    bare.append(bareFirst)
                    ours.append(ourFirst)
                }
            }
            print(summary("chat first chunk, bare AsyncHTTPClient", bare))
            print(summary("chat first token, OpenAIChatModel", ours))
        }
    }

    @Test func speechTimeToFirstAudio() async throws {
        try await withFakeProviders { fake, client in
            let tts = DeepgramSpeech(configuration: .init(baseURL: fake.baseURL, apiKey: "k"), client: client)
            var samples: [Duration] = []
            for round in 0..<(rounds + 20) {
                let start = ContinuousClock.now
                var audio = tts.synthesize("Hello there.", language: "en").makeAsyncIterator()
                _ = try await audio.next()
                let first = ContinuousClock.now - start
                while try await audio.next() != nil {}
                if round >= 20 { samples.append(first) }
            }
            print(summary("tts first audio, DeepgramSpeech", samples))
        }
    }

    @Test(arguments: [(false, Duration.milliseconds(20)), (true, .milliseconds(20)), (false, .milliseconds(100)), (true, .milliseconds(100))])
    func liveSendCost(onTheSocketsLoop: Bool, batch: Duration) async throws {
        try await withFakeProviders { fake, client in
            let stt = DeepgramTranscriber(
                configuration: .init(streamingURL: fake.webSocketURL, apiKey: "k", keepAliveInterval: nil, audioBatch: batch),
                client: client
            )
            let loop = client.eventLoopGroup.next()
            let session = try await stt.openLiveStream(language: "en", on: loop)
            let frame = [UInt8](repeating: 0xFF, count: 160)
            let frames = 20_000
            let start = ContinuousClock.now
            let elapsed: Duration
            if onTheSocketsLoop {
                elapsed = try await loop.submit {
                    let start = ContinuousClock.now
                    for _ in 0..<frames { session.send(muLaw: frame) }
                    return ContinuousClock.now - start
                }.get()
            } else {
                for _ in 0..<frames { session.send(muLaw: frame) }
                elapsed = ContinuousClock.now - start
            }
            #expect(await fake.waitUntil(timeout: .seconds(30)) { $0.liveAudioBytes == frames * 160 })
            let delivered = ContinuousClock.now - start
            let place = onTheSocketsLoop ? "on the socket's loop" : "from another thread"
            print("live send, \(batch) batches, \(place): \(Int(elapsed / .nanoseconds(1)) / frames) ns per send(); "
                + "all \(frames) frames at the fake after \(delivered)")
            session.close()
            _ = try await collect(session.transcripts)
        }
    }
}

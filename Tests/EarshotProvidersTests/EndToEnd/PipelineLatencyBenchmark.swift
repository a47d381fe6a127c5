@testable import EarshotFakes
import EarshotConversation
import EarshotProviders
import EarshotServer
import EarshotSimulator
import Foundation
import NIOConcurrencyHelpers
import Testing

/// A benchmark, not a test: run with `EARSHOT_BENCH=1 swift test -c release --filter PipelineLatencyBenchmark`.
/// 500 concurrent real-time calls through the gateway with fake providers at fixed delays
/// (STT 300 ms, model first token 400 ms, TTS first byte 200 ms); reports Earshot's own share
/// of end of speech → first reply audio from the per-turn records' histogram.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["EARSHOT_BENCH"] != nil))
struct PipelineLatencyBenchmark {
    @Test func gatewayShareAtFiveHundredCalls() async throws {
        let calls = Int(ProcessInfo.processInfo.environment["EARSHOT_BENCH_CALLS"] ?? "") ?? 500
        var knobs = FakeKnobs()
        knobs.sttDelay = .milliseconds(300)
        knobs.llmFirstTokenDelay = .milliseconds(400)
        knobs.ttsFirstByteDelay = .milliseconds(200)
        knobs.llmReply = ["Sure", ", I can", " book that", " for you."]
        // All three fake providers share one host here, so allow the pool what three hosts would.
        let client = ProviderHTTPClient(configuration: .init(maxConnectionsPerHost: 1024))
        let gateway = try await PipelineGateway.start(knobs, client: client) {
            $0.sttTimeout = .seconds(30)
            $0.llmFirstTokenTimeout = .seconds(30)
            $0.ttsFirstByteTimeout = .seconds(30)
        }
        let before = Self.overheadHistogram(gateway.app.services.prometheus.emitToString())
        var load = LoadGenerator.Configuration()
        load.serverURL = "http://127.0.0.1:\(gateway.port)"
        load.calls = calls
        load.duration = .seconds(40)
        load.ramp = .seconds(10)
        load.clip = CallClip.synthetic(turns: 2, speech: .milliseconds(1200), pause: .milliseconds(4000))
        let report = try await LoadGenerator(configuration: load).run()
        let after = Self.overheadHistogram(gateway.app.services.prometheus.emitToString())
        await gateway.stop()
        try await client.shutdown()
        let buckets = zip(after, before).map { (le: $0.0.le, count: $0.0.count - $0.1.count) }
        let total = buckets.last?.count ?? 0
        print("BENCH calls=\(report.callsConnected) turns=\(total) response p50=\(report.responseLatencySummary.p50 ?? -1) ms p99=\(report.responseLatencySummary.p99 ?? -1) ms")
        for b in buckets { print("BENCH gateway share <= \(b.le) s: \(b.count) of \(total)") }
        #expect(total > 0)
    }

    /// Cumulative bucket counts of earshot_turn_gateway_overhead_seconds.
    static func overheadHistogram(_ text: String) -> [(le: String, count: Int)] {
        text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("earshot_turn_gateway_overhead_seconds_bucket{le=\""),
                  let close = line.firstIndex(of: "}") else { return nil }
            let le = line[line.index(line.startIndex, offsetBy: 47)..<line.index(before: close)]
            return (String(le), Int(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)) ?? 0)
        }
    }
}

import EarshotConversation
import Logging
import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// What every call and route shares: configuration, registry, metrics, the responder.
public final class ServerServices: Sendable {
    public let configuration: EarshotConfiguration
    public let registry: CallRegistry
    public let metrics: CallMetrics
    public let responder: any Responder
    public let prometheus: PrometheusCollectorRegistry
    public let logger: Logger
    /// Reply audio of record-then-play calls (`/voice`), served at `/audio/<id>.wav`.
    public let audioStore: AudioStore
    /// The conversations of record-then-play calls, between their webhooks.
    public let recordedCalls: RecordedCalls
    let recordMetrics = RecordMetrics()

    public init(configuration: EarshotConfiguration, logger: Logger, responder: (any Responder)? = nil) {
        self.configuration = configuration
        self.prometheus = MetricsBootstrap.registry
        self.metrics = CallMetrics()
        self.registry = CallRegistry(maxCalls: configuration.maxCalls, metrics: metrics)
        self.responder = responder ?? EchoResponder()
        self.logger = logger
        self.audioStore = AudioStore(ttl: configuration.record.audioTTL, maxBytes: configuration.record.audioStoreBytes,
                                     maxEntryBytes: max(1 << 20, configuration.record.audioStoreBytes / 8))
        self.recordedCalls = RecordedCalls(maxCalls: configuration.maxCalls)
    }
}

/// swift-metrics can be bootstrapped once per process; every server in it (tests start several)
/// shares one Prometheus registry.
enum MetricsBootstrap {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()
}

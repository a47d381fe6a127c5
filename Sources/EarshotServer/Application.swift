import EarshotConversation
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

/// The assembled server: its shared services and the service group that runs it.
public struct EarshotApp: Sendable {
    public let services: ServerServices
    /// Runs the HTTP/WebSocket server and the drain service; SIGTERM/SIGINT shut it down
    /// gracefully (drain first, then the listener).
    public let serviceGroup: ServiceGroup

    public func run() async throws { try await serviceGroup.run() }
}

/// Builds the whole server: routes, the media WebSocket, and the drain service.
/// Used by `earshot serve` and by the tests.
public func buildApplication(
    configuration: EarshotConfiguration, logger: Logger? = nil, responder: (any Responder)? = nil,
    signals: [UnixSignal] = [.sigterm, .sigint],
    onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
) -> EarshotApp {
    var logger = logger ?? Logger(label: "earshot")
    logger.logLevel = configuration.logLevel
    let services = ServerServices(configuration: configuration, logger: logger, responder: responder)
    let router = Router()
    Routes.add(to: router, services: services)
    if configuration.twilioAuthToken == nil {
        logger.warning("EARSHOT_TWILIO_AUTH_TOKEN is not set: webhook and WebSocket signatures are NOT checked")
    }
    let application = Application(
        router: router,
        server: HTTPServerBuilder { responder in MediaServerChannel(responder: responder, services: services) },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "earshot"),
        onServerRunning: onServerRunning,
        logger: logger
    )
    // Graceful shutdown runs in reverse order: the drain first, while the listener still
    // answers /readyz with 503 and refuses new calls; then the HTTP server.
    let group = ServiceGroup(configuration: .init(
        services: [.init(service: application), .init(service: DrainService(services: services))],
        gracefulShutdownSignals: signals, logger: logger))
    return EarshotApp(services: services, serviceGroup: group)
}

/// On SIGTERM (graceful shutdown): readyz turns 503 and no call is admitted; active calls
/// may finish for up to the drain timeout; the rest are closed (1001 going away); then the
/// HTTP server stops.
struct DrainService: Service {
    let services: ServerServices

    func run() async throws {
        try? await gracefulShutdown()
        let registry = services.registry
        registry.beginDrain()
        let active = registry.activeCalls
        services.logger.notice("draining", metadata: ["calls.active": "\(active)",
                                                      "drain.timeout_s": "\(services.configuration.drainTimeoutSeconds)"])
        let deadline = ContinuousClock.now + .seconds(services.configuration.drainTimeoutSeconds)
        while registry.activeCalls > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(100))
        }
        if registry.activeCalls > 0 {
            services.logger.notice("drain timeout: closing remaining calls", metadata: ["calls.active": "\(registry.activeCalls)"])
            registry.closeAll()
            let closeBy = ContinuousClock.now + .seconds(2)
            while registry.activeCalls > 0 && ContinuousClock.now < closeBy { try? await Task.sleep(for: .milliseconds(20)) }
        }
        services.logger.notice("drained")
    }
}

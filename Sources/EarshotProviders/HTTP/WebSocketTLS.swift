import NIOCore

#if canImport(NIOSSL)
import NIOSSL

/// TLS for `wss://`. NIOSSL reaches this module through AsyncHTTPClient's dependency on
/// swift-nio-ssl; the target should declare the `NIOSSL` product so this does not depend on
/// how the build exposes transitive modules.
enum WebSocketTLS {
    /// One context per process: building one loads the system's trust roots.
    private static let context: Result<NIOSSLContext, any Error> = Result {
        try NIOSSLContext(configuration: .makeClientConfiguration())
    }

    static func handlerFactory(serverHostname host: String) -> (@Sendable () throws -> any ChannelHandler)? {
        { () throws -> any ChannelHandler in
            // SNI and the name check take host names; an IP literal gets neither.
            let isIPLiteral = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
            return try NIOSSLClientHandler(context: try context.get(), serverHostname: isIPLiteral ? nil : host)
        }
    }
}
#else
enum WebSocketTLS {
    static func handlerFactory(serverHostname host: String) -> (@Sendable () throws -> any ChannelHandler)? { nil }
}
#endif

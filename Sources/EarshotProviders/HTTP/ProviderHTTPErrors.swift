import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns what the HTTP and socket layers throw into a ``ProviderError`` whose description is
/// one log line naming the request (`what`) — never a URL with credentials, never a header.
enum ProviderHTTPErrors {
    static func map(_ error: any Error, what: String) -> any Error {
        switch error {
        case is ProviderError, is CancellationError:
            return error
        case let error as HTTPClientError:
            return map(error, what: what)
        case let error as HTTPParserError:
            if error == .invalidEOFState {
                return ProviderError.disconnected("\(what): connection closed mid-response")
            }
            return ProviderError.malformed("\(what): bad HTTP from server (\(error))")
        case let error as NIOConnectionError:
            return ProviderError.unavailable("\(what): cannot connect to \(error.host):\(error.port)")
        case let error as ChannelError:
            return map(error, what: what)
        case let error as IOError:
            switch error.errnoCode {
            case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL:
                return ProviderError.unavailable("\(what): cannot connect (\(error.description))")
            default:
                return ProviderError.disconnected("\(what): \(error.description)")
            }
        default:
            if Task.isCancelled { return CancellationError() }
            if String(reflecting: type(of: error)).contains("NIOSSL") {
                return ProviderError.unavailable("\(what): TLS failed (\(error))")
            }
            return ProviderError.disconnected("\(what): \(error)")
        }
    }

    private static func map(_ error: HTTPClientError, what: String) -> any Error {
        switch error {
        case .deadlineExceeded, .readTimeout, .writeTimeout:
            return ProviderError.timeout("\(what): no response in time")
        case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
            return ProviderError.timeout("\(what): could not connect in time")
        case .cancelled, .requestStreamCancelled:
            if Task.isCancelled { return CancellationError() }
            return ProviderError.disconnected("\(what): request cancelled")
        case .remoteConnectionClosed, .bodyLengthMismatch, .uncleanShutdown:
            return ProviderError.disconnected("\(what): connection closed mid-response")
        case .invalidURL, .emptyHost, .emptyScheme:
            return ProviderError.unavailable("\(what): invalid base URL")
        case .alreadyShutdown:
            return ProviderError.unavailable("\(what): HTTP client is shut down")
        default:
            return ProviderError.disconnected("\(what): \(error.shortDescription)")
        }
    }

    private static func map(_ error: ChannelError, what: String) -> any Error {
        switch error {
        case .connectTimeout:
            return ProviderError.timeout("\(what): could not connect in time")
        case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed:
            return ProviderError.disconnected("\(what): connection closed")
        default:
            return ProviderError.disconnected("\(what): \(error)")
        }
    }
}

import AsyncHTTPClient
import EarshotAudio
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Downloads a carrier's recording (Twilio's `RecordingUrl`).
///
/// Twilio posts the `<Record>` action as soon as the caller stops, and the file can take a
/// moment to appear: a 404 (or a 5xx, or a refused connection) is retried with doubling
/// pauses until ``Configuration/maxWait`` has passed. Redirects are followed by hand, at most
/// three, and the credentials go only to the recording's own host — Twilio redirects media to
/// pre-signed storage URLs that reject a second form of authentication.
struct RecordingFetcher: Sendable {
    struct Configuration: Sendable {
        /// HTTP Basic credentials (Twilio: account SID and auth token) for the recording's host.
        var credentials: (user: String, password: String)?
        /// When set, only recordings on these hosts are fetched; `*.example.com` matches subdomains.
        var allowedHosts: [String]?
        /// Longest wait for a recording that is not there yet (404), retries included.
        var maxWait: Duration = .seconds(5)
        /// Pause before the first retry; it doubles each time.
        var firstRetryDelay: Duration = .milliseconds(100)
        /// Limit for one attempt.
        var attemptTimeout: Duration = .seconds(10)
        /// Largest file accepted.
        var maxBytes = 2 << 20
    }

    enum Failure: Error, CustomStringConvertible {
        case badURL(String)
        case hostNotAllowed(String)
        case unavailable(status: Int, attempts: Int)
        case refused(status: Int)
        case tooLarge(limit: Int)
        case tooManyRedirects
        case transport(String, attempts: Int)

        var description: String {
            switch self {
            case .badURL(let url): "recording URL is not http(s): \(url.prefix(200).debugDescription)"
            case .hostNotAllowed(let host): "recording host \(host) is not in EARSHOT_RECORDING_HOSTS"
            case let .unavailable(status, attempts): "recording not available (HTTP \(status) after \(attempts) attempts)"
            case .refused(let status): "recording download refused: HTTP \(status)"
            case .tooLarge(let limit): "recording larger than \(limit) bytes"
            case .tooManyRedirects: "recording download: too many redirects"
            case let .transport(error, attempts): "recording download failed after \(attempts) attempts: \(error)"
            }
        }

        /// A short label for the error metric.
        var kind: String {
            switch self {
            case .badURL, .hostNotAllowed: "recording_url"
            case .unavailable, .refused, .tooManyRedirects, .transport: "recording_download"
            case .tooLarge: "recording_too_large"
            }
        }
    }

    /// One client for every download in the process: keep-alive to the carrier's media host,
    /// redirects left to ``fetch(_:)``.
    static let client = HTTPClient(
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(15)),
                             decompression: .disabled))

    let configuration: Configuration

    /// The recording's bytes and the number of requests it took.
    func fetch(_ url: String) async throws -> (bytes: [UInt8], attempts: Int) {
        guard let first = URL(string: url), let scheme = first.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = first.host?.lowercased() else { throw Failure.badURL(url) }
        if let allowed = configuration.allowedHosts, !Self.host(host, matches: allowed) { throw Failure.hostNotAllowed(host) }
        let deadline = ContinuousClock.now + configuration.maxWait
        var delay = configuration.firstRetryDelay
        var attempts = 0
        while true {
            attempts += 1
            let outcome: Attempt
            do {
                outcome = try await attempt(url, credentialsHost: host)
            } catch let failure as Failure {
                throw failure
            } catch let error as CancellationError {
                throw error
            } catch {
                outcome = .retry(status: 0, error: "\(error)")
            }
            switch outcome {
            case .done(let bytes):
                return (bytes, attempts)
            case let .retry(status, error):
                guard ContinuousClock.now + delay < deadline else {
                    if let error { throw Failure.transport(error, attempts: attempts) }
                    throw Failure.unavailable(status: status, attempts: attempts)
                }
                try await Task.sleep(for: delay)
                delay *= 2
            }
        }
    }

    private enum Attempt {
        case done([UInt8])
        case retry(status: Int, error: String?)
    }

    /// One GET, following redirects; a retryable answer is returned, a final one thrown.
    private func attempt(_ url: String, credentialsHost: String) async throws -> Attempt {
        var target = url
        for _ in 0...3 {
            var request = HTTPClientRequest(url: target)
            request.headers.add(name: "User-Agent", value: "earshot")
            request.headers.add(name: "Accept", value: "audio/wav, audio/x-wav, */*")
            let host = URL(string: target)?.host?.lowercased()
            if let credentials = configuration.credentials, host == credentialsHost {
                let token = Base64.encode(Array("\(credentials.user):\(credentials.password)".utf8))
                request.headers.add(name: "Authorization", value: "Basic \(token)")
            }
            let response = try await Self.client.execute(request, timeout: .init(configuration.attemptTimeout))
            let status = Int(response.status.code)
            switch status {
            case 200:
                if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > configuration.maxBytes {
                    throw Failure.tooLarge(limit: configuration.maxBytes)
                }
                do {
                    let body = try await response.body.collect(upTo: configuration.maxBytes)
                    return .done(Array(body.readableBytesView))
                } catch is NIOTooManyBytesError {
                    throw Failure.tooLarge(limit: configuration.maxBytes)
                }
            case 301, 302, 303, 307, 308:
                _ = try? await response.body.collect(upTo: 64 << 10)
                guard let location = response.headers.first(name: "Location"),
                      let next = URL(string: location, relativeTo: URL(string: target))?.absoluteString else {
                    throw Failure.refused(status: status)
                }
                target = next
                continue
            case 404, 429, 500...599:
                _ = try? await response.body.collect(upTo: 64 << 10)
                return .retry(status: status, error: nil)
            default:
                throw Failure.refused(status: status)
            }
        }
        throw Failure.tooManyRedirects
    }

    static func host(_ host: String, matches allowed: [String]) -> Bool {
        allowed.contains { pattern in
            let pattern = pattern.lowercased()
            if pattern.hasPrefix("*.") { return host.hasSuffix(pattern.dropFirst(1)) }
            return host == pattern
        }
    }
}

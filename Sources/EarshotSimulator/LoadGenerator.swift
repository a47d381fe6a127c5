import AsyncHTTPClient
import EarshotAudio
import EarshotTwilio
import Glibc
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Many simulated calls from one process, each streaming a looped clip at real time.
///
/// One SwiftNIO event loop per thread; on each loop ONE 20 ms tick sends the due frame of
/// every call on it, from base64 computed once per clip frame, so a frame costs a buffer, a
/// copy, a mask pass and a write. The server's messages are scanned in place and counted;
/// marks are echoed after playout, as Twilio does, so a server that paces by marks keeps going.
public struct LoadGenerator: Sendable {
    public struct Configuration: Sendable {
        /// The server's local base URL.
        public var serverURL = "http://127.0.0.1:8080"
        /// The voice webhook's path.
        public var webhookPath = "/voice-stream"
        /// POST the webhook for every call (throttled) and follow its TwiML; `false` connects
        /// straight to ``streamPath``.
        public var useWebhook = true
        /// Webhook requests (and connection attempts) in flight at once.
        public var setupConcurrency = 16
        /// Without the webhook: the WebSocket path on the server.
        public var streamPath = "/media-stream"
        /// Without the webhook: the public `wss://` URL the server signs against; by default
        /// `wss://HOST:PORT` of the server URL plus ``streamPath``.
        public var publicStreamURL: String?
        /// Concurrent calls.
        public var calls = 100
        /// From the first call's start to the end of all calls.
        public var duration: Duration = .seconds(30)
        /// Calls start evenly spread over this span at the beginning of ``duration``.
        public var ramp: Duration = .seconds(5)
        /// Event loop threads.
        public var threads = 1
        /// The caller audio every call loops; `nil` uses ``CallClip/synthetic(turns:speech:pause:)``.
        public var clip: CallClip?
        /// Signs webhooks and handshakes; `nil` sends no signatures.
        public var authToken: String?
        /// The public base URL Twilio would POST to (the server's `EARSHOT_PUBLIC_URL`): webhook
        /// signatures cover it plus ``webhookPath``; `nil` signs the URL actually posted to.
        public var publicURL: String?
        /// The server process to measure (CPU from `/proc/PID/stat`, RSS from `/proc/PID/status`).
        public var serverPID: Int32?
        /// How long closing may take after ``duration`` before connections are dropped.
        public var grace: Duration = .seconds(5)
        /// TCP connect + handshake limit, and the webhook's timeout.
        public var connectTimeout: Duration = .seconds(10)
        /// Phases at info, failed call setups at debug; silent by default.
        public var logger = Logger(label: "earshot.loadtest", factory: { _ in SwiftLogNoOpLogHandler() })

        public init() {}
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Silence after ramp-up before the steady window begins, so connection setup is not counted.
    static func settle(_ c: Configuration) -> Duration {
        min(.seconds(2), (c.duration - c.ramp) / 4)
    }

    func validate() throws(SimulatorError) {
        let c = configuration
        guard c.calls > 0 else { throw .invalidConfiguration("--calls must be at least 1") }
        guard (1...256).contains(c.threads) else { throw .invalidConfiguration("--threads must be 1…256") }
        guard c.duration > .zero else { throw .invalidConfiguration("--duration must be positive") }
        guard c.ramp >= .zero, c.ramp < c.duration else {
            throw .invalidConfiguration("--ramp must be shorter than --duration (the steady window comes after it)")
        }
        guard c.setupConcurrency > 0 else { throw .invalidConfiguration("setup concurrency must be at least 1") }
    }

    /// Runs the test; always returns within duration + grace (plus one connect timeout at worst).
    public func run() async throws -> LoadReport {
        try validate()
        let c = configuration
        let server = try ServerAddress(parsing: c.serverURL)
        let clip = LoadClip(c.clip ?? .synthetic())
        try Self.checkMediaEncoding(clip)

        Self.raiseOpenFileLimit(to: c.calls * 2 + 256)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: c.threads)
        let client = c.useWebhook ? HTTPClient(eventLoopGroupProvider: .shared(group)) : nil
        do {
            let report = try await run(server: server, clip: clip, group: group, client: client)
            try await client?.shutdown()
            try await group.shutdownGracefully()
            return report
        } catch {
            try? await client?.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func run(server: ServerAddress, clip: LoadClip, group: MultiThreadedEventLoopGroup, client: HTTPClient?) async throws -> LoadReport {
        let c = configuration
        var loops: [NIOLoopBound<LoadLoop>] = []
        for eventLoop in group.makeIterator() {
            loops.append(try await eventLoop.submit { NIOLoopBound(LoadLoop(eventLoop: eventLoop, clip: clip), eventLoop: eventLoop) }.get())
        }
        let serverSampler = c.serverPID.map(ProcessSampler.init(pid:))
        let ownSampler = ProcessSampler(pid: getpid())
        let idle = serverSampler?.sample()

        // Every loop ticks on the same 20 ms grid, offset by a share of a frame so their bursts interleave.
        let runStart = NIODeadline.now() + .milliseconds(200)
        for (k, loop) in loops.enumerated() {
            let offset = LoadLoop.frameTime.nanoseconds * Int64(k) / Int64(loops.count)
            loop.eventLoop.execute { loop.value.start(at: runStart + .nanoseconds(offset)) }
        }
        let starter = Task { await startCalls(server: server, loops: loops, runStart: runStart, client: client) }

        c.logger.info("load test started", metadata: ["load.calls": "\(c.calls)", "load.threads": "\(c.threads)"])
        try? await sleep(until: runStart + (c.ramp + Self.settle(c)).timeAmount)
        let steadyBegin = (server: serverSampler?.sample(), own: ownSampler.sample(), calls: await openCalls(loops))
        c.logger.info("steady window begins", metadata: ["load.calls_open": "\(steadyBegin.calls)"])
        try? await sleep(until: runStart + c.duration.timeAmount)
        let steadyEnd = (server: serverSampler?.sample(), own: ownSampler.sample(), calls: await openCalls(loops))
        c.logger.info("hanging up", metadata: ["load.calls_open": "\(steadyEnd.calls)"])

        // Hang up first: setups still in flight (at most one connect timeout) must not keep
        // the calls that are up streaming past the duration. Late arrivals are stopped on arrival.
        starter.cancel()
        await stopAll(loops)
        let startup = await starter.value

        var stats = LoadLoopStats()
        for loop in loops { stats.add(try await loop.eventLoop.submit { loop.value.stats }.get()) }

        let calls = (steadyBegin.calls + steadyEnd.calls) / 2
        var usage: LoadReport.ServerUsage?
        if let pid = c.serverPID, let idle, let begin = steadyBegin.server, let end = steadyEnd.server {
            usage = Self.serverUsage(pid: pid, idle: idle, begin: begin, end: end, calls: calls)
        }
        var ownCPU: Double?
        if let begin = steadyBegin.own, let end = steadyEnd.own, end.uptimeNanoseconds > begin.uptimeNanoseconds {
            ownCPU = (end.cpuSeconds - begin.cpuSeconds) / (Double(end.uptimeNanoseconds - begin.uptimeNanoseconds) / 1e9) * 100
        }
        let failed = c.calls - stats.callsStreaming
        var failures = startup.failures
        let unexplained = failed - failures.values.reduce(0, +)
        if unexplained > 0 { failures["not started before the test ended", default: 0] += unexplained }
        return LoadReport(
            callsRequested: c.calls, callsConnected: stats.callsStreaming, callsFailed: failed, failures: failures,
            callsDropped: stats.callsDropped, durationSeconds: c.duration.seconds, rampSeconds: c.ramp.seconds,
            threads: c.threads, processes: 1, framesSent: stats.framesSent, framesSkipped: stats.framesSkipped,
            frameLateness: stats.lateness,
            frameLatenessSummary: stats.lateness.summary, received: stats.received, marksEchoed: stats.marksEchoed,
            responseLatency: stats.response, responseLatencySummary: stats.response.summary,
            turnsOverlapped: stats.turnsOverlapped, turnsUnanswered: stats.turnsUnanswered,
            server: usage, generatorCPUPercent: ownCPU)
    }

    /// CPU and memory of the server over the steady window, per call.
    static func serverUsage(pid: Int32, idle: ProcessSampler.Sample, begin: ProcessSampler.Sample,
                            end: ProcessSampler.Sample, calls: Int) -> LoadReport.ServerUsage? {
        let window = Double(end.uptimeNanoseconds &- begin.uptimeNanoseconds) / 1e9
        guard window > 0.5 else { return nil }
        let cpu = end.cpuSeconds - begin.cpuSeconds
        return LoadReport.ServerUsage(
            pid: pid, windowSeconds: window, cpuPercent: cpu / window * 100,
            cpuMillisecondsPerCallSecond: calls > 0 ? cpu * 1000 / (Double(calls) * window) : nil,
            rssIdleKilobytes: idle.rssKilobytes, rssSteadyKilobytes: end.rssKilobytes,
            rssKilobytesPerCall: calls > 0 ? Double(end.rssKilobytes - idle.rssKilobytes) / Double(calls) : nil,
            calls: calls)
    }

    // MARK: Call setup

    private struct Startup: Sendable {
        var failures: [String: Int] = [:]
    }

    /// Starts call i at runStart + ramp × i / calls, at most ``Configuration/setupConcurrency``
    /// setups in flight. Returns when every call is up or failed, or when cancelled.
    private func startCalls(server: ServerAddress, loops: [NIOLoopBound<LoadLoop>], runStart: NIODeadline, client: HTTPClient?) async -> Startup {
        let c = configuration
        let accountSid = TwilioIdentifier.accountSid()
        var startup = Startup()
        await withTaskGroup(of: String?.self) { group in
            var inFlight = 0
            for i in 0..<c.calls {
                if inFlight >= c.setupConcurrency, let failure = await group.next() {
                    inFlight -= 1
                    if let failure { startup.failures[failure, default: 0] += 1 }
                }
                if Task.isCancelled { break }
                let startAt = runStart + .nanoseconds(c.ramp.timeAmount.nanoseconds * Int64(i) / Int64(c.calls))
                let loop = loops[i % loops.count]
                group.addTask {
                    await startCall(i, at: startAt, accountSid: accountSid, server: server, loop: loop, client: client)
                }
                inFlight += 1
            }
            for await failure in group {
                if let failure { startup.failures[failure, default: 0] += 1 }
            }
        }
        return startup
    }

    /// Sets up one call; returns `nil` once it streams, or why it failed.
    private func startCall(_ index: Int, at startAt: NIODeadline, accountSid: String, server: ServerAddress,
                           loop: NIOLoopBound<LoadLoop>, client: HTTPClient?) async -> String? {
        let c = configuration
        do {
            try await sleep(until: startAt)
        } catch {
            return nil   // cancelled before its turn: counted as "not started"
        }
        let callSid = TwilioIdentifier.callSid()
        do {
            let streamURL: StreamURL
            var parameters: [String: String] = [:]
            if let client {
                let from = "+1555" + String(1_000_000 + index % 9_000_000)
                let form = Webhook.ringingParameters(callSid: callSid, accountSid: accountSid, from: from, to: "+15555550199")
                let stream = try await Webhook.post(url: server.url(path: c.webhookPath),
                                                    signedURL: Webhook.signedURL(publicURL: c.publicURL, path: c.webhookPath),
                                                    parameters: form,
                                                    authToken: c.authToken, client: client, timeout: c.connectTimeout.timeAmount)
                streamURL = stream.url
                for p in stream.parameters where parameters[p.name] == nil { parameters[p.name] = p.value }
            } else {
                streamURL = try StreamURL(c.publicStreamURL ?? "wss://\(server.host):\(server.port)\(server.basePath)\(c.streamPath)")
            }
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: streamURL.authority)
            headers.add(name: "User-Agent", value: "Twilio.TmeWs/1.0")
            if let token = c.authToken {
                headers.add(name: "X-Twilio-Signature", value: try TwilioSignature.compute(authToken: token, url: streamURL.text))
            }
            let requestURI = client == nil ? server.basePath + c.streamPath : streamURL.requestURI
            let endpoint = MediaStreamEndpoint(host: server.host, port: server.port, requestURI: requestURI, headers: headers)
            let setup = LoadCall.Setup(callSid: callSid, accountSid: accountSid, streamSid: TwilioIdentifier.streamSid(),
                                       customParameters: parameters, clipOffset: index * 37)
            _ = try await MediaStreamConnector.connect(to: endpoint, on: loop.eventLoop, connectTimeout: c.connectTimeout.timeAmount) { outlet in
                LoadCall(loop: loop.value, outlet: outlet, setup: setup)
            }.get()
            return nil
        } catch {
            c.logger.debug("call setup failed", metadata: ["call.sid": .string(callSid), "error": .string("\(error)")])
            return Self.reason(error)
        }
    }

    /// A short, bounded failure reason (no SIDs), so failures group.
    static func reason(_ error: any Error) -> String {
        switch error {
        case SimulatorError.webhookFailed(let status, _): return "webhook answered HTTP \(status)"
        case SimulatorError.upgradeRefused(let status): return "WebSocket upgrade refused with HTTP \(status)"
        case let error as SimulatorError: return String(error.description.prefix(100))
        case is CancellationError: return "setup still in progress when the test ended"
        default: return String("\(type(of: error)): \(error)".prefix(100))
        }
    }

    // MARK: Running and ending

    private func openCalls(_ loops: [NIOLoopBound<LoadLoop>]) async -> Int {
        var total = 0
        for loop in loops { total += (try? await loop.eventLoop.submit { loop.value.openCalls }.get()) ?? 0 }
        return total
    }

    /// Stops every call and waits for the closes, dropping what is still open after the grace period.
    private func stopAll(_ loops: [NIOLoopBound<LoadLoop>]) async {
        let grace = configuration.grace.timeAmount
        let closing = loops.map { loop in
            (drained: loop.eventLoop.flatSubmit { loop.value.stopAll() },
             force: loop.eventLoop.scheduleTask(in: grace) { loop.value.forceClose() })
        }
        for loop in closing {
            try? await loop.drained.get()
            loop.force.cancel()
        }
    }

    func sleep(until deadline: NIODeadline) async throws {
        let remaining = (deadline - .now()).nanoseconds
        if remaining > 0 { try await Task.sleep(nanoseconds: UInt64(remaining)) }
    }

    /// One socket per call (two while a webhook is in flight): lift the soft limit on open
    /// files towards the hard one, which is often far higher than the usual soft 1,024.
    static func raiseOpenFileLimit(to needed: Int) {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(needed) else { return }
        limit.rlim_cur = min(rlim_t(needed), limit.rlim_max)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// The precoded writer must produce exactly what EarshotTwilio's writer does.
    static func checkMediaEncoding(_ clip: LoadClip) throws(SimulatorError) {
        guard clip.frameCount > 0 else { throw .invalidConfiguration("the clip is empty") }
        let streamSid = TwilioIdentifier.streamSid()
        let muLaw = try? Base64.decode(String(decoding: clip.payloads[0..<LoadClip.payloadLength], as: UTF8.self))
        let expected = InboundMediaWriter(streamSid: streamSid).message(sequenceNumber: 1234, chunk: 56, timestamp: 1100, muLaw: muLaw ?? [])
        let writer = PrecodedMediaWriter(streamSid: streamSid)
        let length = writer.length(sequenceNumber: 1234, chunk: 56, timestamp: 1100, payloadCount: LoadClip.payloadLength)
        let actual = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            count = clip.payloads.withUnsafeBytes { payloads in
                writer.write(sequenceNumber: 1234, chunk: 56, timestamp: 1100,
                             payload: UnsafeRawBufferPointer(rebasing: payloads[0..<LoadClip.payloadLength]),
                             into: UnsafeMutableRawBufferPointer(buffer))
            }
        }
        guard actual == expected else {
            throw .invalidConfiguration("internal: precoded media message differs from EarshotTwilio's InboundMediaWriter")
        }
    }
}

// swift-tools-version:6.1
import PackageDescription

// System libraries come from Debian (see scripts/deps.sh); the C core links them directly.
let systemLibraries: [LinkerSetting] = [
    .linkedLibrary("webrtc_audio_processing"),
    .linkedLibrary("speexdsp"),
    .linkedLibrary("crypto"),
]

let package = Package(
    name: "Earshot",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "earshot", targets: ["earshot"]),
        .library(name: "EarshotAudio", targets: ["EarshotAudio"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // C11 hot path: G.711, base64, rings, VAD frame loop, resampling, HMAC.
        .target(
            name: "CEarshot",
            path: "CSources/CEarshot",
            cSettings: [.unsafeFlags(["-O3", "-std=c11", "-Wall", "-Wextra", "-Wpedantic"])],
            linkerSettings: systemLibraries
        ),
        // Swift wrappers that own the C handles. Knows no calls.
        .target(name: "EarshotAudio", dependencies: ["CEarshot"]),
        // Offline voice: espeak-ng (TTS) and pocketsphinx (STT) wrapped in C — their variadic
        // and callback APIs cannot be called from Swift directly.
        .target(
            name: "CEarshotVoice",
            dependencies: ["CEarshot"],
            path: "CSources/CEarshotVoice",
            cSettings: [.unsafeFlags(["-O2", "-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-I/usr/include/pocketsphinx", "-I/usr/include/sphinxbase"])],
            linkerSettings: [.linkedLibrary("espeak-ng"), .linkedLibrary("pocketsphinx"), .linkedLibrary("sphinxbase")]
        ),
        // SpeechToText / LanguageModel / TextToSpeech and their implementations (cloud and offline).
        .target(
            name: "EarshotProviders",
            dependencies: [
                "EarshotAudio", "CEarshotVoice",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // One CallSession per call: turn-taking, barge-in, playout, history, latency record.
        .target(
            name: "EarshotConversation",
            dependencies: [
                "EarshotAudio", "EarshotProviders",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Twilio Media Streams messages, TwiML, request signatures. The protocol only.
        .target(
            name: "EarshotTwilio",
            dependencies: ["EarshotAudio"]
        ),
        // HTTP routes, WebSocket upgrade, media handler, config, metrics, lifecycle.
        .target(
            name: "EarshotServer",
            dependencies: [
                "EarshotAudio", "EarshotConversation", "EarshotTwilio",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // Acts as Twilio: one simulated call (`earshot call`) or thousands (`earshot loadtest`).
        .target(
            name: "EarshotSimulator",
            dependencies: [
                "EarshotAudio", "EarshotTwilio",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Fake OpenAI, ElevenLabs and Deepgram endpoints on 127.0.0.1 speaking the real wire
        // formats, with delay and fault knobs: the tests' providers and `earshot compare`'s.
        .target(
            name: "EarshotFakes",
            dependencies: [
                "EarshotAudio",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "earshot",
            dependencies: [
                "EarshotServer", "EarshotSimulator", "EarshotAudio", "EarshotConversation", "EarshotProviders", "EarshotFakes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "EarshotAudioTests", dependencies: ["EarshotAudio"]),
        .testTarget(name: "EarshotTwilioTests", dependencies: ["EarshotTwilio"]),
        .testTarget(name: "EarshotConversationTests", dependencies: ["EarshotConversation", "EarshotProviders", "EarshotAudio"]),
        .testTarget(
            name: "EarshotProvidersTests",
            dependencies: [
                "EarshotProviders", "EarshotAudio", "EarshotConversation", "EarshotServer", "EarshotSimulator", "EarshotFakes",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "EarshotServerTests",
            dependencies: [
                "EarshotServer", "EarshotSimulator", "EarshotTwilio", "EarshotConversation", "EarshotAudio",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ]
)

// swift-tools-version:6.1
// Benchmarks live in their own package so the product build never pulls in
// ordo-one/benchmark. Run from this directory:
//   swift package --disable-sandbox benchmark
import PackageDescription

let package = Package(
    name: "EarshotBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        // Named, so the product reference does not depend on the checkout's directory name
        // (the identity of a path dependency).
        .package(name: "Earshot", path: ".."),
        // Only the malloc interposer: mallocCountTotal is the gate for "no allocation per frame".
        // The repository was renamed from package-benchmark; 1.38.1 warns on the old identity.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The module cannot be named EarshotAudio: that is the library under test.
        .executableTarget(
            name: "EarshotAudioBenchmarks",
            dependencies: [
                .product(name: "EarshotAudio", package: "Earshot"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "EarshotAudio",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)

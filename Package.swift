// swift-tools-version: 6.0
// nicbed: a multi-process network testbed with an emulated payload-caching smart NIC.
// The layers of ARCHITECTURE.md, lowest first: a module depends only on modules listed above
// it, never on one below. SmartNIC, NetStack and Apps are sans-I/O (no EventLoop): a node
// process drives them on libuv, Simulation on a virtual clock.
import Foundation
import PackageDescription

/// The frame path runs with dynamic exclusivity checks off in release builds: each access to a
/// class's stored property cost a `swift_beginAccess` call per frame, many times over (the
/// sender's profile). A debug build (`swift build`) keeps them, to find an overlapping access.
let framePath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "nicbed",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "nicbed", targets: ["nicbed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        // `nicbed web`: the page, its websocket and /metrics (the HTTP of the CLI is theirs;
        // the HTTP our nodes speak over our own TCP is Apps/HTTP).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Named for the products `Web` imports; hummingbird brings them anyway.
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv",
                       providers: [.apt(["libuv1-dev"])]),
        .target(name: "EventLoop", dependencies: ["CLibUV"], swiftSettings: framePath),
        .target(name: "Wire", swiftSettings: framePath),
        .target(name: "SmartNIC", dependencies: ["Wire"], swiftSettings: framePath),
        .target(name: "NetStack", dependencies: [
            "Wire", "SmartNIC", .product(name: "DequeModule", package: "swift-collections"),
        ], swiftSettings: framePath),
        // The topology model knows the card's settings and impairments, not the stack.
        .target(name: "Topology", dependencies: ["Wire", "SmartNIC", .product(name: "Yams", package: "Yams")]),
        // What runs on a host: ping, bulk transfer, HTTP, the file server and fetch, and the
        // node commands (`nicbed exec NODE …`), on the stack's sockets and the app timers.
        // `link set` reads impairment fields as the topology does (Topology's ImpairmentField).
        .target(name: "Apps", dependencies: [
            "Wire", "SmartNIC", "NetStack", "Topology",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: framePath),
        // The virtual clock and the in-memory wire: whole networks in one process.
        .target(name: "Simulation", dependencies: ["Wire", "SmartNIC", "NetStack", "Apps"]),
        // Node processes, the control protocol, and the orchestrator with its launchers.
        .target(name: "Testbed", dependencies: [
            "EventLoop", "Wire", "SmartNIC", "NetStack", "Topology", "Apps",
            .product(name: "Logging", package: "swift-log"),
            // The compose files it writes (`Docker/ComposeFile`).
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: framePath),
        // Scenario files and their runner: distributed integration tests against a running
        // topology, through the nicbed commands a user would type.
        .target(name: "Scenarios", dependencies: [
            "Testbed", "Topology", "Wire", "SmartNIC",
            .product(name: "Yams", package: "Yams"),
        ]),
        // `nicbed bench`: the figures of the frame path, ours against the Linux kernel's.
        .target(name: "Bench", dependencies: ["Testbed", "SmartNIC"]),
        // `nicbed web`: the running topologies drawn live in a browser, their controls, and
        // /metrics for Prometheus; it reads and drives the nodes as the CLI's commands do.
        .target(name: "Web", dependencies: [
            "Testbed", "Topology", "NetStack", "SmartNIC",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The parsers that take outside input as fuzz targets, and the tool that runs them
        // (`scripts/fuzz` builds it under libFuzzer; otherwise it replays inputs and writes seeds).
        .target(name: "Fuzzing", dependencies: ["Wire", "SmartNIC", "NetStack", "Topology", "Apps", "Simulation", "Testbed", "Scenarios"]),
        .executableTarget(name: "nicbed-fuzz", dependencies: ["Fuzzing"]),
        .executableTarget(name: "nicbed", dependencies: [
            "Testbed", "Topology", "Apps", "Scenarios", "Bench", "Web",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Test support: counts the heap allocations of a stretch of code (the smart path's
        // "no allocation per frame" is a test, not a claim).
        .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
        .testTarget(name: "WireTests", dependencies: ["Wire"]),
        .testTarget(name: "SmartNICTests", dependencies: ["SmartNIC", "Wire"]),
        .testTarget(name: "NetStackTests", dependencies: ["NetStack", "SmartNIC", "Wire"]),
        .testTarget(name: "TopologyTests", dependencies: ["Topology", "Wire"]),
        .testTarget(name: "AppsTests", dependencies: ["Apps", "Simulation", "NetStack", "SmartNIC", "Wire"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Apps", "NetStack", "SmartNIC", "Wire", "AllocationCounter"]),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "Topology"]),
        .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing"], exclude: ["Corpora"]),
        .testTarget(name: "WebTests", dependencies: ["Web", "SmartNIC", "Topology"]),
        .testTarget(name: "ScenariosTests", dependencies: ["Scenarios", "Topology"]),
        .testTarget(name: "TestbedTests", dependencies: ["Testbed", "Topology", "Apps", "SmartNIC", "NetStack", "Wire", "nicbed", "AllocationCounter",
                                                           .product(name: "Yams", package: "Yams")]),
    ]
)

/// `scripts/test-asan` builds only what runs inside the test process (codecs, the stack, TCP in
/// simulation, the apps, the fuzz corpora): the command line, the web view (hummingbird and
/// SwiftNIO under AddressSanitizer doubled the run's build time) and the suites of real node
/// processes run in `scripts/test`, on the optimized build users run.
if ProcessInfo.processInfo.environment["NICBED_IN_PROCESS_ONLY"] != nil {
    let realProcesses: Set<String> = ["nicbed", "Bench", "Web", "TestbedTests", "ScenariosTests", "BenchTests", "WebTests"]
    package.targets.removeAll { realProcesses.contains($0.name) }
    package.products.removeAll { $0.name == "nicbed" }
}

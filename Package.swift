// swift-tools-version: 6.0
// nicbed: a multi-process network testbed with an emulated payload-caching smart NIC.
// Layers follow DESIGN.md §2; a module imports only the modules listed before it.
import PackageDescription

let package = Package(
    name: "nicbed",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nicbed", targets: ["nicbed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CLibUV", pkgConfig: "libuv",
                       providers: [.apt(["libuv1-dev"])]),
        .target(name: "EventLoop", dependencies: ["CLibUV"]),
        .target(name: "Wire"),
        .target(name: "SmartNIC", dependencies: ["Wire"]),
        .target(name: "NetStack", dependencies: [
            "Wire", "SmartNIC", .product(name: "DequeModule", package: "swift-collections"),
        ]),
        .target(name: "Topology", dependencies: ["Wire", "SmartNIC", "NetStack", .product(name: "Yams", package: "Yams")]),
        .target(name: "Testbed", dependencies: [
            "EventLoop", "Wire", "SmartNIC", "NetStack", "Topology",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "nicbed", dependencies: [
            "Testbed", "Topology",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Test support: counts the heap allocations of a stretch of code (the smart path's
        // "no allocation per frame" is a test, not a claim).
        .target(name: "AllocationCounter", path: "Tests/AllocationCounter"),
        .testTarget(name: "WireTests", dependencies: ["Wire"]),
        .testTarget(name: "SmartNICTests", dependencies: ["SmartNIC", "Wire"]),
        .testTarget(name: "NetStackTests", dependencies: ["NetStack", "SmartNIC", "Wire"]),
        .testTarget(name: "TopologyTests", dependencies: ["Topology", "Wire"]),
        .testTarget(name: "TestbedTests", dependencies: ["Testbed", "Topology", "SmartNIC", "NetStack", "Wire", "nicbed", "AllocationCounter"]),
    ]
)

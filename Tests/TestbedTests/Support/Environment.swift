import Foundation

/// What the machine offers the tests. A test that needs a tool declares it with
/// `.enabled(if: Environment.has("tshark") || Environment.isCI)`: on a developer machine it is
/// skipped with the reason shown; under CI=true it runs and fails loudly if the tool is missing.
enum Environment {
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"].map { $0 == "true" || $0 == "1" } ?? false }

    static func path(of tool: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func has(_ tool: String) -> Bool { path(of: tool) != nil }

    static var isRoot: Bool { getuid() == 0 }

    /// The nicbed executable of this build: next to the test binary on Linux
    /// (`.build/…/release/nicbedPackageTests.xctest`), next to the `.xctest` bundle on macOS.
    /// Never another build's: a test of a stale binary would say nothing about this one, so a
    /// missing binary fails the test that needs it.
    static var nicbed: String {
        get throws {
            let test = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).resolvingSymlinksInPath()
            // The folder that holds the test binary, or the bundle it is inside of.
            var directory = test.deletingLastPathComponent()
            if let bundle = test.pathComponents.lastIndex(where: { $0.hasSuffix(".xctest") }), bundle < test.pathComponents.count - 1 {
                directory = URL(fileURLWithPath: "/" + test.pathComponents[1..<bundle].joined(separator: "/"))
            }
            let binary = directory.appendingPathComponent("nicbed").path
            guard FileManager.default.isExecutableFile(atPath: binary) else {
                throw CommandFailure("the nicbed binary of this build is missing: no \(binary) beside the test binary \(test.path); build it with the tests (swift build --build-tests builds both)")
            }
            return binary
        }
    }

    /// The repository root (for topologies/).
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }
}

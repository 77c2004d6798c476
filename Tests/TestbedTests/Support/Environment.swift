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

    /// The nicbed executable of this build, next to the test bundle.
    static var nicbed: String {
        let candidates = [CommandLine.arguments.first, Bundle.main.executablePath].compactMap { $0 }
        for candidate in candidates {
            var directory = URL(fileURLWithPath: candidate).deletingLastPathComponent()
            for _ in 0..<4 {
                let binary = directory.appendingPathComponent("nicbed").path
                if FileManager.default.isExecutableFile(atPath: binary) { return binary }
                directory = directory.deletingLastPathComponent()
            }
        }
        return ".build/debug/nicbed"
    }

    /// The repository root (for topologies/).
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }
}

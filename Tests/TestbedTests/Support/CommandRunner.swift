import Foundation

/// Runs `nicbed` (or another tool) as a real process and captures what it prints.
struct CommandResult {
    var status: Int32
    var output: String
    var error: String
}

enum CommandRunner {
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        // Files, not pipes: a node started by `up` inherits nothing from us, and nothing can
        // block on a full pipe.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nbcmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("out"), errURL = directory.appendingPathComponent("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        return CommandResult(status: process.terminationStatus,
                             output: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                             error: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }
}

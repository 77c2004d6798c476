import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A command left running while the test goes on (a server in a namespace, a receiver), with
/// what it prints collected in a file.
final class BackgroundCommand {
    let process = Process()
    let outputPath: String
    private let handle: FileHandle

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String) throws {
        outputPath = "\(directory)/bg-\(UUID().uuidString).out"
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits up to `seconds` for `text` to appear in the output.
    func waitFor(_ text: String, seconds: Double = 10) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if output.contains(text) { return true }
            usleep(50_000)
        }
        return output.contains(text)
    }

    /// Waits for the command to end, at most `seconds` (then it is killed); its status.
    func wait(seconds: Double = 600) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { stop() }
        process.waitUntilExit()
        try? handle.close()
        return process.terminationStatus
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Every process a test starts, started here and nowhere else: `nicbed` itself, a receiver
/// left running while the test goes on, a server in a namespace, a node played by hand, QEMU.
/// What it prints goes to files, not pipes (a node started by `up` inherits nothing from us,
/// and nothing can block on a full pipe); it reads nothing. Every wait has a deadline: a
/// command still running then is killed, and the wait throws with what it printed.
final class BackgroundCommand {
    let executable: String
    let arguments: [String]
    private let process = Process()
    let outputPath: String
    let errorPath: String
    /// The folder of the output files when this command made it (removed by `finish`).
    private let ownDirectory: String?
    private let outputHandle: FileHandle
    private let errorHandle: FileHandle
    private var closed = false

    /// Starts `executable` with this process's environment plus `environment`. Its standard
    /// output and error go to files in `directory`, or in a folder of its own when nil.
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws {
        self.executable = executable
        self.arguments = arguments
        let folder: String
        if let directory {
            folder = directory
            ownDirectory = nil
        } else {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("nbcmd-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            ownDirectory = folder
        }
        let name = UUID().uuidString
        outputPath = "\(folder)/cmd-\(name).out"
        errorPath = "\(folder)/cmd-\(name).err"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        outputHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            try? outputHandle.close()
            try? errorHandle.close()
            throw CommandFailure("\(executable) is not an executable file (command: \(Self.commandLine(executable, arguments)))")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = outputHandle
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// What it printed so far on standard output, and on standard error.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var error: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Everything it printed, for a failure message.
    var transcript: String {
        "$ \(Self.commandLine(executable, arguments))\n--- stdout\n\(output.suffix(4000))\n--- stderr\n\(error.suffix(4000))"
    }

    /// Waits up to `seconds` for `text` to appear in what it printed (either stream).
    func waitFor(_ text: String, seconds: Double = 10) -> Bool {
        Deadline.waitUntil(seconds: seconds) { output.contains(text) || error.contains(text) }
    }

    /// Waits for the command to end, at most `seconds`; then it is killed and this throws
    /// with what it printed. Its status and output when it ended by itself.
    @discardableResult
    func wait(seconds: Double) throws -> CommandResult {
        let ended = Deadline.waitUntil(seconds: seconds, pollingEvery: 0.01) { !process.isRunning }
        if !ended {
            stop()
            let transcript = self.transcript
            finish()
            throw CommandFailure("still running after \(seconds) s, killed:\n\(transcript)")
        }
        let result = CommandResult(status: process.terminationStatus, output: output, error: error)
        finish()
        return result
    }

    /// SIGINT, as a user's ^C.
    func interrupt() {
        guard process.isRunning else { return }
        process.interrupt()
    }

    /// Kills it (if it still runs) and reaps it.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        if process.processIdentifier > 0 { process.waitUntilExit() }
    }

    /// Closes the output files; removes them if they are in a folder of this command's own.
    func finish() {
        guard !closed else { return }
        closed = true
        try? outputHandle.close()
        try? errorHandle.close()
        if let ownDirectory { try? FileManager.default.removeItem(atPath: ownDirectory) }
    }

    deinit {
        stop()
        finish()
    }

    static func commandLine(_ executable: String, _ arguments: [String]) -> String {
        ([executable] + arguments).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }
}

/// A command that could not be started, or did not end in time.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polling a condition against a deadline: the only way a test waits for something.
enum Deadline {
    /// True as soon as `condition` holds; false if it still does not after `seconds`.
    static func waitUntil(seconds: Double, pollingEvery interval: Double = 0.05, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(useconds_t(interval * 1_000_000))
        }
        return try condition()
    }
}

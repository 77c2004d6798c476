import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A command a step runs (`nicbed …`, `docker …`): its output goes to files in the artifacts
/// folder, kept with the report, and every wait has a deadline, after which it is stopped.
/// An interrupt (Ctrl-C on `nicbed test`) ends any wait at once.
final class StepCommand {
    let arguments: [String]
    let outputPath: String
    private let process = Process()
    private let output: FileHandle

    init(_ executable: String, _ arguments: [String], outputPath: String) throws {
        self.arguments = arguments
        self.outputPath = outputPath
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // Standard output and error interleaved as they happen, as a terminal would show them.
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var isRunning: Bool { process.isRunning }

    enum Ending: Equatable {
        case exited(Int32)
        case timedOut
        case interrupted
    }

    /// Waits until the command ends, `deadline` passes (it is stopped), or an interrupt comes;
    /// the tear-down's commands are not `interruptible`, since an interrupt is what they clean
    /// up after.
    func wait(until deadline: Date, interruptible: Bool = true) -> Ending {
        while process.isRunning {
            if interruptible && Interrupt.requested { stop(); return .interrupted }
            if Date() > deadline { stop(); return .timedOut }
            usleep(20_000)
        }
        try? output.close()
        return .exited(process.terminationStatus)
    }

    /// SIGINT first, as a user would (a `nicbed exec` passes it on to the node's command), then
    /// SIGKILL if it does not end.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGINT)
        let patience = Date().addingTimeInterval(3)
        while process.isRunning && Date() < patience { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? output.close()
    }

    var printed: String {
        (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}

/// Set by `nicbed test`'s SIGINT handler; every wait of a scenario looks at it.
public enum Interrupt {
    nonisolated(unsafe) public static var requested = false
}

import Foundation

/// Runs a system program (ip, ethtool, sysctl) and collects what it prints, so that a failing
/// step of setting up a Linux node can be reported with the exact command and its complaint.
enum SystemCommand {
    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    /// The program's full path, looked up in PATH and the sbin directories (root's tools live
    /// there, and a user's PATH often lacks them).
    static func locate(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        return directories.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// In PATH only: the user's choice of a program that users install themselves (docker),
    /// the first one on PATH as a shell would find it.
    static func locateInPath(_ program: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ arguments: [String]) throws(OrchestratorError) -> Result {
        guard let program = arguments.first, let path = locate(program) else {
            throw OrchestratorError("'\(arguments.first ?? "")' is not installed (looked in PATH, /usr/sbin and /sbin)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(arguments.dropFirst())
        // Its complaints go to a file and its output to a pipe read to the end: a program that
        // fills one cannot block while we read the other.
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("nicbed-stderr-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: errorPath, contents: nil),
              let error = FileHandle(forWritingAtPath: errorPath) else {
            throw OrchestratorError("cannot create \(errorPath)")
        }
        defer {
            try? error.close()
            try? FileManager.default.removeItem(atPath: errorPath)
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw OrchestratorError("cannot start \(path): \(error.localizedDescription)")
        }
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let complained = FileManager.default.contents(atPath: errorPath) ?? Data()
        return Result(status: process.terminationStatus,
                      output: String(decoding: printed, as: UTF8.self),
                      error: String(decoding: complained, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs a step that must succeed; its failure names the command and what it said.
    @discardableResult
    static func must(_ arguments: [String]) throws(OrchestratorError) -> String {
        let result = try run(arguments)
        guard result.status == 0 else {
            throw OrchestratorError("`\(arguments.joined(separator: " "))` failed (status \(result.status)): \(result.error.isEmpty ? "no message" : result.error)")
        }
        return result.output
    }
}

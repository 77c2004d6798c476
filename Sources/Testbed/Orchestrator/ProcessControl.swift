#if canImport(Glibc)
import Glibc
#endif

/// Small process helpers for the orchestrator (the node processes are not its children once
/// `up` has returned, so it watches them by pid).
public enum ProcessControl {
    /// True while a process with this pid exists and is not a zombie.
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        // A zombie still answers kill(0); /proc tells it apart.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z"
    }

    /// Waits up to `seconds` for the process to end.
    static func waitForExit(_ pid: Int32, seconds: Double) -> Bool {
        var waited = 0.0
        while isAlive(pid) {
            if waited >= seconds { return false }
            usleep(20_000)
            waited += 0.02
        }
        return true
    }

    /// The running executable's own path, so `up` starts nodes from the same build.
    public static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The calling process becomes another program, keeping its terminal (an interactive shell).
enum ReplaceProcess {
    static func with(_ command: [String]) throws(OrchestratorError) -> Never {
        guard let program = command.first else { throw OrchestratorError("no program to run") }
        var pointers = command.map { strdup($0) } + [nil]
        execv(program, &pointers)
        throw OrchestratorError("cannot run \(program): \(String(cString: strerror(errno)))")
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One multi-process test's world: its own run root (so tests never see each other's nodes)
/// and its own free underlay ports. `down` runs on every exit path through `finish`.
final class TestRun {
    let root: String
    let basePort: UInt16

    init(ports: Int = 2) throws {
        root = try Self.makeRoot()
        basePort = try FreePorts.find(count: ports)
    }

    var environment: [String: String] { ["NICBED_RUN_ROOT": root] }

    /// Commands started with `background`, stopped by `finish` if they still run.
    private var background: [BackgroundCommand] = []

    @discardableResult
    func nicbed(_ arguments: String..., seconds: Double = CommandRunner.defaultSeconds) throws -> CommandResult {
        try CommandRunner.run(Environment.nicbed, arguments, environment: environment, seconds: seconds)
    }

    /// `nicbed ARGUMENTS` left running while the test goes on, its output in the run root.
    func background(_ arguments: [String]) throws -> BackgroundCommand {
        let command = try BackgroundCommand(Environment.nicbed, arguments, environment: environment, directory: root)
        background.append(command)
        return command
    }

    func up(_ topology: String, _ extra: [String] = []) throws -> CommandResult {
        try CommandRunner.run(Environment.nicbed,
                              ["up", topology.hasPrefix("/") ? topology : Environment.repository.appendingPathComponent(topology).path,
                               "--base-port", String(basePort)] + extra,
                              environment: environment)
    }

    /// Pids of node processes that belong to this run (their command line names its root).
    func nodeProcesses() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return arguments.contains("node") && arguments.contains { $0.hasPrefix(root) }
        }
    }

    /// Waits until process `pid` (a node of this run, killed by the test) is gone or a zombie.
    func waitUntilGone(_ pid: Int32, seconds: Double = 10) -> Bool {
        Deadline.waitUntil(seconds: seconds) {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            // "pid (comm) S …": the state follows the last parenthesis.
            return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
        }
    }

    func finish() {
        background.forEach { $0.stop() }
        _ = try? nicbed("down", seconds: 60)
        for pid in nodeProcesses() { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: root)
    }

    static func makeRoot() throws -> String {
        var template = Array("/tmp/nbt-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        return String(cString: made)
    }
}

/// Finds `count` consecutive UDP ports that are free right now on 127.0.0.1.
enum FreePorts {
    static func find(count: Int) throws -> UInt16 {
        for _ in 0..<200 {
            let base = UInt16.random(in: 20_000...60_000) & ~1
            let sockets = (0..<count).map { bindUDP(port: base + UInt16($0)) }
            sockets.forEach { if $0 >= 0 { close($0) } }
            if sockets.allSatisfy({ $0 >= 0 }) { return base }
        }
        throw POSIXError(.EADDRINUSE)
    }

    static func bindUDP(port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if result != 0 { close(fd); return -1 }
        return fd
    }
}

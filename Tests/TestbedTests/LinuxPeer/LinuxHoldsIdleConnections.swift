import Foundation
import NetStack
import Testing

/// 5,000 connections from the Linux kernel to our file server, left idle
/// (`scripts/idle-connections.py` in l1): 3,000 silent, 1,500 that send half a request head
/// (slowloris), 500 uploads that stop after 10 bytes of body. Our node must hold them within
/// the memory budget its topology sets, keep serving a new client all along, and end each at
/// its deadline: 408 for a late head, a reset for a silent upload (whose temporary file goes).
@Suite("idle connections from the Linux kernel", .serialized)
struct LinuxHoldsIdleConnections {
    static let budget = 64 << 20
    static let timeout = 15.0

    static let topology = """
        name: linux-idle-peers
        defaults:
          underlay: {base_port: 47600}
        nodes:
          h1:
            kind: host
            capture: false
            tcp: {memory: 64MiB}
            serve: {port: 80, head_timeout: 15s, idle_timeout: 15s, sessions: 6000}
          l1: {kind: linux}
        links:
          - endpoints: [h1:eth0, l1:eth0]

        """

    /// Proportional set size of a process in bytes (/proc/PID/smaps_rollup).
    static func pss(of pid: Int32) -> Double? {
        guard let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8) else { return nil }
        let line = rollup.split(separator: "\n").first { $0.hasPrefix("Pss:") }
        return line?.split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { $0 * 1024 }
    }

    @Test(.enabled(if: LinuxPeerRun.canRun, "\(LinuxPeerRun.missing ?? "")"))
    func fiveThousandIdleConnectionsStayWithinTheBudgetAndEndAtTheirDeadlines() throws {
        let file = NSTemporaryDirectory() + "linux-idle-peers-\(getpid()).yaml"
        try Self.topology.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let peer = try LinuxPeerRun(topology: "linux-idle-peers", file: file)
        defer { peer.finish() }
        let source = try FilesOverRealProcesses.randomFile(256 << 10)
        defer { try? FileManager.default.removeItem(atPath: source) }
        #expect(try peer.nicbed("cp", source, "h1:/served.bin").status == 0)
        let got = "\(peer.directory)/got.bin"
        let url = "http://\(LinuxPeerRun.ours)/served.bin"
        let pid = try peer.run.pid(of: "h1", in: "linux-idle-peers")
        let pssBefore = try #require(Self.pss(of: pid))

        let progress = "\(peer.directory)/idle-progress.txt"
        let script = Environment.repository.appendingPathComponent("scripts/idle-connections.py").path
        let idle = try peer.inBackground(["exec", "l1", "--", "python3", script, LinuxPeerRun.ours, "80",
                                          "--silent", "3000", "--slowloris", "1500", "--stalled-uploads", "500",
                                          "--progress", progress, "--wait", "60"])
        func stage() -> String { (try? String(contentsOfFile: progress, encoding: .utf8)) ?? "" }
        #expect(try Deadline.waitUntil(seconds: Self.timeout - 2, pollingEvery: 0.2) { stage().contains("opened 5000") },
                "the 5,000 connections were not all open in time: \(stage()) \(idle.transcript)")
        let opened = Date()

        // While they are held: the node's PSS stays under its budget, and a new client is served.
        var pssPeak = 0.0
        var downloads = 0
        while Date().timeIntervalSince(opened) < Self.timeout - 3 {
            pssPeak = max(pssPeak, Self.pss(of: pid) ?? 0)
            let get = try peer.inLinux("curl", "-sS", "--fail", "--max-time", "1", "-o", got, url)
            #expect(get.status == 0, "a download among 5,000 idle connections: \(get.error)")
            if get.status == 0 { downloads += 1 }
            Thread.sleep(forTimeInterval: 1)
        }
        let held = try #require(try peer.run.stats("h1").tcpMemory)
        print("idle connections: 5,000 held, h1 PSS \(Int(pssBefore) >> 20) MiB before, \(Int(pssPeak) >> 20) MiB at most (\(Int(pssPeak - pssBefore) / 5000) bytes per connection); TCP memory \(held.charged >> 10) KiB charged of \(held.budget >> 10) KiB for \(held.connections) connections; \(downloads) downloads served meanwhile")
        #expect(held.connections >= 5000)
        #expect(held.budget == Self.budget)
        #expect(pssPeak < Double(Self.budget), "PSS \(pssPeak) bytes against a budget of \(Self.budget)")
        #expect(downloads >= 8)

        // Each ends at its deadline: the server's, not the client's patience.
        let ended = try idle.wait(seconds: 90)
        #expect(ended.status == 0, "\(ended.output) \(ended.error)")
        let report = try JSONSerialization.jsonObject(with: Data(ended.output.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8)) as? [String: [String: Any]]
        let groups = try #require(report, "no report: \(ended.output)")
        for name in ["silent", "slowloris", "stalled-uploads"] {
            let group = try #require(groups[name])
            #expect(group["ended"] as? Int == group["opened"] as? Int, "\(name): \(group)")
            let first = group["first"] as? Double ?? 0, last = group["last"] as? Double ?? .infinity
            // Opened over a few seconds before `opened`; the server sweeps once a second.
            #expect(first >= Self.timeout - 8 && last <= Self.timeout + 5, "\(name) ended between \(first) and \(last) s: \(group)")
        }
        #expect((groups["silent"]?["how"] as? [String: Int])?["HTTP/1.1 408 Request Timeout"] == 3000, "\(groups)")
        #expect((groups["slowloris"]?["how"] as? [String: Int])?["HTTP/1.1 408 Request Timeout"] == 1500, "\(groups)")
        #expect((groups["stalled-uploads"]?["how"] as? [String: Int])?["reset"] == 500, "\(groups)")
        let left = try FileManager.default.contentsOfDirectory(atPath: peer.disk).filter { $0.hasPrefix(".upload-") }
        #expect(left.isEmpty, "temporary files of the stalled uploads are removed: \(left.prefix(5))")
        let after = try peer.inLinux("curl", "-sS", "--fail", "--max-time", "1", "-o", got, url)
        #expect(after.status == 0, "after: \(after.error)")
        // What is left is TIME-WAIT (the 408s were our active closes): state, and no data.
        let remaining = try #require(try peer.run.stats("h1").tcpMemory)
        #expect(remaining.charged <= remaining.connections * SocketMemory.connectionState, "\(remaining)")
        #expect(try peer.nicbed("down").status == 0)
    }
}

import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Creating a Linux node takes root. Without it, `up` must say so before it creates anything,
/// naming the nodes, rather than fail half-way in `ip`.
@Suite("a linux node without root")
struct LinuxNodeNeedsRoot {
    @Test func upRefusesClearlyAndLeavesNothingBehind() throws {
        let run = try TestRun(ports: 2)
        defer { run.finish() }
        // The run root must be writable by whoever runs `up`: as root, that is nobody.
        chmod(run.root, 0o777)
        // linux-peer.yaml under a name of its own: other tests bring the original up meanwhile.
        let name = "needs-root-\(getpid())"
        let original = try String(contentsOf: Environment.repository.appendingPathComponent("topologies/linux-peer.yaml"), encoding: .utf8)
        let topology = "\(run.root)/\(name).yaml"
        try original.replacingOccurrences(of: "name: linux-peer", with: "name: \(name)").write(toFile: topology, atomically: true, encoding: .utf8)
        chmod(topology, 0o644)
        let up = [try Environment.nicbed, "up", topology, "--base-port", String(run.basePort)]
        let result = Environment.isRoot
            ? try CommandRunner.run(try #require(Environment.path(of: "setpriv"), "setpriv (util-linux) drops root for this test"),
                                    ["--reuid=65534", "--regid=65534", "--clear-groups"] + up, environment: run.environment)
            : try CommandRunner.run(up[0], Array(up.dropFirst()), environment: run.environment)
        #expect(result.status != 0)
        #expect(result.error.contains("l1 is a node of kind linux, and only root can create network namespaces"), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: "/run/netns/nicbed-\(name)-l1"))
        #expect(!FileManager.default.fileExists(atPath: run.directory(name).recordPath), "no run was recorded")
        #expect(run.nodeProcesses().isEmpty, "no node process was started")
    }
}

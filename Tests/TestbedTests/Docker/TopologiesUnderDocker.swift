import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Topologies as docker compose projects on a real engine: one container per node from the
/// image built FROM scratch, every nicbed command working on them as on local processes, a
/// router that restarts (and moves) carrying traffic again, a user's image in a linux node's
/// namespace, two projects side by side, and nothing left after `down`.
@Suite("topologies under docker compose", .serialized)
struct TopologiesUnderDocker {
    @Test("comes up healthy, pingall reaches every host, down leaves nothing", .enabled(if: Docker.canRun, "\(Docker.missing ?? "")"),
          arguments: ["line3", "star", "leaf-spine", "linux-behind-router"])
    func everyTopology(name: String) throws {
        let docker = try DockerRun(name)
        defer { docker.finish() }
        #expect(docker.up.status == 0, "up: \(docker.up.output) \(docker.up.error)")
        // The status table, then which container is which node and where.
        #expect(docker.up.output.contains(docker.container("h1")), "\(docker.up.output)")
        let healthy = docker.up.output.split(separator: "\n").first { $0.contains("containers healthy in") }
        print("\(name): \(healthy ?? "no timing") (\(docker.project))")
        let pingall = try docker.run.nicbed("pingall", "-c", "1")
        #expect(pingall.status == 0 && pingall.output.contains("*** Results: 0% dropped"), "\(pingall.output) \(pingall.error)")
        #expect(!pingall.output.contains(" X"))
        let down = try docker.run.nicbed("down")
        #expect(down.status == 0, "\(down.output) \(down.error)")
        #expect(try Docker.leftovers(project: docker.project) == [])
    }

    @Test(.enabled(if: Docker.canRun, "\(Docker.missing ?? "")"))
    func a64MiBFileCrossesTheRouterIntactAndEveryCommandWorks() throws {
        let docker = try DockerRun("line3")
        defer { docker.finish() }
        try #require(docker.up.status == 0, "up: \(docker.up.output) \(docker.up.error)")
        let run = docker.run
        let file = "\(run.root)/big.bin"
        #expect(FileManager.default.createFile(atPath: file, contents: Data((0..<(64 << 20)).map { _ in UInt8.random(in: 0...255) })))
        let upload = try run.nicbed("cp", file, "h1:/big.bin")
        #expect(upload.status == 0, "\(upload.output) \(upload.error)")
        let copy = try run.nicbed("cp", "h1:/big.bin", "h2:/big.bin", seconds: 300)
        #expect(copy.status == 0 && copy.output.contains("fetched 67108864 bytes"), "\(copy.output) \(copy.error)")
        // Compared here, not by cp's digest: the bytes on h2's disk, in its container's mount.
        #expect(try FileBytes.difference(file, "\(run.root)/\(docker.project)/h2.disk/big.bin") == nil)
        // The copy crossed r1, and in smart mode no payload byte was copied by a CPU.
        let r1 = try run.stats("r1")
        #expect(try r1.port("r1:eth1").transmittedFrames > 40_000)
        // stats, link, capture and logs reach the containers as they reach processes.
        #expect(try run.nicbed("link", "set", "r1:eth1", "delay", "20ms").status == 0)
        let slow = try run.nicbed("exec", "h1", "ping", "-c", "2", "-i", "0.2", "10.0.2.1")
        #expect(slow.output.contains("ttl=63 time=2"), "20 ms more each way through r1: \(slow.output)")
        #expect(try run.nicbed("capture", "h2:eth0").status == 0)
        #expect(try run.nicbed("exec", "h1", "ping", "-c", "1", "10.0.2.1").status == 0)
        #expect(try run.nicbed("capture", "--stop", "h2:eth0").status == 0)
        // Written by h2's container into the run directory, where `capture` says it is.
        let pcap = try #require(FileBytes.size("\(run.root)/\(docker.project)/h2-eth0.pcap"))
        #expect(pcap >= 24 + 2 * (16 + 98), "a pcap header and at least the request and reply: \(pcap) bytes")
        let logs = try run.nicbed("logs", "r1")
        #expect(logs.status == 0 && logs.output.contains("eth1 10.0.2.254/24"), "\(logs.output) \(logs.error)")
        // status --json names each node's container; a live capture streams out of a container.
        let status = try run.nicbed("status", "--json")
        let nodes = try #require(try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: [[String: Any]]])
        #expect(nodes[docker.project]?.compactMap { $0["container_id"] as? String }.count == 3, "\(status.output)")
        let ping = try run.background(["exec", "h1", "ping", "-c", "50", "-i", "0.1", "10.0.2.1"])
        defer { ping.stop() }
        let live = try CommandRunner.run("/bin/bash", ["-c", "set -o pipefail; '\(try Environment.nicbed)' capture -w - --filter icmp h2:eth0 | tshark -r - -c 4"],
                                         environment: run.environment, seconds: 60)
        #expect(live.status == 0 && live.output.split(separator: "\n").filter { $0.contains("ICMP") }.count == 4, "\(live.output) \(live.error)")
    }

    @Test(.enabled(if: Docker.canRun, "\(Docker.missing ?? "")"))
    func aRestartedRouterCarriesTrafficAgainEvenAtANewAddress() throws {
        let docker = try DockerRun("line3")
        defer { docker.finish() }
        try #require(docker.up.status == 0, "up: \(docker.up.output) \(docker.up.error)")
        let run = docker.run
        func replies(within seconds: Double) throws -> Bool {
            try Deadline.waitUntil(seconds: seconds, pollingEvery: 0.1) {
                try run.nicbed("exec", "h1", "ping", "-c", "1", "-W", "1", "10.0.2.1", seconds: 10).status == 0
            }
        }
        #expect(try replies(within: 5))
        // A plain restart, during a ping.
        let pinging = try run.background(["exec", "h1", "ping", "-c", "30", "-i", "0.2", "10.0.2.1"])
        usleep(1_000_000)
        #expect(try Docker.run("restart", "-t", "1", docker.container("r1")).status == 0)
        let restarted = Date()
        #expect(try replies(within: 10), "no reply within 10 s of the restart")
        print("line3 under docker: replies again \(String(format: "%.1f", Date().timeIntervalSince(restarted))) s after `docker restart r1`")
        _ = try? pinging.wait(seconds: 30)

        // Now r1 comes back at another address: a container takes the old one while r1 is down.
        let before = try run.stats("h1").port("h1:eth0").peerChanges
        let (old, new, squatter) = try Self.restartAtANewAddress(docker, node: "r1")
        defer { _ = try? Docker.run("rm", "-f", squatter) }
        let moved = Date()
        #expect(try replies(within: 10), "no reply within 10 s of r1 moving from \(old) to \(new)")
        print("line3 under docker: replies again \(String(format: "%.1f", Date().timeIntervalSince(moved))) s after r1 moved \(old) -> \(new)")
        // h1 and h2 looked r1 up again and moved their ports' peer after it.
        #expect(try run.stats("h1").port("h1:eth0").peerChanges == before + 1)
        #expect(try run.stats("h2").port("h2:eth0").peerChanges >= 2)
        let status = try run.nicbed("status")
        #expect(status.output.contains("r1=\(new):"), "\(status.output)")
    }

    /// Stops `node`'s container, lets another container take its address (docker gives a new
    /// container the lowest free one; a restarted one asks for its old address and gets
    /// another when that is taken), and starts it again. Returns both addresses and the
    /// squatter, which the caller removes.
    static func restartAtANewAddress(_ docker: DockerRun, node: String) throws -> (old: String, new: String, squatter: String) {
        let old = try Docker.address(of: docker.container(node))
        #expect(try Docker.run("stop", "-t", "1", docker.container(node)).status == 0)
        let squatter = "\(docker.project)-squatter"
        #expect(try Docker.run("run", "-d", "--rm", "--name", squatter, "--network", "\(docker.project)_underlay",
                               Docker.userImage, "sleep", "120").status == 0)
        try #require(try Docker.address(of: squatter) == old, "the squatter did not get \(node)'s address \(old)")
        #expect(try Docker.run("start", docker.container(node)).status == 0)
        let new = try Docker.address(of: docker.container(node))
        try #require(new != old && !new.isEmpty, "\(node) was at \(old) and is at \(new)")
        return (old, new, squatter)
    }

    @Test(.enabled(if: Docker.canRun, "\(Docker.missing ?? "")"))
    func aLinuxNodeFollowsARouterThatMoved() throws {
        let docker = try DockerRun("linux-behind-router")
        defer { docker.finish() }
        try #require(docker.up.status == 0, "up: \(docker.up.output) \(docker.up.error)")
        let run = docker.run
        // iputils' ping from our image: l1 has no image of its own.
        func replies(within seconds: Double) throws -> Bool {
            try Deadline.waitUntil(seconds: seconds, pollingEvery: 0.1) {
                try run.nicbed("exec", "l1", "--", "ping", "-c", "1", "-W", "1", "10.0.1.1", seconds: 10).status == 0
            }
        }
        #expect(try replies(within: 5))
        let (old, new, squatter) = try Self.restartAtANewAddress(docker, node: "r1")
        defer { _ = try? Docker.run("rm", "-f", squatter) }
        #expect(try replies(within: 10), "l1 got no reply within 10 s of r1 moving from \(old) to \(new)")
        // The container moved its VXLAN device's remote after r1.
        let log = try Docker.run("logs", docker.container("l1"))
        #expect((log.output + log.error).contains("eth0: peer r1 moved to \(new)"), "\(log.output) \(log.error)")
    }

    @Test(.enabled(if: Docker.canRun, "\(Docker.missing ?? "")"))
    func aUsersImageInALinuxNodePingsAndFetchesWithItsOwnTools() throws {
        let docker = try DockerRun("app-in-container")
        defer { docker.finish() }
        try #require(docker.up.status == 0, "up: \(docker.up.output) \(docker.up.error)")
        let run = docker.run
        // busybox's own ping, through r1 (ttl 63) and the 5 ms link.
        let ping = try run.nicbed("exec", "l1", "--", "ping", "-c", "3", "10.0.1.1")
        #expect(ping.status == 0 && ping.output.contains("3 packets received"), "\(ping.output) \(ping.error)")
        #expect(ping.output.contains("ttl=63"), "\(ping.output)")
        // busybox's wget from our file server; the bytes compared here.
        let file = "\(run.root)/\(docker.project)/h1.disk/data.bin"
        let bytes = Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255) })
        #expect(FileManager.default.createFile(atPath: file, contents: bytes))
        let wget = try run.nicbed("exec", "l1", "--", "wget", "-q", "-O", "/tmp/data.bin", "http://10.0.1.1/data.bin", seconds: 60)
        #expect(wget.status == 0, "\(wget.output) \(wget.error)")
        let there = try Docker.run("exec", docker.container("l1-app"), "sha256sum", "/tmp/data.bin")
        let here = try CommandRunner.run(Environment.path(of: "sha256sum") ?? "/usr/bin/sha256sum", [file])
        let digest = try #require(here.output.split(separator: " ").first)
        #expect(there.status == 0 && there.output.hasPrefix(digest), "in l1: \(there.output) \(there.error); here: \(here.output)")
        // The image's environment came from the topology, and its namespace is the node's.
        #expect(try run.nicbed("exec", "l1", "--", "sh", "-c", "echo $ROLE").output.contains("client"))
        let addresses = try run.nicbed("exec", "l1", "--", "ip", "-o", "-4", "addr")
        #expect(addresses.output.contains("eth0    inet 10.0.2.2/24") || addresses.output.contains("eth0 inet 10.0.2.2/24"), "\(addresses.output)")
    }

    @Test(.enabled(if: Docker.canRun, "\(Docker.missing ?? "")"))
    func twoProjectsOfOneTopologyRunSideBySide() throws {
        let first = try DockerRun("line3")
        defer { first.finish() }
        let second = try DockerRun("line3", in: first.run)
        defer { second.finish() }
        try #require(first.up.status == 0 && second.up.status == 0, "\(first.up.error) \(second.up.error)")
        for project in [first.project, second.project] {
            let pingall = try first.run.nicbed("pingall", "--run", project, "-c", "1")
            #expect(pingall.status == 0 && pingall.output.contains("0% dropped"), "\(project): \(pingall.output) \(pingall.error)")
        }
        #expect(try first.run.nicbed("down", first.project).status == 0)
        #expect(try Docker.leftovers(project: first.project) == [])
        // The other one did not notice.
        let still = try first.run.nicbed("pingall", "--run", second.project, "-c", "1")
        #expect(still.status == 0, "\(still.output) \(still.error)")
        #expect(try first.run.nicbed("down", second.project).status == 0)
        #expect(try Docker.leftovers(project: second.project) == [])
    }
}

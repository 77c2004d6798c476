import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every example topology, run as real processes over real UDP: it comes up, every host
/// reaches every host, and `down` leaves no process and no socket behind. Then what routers,
/// impaired links and the orchestrator's commands do, seen from the command line.
@Suite("example topologies over real processes", .serialized)
struct TopologiesOverRealProcesses {
    /// Two underlay ports per link.
    static let ports = ["pair": 2, "line3": 4, "star": 8, "two-routers": 6, "lossy-wan": 6, "leaf-spine": 32]

    @Test("comes up, pingall reaches every host, down leaves nothing", arguments: ["pair", "line3", "star", "two-routers", "lossy-wan", "leaf-spine"])
    func everyExample(name: String) throws {
        let run = try TestRun(ports: Self.ports[name]!)
        defer { run.finish() }
        let up = try run.up("topologies/\(name).yaml")
        #expect(up.status == 0, "up: \(up.output) \(up.error)")
        // A lossy WAN may eat one request: three per pair, any answer counts.
        let pingall = try run.nicbed("pingall", "-c", name == "lossy-wan" ? "3" : "1")
        #expect(pingall.status == 0, "\(pingall.output) \(pingall.error)")
        #expect(pingall.output.contains("*** Results: 0% dropped"))
        #expect(!pingall.output.contains(" X"))
        let down = try run.nicbed("down")
        #expect(down.status == 0)
        #expect(run.nodeProcesses().isEmpty, "node processes left after down")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: "\(run.root)/\(name)")) ?? []
        #expect(!leftovers.contains { $0.hasSuffix(".sock") }, "control sockets left: \(leftovers)")
        // Every underlay port is free again: nothing holds a UDP socket.
        for offset in 0..<Self.ports[name]! {
            let fd = FreePorts.bindUDP(port: run.basePort + UInt16(offset))
            #expect(fd >= 0, "port \(run.basePort + UInt16(offset)) still bound")
            if fd >= 0 { close(fd) }
        }
    }

    /// `up --seed`: the same seed, the same frames lost; another seed, others.
    @Test func aSeedRepeatsTheLossesOfARunAndAnotherVariesThem() throws {
        func lost(seed: String) throws -> [Int] {
            let run = try TestRun(ports: 4)
            defer { run.finish() }
            try #require(try run.up("topologies/line3.yaml", ["--seed", seed]).status == 0)
            // ARP first, so that the draws below fall on echo requests alone.
            #expect(try run.nicbed("exec", "h1", "ping", "-c", "1", "10.0.2.1").status == 0)
            #expect(try run.nicbed("link", "set", "h1:eth0", "loss", "30%").status == 0)
            let ping = try run.nicbed("exec", "h1", "ping", "-c", "40", "-i", "0.05", "-W", "1", "10.0.2.1")
            let answered = Set(ping.output.split(separator: "\n").compactMap { line in
                line.firstMatch(of: #/icmp_seq=(\d+) /#).flatMap { Int($0.1) }
            })
            return (1...40).filter { !answered.contains($0) }
        }
        let first = try lost(seed: "5"), again = try lost(seed: "5"), other = try lost(seed: "6")
        #expect(first.count > 4 && first.count < 24, "about 30% of 40: \(first)")
        #expect(first == again, "seed 5 twice: \(first) and \(again)")
        #expect(first != other, "seeds 5 and 6 lost the same requests: \(first)")
    }

    @Test func aRouterDecrementsTTLAndReportsWhatItCannotForward() throws {
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        try #require(try run.up("topologies/line3.yaml").status == 0)
        let through = try run.nicbed("exec", "h1", "ping", "-c", "2", "-i", "0.2", "10.0.2.1")
        #expect(through.status == 0)
        #expect(through.output.contains("icmp_seq=1 ttl=63"), "\(through.output)")
        let unknown = try run.nicbed("exec", "h1", "ping", "-c", "1", "10.9.9.9")
        #expect(unknown.status == 1)
        #expect(unknown.output.contains("From 10.0.1.254 icmp_seq=1 Destination Net Unreachable"), "\(unknown.output)")
        let expired = try run.nicbed("exec", "h1", "ping", "-c", "1", "-t", "1", "10.0.2.1")
        #expect(expired.output.contains("From 10.0.1.254 icmp_seq=1 Time to live exceeded"), "\(expired.output)")
        // Two echo requests and their replies went through; the others stopped at r1.
        let stack = try run.stats("r1").stack
        #expect(stack.forwarded == 4, "\(stack)")
        #expect(stack.droppedNoRoute == 1 && stack.droppedTimeToLive == 1 && stack.icmpErrorsSent == 2, "\(stack)")
    }

    @Test func linksCanBeImpairedTakenDownAndBroughtBackWhileRunning() throws {
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        #expect(try run.up("topologies/line3.yaml").status == 0)
        let set = try run.nicbed("link", "set", "r1:eth1", "delay", "30ms")
        #expect(set.status == 0 && set.output.contains("delay 30ms"), "\(set.output) \(set.error)")
        let slow = try run.nicbed("exec", "h1", "ping", "-c", "3", "-i", "0.2", "10.0.2.1")
        // One direction is 30 ms slower: every round trip takes at least that.
        let times = slow.output.split(separator: "\n").filter { $0.contains("time=") }.compactMap { line in
            line.split(separator: "time=").last.flatMap { Double($0.split(separator: " ").first ?? "") }
        }
        #expect(times.count == 3 && times.allSatisfy { $0 >= 30 }, "\(slow.output)")
        let bad = try run.nicbed("link", "set", "r1:eth1", "loss", "120%")
        #expect(bad.status != 0 && bad.error.contains("loss"), "\(bad.error)")
        #expect(try run.nicbed("link", "down", "h2:eth0").status == 0)
        let cut = try run.nicbed("exec", "h1", "ping", "-c", "1", "-W", "0.5", "10.0.2.1")
        #expect(cut.status == 1)
        #expect(try run.nicbed("link", "up", "h2:eth0").status == 0)
        #expect(try run.nicbed("exec", "h1", "ping", "-c", "1", "10.0.2.1").status == 0)
    }

    @Test(.enabled(if: Environment.has("tshark") || Environment.isCI, "needs tshark"))
    func captureStartsAndStopsWhileRunningAndTsharkReadsIt() throws {
        let run = try TestRun(ports: 8)
        defer { run.finish() }
        #expect(try run.up("topologies/star.yaml").status == 0)
        let start = try run.nicbed("capture", "s1:p2")
        #expect(start.status == 0, "\(start.error)")
        #expect(try run.nicbed("exec", "h1", "ping", "-c", "3", "-i", "0.2", "10.0.1.2").status == 0)
        #expect(try run.nicbed("capture", "--stop", "s1:p2").status == 0)
        let pcap = "\(run.root)/star/s1-p2.pcap"
        let decoded = try CaptureCheck.tshark(["-r", pcap, "-Y", "icmp"])
        let lines = decoded.output.split(separator: "\n")
        #expect(lines.filter { $0.contains("Echo (ping) request") }.count == 3, "\(decoded.output) \(decoded.error)")
        #expect(lines.filter { $0.contains("Echo (ping) reply") }.count == 3)
    }

    @Test func graphLogsAndStatsSpeakForTheRun() throws {
        let graph = try CommandRunner.run(Environment.nicbed, ["graph", Environment.repository.appendingPathComponent("topologies/star.yaml").path])
        #expect(graph.status == 0 && graph.output.hasPrefix("graph") && graph.output.contains("s1"), "\(graph.output)")
        let run = try TestRun(ports: 8)
        defer { run.finish() }
        #expect(try run.up("topologies/star.yaml").status == 0)
        #expect(try run.nicbed("exec", "h1", "ping", "-c", "1", "10.0.1.4").status == 0)
        let stats = try run.nicbed("stats")
        #expect(stats.status == 0)
        #expect(stats.output.contains("s1:p1") && stats.output.contains("h4:eth0"), "\(stats.output)")
        let logs = try run.nicbed("logs", "s1", "-n", "50")
        #expect(logs.status == 0 && logs.output.contains("switch port"), "\(logs.output)")
        let switchPing = try run.nicbed("exec", "s1", "ping", "10.0.1.1")
        #expect(switchPing.status == 2 && switchPing.error.contains("switch"), "\(switchPing.error)")
    }

    @Test func pingallReportsADeadHostAndLogsOutliveTheRun() throws {
        let run = try TestRun(ports: 8)
        defer { run.finish() }
        #expect(try run.up("topologies/star.yaml").status == 0)
        let h3 = try run.pid(of: "h3", in: "star")
        kill(h3, SIGKILL)
        #expect(run.waitUntilGone(h3), "h3 (pid \(h3)) still runs after SIGKILL")
        let pingall = try run.nicbed("pingall", "-W", "0.5")
        #expect(pingall.status == 1)
        #expect(pingall.output.contains("h1 -> h2 X h4"), "\(pingall.output)")
        #expect(pingall.output.contains("h3 -> X X X"), "\(pingall.output)")
        #expect(try run.nicbed("down").status == 0)
        let logs = try run.nicbed("logs", "h1")
        #expect(logs.status == 0 && logs.output.contains("node h1 ready"), "\(logs.output) \(logs.error)")
    }
}

import Foundation
import Testing

/// The foundation's end-to-end promise: real processes, real UDP, `up`/`exec`/`down`.
@Suite("pair topology over real processes", .serialized)
struct PairOverRealProcesses {
    @Test func upPingDownLeavesNothingBehind() throws {
        let run = try TestRun()
        defer { run.finish() }
        let up = try run.up("topologies/pair.yaml")
        #expect(up.status == 0, "up failed: \(up.output) \(up.error)")
        #expect(up.output.contains("h1") && up.output.contains("10.0.0.2/24") && up.output.contains("running"))
        #expect(run.nodeProcesses().count == 2)

        let ping = try run.nicbed("exec", "h1", "ping", "-c", "5", "-i", "0.2", "10.0.0.2")
        #expect(ping.status == 0, "ping failed: \(ping.output) \(ping.error)")
        let replies = ping.output.split(separator: "\n").filter { $0.contains("bytes from 10.0.0.2: icmp_seq=") }
        #expect(replies.count == 5)
        for (index, reply) in replies.enumerated() {
            #expect(reply.contains("icmp_seq=\(index + 1) ttl=64 time="))
        }
        #expect(ping.output.contains("5 packets transmitted, 5 received, 0% packet loss"))
        #expect(ping.output.contains("rtt min/avg/max/mdev = "))

        let status = try run.nicbed("status")
        #expect(status.output.contains("h2") && status.output.contains("running"))

        let down = try run.nicbed("down")
        #expect(down.status == 0, "down failed: \(down.error)")
        #expect(run.nodeProcesses().isEmpty, "node processes left after down")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: "\(run.root)/pair")) ?? []
        #expect(!leftovers.contains { $0.hasSuffix(".sock") || $0 == "run.json" })
    }

    @Test func pingToAnAbsentNeighbourReportsUnreachable() throws {
        let run = try TestRun()
        defer { run.finish() }
        #expect(try run.up("topologies/pair.yaml").status == 0)
        let ping = try run.nicbed("exec", "h1", "ping", "-c", "1", "10.0.0.77")
        #expect(ping.status == 1)
        #expect(ping.output.contains("From 10.0.0.1 icmp_seq=1 Destination Host Unreachable"))
        #expect(ping.output.contains("1 packets transmitted, 0 received, +1 errors, 100% packet loss"))
    }

    @Test func secondUpOfARunningTopologySaysSo() throws {
        let run = try TestRun()
        defer { run.finish() }
        #expect(try run.up("topologies/pair.yaml").status == 0)
        let again = try run.up("topologies/pair.yaml")
        #expect(again.status != 0)
        #expect(again.error.contains("already up"))
        #expect(run.nodeProcesses().count == 2)
    }

    @Test func execOnUnknownNodeOrCommandExplains() throws {
        let run = try TestRun()
        defer { run.finish() }
        #expect(try run.up("topologies/pair.yaml").status == 0)
        let node = try run.nicbed("exec", "h9", "ping", "10.0.0.1")
        #expect(node.status != 0 && node.error.contains("no running node named 'h9'; running nodes: h1, h2"))
        let command = try run.nicbed("exec", "h1", "traceroute")
        #expect(command.status == 127 && command.error.contains("unknown command 'traceroute'"))
        let usage = try run.nicbed("exec", "h1", "ping", "-c", "0", "10.0.0.2")
        #expect(usage.status == 2 && usage.error.contains("-c needs a count"))
    }

    @Test func aNodeThatCannotStartIsReportedWithItsLog() throws {
        let run = try TestRun()
        defer { run.finish() }
        // Occupy h2's underlay port so its process fails to bind.
        let blocker = FreePorts.bindUDP(port: run.basePort + 1)
        defer { close(blocker) }
        let up = try run.up("topologies/pair.yaml")
        #expect(up.status != 0)
        #expect(up.output.contains("node h2 failed to start"))
        #expect(up.output.contains("address already in use"))
        #expect(run.nodeProcesses().isEmpty, "the other node was not stopped")
    }
}

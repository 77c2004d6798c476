import Foundation
import Testbed
import Testing

/// `nicbed soak`, short: the hours-long command runs its rounds (TCP, UDP, ping, faults) across
/// line3's processes, samples each node's PSS and descriptors, and reports each against its
/// baseline. A minute is too short to call memory flat (pools, delay lines and card pages are
/// still reaching their working size), so this checks the command and the descriptors, which
/// must not move at all; the long soak is a command, not a test (README, "Fuzzing, sanitizers
/// and the soak").
@Suite("soak over real processes", .serialized)
struct SoakOverRealProcesses {
    @Test func aShortSoakOfLine3RunsItsRoundsAndSamplesEveryNode() throws {
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        // line3 with 2 MiB cards: a 16 MiB card takes minutes of traffic to be touched through,
        // page by page, and PSS counts it as it goes; a short soak warms a small one up.
        let shipped = try String(contentsOf: Environment.repository.appendingPathComponent("topologies/line3.yaml"), encoding: .utf8)
        let yaml = shipped.replacingOccurrences(of: "name: line3", with: "name: line3-soak")
            .replacingOccurrences(of: "nodes:", with: "defaults:\n  nic: {card_memory: 2MiB}\n  link: {delay: 1ms}\nnodes:")
        #expect(yaml.contains("card_memory: 2MiB") && yaml.contains("line3-soak"))
        let file = "\(run.root)/line3-soak.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try run.up(file).status == 0)
        let report = "\(run.root)/soak.json"
        let soak = try run.nicbed("soak", "--duration", "60s", "--warm-up", "25s", "--sample", "8s", "--transfer-bytes", "4000000",
                                  "--seed", "3", "--json", report, seconds: 150)
        print(soak.output)
        #expect(soak.status == 0 || soak.output.contains("a node's memory or descriptors kept growing"), "\(soak.output) \(soak.error)")
        #expect(soak.output.contains("node       PSS warmed up"))
        let decoded = try JSONDecoder().decode(Soak.Report.self, from: Data(contentsOf: URL(fileURLWithPath: report)))
        #expect(decoded.rounds >= 6, "\(decoded.rounds) rounds in 60 s")
        #expect(decoded.transfers == 3 * decoded.rounds)
        #expect(decoded.faults >= 1)
        #expect(decoded.transfersFailed < decoded.transfers, "most transfers went through")
        #expect(Set(decoded.nodes.map(\.name)) == ["h1", "r1", "h2"])
        #expect(decoded.nodes.allSatisfy { $0.pssBaseline > 1 << 20 && $0.fdsBaseline > 3 }, "real samples: \(decoded.nodes)")
        #expect(decoded.samples.count >= 3 * 5)
        #expect(decoded.nodes.allSatisfy { $0.fdsLast <= $0.fdsBaseline }, "descriptors: \(decoded.nodes)")
        // Every fault was undone to the link's own settings, not to none.
        for (node, interface) in [("h1", "eth0"), ("r1", "eth0"), ("r1", "eth1"), ("h2", "eth0")] {
            let shown = try run.nicbed("exec", node, "link", "show", interface)
            #expect(shown.output.contains(" up,") && shown.output.contains("delay 1ms") && shown.output.contains("loss 0%"), "\(node):\(interface): \(shown.output)")
        }
        #expect(try run.nicbed("down").status == 0)
    }

    @Test func verdictsTellAStepFromATrend() {
        func sample(_ mib: Int, fds: Int = 12) -> Soak.Sample { Soak.Sample(node: "h1", seconds: 0, pssBytes: mib << 20, fileDescriptors: fds) }
        #expect(Soak.verdict(baseline: sample(20), middle: sample(21), last: sample(21)) == .flat)
        #expect(Soak.verdict(baseline: sample(100), middle: sample(105), last: sample(109)) == .flat, "10 % of a large node")
        #expect(Soak.verdict(baseline: sample(4), middle: sample(8), last: sample(8)) == .stepped, "once, then kept")
        #expect(Soak.verdict(baseline: sample(20), middle: sample(23), last: sample(26)) == .grew)
        #expect(Soak.verdict(baseline: sample(20), middle: sample(20, fds: 13), last: sample(20, fds: 16)) == .grew, "descriptors")
        #expect(Soak.verdict(baseline: sample(20), middle: sample(20), last: Soak.Sample(node: "h1", seconds: 0, pssBytes: -1, fileDescriptors: -1)) == .died)
    }

    @Test func soakRefusesADurationItCannotRead() throws {
        let run = try TestRun()
        defer { run.finish() }
        let bad = try run.nicbed("soak", "--duration", "2 hours")
        #expect(bad.status != 0 && bad.error.contains("is not a duration"), "\(bad.error)")
        let coarse = try run.nicbed("soak", "--duration", "10m", "--warm-up", "4m", "--sample", "2m")
        #expect(coarse.status != 0 && coarse.error.contains("at most a quarter"), "\(coarse.error)")
    }
}

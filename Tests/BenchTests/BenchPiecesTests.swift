@testable import Bench
import Testing
import Topology

@Suite("The benchmark's topologies and readings")
struct BenchPiecesTests {
    @Test("the start-up topologies load, with the node count asked for", arguments: [10, 100, 1000])
    func startUpTopologyLoads(nodes: Int) throws {
        let path = "/tmp/nicbed-bench-test-\(nodes).yaml"
        try BenchTopologies.startUp(name: "bench-up-\(nodes)", nodes: nodes, basePort: 20_000).write(toFile: path, atomically: true, encoding: .utf8)
        let topology = try Topology.load(path: path)
        #expect(topology.nodes.count == nodes)
        #expect(topology.nodes.filter { $0.kind == .switch }.count == max(1, (nodes + 100) / 101))
    }

    @Test("the pair and line3 topologies load, the pair with its MTU")
    func transferTopologiesLoad() throws {
        for (name, yaml) in [("p", BenchTopologies.pair(name: "bench-p", mtu: 9000, basePort: 20_000)),
                             ("l", BenchTopologies.line3(name: "bench-l", basePort: 20_000))] {
            let path = "/tmp/nicbed-bench-test-\(name).yaml"
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let topology = try Topology.load(path: path)
            #expect(topology.nodes.count == (name == "p" ? 2 : 3))
            if name == "p" { #expect(topology.nodes.flatMap(\.interfaces).allSatisfy { $0.mtu == 9000 }) }
        }
    }

    @Test("ping times, percentiles, tcp-recv's seconds and byte counts are read as printed")
    func readings() {
        let output = """
            64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.174 ms
            64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=1.5 ms
            --- 10.0.0.2 ping statistics ---
            """
        #expect(Shell.pingTimes(output) == [0.174, 1.5])
        #expect(Shell.percentile([5, 1, 4, 2, 3], 50) == 3)
        #expect(Shell.percentile(Array(1...100).map(Double.init), 99) == 99)
        #expect(Shell.percentile([], 50) == nil)
        #expect(OurStack.elapsed(in: ["received 1000 bytes (1000 B) in 3.094 s, goodput 2586.1 Mbit/s"]) == 3.094)
        #expect(parseBytes("1G") == 1_000_000_000 && parseBytes("300m") == 300_000_000 && parseBytes("12") == 12 && parseBytes("x") == nil)
    }

    @Test("a target is judged on the figures of the run; one with a figure missing is left out")
    func targets() {
        var report = BenchReport(machine: .current())
        report.add("a", 2.8, "Gbit/s", "")
        report.add("b", 3.5, "Gbit/s", "")
        report.target("a / b", report.value("a")! / report.value("b")!, atLeast: 0.7)
        report.target("a / c", report.value("c"), atLeast: 0.7)
        report.target("a at most", report.value("a"), atMost: 2)
        #expect(report.targets.map(\.name) == ["a / b", "a at most"])
        #expect(report.targets.map(\.met) == [true, false])
        #expect(report.table().contains("NO"))
    }
}

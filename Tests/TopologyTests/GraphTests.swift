import Testing
import Topology

/// `Topology.graphviz()`, compared as a whole: the output is meant to be stable text.
@Suite struct GraphTests {
    static let lab = """
        name: lab
        nodes:
          h1: {kind: host}
          r1: {kind: router}
          s1: {kind: switch}
          h2: {kind: host, gateway: 10.0.2.1}
        links:
          - endpoints: [h1:eth0, r1:eth0]
            delay: 20ms
            loss: 1%
            mtu: 9000
          - endpoints: [r1:eth1, s1:p1]
            rate: 100Mbit
            egress: {s1:p1: {delay: 5ms, jitter: 1ms, loss: {percent: 0.5%, burst: 3}}}
          - endpoints: [s1:p2, h2:eth0]

        """

    @Test func smallTopology() throws {
        let topology = try Topology.parse(yaml: Self.lab, sourcePath: "lab.yaml")
        #expect(topology.graphviz() == #"""
            graph "lab" {
              "h1" [shape=box, label="h1\neth0 10.0.1.1/24"];
              "r1" [shape=ellipse, label="r1\neth0 10.0.1.2/24\neth1 10.0.2.1/24"];
              "s1" [shape=diamond, label="s1"];
              "h2" [shape=box, label="h2\neth0 10.0.2.2/24"];
              "h1" -- "r1" [taillabel="eth0", headlabel="eth0", label="20ms, 1% loss\nmtu 9000"];
              "r1" -- "s1" [taillabel="eth1", headlabel="p1", label="r1→s1: 100Mbit\ns1→r1: 5ms±1ms, 0.5% loss (burst 3), 100Mbit"];
              "s1" -- "h2" [taillabel="p2", headlabel="eth0"];
            }

            """#)
    }

    @Test func sameFileSameText() throws {
        let first = try Topology.parse(yaml: Self.lab, sourcePath: "lab.yaml").graphviz()
        let second = try Topology.parse(yaml: Self.lab, sourcePath: "elsewhere.yaml").graphviz()
        #expect(first == second)
    }
}

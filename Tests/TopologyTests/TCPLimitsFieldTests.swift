import Testing
import Topology

/// `tcp: {memory: …, connections: …}`: a node's TCP memory budget and connection cap.
@Suite("the tcp field's limits")
struct TCPLimitsFieldTests {
    static func yaml(_ tcp: String) -> String {
        """
        name: t
        nodes:
          a:
            kind: host
            tcp: \(tcp)
          b: {kind: host}
        links:
          - endpoints: [a:eth0, b:eth0]

        """
    }

    @Test func defaultsAndValues() throws {
        let topology = try Topology.parse(yaml: Self.yaml("{congestion: cubic, memory: 64MiB, connections: 6000}"), sourcePath: "t.yaml")
        #expect(topology.node(named: "a")?.tcpLimits == TCPLimits(memory: 64 << 20, connections: 6000))
        #expect(topology.node(named: "a")?.congestion == .cubic)
        #expect(topology.node(named: "b")?.tcpLimits == TCPLimits(memory: 256 << 20, connections: 16_384))
    }

    @Test func badValuesNameTheField() {
        expectRefusal(Self.yaml("{memory: lots}"), line: 5, column: 19, field: "nodes.a.tcp.memory", saying: "'lots' is not a byte size")
        expectRefusal(Self.yaml("{memory: 4KiB}"), line: 5, column: 19, field: "nodes.a.tcp.memory", saying: "is out of range")
        expectRefusal(Self.yaml("{connections: 0}"), line: 5, column: 24, field: "nodes.a.tcp.connections", saying: "'0' is out of range")
        expectRefusal(Self.yaml("{connections: many}"), line: 5, column: 24, field: "nodes.a.tcp.connections", saying: "not an integer")
        expectRefusal(Self.yaml("{buffers: 1MiB}"), line: 5, column: 11, field: "nodes.a.tcp.buffers", saying: "buffers")
    }
}

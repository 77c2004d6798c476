import Testing
import Topology

/// Links checked against nodes and against each other.
@Suite struct CablingTests {
    @Test func endpointNamesUnknownNode() {
        let yaml = pairYAML(replacing: "h2:eth0]", with: "h3:eth0]")
        expectRefusal(yaml, line: 10, column: 26, field: "links[1].endpoints[2]",
                      saying: "no node named 'h3'; accepted: one of the nodes: h1, h2")
    }

    @Test func interfaceUsedByTwoLinks() {
        let yaml = pairYAML(replacing: "  - endpoints: [h1:eth0, h2:eth0]\n",
                            with: "  - endpoints: [h1:eth0, h2:eth0]\n  - endpoints: [h2:eth1, h1:eth0]\n")
        expectRefusal(yaml, line: 11, column: 26, field: "links[2].endpoints[2]",
                      saying: "'h1:eth0' is already cabled by link 1 at line 10")
    }

    @Test func interfaceCabledToItself() {
        let yaml = pairYAML(replacing: "[h1:eth0, h2:eth0]", with: "[h1:eth0, h1:eth0]")
        expectRefusal(yaml, line: 10, column: 26, field: "links[1].endpoints[2]",
                      saying: "'h1:eth0' is cabled to itself")
    }

    @Test func nodeCabledToItselfThroughTwoInterfaces() throws {
        let yaml = "name: t\nnodes:\n  h1: {kind: host}\nlinks:\n  - endpoints: [h1:eth0, h1:eth1]\n"
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml", basePortOverride: 50000)
        let h1 = try #require(topology.node(named: "h1"))
        #expect(h1.interfaces.map(\.name) == ["eth0", "eth1"])
        #expect(h1.interfaces.map(\.localPort) == [50000, 50001])
        #expect(h1.interfaces.map(\.peerPort) == [50001, 50000])
    }

    @Test func declaredInterfaceNotLinked() {
        let yaml = pairYAML(replacing: "      eth0: {address: 10.0.1.1/24}\n",
                            with: "      eth0: {address: 10.0.1.1/24}\n      eth1: {address: 10.0.9.1/24}\n")
        expectRefusal(yaml, line: 7, column: 7, field: "nodes.h1.interfaces.eth1",
                      saying: "interface declared but not linked")
    }

    @Test func declaredInterfacesComeFirstThenLinkOnlyOnesInLinkOrder() throws {
        let yaml = """
            name: t
            nodes:
              r: {kind: host, interfaces: {eth2: {}, eth0: {}}}
              a: {kind: host}
              b: {kind: host}
              c: {kind: host}
            links:
              - endpoints: [a:eth0, r:eth3]
              - endpoints: [r:eth0, b:eth0]
              - endpoints: [c:eth0, r:eth1]
              - endpoints: [r:eth2, c:eth1]

            """
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        let r = try #require(topology.node(named: "r"))
        #expect(r.interfaces.map(\.name) == ["eth2", "eth0", "eth3", "eth1"])
        #expect(r.interfaces.map(\.link) == [4, 2, 1, 3])
        #expect(topology.links.map(\.id) == [1, 2, 3, 4])
        #expect(topology.links[2].a == Endpoint(node: "c", interface: "eth0"))
        #expect(topology.links[2].b == Endpoint(node: "r", interface: "eth1"))
    }
}

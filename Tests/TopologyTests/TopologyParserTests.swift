import Testing
import Topology

/// Mistakes in a single field, each refused where it was written.
@Suite struct TopologyParserTests {
    @Test func baseYAMLIsValid() throws {
        let topology = try Topology.parse(yaml: pairYAML, sourcePath: "test.yaml")
        #expect(topology.nodes.map(\.name) == ["h1", "h2"])
    }

    @Test func missingRequiredTopLevelField() {
        // The root mapping is all there is to point at.
        let yaml = pairYAML(replacing: "links:\n  - endpoints: [h1:eth0, h2:eth0]\n", with: "")
        expectRefusal(yaml, line: 1, column: 1, field: "links", saying: "missing")
    }

    @Test func missingKind() {
        let yaml = pairYAML(replacing: "  h2:\n    kind: host\n", with: "  h2:\n    interfaces: {}\n")
        expectRefusal(yaml, line: 8, column: 5, field: "nodes.h2.kind", saying: "missing; accepted: host, router, switch")
    }

    @Test func nodesGivenAsAList() {
        let yaml = "name: t\nnodes:\n  - h1\n  - h2\nlinks: []\n"
        expectRefusal(yaml, line: 3, column: 3, field: "nodes",
                      saying: "got a sequence; accepted: a mapping of node name to node")
    }

    @Test func basePortGivenAsAList() {
        let yaml = "defaults:\n  underlay: {base_port: [1]}\n" + pairYAML
        expectRefusal(yaml, line: 2, column: 25, field: "defaults.underlay.base_port", saying: "got a sequence")
    }

    @Test func unknownKeyInALink() {
        let yaml = pairYAML(replacing: "- endpoints:", with: "- endpoint:")
        expectRefusal(yaml, line: 10, column: 5, field: "links[1].endpoint",
                      saying: "unknown key 'endpoint'; accepted: endpoints")
    }

    @Test func unknownTopLevelKey() {
        let yaml = pairYAML(replacing: "nodes:", with: "node:")
        expectRefusal(yaml, line: 2, column: 1, field: "node",
                      saying: "unknown key 'node'; accepted: name, defaults, nodes, links")
    }

    @Test func unknownKeyInAnInterface() {
        let yaml = pairYAML(replacing: "{address:", with: "{adress:")
        expectRefusal(yaml, line: 6, column: 14, field: "nodes.h1.interfaces.eth0.adress",
                      saying: "accepted: address, mac")
    }

    @Test func badNodeName() {
        let yaml = pairYAML(replacing: "  h2:\n", with: "  H2:\n")
        expectRefusal(yaml, line: 7, column: 3, field: "nodes.H2",
                      saying: "'H2' is not a node name; accepted: a-z followed by")
    }

    @Test func nodeNameTooLong() {
        let yaml = pairYAML(replacing: "  h2:\n", with: "  host-with-a-long-name:\n")
        expectRefusal(yaml, line: 7, column: 3, field: "nodes.host-with-a-long-name", saying: "up to 15")
    }

    @Test func badTopologyName() {
        let yaml = pairYAML(replacing: "name: t", with: "name: My_Lab")
        expectRefusal(yaml, line: 1, column: 7, field: "name", saying: "'My_Lab' is not a topology name")
    }

    @Test func unknownKind() {
        let yaml = pairYAML(replacing: "  h2:\n    kind: host", with: "  h2:\n    kind: bridge")
        expectRefusal(yaml, line: 8, column: 11, field: "nodes.h2.kind",
                      saying: "'bridge' is not a node kind; accepted: host, router, switch")
    }

    @Test func endpointWithoutColon() {
        let yaml = pairYAML(replacing: "[h1:eth0,", with: "[h1-eth0,")
        expectRefusal(yaml, line: 10, column: 17, field: "links[1].endpoints[1]",
                      saying: "'h1-eth0' is not node:iface")
    }

    @Test func endpointWithBadInterfaceName() {
        let yaml = pairYAML(replacing: "h2:eth0]", with: "h2:Eth0]")
        expectRefusal(yaml, line: 10, column: 26, field: "links[1].endpoints[2]",
                      saying: "'Eth0' in 'h2:Eth0' is not an interface name")
    }

    @Test func linkWithThreeEndpoints() {
        let yaml = pairYAML(replacing: "h2:eth0]", with: "h2:eth0, h2:eth1]")
        expectRefusal(yaml, line: 10, column: 16, field: "links[1].endpoints",
                      saying: "has 3 endpoints; accepted: exactly two")
    }

    @Test func badAddress() {
        let yaml = pairYAML(replacing: "10.0.1.1/24", with: "10.0.0.300/24")
        expectRefusal(yaml, line: 6, column: 23, field: "nodes.h1.interfaces.eth0.address",
                      saying: "'10.0.0.300/24' is not an IPv4 address with prefix length; accepted: A.B.C.D/N with N in 0...32")
    }

    @Test func badPrefixLength() {
        let yaml = pairYAML(replacing: "10.0.1.1/24", with: "10.0.0.1/33")
        expectRefusal(yaml, line: 6, column: 23, field: "nodes.h1.interfaces.eth0.address",
                      saying: "accepted: A.B.C.D/N with N in 0...32")
    }

    @Test func addressWithoutPrefixLength() {
        let yaml = pairYAML(replacing: "10.0.1.1/24", with: "10.0.0.1")
        expectRefusal(yaml, line: 6, column: 23, field: "nodes.h1.interfaces.eth0.address",
                      saying: "is not an IPv4 address with prefix length")
    }

    @Test(arguments: ["10.0.0.0/24", "10.0.0.255/24", "127.0.0.1/8", "224.0.0.1/24", "0.1.2.3/8"])
    func addressThatNoInterfaceCanHave(address: String) {
        let yaml = pairYAML(replacing: "10.0.1.1/24", with: address)
        expectRefusal(yaml, line: 6, column: 23, field: "nodes.h1.interfaces.eth0.address",
                      saying: "accepted: a unicast host address")
    }

    @Test func badMAC() {
        let yaml = pairYAML(replacing: "{address: 10.0.1.1/24}", with: "{mac: 02:00:00:00:01}")
        expectRefusal(yaml, line: 6, column: 19, field: "nodes.h1.interfaces.eth0.mac",
                      saying: "'02:00:00:00:01' is not a MAC address; accepted: six hex pairs")
    }

    @Test func multicastMAC() {
        let yaml = pairYAML(replacing: "{address: 10.0.1.1/24}", with: "{mac: 01:00:5e:00:00:01}")
        expectRefusal(yaml, line: 6, column: 19, field: "nodes.h1.interfaces.eth0.mac",
                      saying: "is a multicast MAC; accepted: a unicast MAC")
    }

    @Test func badGatewayAddress() {
        let yaml = pairYAML(replacing: "  h2:\n    kind: host\n", with: "  h2:\n    kind: host\n    gateway: 10.0.0\n")
        expectRefusal(yaml, line: 9, column: 14, field: "nodes.h2.gateway",
                      saying: "'10.0.0' is not an IPv4 address; accepted: an IPv4 address A.B.C.D")
    }

    @Test(arguments: ["80", "65001", "70000", "-1", "99999999999999999999999"])
    func basePortOutOfRange(port: String) {
        let yaml = "defaults:\n  underlay: {base_port: \(port)}\n" + pairYAML
        expectRefusal(yaml, line: 2, column: 25, field: "defaults.underlay.base_port",
                      saying: "'\(port)' is out of range; accepted: an integer in 1024...65000")
    }

    @Test func basePortThatIsNotANumber() {
        let yaml = "defaults:\n  underlay: {base_port: 0x1000}\n" + pairYAML
        expectRefusal(yaml, line: 2, column: 25, field: "defaults.underlay.base_port",
                      saying: "'0x1000' is not an integer; accepted: an integer in 1024...65000")
    }

    @Test func basePortOverrideOutOfRange() {
        expectRefusal(pairYAML, line: 0, column: 0, field: "defaults.underlay.base_port",
                      saying: "the override 80 is out of range", basePortOverride: 80)
    }

    @Test func badUnderlayHost() {
        let yaml = "defaults:\n  underlay: {host: 'not a host'}\n" + pairYAML
        expectRefusal(yaml, line: 2, column: 20, field: "defaults.underlay.host",
                      saying: "is neither an IPv4 address nor a host name")
    }

    @Test func emptyNodes() {
        let yaml = "name: t\nnodes: {}\nlinks: []\n"
        expectRefusal(yaml, line: 2, column: 8, field: "nodes", saying: "has no nodes")
    }

    @Test func nodesWithoutValue() {
        let yaml = "name: t\nnodes:\nlinks: []\n"
        expectRefusal(yaml, line: 2, column: 1, field: "nodes", saying: "has no value")
    }

    @Test func rootIsNotAMapping() {
        expectRefusal("- h1\n- h2\n", line: 1, column: 1, field: "", saying: "got a sequence")
    }
}

import Testing
import Topology
import Wire

/// What the plan fills in, and the combinations of values it refuses.
@Suite struct AddressPlanTests {
    static let threeHosts = """
        name: line
        defaults:
          underlay: {host: localhost, base_port: 40000}
        nodes:
          a: {kind: host, gateway: 10.0.1.2}
          b: {kind: host}
          c: {kind: host, interfaces: {eth1: {mac: 0a:bb:cc:dd:ee:ff}}}
        links:
          - endpoints: [a:eth0, b:eth0]
          - endpoints: [b:eth1, c:eth1]

        """

    @Test func fillsInAddressesMACsAndPorts() throws {
        let topology = try Topology.parse(yaml: Self.threeHosts, sourcePath: "line.yaml")
        #expect(topology.name == "line")
        #expect(topology.sourcePath == "line.yaml")
        #expect(topology.underlayHost == "localhost")
        #expect(topology.basePort == 40000)
        let a = try #require(topology.node(named: "a"))
        let b = try #require(topology.node(named: "b"))
        let c = try #require(topology.node(named: "c"))
        #expect(a.gateway == IPv4Address(10, 0, 1, 2))
        #expect(b.gateway == nil)
        let address = try #require(IPv4Interface("10.0.1.1/24"))
        #expect(a.interfaces == [InterfaceSpec(
            name: "eth0", mac: MACAddress(2, 0, 0, 0, 1, 0), address: address,
            link: 1, localHost: "localhost", localPort: 40000, peerHost: "localhost", peerPort: 40001)])
        #expect(b.interfaces.map(\.name) == ["eth0", "eth1"])
        #expect(b.interfaces.map(\.address?.description) == ["10.0.1.2/24", "10.0.2.1/24"])
        #expect(b.interfaces.map(\.mac.description) == ["02:00:00:00:02:00", "02:00:00:00:02:01"])
        #expect(b.interfaces.map(\.localPort) == [40001, 40002])
        #expect(b.interfaces.map(\.peerPort) == [40000, 40003])
        #expect(c.interfaces.map(\.address?.description) == ["10.0.2.2/24"])
        #expect(c.interfaces.map(\.mac.description) == ["0a:bb:cc:dd:ee:ff"])
        #expect(c.interfaces.map(\.localPort) == [40003])
        #expect(c.interfaces.map(\.peerPort) == [40002])
    }

    @Test func basePortOverrideMovesEveryPort() throws {
        let topology = try Topology.parse(yaml: Self.threeHosts, sourcePath: "line.yaml", basePortOverride: 61000)
        #expect(topology.basePort == 61000)
        #expect(topology.nodes.flatMap(\.interfaces).map(\.localPort) == [61000, 61001, 61002, 61003])
    }

    @Test func duplicateDeclaredAddress() {
        let yaml = pairYAML(replacing: "  h2:\n    kind: host\n",
                            with: "  h2:\n    kind: host\n    interfaces: {eth0: {address: 10.0.1.1/24}}\n")
        expectRefusal(yaml, line: 9, column: 34, field: "nodes.h2.interfaces.eth0.address",
                      saying: "h2:eth0 10.0.1.1/24 has the address of h1:eth0 10.0.1.1/24 at line 6")
    }

    @Test func assignedAddressClashesWithADeclaredOne() {
        let yaml = """
            name: t
            nodes:
              h1: {kind: host, interfaces: {eth0: {address: 10.0.2.1/24}}}
              h2: {kind: host, interfaces: {eth0: {address: 10.0.2.2/24}}}
              h3: {kind: host}
              h4: {kind: host}
            links:
              - endpoints: [h1:eth0, h2:eth0]
              - endpoints: [h3:eth0, h4:eth0]

            """
        expectRefusal(yaml, line: 9, column: 17, field: "links[2].endpoints[1]",
                      saying: "h3:eth0 10.0.2.1/24 (assigned by link 2) has the address of h1:eth0")
    }

    @Test func linkEndsOnDifferentSubnets() {
        let yaml = pairYAML(replacing: "  h2:\n    kind: host\n",
                            with: "  h2:\n    kind: host\n    interfaces: {eth0: {address: 10.0.0.2/24}}\n")
        expectRefusal(yaml, line: 9, column: 34, field: "nodes.h2.interfaces.eth0.address",
                      saying: "link 1's ends h1:eth0 10.0.1.1/24 and h2:eth0 10.0.0.2/24 are not on the same subnet")
    }

    @Test func linkEndsWithDifferentPrefixLengths() {
        let yaml = pairYAML(replacing: "  h2:\n    kind: host\n",
                            with: "  h2:\n    kind: host\n    interfaces: {eth0: {address: 10.0.1.2/16}}\n")
        expectRefusal(yaml, line: 9, column: 34, field: "nodes.h2.interfaces.eth0.address",
                      saying: "are not on the same subnet")
    }

    @Test func oneEndDeclaredOffTheAssignedSubnet() {
        // h1 says 10.0.0.1/24 but h2 is given link 1's 10.0.1.2/24, so the written one is blamed.
        let yaml = pairYAML(replacing: "10.0.1.1/24", with: "10.0.0.1/24")
        expectRefusal(yaml, line: 6, column: 23, field: "nodes.h1.interfaces.eth0.address",
                      saying: "h2:eth0 10.0.1.2/24 (assigned by link 1) are not on the same subnet")
    }

    @Test func gatewayOffEverySubnet() {
        let yaml = pairYAML(replacing: "    kind: host\n    interfaces:", with: "    kind: host\n    gateway: 10.0.0.254\n    interfaces:")
        expectRefusal(yaml, line: 5, column: 14, field: "nodes.h1.gateway",
                      saying: "10.0.0.254 is not on a subnet of any of h1's interfaces; accepted: an address in 10.0.1.0/24")
    }

    @Test func gatewayWithoutInterfaces() {
        let yaml = "name: t\nnodes:\n  h1: {kind: host, gateway: 10.0.0.254}\nlinks: []\n"
        expectRefusal(yaml, line: 3, column: 29, field: "nodes.h1.gateway", saying: "accepted: no gateway")
    }

    @Test func duplicateMAC() {
        // h2:eth0's assigned MAC is 02:00:00:00:02:00; h1 has already claimed it.
        let yaml = pairYAML(replacing: "{address: 10.0.1.1/24}", with: "{address: 10.0.1.1/24, mac: 02:00:00:00:02:00}")
        expectRefusal(yaml, line: 10, column: 26, field: "links[1].endpoints[2]",
                      saying: "MAC 02:00:00:00:02:00 of 'h2:eth0' is also that of 'h1:eth0' at line 6")
    }

    @Test func portsBeyond65535() {
        // base 65000: link 268 ends at 65535, link 269 would need 65536.
        expectRefusal(manyLinksYAML(300, basePort: 65000), line: 276, column: 5, field: "links[269]",
                      saying: "link 269 would need UDP ports 65536 and 65537")
    }

    @Test func tooManyLinksForAssignedAddresses() {
        expectRefusal(manyLinksYAML(256, basePort: 47100), line: 263, column: 17, field: "links[256].endpoints[1]",
                      saying: "only links 1...255 get one assigned; accepted: an address under nodes.h1.interfaces.e256.address")
    }

    @Test func lastAssignableLink() throws {
        let topology = try Topology.parse(yaml: manyLinksYAML(255, basePort: 47100), sourcePath: "many.yaml")
        let last = try #require(topology.node(named: "h2")?.interfaces.last)
        #expect(last.address?.description == "10.0.255.2/24")
        #expect(last.mac.description == "02:00:00:00:02:fe")
        #expect(last.localPort == 47100 + 2 * 254 + 1)
    }
}

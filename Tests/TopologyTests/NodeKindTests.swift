import Testing
import Topology
import Wire

/// A switch between two hosts, with `line` as line 5, inside the switch's own block:
///
///     1 name: t
///     2 nodes:
///     3   s1:
///     4     kind: switch
///     5     <line>
///     6   h1: {kind: host}
///     7   h2: {kind: host}
///     8 links:
///     9   - endpoints: [h1:eth0, s1:p1]
///    10   - endpoints: [s1:p2, h2:eth0]
private func switchYAML(_ line: String) -> String {
    """
    name: t
    nodes:
      s1:
        kind: switch
        \(line)
      h1: {kind: host}
      h2: {kind: host}
    links:
      - endpoints: [h1:eth0, s1:p1]
      - endpoints: [s1:p2, h2:eth0]

    """
}

@Suite("node kinds: host, router, switch")
struct NodeKindTests {
    @Test func kindsAreReadAsWritten() throws {
        let yaml = """
            name: t
            nodes:
              h1: {kind: host}
              r1: {kind: router}
              s1: {kind: switch}
            links:
              - endpoints: [h1:eth0, r1:eth0]
              - endpoints: [r1:eth1, s1:p1]

            """
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        #expect(topology.nodes.map(\.kind) == [.host, .router, .switch])
        #expect(NodeKind.allCases.map(\.rawValue) == ["host", "router", "switch", "linux", "external"])
        #expect(NodeKind.allCases.map(\.hasAddresses) == [true, true, false, true, true])
        #expect(NodeKind.allCases.map(\.runsOurStack) == [true, true, true, false, false])
    }

    @Test func aRouterHasSeveralAddressedInterfaces() throws {
        let yaml = """
            name: t
            nodes:
              r1:
                kind: router
                gateway: 10.0.3.2
                interfaces:
                  eth0: {address: 192.168.1.1/24}
              a: {kind: host, interfaces: {eth0: {address: 192.168.1.2/24}}}
              b: {kind: host}
              c: {kind: router}
            links:
              - endpoints: [a:eth0, r1:eth0]
              - endpoints: [r1:eth1, b:eth0]
              - endpoints: [r1:eth2, c:eth0]

            """
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        let r1 = try #require(topology.node(named: "r1"))
        #expect(r1.kind == .router)
        #expect(r1.gateway == IPv4Address(10, 0, 3, 2))
        #expect(r1.interfaces.map(\.name) == ["eth0", "eth1", "eth2"])
        #expect(r1.interfaces.map(\.address?.description) == ["192.168.1.1/24", "10.0.2.1/24", "10.0.3.1/24"])
    }

    @Test func aSwitchHasPortsWithMACsAndUnderlayPortsButNoAddresses() throws {
        let topology = try Topology.parse(yaml: switchYAML("interfaces: {p2: {mac: 0a:00:00:00:00:01}}"),
                                          sourcePath: "test.yaml", basePortOverride: 50000)
        let s1 = try #require(topology.node(named: "s1"))
        #expect(s1.kind == .switch)
        #expect(s1.gateway == nil && s1.routes.isEmpty)
        // Declared p2 first, then p1, which only a link names.
        #expect(s1.interfaces.map(\.name) == ["p2", "p1"])
        #expect(s1.interfaces.map(\.address) == [nil, nil])
        #expect(s1.interfaces.map(\.mac.description) == ["0a:00:00:00:00:01", "02:00:00:00:01:01"])
        #expect(s1.interfaces.map(\.localPort) == [50002, 50001])
        #expect(s1.interfaces.map(\.peerPort) == [50003, 50000])
        #expect(s1.interfaces.map(\.link) == [2, 1])
        // The hosts share the switch's segment, numbered by its first link.
        #expect(topology.node(named: "h1")?.interfaces.map(\.address?.description) == ["10.0.1.1/24"])
        #expect(topology.node(named: "h2")?.interfaces.map(\.address?.description) == ["10.0.1.2/24"])
    }

    @Test(arguments: ["nic: {mode: conventional}", "capture: true", "gateway:", "interfaces: {p1: }"])
    func whatASwitchMayHave(line: String) throws {
        let topology = try Topology.parse(yaml: switchYAML(line), sourcePath: "test.yaml")
        #expect(topology.node(named: "s1")?.kind == .switch)
    }

    @Test func nodeSpecDefaultsKeepOldCallSitesWorking() {
        let node = NodeSpec(name: "h1", kind: .host, gateway: nil, interfaces: [])
        #expect(node.routes.isEmpty && !node.capture)
        let interface = InterfaceSpec(name: "eth0", mac: MACAddress(2, 0, 0, 0, 1, 0), address: IPv4Interface("10.0.1.1/24"),
                                      link: 1, localHost: "localhost", localPort: 1, peerHost: "localhost", peerPort: 2)
        #expect(interface.mtu == 1500)
    }

    // MARK: Mistakes

    @Test func addressOnASwitchPort() {
        expectRefusal(switchYAML("interfaces: {p1: {address: 10.0.1.9/24}}"), line: 5, column: 23,
                      field: "nodes.s1.interfaces.p1.address",
                      saying: "a switch's interface has no address: switches are layer 2; accepted: for a switch's interface, the key mac")
    }

    @Test func gatewayOnASwitch() {
        expectRefusal(switchYAML("gateway: 10.0.1.254"), line: 5, column: 5, field: "nodes.s1.gateway",
                      saying: "a switch has no gateway: switches are layer 2 and forward frames by MAC address, never by IP; accepted: for a switch, keys kind and optionally interfaces, nic, capture")
    }

    @Test func routesOnASwitch() {
        expectRefusal(switchYAML("routes: [{to: 10.0.9.0/24, via: 10.0.1.1}]"), line: 5, column: 5,
                      field: "nodes.s1.routes", saying: "a switch has no routes: switches are layer 2")
    }

    @Test func tcpOnASwitch() {
        expectRefusal(switchYAML("tcp: {congestion: cubic}"), line: 5, column: 5, field: "nodes.s1.tcp",
                      saying: "a switch has no TCP: switches are layer 2")
    }

    @Test func unknownKeyOnANodeListsTheNewKeys() {
        expectRefusal(switchYAML("route: []"), line: 5, column: 5, field: "nodes.s1.route",
                      saying: "unknown key 'route'; accepted: kind, gateway, interfaces, routes, tcp, nic, capture")
    }
}

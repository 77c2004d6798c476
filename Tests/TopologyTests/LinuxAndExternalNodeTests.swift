import SmartNIC
import Testing
import Topology
import Wire

/// A host and a node of `kind` on one link, with `line` as line 5 inside that node's block:
///
///     1 name: t
///     2 nodes:
///     3   l1:
///     4     kind: <kind>
///     5     <line>
///     6   h1: {kind: host}
///     7 links:
///     8   - endpoints: [h1:eth0, l1:eth0]
///     9     <linkLine>
private func peerYAML(kind: String, _ line: String = "", linkLine: String = "") -> String {
    """
    name: t
    nodes:
      l1:
        kind: \(kind)
        \(line)
      h1: {kind: host}
    links:
      - endpoints: [h1:eth0, l1:eth0]
        \(linkLine)

    """
}

@Suite("linux and external nodes, and the link encapsulation")
struct LinuxAndExternalNodeTests {
    @Test func aLinkToALinuxNodeRunsOverItsOwnVethAddressesOnOnePort() throws {
        let topology = try Topology.parse(yaml: peerYAML(kind: "linux"), sourcePath: "test.yaml", basePortOverride: 47600)
        let linux = try #require(topology.node(named: "l1")?.interface(named: "eth0"))
        let ours = try #require(topology.node(named: "h1")?.interface(named: "eth0"))
        // 47600 = 0xb9f0: the /31 169.254.185.240-241, and both ends on the link's first port.
        #expect((ours.localHost, ours.localPort, ours.peerHost, ours.peerPort) == ("169.254.185.240", 47600, "169.254.185.241", 47600))
        #expect((linux.localHost, linux.localPort, linux.peerHost, linux.peerPort) == ("169.254.185.241", 47600, "169.254.185.240", 47600))
        #expect(linux.address?.description == "10.0.1.2/24", "the plan addresses a Linux node like any other")
        #expect(LinuxUnderlay.namespace(topology: "t", node: "l1") == "nicbed-t-l1")
        #expect(LinuxUnderlay.rootDevice(port: 47600) == "nb47600" && LinuxUnderlay.namespaceDevice(port: 47600) == "ul47600")
    }

    @Test func oddPortsShareTheirEvenNeighboursPair() {
        #expect(LinuxUnderlay.addresses(port: 47601).ours == LinuxUnderlay.addresses(port: 47600).ours)
        #expect(LinuxUnderlay.addresses(port: 1024).ours.description == "169.254.4.0")
    }

    @Test func noPortTakesTheMetadataAddressOrTheReservedBlock() {
        #expect(LinuxUnderlay.addresses(port: 43518).ours.description == "169.254.3.254")
        #expect(LinuxUnderlay.addresses(port: 65535).linux.description == "169.254.2.255")
        var seen: Set<IPv4Address> = []
        for port in UInt16(1024)...UInt16.max where port % 2 == 0 {
            let pair = LinuxUnderlay.addresses(port: port)
            #expect(pair.ours.value >> 8 & 0xff != 169 && pair.ours.value >> 8 & 0xff != 255)
            #expect(seen.insert(pair.ours).inserted && seen.insert(pair.linux).inserted, "port \(port)")
        }
    }

    @Test func linksBetweenOurNodesKeepTheLoopbackUnderlay() throws {
        let topology = try Topology.parse(yaml: peerYAML(kind: "host"), sourcePath: "test.yaml", basePortOverride: 47600)
        let interface = try #require(topology.node(named: "h1")?.interface(named: "eth0"))
        #expect((interface.localHost, interface.localPort, interface.peerHost, interface.peerPort) == ("127.0.0.1", 47600, "127.0.0.1", 47601))
        #expect(topology.links[0].encapsulation == .vxlan)
    }

    @Test func aLinuxNodeTakesGatewayAndRoutes() throws {
        let yaml = peerYAML(kind: "linux", "gateway: 10.0.1.1\n    routes: [{to: 10.9.0.0/16, via: 10.0.1.1}]")
        let node = try #require(try Topology.parse(yaml: yaml, sourcePath: "test.yaml").node(named: "l1"))
        #expect(node.gateway == IPv4Address(10, 0, 1, 1))
        #expect(node.routes.map(\.description) == ["10.9.0.0/16 via 10.0.1.1"])
    }

    @Test(arguments: ["serve: true", "echo: true", "tcp: {congestion: cubic}", "nic: {mode: conventional}", "capture: true"])
    func aLinuxNodeRefusesWhatOnlyOurStackHas(line: String) {
        let key = String(line.prefix { $0 != ":" })
        expectRefusal(peerYAML(kind: "linux", line), line: 5, column: 5, field: "nodes.l1.\(key)",
                      saying: "a linux node runs the kernel's own stack")
    }

    @Test(arguments: ["gateway: 10.0.1.1", "routes: []", "serve: true", "echo: true", "capture: true"])
    func anExternalNodeRefusesWhatNicbedWouldHaveToConfigure(line: String) {
        let key = String(line.prefix { $0 != ":" })
        expectRefusal(peerYAML(kind: "external", line, linkLine: "encap: raw"), line: 5, column: 5, field: "nodes.l1.\(key)",
                      saying: "nicbed does not configure an external node")
    }

    @Test func defaultsCaptureLeavesNodesWeDoNotRunAlone() throws {
        let yaml = "defaults: {capture: true}\n" + peerYAML(kind: "linux")
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        #expect(topology.node(named: "h1")?.capture == true)
        #expect(topology.node(named: "l1")?.capture == false)
    }

    @Test func rawEncapsulationIsReadPerLink() throws {
        let topology = try Topology.parse(yaml: peerYAML(kind: "external", linkLine: "encap: raw"), sourcePath: "test.yaml")
        #expect(topology.links[0].encapsulation == .raw)
        let guest = try #require(topology.node(named: "l1")?.interface(named: "eth0"))
        #expect(guest.localHost == "127.0.0.1" && guest.peerPort == guest.localPort - 1, "an external node's ports follow the plan")
    }

    @Test func anUnknownEncapsulationIsRefused() {
        expectRefusal(peerYAML(kind: "host", linkLine: "encap: gre"), line: 9, column: 12, field: "links[1].encap",
                      saying: "'gre' is not an encapsulation")
    }

    @Test func aLinuxLinkMustBeVXLAN() {
        expectRefusal(peerYAML(kind: "linux", linkLine: "encap: raw"), line: 9, column: 12, field: "links[1].encap",
                      saying: "l1:eth0 is a linux node, whose interfaces are VXLAN devices")
    }

    @Test(arguments: ["linux", "external"])
    func aLinkNeedsOneOfOurNodes(kind: String) {
        let yaml = """
            name: t
            nodes:
              a: {kind: linux}
              b: {kind: \(kind)}
            links:
              - endpoints: [a:eth0, b:eth0]

            """
        expectRefusal(yaml, line: 6, column: 5, field: "links[1]", saying: "neither end is a node of ours")
    }
}

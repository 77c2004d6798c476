import Testing
import Topology
import Wire

/// Two routers in a line behind h1, with `routes` as r1's routes from line 7 on:
///
///     1 name: t
///     2 nodes:
///     3   h1: {kind: host, gateway: 10.0.1.2}
///     4   r1:
///     5     kind: router
///     6     routes:
///     7       - {to: 10.0.3.0/24, via: 10.0.2.2}
///     8   r2: {kind: router, gateway: 10.0.2.1}
///     9 links:
///    10   - endpoints: [h1:eth0, r1:eth0]
///    11   - endpoints: [r1:eth1, r2:eth0]
///
/// h1:eth0 is 10.0.1.1/24, r1 10.0.1.2/24 and 10.0.2.1/24, r2:eth0 10.0.2.2/24. In a route
/// written `      - {to: X, via: Y}`, X starts at column 14.
private func routedYAML(_ routes: String...) -> String {
    let lines = routes.map { "      - \($0)\n" }.joined()
    return """
        name: t
        nodes:
          h1: {kind: host, gateway: 10.0.1.2}
          r1:
            kind: router
            routes:

        """ + lines + """
          r2: {kind: router, gateway: 10.0.2.1}
        links:
          - endpoints: [h1:eth0, r1:eth0]
          - endpoints: [r1:eth1, r2:eth0]

        """
}

private func route(_ text: String) throws -> StaticRoute {
    let (destination, nextHop) = (text.split(separator: " ")[0], text.split(separator: " ")[2])
    return StaticRoute(destination: try #require(IPv4Interface(String(destination))),
                       nextHop: try #require(IPv4Address(String(nextHop))))
}

@Suite("static routes")
struct RoutesTests {
    @Test func routesAreKeptInFileOrder() throws {
        let yaml = routedYAML("{to: 10.0.3.0/24, via: 10.0.2.2}", "{to: 0.0.0.0/0, via: 10.0.1.1}",
                              "{to: 172.16.0.0/12, via: 10.0.2.2}")
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        let r1 = try #require(topology.node(named: "r1"))
        #expect(r1.routes == [try route("10.0.3.0/24 via 10.0.2.2"), try route("0.0.0.0/0 via 10.0.1.1"),
                              try route("172.16.0.0/12 via 10.0.2.2")])
        #expect(r1.routes.map(\.description) == ["10.0.3.0/24 via 10.0.2.2", "0.0.0.0/0 via 10.0.1.1",
                                                 "172.16.0.0/12 via 10.0.2.2"])
        #expect(r1.gateway == nil)
        #expect(topology.node(named: "r2")?.gateway == IPv4Address(10, 0, 2, 1))
        #expect(topology.node(named: "r2")?.routes == [])
    }

    @Test func hostsMayHaveRoutesToo() throws {
        let yaml = routedYAML("{to: 10.0.3.0/24, via: 10.0.2.2}")
            .replacingOccurrences(of: "h1: {kind: host, gateway: 10.0.1.2}",
                                  with: "h1: {kind: host, routes: [{to: 10.0.2.0/24, via: 10.0.1.2}]}")
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        let h1 = try #require(topology.node(named: "h1"))
        #expect(h1.routes == [try route("10.0.2.0/24 via 10.0.1.2")])
        #expect(h1.gateway == nil)
    }

    @Test func routesInBlockStyle() throws {
        let yaml = routedYAML("to: 10.0.3.0/24\n        via: 10.0.2.2")
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        #expect(topology.node(named: "r1")?.routes == [try route("10.0.3.0/24 via 10.0.2.2")])
    }

    // MARK: Mistakes

    @Test func destinationWithHostBits() {
        expectRefusal(routedYAML("{to: 10.0.3.1/24, via: 10.0.2.2}"), line: 7, column: 14, field: "nodes.r1.routes[1].to",
                      saying: "'10.0.3.1/24' has bits set after the first 24; its network is 10.0.3.0/24; accepted: a network A.B.C.D/N")
    }

    @Test func destinationWithoutPrefixLength() {
        expectRefusal(routedYAML("{to: 10.0.3.0, via: 10.0.2.2}"), line: 7, column: 14, field: "nodes.r1.routes[1].to",
                      saying: "'10.0.3.0' is not a network with prefix length")
    }

    @Test func nextHopThatIsNotAnAddress() {
        expectRefusal(routedYAML("{to: 10.0.3.0/24, via: 10.0.2}"), line: 7, column: 32, field: "nodes.r1.routes[1].via",
                      saying: "'10.0.2' is not an IPv4 address; accepted: an IPv4 address A.B.C.D on one of the node's subnets")
    }

    @Test func nextHopOffEverySubnet() {
        expectRefusal(routedYAML("{to: 10.0.3.0/24, via: 10.0.9.1}"), line: 7, column: 32, field: "nodes.r1.routes[1].via",
                      saying: "10.0.9.1 is not on a subnet of any of r1's interfaces; accepted: an address in 10.0.1.0/24 or 10.0.2.0/24")
    }

    @Test func nextHopIsTheRoutersOwnAddress() {
        expectRefusal(routedYAML("{to: 10.0.3.0/24, via: 10.0.2.1}"), line: 7, column: 32, field: "nodes.r1.routes[1].via",
                      saying: "10.0.2.1 is r1's own address on eth1; accepted: the address of a neighbour")
    }

    @Test func gatewayIsTheHostsOwnAddress() {
        let yaml = routedYAML("{to: 10.0.3.0/24, via: 10.0.2.2}")
            .replacingOccurrences(of: "gateway: 10.0.1.2", with: "gateway: 10.0.1.1")
        expectRefusal(yaml, line: 3, column: 29, field: "nodes.h1.gateway", saying: "10.0.1.1 is h1's own address on eth0")
    }

    @Test func twoRoutesToOneNetwork() {
        expectRefusal(routedYAML("{to: 10.0.3.0/24, via: 10.0.2.2}", "{to: 10.0.3.0/24, via: 10.0.1.1}"),
                      line: 8, column: 14, field: "nodes.r1.routes[2].to",
                      saying: "a route to 10.0.3.0/24 is already given at line 7; accepted: one route per destination network")
    }

    @Test func routeWithoutNextHop() {
        expectRefusal(routedYAML("{to: 10.0.3.0/24}"), line: 7, column: 9, field: "nodes.r1.routes[1].via",
                      saying: "missing; accepted: an IPv4 address")
    }

    @Test func unknownKeyInARoute() {
        expectRefusal(routedYAML("{to: 10.0.3.0/24, gw: 10.0.2.2}"), line: 7, column: 27, field: "nodes.r1.routes[1].gw",
                      saying: "unknown key 'gw'; accepted: to, via")
    }

    @Test func routesGivenAsAMapping() {
        let yaml = routedYAML("{to: 10.0.3.0/24, via: 10.0.2.2}")
            .replacingOccurrences(of: "    routes:\n      - {to: 10.0.3.0/24, via: 10.0.2.2}\n",
                                  with: "    routes: {to: 10.0.3.0/24, via: 10.0.2.2}\n")
        expectRefusal(yaml, line: 6, column: 13, field: "nodes.r1.routes",
                      saying: "got a mapping; accepted: a sequence of routes")
    }

    @Test func routeWithoutInterfaces() {
        let yaml = "name: t\nnodes:\n  r1: {kind: router, routes: [{to: 10.0.0.0/8, via: 10.0.0.1}]}\nlinks: []\n"
        expectRefusal(yaml, line: 3, column: 53, field: "nodes.r1.routes[1].via",
                      saying: "accepted: no routes, since r1 has no interfaces with addresses")
    }
}

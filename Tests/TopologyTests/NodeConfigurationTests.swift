import Foundation
import SmartNIC
import Testing
import Topology
import Wire

/// A router between a host of ours and a linux node, with impairments and a route, so that a
/// configuration carries every kind of field.
private let routedYAML = """
    name: cfg
    defaults: {underlay: {base_port: 47700}}
    nodes:
      h1:
        kind: host
        gateway: 10.0.1.254
        nic: {mode: conventional, card_memory: 1MiB}
        tcp: {congestion: cubic}
        serve: {port: 8080}
        echo: true
        capture: true
      r1:
        kind: router
        interfaces:
          eth0: {address: 10.0.1.254/24}
          eth1: {address: 10.0.2.254/24}
        routes:
          - {to: 10.9.0.0/16, via: 10.0.2.1}
      l1: {kind: linux, gateway: 10.0.2.254}
      h2: {kind: host}
    links:
      - endpoints: [h1:eth0, r1:eth0]
        delay: 5ms
        jitter: 1ms
        loss: 1%
        mtu: 9000
      - endpoints: [r1:eth1, l1:eth0]
        rate: 10Mbit
      - endpoints: [h2:eth0, r1:eth2]

    """

@Suite("a node's resolved configuration")
struct NodeConfigurationTests {
    @Test func holdsTheNodeItsLinksAndWhichPeersAreNotOurs() throws {
        let topology = try Topology.parse(yaml: routedYAML, sourcePath: "cfg.yaml")
        let router = try #require(topology.configuration(of: "r1"))
        #expect(router.node == topology.node(named: "r1"))
        #expect(router.links.map(\.id) == [1, 2, 3])
        #expect(router.foreignPeers == ["l1"])
        let host = try #require(topology.configuration(of: "h1"))
        #expect(host.links == [try #require(topology.link(id: 1))])
        #expect(host.foreignPeers.isEmpty)
        #expect(host.link(id: 1)?.mtu == 9000)
        #expect(host.link(id: 2) == nil)
        #expect(topology.configuration(of: "nobody") == nil)
    }

    @Test func allAtOnceEqualsOneByOne() throws {
        let topology = try Topology.parse(yaml: routedYAML, sourcePath: "cfg.yaml")
        let all = topology.configurations()
        #expect(all.count == topology.nodes.count)
        for node in topology.nodes { #expect(all[node.name] == topology.configuration(of: node.name)) }
    }

    @Test func survivesJSONFieldForField() throws {
        let topology = try Topology.parse(yaml: routedYAML, sourcePath: "cfg.yaml")
        for node in topology.nodes {
            let configuration = try #require(topology.configuration(of: node.name))
            let data = try JSONEncoder().encode(configuration)
            #expect(try JSONDecoder().decode(NodeConfiguration.self, from: data) == configuration)
            // LinkSpec's hash is spelt out by hand: the impairments must survive too.
            let decoded = try JSONDecoder().decode(NodeConfiguration.self, from: data)
            #expect(decoded.links.map(\.aToB) == configuration.links.map(\.aToB))
        }
    }

    @Test func addressesAreWrittenAsPeopleWriteThem() throws {
        let topology = try Topology.parse(yaml: routedYAML, sourcePath: "cfg.yaml")
        let data = try JSONEncoder().encode(try #require(topology.configuration(of: "r1")))
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""10.0.1.254\/24""#) || text.contains(#""10.0.1.254/24""#))
        #expect(text.contains(#""10.0.2.1""#))
        #expect(text.contains(#""02:00:00:00:"#))
    }

    @Test(arguments: [#""10.0.0.256""#, #""10.0.0""#, #"12"#, #""""#])
    func aBadAddressIsRefusedWithWhatItIs(json: String) {
        #expect {
            try JSONDecoder().decode(IPv4Address.self, from: Data(json.utf8))
        } throws: { error in
            guard case DecodingError.dataCorrupted(let context) = error else {
                return json == "12" // a number where text belongs: a type mismatch, also refused
            }
            return context.debugDescription.contains("is not an IPv4 address")
        }
    }

    @Test func aBadMACOrPrefixIsRefused() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(MACAddress.self, from: Data(#""02:00:00:00:00""#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(IPv4Interface.self, from: Data(#""10.0.0.1/33""#.utf8)) }
        #expect(throws: Never.self) { try JSONDecoder().decode(IPv4Interface.self, from: Data(#""10.0.0.1/32""#.utf8)) }
    }
}

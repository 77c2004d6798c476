import Testing
import Topology
import Wire

private func addresses(_ topology: Topology, _ node: String) -> [String?] {
    topology.node(named: node)?.interfaces.map(\.address?.description) ?? []
}

/// Addresses assigned per layer-2 segment, and the segment rules.
@Suite("layer-2 segments and their addresses")
struct SegmentsTests {
    /// Four hosts on one switch; h3's link is written switch first.
    ///
    ///     1 name: star
    ///     2 nodes:
    ///     3   s1: {kind: switch}
    ///     4   h1: {kind: host}
    ///     5   h2: {kind: host}
    ///     6   h3: {kind: host}
    ///     7   h4: {kind: host}
    ///     8 links:
    ///     9   - endpoints: [h1:eth0, s1:p1]
    ///    10   - endpoints: [h2:eth0, s1:p2]
    ///    11   - endpoints: [s1:p3, h3:eth0]
    ///    12   - endpoints: [h4:eth0, s1:p4]
    static let star = """
        name: star
        nodes:
          s1: {kind: switch}
          h1: {kind: host}
          h2: {kind: host}
          h3: {kind: host}
          h4: {kind: host}
        links:
          - endpoints: [h1:eth0, s1:p1]
          - endpoints: [h2:eth0, s1:p2]
          - endpoints: [s1:p3, h3:eth0]
          - endpoints: [h4:eth0, s1:p4]

        """

    @Test func aStarOfFourHostsIsOneSubnet() throws {
        let topology = try Topology.parse(yaml: Self.star, sourcePath: "star.yaml", basePortOverride: 40000)
        #expect(["h1", "h2", "h3", "h4"].map { addresses(topology, $0) }
                    == [["10.0.1.1/24"], ["10.0.1.2/24"], ["10.0.1.3/24"], ["10.0.1.4/24"]])
        let s1 = try #require(topology.node(named: "s1"))
        #expect(s1.interfaces.map(\.name) == ["p1", "p2", "p3", "p4"])
        #expect(s1.interfaces.allSatisfy { $0.address == nil })
        #expect(s1.interfaces.map(\.mac.description)
                    == ["02:00:00:00:01:00", "02:00:00:00:01:01", "02:00:00:00:01:02", "02:00:00:00:01:03"])
        #expect(s1.interfaces.map(\.localPort) == [40001, 40003, 40004, 40007])
        #expect(s1.interfaces.map(\.peerPort) == [40000, 40002, 40005, 40006])
    }

    @Test func pointToPointLinksAreNumberedAsBefore() throws {
        let yaml = """
            name: chain
            nodes:
              a: {kind: host}
              r: {kind: router}
              b: {kind: host}
            links:
              - endpoints: [a:eth0, r:eth0]
              - endpoints: [b:eth0, r:eth1]
              - endpoints: [r:eth2, b:eth1]

            """
        let topology = try Topology.parse(yaml: yaml, sourcePath: "chain.yaml")
        #expect(addresses(topology, "a") == ["10.0.1.1/24"])
        #expect(addresses(topology, "r") == ["10.0.1.2/24", "10.0.2.2/24", "10.0.3.1/24"])
        #expect(addresses(topology, "b") == ["10.0.2.1/24", "10.0.3.2/24"])
    }

    @Test func aTreeOfSwitchesIsOneSegmentNumberedByItsFirstLink() throws {
        let yaml = """
            name: t
            nodes:
              a: {kind: host}
              b: {kind: router}
              s1: {kind: switch}
              s2: {kind: switch}
              h1: {kind: host}
              h2: {kind: host}
              h3: {kind: host}
            links:
              - endpoints: [a:eth0, b:eth0]
              - endpoints: [h1:eth0, s1:p1]
              - endpoints: [s1:p2, s2:p1]
              - endpoints: [s2:p2, h2:eth0]
              - endpoints: [b:eth1, s2:p3]
              - endpoints: [h3:eth0, s1:p3]
              - endpoints: [b:eth2, a:eth1]

            """
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        #expect(addresses(topology, "a") == ["10.0.1.1/24", "10.0.7.2/24"])
        #expect(addresses(topology, "b") == ["10.0.1.2/24", "10.0.2.3/24", "10.0.7.1/24"])
        #expect(addresses(topology, "h1") == ["10.0.2.1/24"])
        #expect(addresses(topology, "h2") == ["10.0.2.2/24"])
        #expect(addresses(topology, "h3") == ["10.0.2.4/24"])
    }

    @Test func aSegmentKeepsItsNumberWhenOtherLinksComeBetween() throws {
        let yaml = """
            name: t
            nodes:
              s1: {kind: switch}
              h1: {kind: host}
              h2: {kind: host}
              h3: {kind: host}
              h4: {kind: host}
            links:
              - endpoints: [h1:eth0, s1:p1]
              - endpoints: [h2:eth0, h3:eth0]
              - endpoints: [s1:p2, h4:eth0]

            """
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        #expect(addresses(topology, "h1") == ["10.0.1.1/24"])
        #expect(addresses(topology, "h4") == ["10.0.1.2/24"])
        #expect(addresses(topology, "h2") == ["10.0.2.1/24"])
        #expect(addresses(topology, "h3") == ["10.0.2.2/24"])
    }

    @Test func writtenAddressesTakeTheirPlaceOnASegment() throws {
        // h2 writes .100 in the assigned subnet; the others keep the numbers of their positions.
        let yaml = Self.star.replacingOccurrences(of: "h2: {kind: host}",
                                                  with: "h2: {kind: host, interfaces: {eth0: {address: 10.0.1.100/24}}}")
        let topology = try Topology.parse(yaml: yaml, sourcePath: "star.yaml")
        #expect(["h1", "h2", "h3", "h4"].flatMap { addresses(topology, $0) }
                    == ["10.0.1.1/24", "10.0.1.100/24", "10.0.1.3/24", "10.0.1.4/24"])
    }

    @Test func aSegmentMayUseItsOwnSubnetWhenEveryAddressIsWritten() throws {
        var yaml = Self.star
        for (index, host) in ["h1", "h2", "h3", "h4"].enumerated() {
            yaml = yaml.replacingOccurrences(of: "\(host): {kind: host}",
                                             with: "\(host): {kind: host, interfaces: {eth0: {address: 192.168.7.\(index + 10)/24}}}")
        }
        let topology = try Topology.parse(yaml: yaml, sourcePath: "star.yaml")
        #expect(addresses(topology, "h4") == ["192.168.7.13/24"])
    }

    @Test func switchesWithoutHostsNeedNoAddresses() throws {
        let yaml = "name: t\nnodes:\n  s1: {kind: switch}\n  s2: {kind: switch}\nlinks:\n  - endpoints: [s1:p1, s2:p1]\n"
        let topology = try Topology.parse(yaml: yaml, sourcePath: "test.yaml")
        #expect(topology.nodes.flatMap(\.interfaces).map(\.address) == [nil, nil])
    }

    @Test func oneMTUAcrossASwitchSegmentIsFine() throws {
        let yaml = Self.star.replacingOccurrences(of: "s1:p1]\n", with: "s1:p1]\n    mtu: 9000\n")
        let withDefaults = "defaults:\n  link: {mtu: 9000}\n" + Self.star
        let topology = try Topology.parse(yaml: withDefaults, sourcePath: "star.yaml")
        #expect(topology.nodes.flatMap(\.interfaces).allSatisfy { $0.mtu == 9000 })
        // Only link 1 at 9000 is not fine; see mtuDiffersOnASwitchSegment.
        #expect(throws: TopologyError.self) { try Topology.parse(yaml: yaml, sourcePath: "star.yaml") }
    }

    // MARK: Mistakes

    @Test func aLoopOfThreeSwitchesNamesItsLinks() throws {
        let yaml = """
            name: t
            nodes:
              s1: {kind: switch}
              s2: {kind: switch}
              s3: {kind: switch}
              h1: {kind: host}
            links:
              - endpoints: [h1:eth0, s1:p0]
              - endpoints: [s1:p1, s2:p1]
              - endpoints: [s2:p2, s3:p1]
              - endpoints: [s3:p2, s1:p2]

            """
        let error = try #require(expectRefusal(
            yaml, line: 11, column: 5, field: "links[4]",
            saying: "link 4 closes a loop of switches: link 3 (s2:p2–s3:p1), link 2 (s1:p1–s2:p1), link 4 (s3:p2–s1:p2); switch loops are not supported"))
        #expect(error.message.hasSuffix("accepted: switches cabled as a tree, with one path between any two; remove one of links 2, 3, 4"))
    }

    @Test func aSwitchCabledToItself() {
        let yaml = "name: t\nnodes:\n  s1: {kind: switch}\nlinks:\n  - endpoints: [s1:p1, s1:p2]\n"
        expectRefusal(yaml, line: 5, column: 5, field: "links[1]",
                      saying: "link 1 closes a loop of switches: link 1 (s1:p1–s1:p2); switch loops are not supported")
    }

    @Test func twoLinksBetweenTheSameSwitches() {
        let yaml = "name: t\nnodes:\n  s1: {kind: switch}\n  s2: {kind: switch}\nlinks:\n  - endpoints: [s1:p1, s2:p1]\n  - endpoints: [s2:p2, s1:p2]\n"
        expectRefusal(yaml, line: 7, column: 5, field: "links[2]",
                      saying: "link 1 (s1:p1–s2:p1), link 2 (s2:p2–s1:p2); switch loops are not supported")
    }

    @Test func addressOffTheSegmentsSubnet() {
        let yaml = Self.star.replacingOccurrences(of: "h3: {kind: host}",
                                                  with: "h3: {kind: host, interfaces: {eth0: {address: 10.0.3.3/24}}}")
        expectRefusal(yaml, line: 6, column: 49, field: "nodes.h3.interfaces.eth0.address",
                      saying: "h1:eth0 10.0.1.1/24 (assigned by switch s1's segment) and h3:eth0 10.0.3.3/24 are on one layer-2 segment, switch s1 (links 1, 2, 3, 4), but not on the same subnet; accepted: every host and router interface on a switch segment in one subnet")
    }

    @Test func firstAddressOffTheSegmentIsBlamedWhenTheOthersAreAssigned() {
        let yaml = Self.star.replacingOccurrences(of: "h1: {kind: host}",
                                                  with: "h1: {kind: host, interfaces: {eth0: {address: 10.9.0.1/24}}}")
        expectRefusal(yaml, line: 4, column: 49, field: "nodes.h1.interfaces.eth0.address",
                      saying: "h1:eth0 10.9.0.1/24 and h2:eth0 10.0.1.2/24 (assigned by switch s1's segment) are on one layer-2 segment")
    }

    @Test func addressUsedTwiceOnASegment() {
        let yaml = Self.star.replacingOccurrences(of: "h4: {kind: host}",
                                                  with: "h4: {kind: host, interfaces: {eth0: {address: 10.0.1.2/24}}}")
        expectRefusal(yaml, line: 7, column: 49, field: "nodes.h4.interfaces.eth0.address",
                      saying: "h4:eth0 10.0.1.2/24 has the address of h2:eth0 10.0.1.2/24 (assigned by switch s1's segment) at line 10")
    }

    @Test func mtuDiffersOnASwitchSegment() {
        let yaml = Self.star.replacingOccurrences(of: "[s1:p3, h3:eth0]\n", with: "[s1:p3, h3:eth0]\n    mtu: 9000\n")
        expectRefusal(yaml, line: 12, column: 10, field: "links[3].mtu",
                      saying: "link 3 has mtu 9000 but link 1 on the same segment, switch s1 (links 1, 2, 3, 4), has mtu 1500; a switch cannot fragment")
    }

    @Test func overlappingSubnetsOnOneRouter() {
        let yaml = """
            name: t
            nodes:
              r1:
                kind: router
                interfaces:
                  eth1: {address: 10.0.0.1/16}
              a: {kind: host, interfaces: {eth0: {address: 10.0.0.2/16}}}
              b: {kind: host}
            links:
              - endpoints: [b:eth0, r1:eth0]
              - endpoints: [r1:eth1, a:eth0]

            """
        expectRefusal(yaml, line: 6, column: 23, field: "nodes.r1.interfaces.eth1.address",
                      saying: "r1:eth1 10.0.0.1/16 and r1:eth0 10.0.1.2/24 (assigned by link 1) are on different segments but overlapping subnets")
    }

    @Test func moreHostsThanASlash24Holds() {
        var yaml = "name: t\nnodes:\n  s1: {kind: switch}\n"
        for index in 1...255 { yaml += "  h\(index): {kind: host}\n" }
        yaml += "links:\n"
        for index in 1...255 { yaml += "  - endpoints: [h\(index):eth0, s1:p\(index)]\n" }
        // Node lines 4...258, "links:" on 259, link k on line 259 + k.
        expectRefusal(yaml, line: 514, column: 17, field: "links[255].endpoints[1]",
                      saying: "'h255:eth0' is interface 255 on the segment of switch s1 (links 1, 2,")
    }
}

import SmartNIC
import Wire

/// Gives every interface what the file leaves out — an address, a MAC, underlay ports — and
/// checks that the result can work: every segment on one subnet, nothing used twice, next
/// hops reachable, queues that hold a frame. Each node's NIC settings are completed from
/// `NICConfiguration`'s defaults and checked as a whole here too.
///
/// Assignments depend only on positions in the file (link id, node index, interface index),
/// so every node process that reads the same file derives the same plan on its own.
struct AddressPlan {
    /// Segment k gets 10.0.k.0/24; the third octet limits this to segments numbered 1...255.
    static let assignedLinkLimit = 255
    /// .1 to .254 of a /24; .255 is its broadcast address.
    static let assignedHostLimit = 254
    /// Bytes of Ethernet header a frame carries on top of its MTU-sized packet.
    static let ethernetHeader = 14

    let topology: Topology

    init(_ draft: TopologyDraft, cabling: Cabling, sourcePath: String) throws(TopologyError) {
        let ports = try Self.underlayPorts(draft)
        let segments = try Segments(draft)
        var kinds: [String: NodeKind] = [:]
        for node in draft.nodes { kinds[node.name.value] = node.kind }
        let links = try Self.links(draft, segments: segments, kinds: kinds)
        let addresses = try Self.segmentAddresses(draft, segments: segments)
        try Self.checkUnique(addresses: addresses, cabling: cabling, draft: draft)
        let macs = try Self.macAddresses(draft, cabling: cabling)

        var nodes: [NodeSpec] = []
        for (nodeIndex, node) in draft.nodes.enumerated() {
            var interfaces: [InterfaceSpec] = []
            for (portIndex, port) in cabling.ports[nodeIndex].enumerated() {
                let (a, b) = ports[port.link - 1]
                var (local, peer) = port.side == .a ? (a, b) : (b, a)
                var (localHost, peerHost) = (draft.underlayHost, draft.underlayHost)
                let link = links[port.link - 1]
                if kinds[link.a.node] == .linux || kinds[link.b.node] == .linux {
                    let pair = LinuxUnderlay.addresses(port: a)
                    let (ours, linux) = (pair.ours.description, pair.linux.description)
                    (localHost, peerHost) = node.kind == .linux ? (linux, ours) : (ours, linux)
                    (local, peer) = (a, a)
                }
                let endpoint = Endpoint(node: node.name.value, interface: port.name)
                interfaces.append(InterfaceSpec(
                    name: port.name, mac: macs[nodeIndex][portIndex], address: addresses[endpoint]?.value,
                    link: port.link, localHost: localHost, localPort: local, peerHost: peerHost, peerPort: peer,
                    mtu: link.mtu))
            }
            if let gateway = node.gateway {
                try Self.checkNextHop(gateway, of: node.name.value, interfaces: interfaces, what: "gateway")
            }
            for route in node.routes {
                try Self.checkNextHop(route.nextHop, of: node.name.value, interfaces: interfaces, what: "routes")
            }
            try Self.checkSubnetsApart(node: node.name.value, ports: cabling.ports[nodeIndex],
                                       addresses: addresses, segments: segments)
            let nic = try node.nic.configuration(node: node.name.value)
            nodes.append(NodeSpec(name: node.name.value, kind: node.kind, gateway: node.gateway?.value,
                                  interfaces: interfaces, congestion: node.congestion, tcpLimits: node.tcpLimits, nic: nic,
                                  routes: node.routes.map(\.route), capture: node.capture, serve: node.serve,
                                  serveLimits: node.serveLimits, echo: node.echo, container: node.container))
        }
        topology = Topology(name: draft.name, sourcePath: sourcePath, underlayHost: draft.underlayHost,
                            basePort: draft.basePort, nodes: nodes, links: links)
    }

    /// Link k's ends use base + 2(k-1) and base + 2(k-1) + 1, so that ports are known from the
    /// file alone and no node has to ask another which port it got.
    private static func underlayPorts(_ draft: TopologyDraft) throws(TopologyError) -> [(UInt16, UInt16)] {
        var ports: [(UInt16, UInt16)] = []
        for link in draft.links {
            let a = Int(draft.basePort) + 2 * (link.id - 1)
            guard let portA = UInt16(exactly: a), let portB = UInt16(exactly: a + 1) else {
                throw link.field.error(
                    "link \(link.id) would need UDP ports \(a) and \(a + 1) with base_port \(draft.basePort)",
                    accepted: "base_port + 2 × links − 1 ≤ 65535; lower base_port or use fewer links")
            }
            ports.append((portA, portB))
        }
        return ports
    }

    /// Each link with its impairments and MTU settled. A queue must hold one full-size frame
    /// (else the rate limiter drops every such frame), and the links of a switch segment must
    /// share an MTU (a switch cannot fragment, so it would drop the larger frames).
    private static func links(_ draft: TopologyDraft, segments: Segments,
                              kinds: [String: NodeKind]) throws(TopologyError) -> [LinkSpec] {
        func mtu(_ link: LinkDraft) -> Int { link.mtu?.value ?? InterfaceSpec.defaultMTU }
        var links: [LinkSpec] = []
        for link in draft.links {
            try checkEnds(link, kinds: kinds)
            let frame = mtu(link) + ethernetHeader
            for direction in [link.aToB, link.bToA] {
                guard direction.impairments.queueLimit < frame, let queue = direction.changes[.queue] else { continue }
                throw queue.field.error(
                    "a queue of \(direction.impairments.queueLimit) bytes cannot hold one full-size frame of link \(link.id) (\(frame) bytes: mtu \(mtu(link)) and the \(ethernetHeader)-byte Ethernet header), so the rate limiter would drop every such frame",
                    accepted: "a queue of at least \(frame) bytes for this link's mtu")
            }
            links.append(LinkSpec(id: link.id, a: link.a.value, b: link.b.value,
                                  aToB: link.aToB.impairments, bToA: link.bToA.impairments, mtu: mtu(link),
                                  encapsulation: link.encapsulation?.value ?? .vxlan))
        }
        for segment in segments.list where segment.isSwitched {
            let first = draft.links[segment.links[0] - 1]
            for id in segment.links.dropFirst() {
                let link = draft.links[id - 1]
                guard mtu(link) != mtu(first) else { continue }
                // Point at a value the user wrote: this link's mtu if written, else the first's.
                let blamed = link.mtu?.field ?? first.mtu?.field ?? link.field
                throw blamed.error(
                    "link \(id) has mtu \(mtu(link)) but link \(first.id) on the same segment, \(segment.summary), has mtu \(mtu(first)); a switch cannot fragment, so it would drop the larger frames",
                    accepted: "one mtu for every link of a switch segment")
            }
        }
        return links
    }

    /// A link needs one of our nodes at an end (someone has to carry its frames), and a link to
    /// a Linux node is VXLAN: that is what a Linux device speaks.
    private static func checkEnds(_ link: LinkDraft, kinds: [String: NodeKind]) throws(TopologyError) {
        let ends = [link.a.value, link.b.value]
        if let kind = kinds[link.a.value.node], let other = kinds[link.b.value.node], !kind.runsOurStack, !other.runsOurStack {
            throw link.field.error(
                "link \(link.id) joins \(ends[0]) (\(kind.rawValue)) to \(ends[1]) (\(other.rawValue)), and neither end is a node of ours to carry its frames",
                accepted: "a host, router or switch at one end or both; put a switch between them")
        }
        if let linux = ends.first(where: { kinds[$0.node] == .linux }), let encapsulation = link.encapsulation,
           encapsulation.value != .vxlan {
            throw encapsulation.field.error(
                "\(linux) is a linux node, whose interfaces are VXLAN devices",
                accepted: "encap: vxlan (or no encap) on links to linux nodes")
        }
    }

    /// Where each address came from, so that a clash can point at the right line.
    struct Source {
        var value: IPv4Interface
        var field: YAMLField
        /// What assigned it (`link 3`, `switch s1's segment`); nil when written in the file.
        var assignedBy: String?
        var segment: Int
    }

    /// Segment k's hosts and routers get 10.0.k.1/24, .2, … in the order of `members`; an
    /// address written in the file takes the place of the one its position would get.
    private static func segmentAddresses(_ draft: TopologyDraft,
                                         segments: Segments) throws(TopologyError) -> [Endpoint: Source] {
        var declared: [Endpoint: Written<IPv4Interface>] = [:]
        for node in draft.nodes {
            for interface in node.interfaces {
                if let address = interface.address {
                    declared[Endpoint(node: node.name.value, interface: interface.name.value)] = address
                }
            }
        }
        var addresses: [Endpoint: Source] = [:]
        for segment in segments.list {
            let assigner = segment.isSwitched ? "switch \(segment.switches[0])'s segment" : "link \(segment.number)"
            var sources: [(Endpoint, Source)] = []
            for (position, member) in segment.members.enumerated() {
                if let address = declared[member.endpoint] {
                    sources.append((member.endpoint, Source(value: address.value, field: address.field,
                                                            assignedBy: nil, segment: segment.number)))
                    continue
                }
                let writeOne = "an address under nodes.\(member.endpoint.node).interfaces.\(member.endpoint.interface).address"
                guard segment.number <= assignedLinkLimit, let third = UInt8(exactly: segment.number) else {
                    let problem = segment.isSwitched
                        ? "the segment of \(segment.summary) has no address for '\(member.endpoint)', and only segments whose first link is 1...\(assignedLinkLimit) get one assigned"
                        : "link \(segment.number) has no address for '\(member.endpoint)', and only links 1...\(assignedLinkLimit) get one assigned"
                    throw member.field.error(problem, accepted: writeOne)
                }
                guard position < assignedHostLimit, let host = UInt8(exactly: position + 1) else {
                    throw member.field.error(
                        "'\(member.endpoint)' is interface \(position + 1) on the segment of \(segment.summary), and only \(assignedHostLimit) fit in its assigned 10.0.\(segment.number).0/24",
                        accepted: "\(writeOne), in a subnet large enough for the segment")
                }
                sources.append((member.endpoint, Source(
                    value: IPv4Interface(address: IPv4Address(10, 0, third, host), prefixLength: 24),
                    field: member.field, assignedBy: assigner, segment: segment.number)))
            }
            guard let (firstEnd, first) = sources.first else { continue }
            for (end, other) in sources.dropFirst()
            where other.value.network != first.value.network || other.value.prefixLength != first.value.prefixLength {
                // Point at a value the user wrote: the later one's if written, else the first's.
                let blamed = other.assignedBy == nil ? other : first
                if segment.isSwitched {
                    throw blamed.field.error(
                        "\(describe(first, firstEnd)) and \(describe(other, end)) are on one layer-2 segment, \(segment.summary), but not on the same subnet",
                        accepted: "every host and router interface on a switch segment in one subnet with the same prefix length; give all of them an address, or none")
                }
                throw blamed.field.error(
                    "link \(segment.number)'s ends \(describe(first, firstEnd)) and \(describe(other, end)) are not on the same subnet",
                    accepted: "both ends in one subnet with the same prefix length; give both ends an address, or neither")
            }
            for (end, source) in sources { addresses[end] = source }
        }
        return addresses
    }

    private static func describe(_ source: Source, _ endpoint: Endpoint) -> String {
        let origin = source.assignedBy.map { " (assigned by \($0))" } ?? ""
        return "\(endpoint) \(source.value)\(origin)"
    }

    /// A gateway or route's next hop must be a neighbour: on one of the node's subnets, and
    /// not the node itself (which would send the packets back to itself).
    private static func checkNextHop(_ hop: Written<IPv4Address>, of node: String, interfaces: [InterfaceSpec],
                                     what: String) throws(TopologyError) {
        let addressed = interfaces.compactMap { interface in interface.address.map { (interface.name, $0) } }
        if let (name, _) = addressed.first(where: { $0.1.address == hop.value }) {
            throw hop.field.error("\(hop.value) is \(node)'s own address on \(name)",
                                  accepted: "the address of a neighbour on one of \(node)'s subnets")
        }
        guard addressed.contains(where: { $0.1.contains(hop.value) }) else {
            let subnets = addressed.map { "\($0.1.network)/\($0.1.prefixLength)" }
            throw hop.field.error(
                "\(hop.value) is not on a subnet of any of \(node)'s interfaces",
                accepted: subnets.isEmpty
                    ? "no \(what), since \(node) has no interfaces with addresses"
                    : "an address in \(subnets.joined(separator: " or "))")
        }
    }

    /// One node's interfaces on different segments must have subnets that do not overlap:
    /// otherwise the node cannot tell which interface reaches an address in both.
    private static func checkSubnetsApart(node: String, ports: [Cabling.Port], addresses: [Endpoint: Source],
                                          segments: Segments) throws(TopologyError) {
        let mine = ports.compactMap { port -> (Endpoint, Source)? in
            let endpoint = Endpoint(node: node, interface: port.name)
            return addresses[endpoint].map { (endpoint, $0) }
        }
        for (index, (end, source)) in mine.enumerated() {
            for (earlierEnd, earlier) in mine.prefix(index) where earlier.segment != source.segment {
                let (x, y) = (earlier.value, source.value)
                guard x.contains(y.network) || y.contains(x.network) else { continue }
                let blamed = source.assignedBy == nil ? source : earlier
                throw blamed.field.error(
                    "\(describe(earlier, earlierEnd)) and \(describe(source, end)) are on different segments but overlapping subnets, so \(node) could not tell which of them reaches an address in both",
                    accepted: "subnets that do not overlap, one per segment a node is cabled to")
            }
        }
    }

    private static func checkUnique(addresses: [Endpoint: Source], cabling: Cabling,
                                    draft: TopologyDraft) throws(TopologyError) {
        var owners: [IPv4Address: (Endpoint, Source)] = [:]
        for (nodeIndex, node) in draft.nodes.enumerated() {
            for port in cabling.ports[nodeIndex] {
                let endpoint = Endpoint(node: node.name.value, interface: port.name)
                guard let source = addresses[endpoint] else { continue }
                if let (owner, earlier) = owners[source.value.address] {
                    throw source.field.error(
                        "\(describe(source, endpoint)) has the address of \(describe(earlier, owner)) at line \(earlier.field.node.mark?.line ?? 0)",
                        accepted: "an address no other interface in the topology has")
                }
                owners[source.value.address] = (endpoint, source)
            }
        }
    }

    /// An unset MAC is 02:00:00:NN:NN:II, NNNN the node's 1-based index and II the
    /// interface's 0-based index in it: locally administered (the 02), and readable.
    private static func macAddresses(_ draft: TopologyDraft,
                                     cabling: Cabling) throws(TopologyError) -> [[MACAddress]] {
        var owners: [MACAddress: (Endpoint, YAMLField)] = [:]
        var macs: [[MACAddress]] = []
        for (nodeIndex, node) in draft.nodes.enumerated() {
            var list: [MACAddress] = []
            for (portIndex, port) in cabling.ports[nodeIndex].enumerated() {
                let endpoint = Endpoint(node: node.name.value, interface: port.name)
                let mac: MACAddress
                let field: YAMLField
                if let declared = port.declared?.mac {
                    (mac, field) = (declared.value, declared.field)
                } else {
                    field = port.declared?.name.field ?? port.endpoint
                    guard let number = UInt16(exactly: nodeIndex + 1), let slot = UInt8(exactly: portIndex) else {
                        throw field.error("too many nodes or interfaces to assign '\(endpoint)' a MAC",
                                          accepted: "a mac under nodes.\(node.name.value).interfaces.\(port.name).mac")
                    }
                    mac = MACAddress(0x02, 0, 0, UInt8(number >> 8), UInt8(number & 0xff), slot)
                }
                if let (owner, earlier) = owners[mac] {
                    throw field.error(
                        "MAC \(mac) of '\(endpoint)' is also that of '\(owner)' at line \(earlier.node.mark?.line ?? 0)",
                        accepted: "a MAC no other interface in the topology has")
                }
                owners[mac] = (endpoint, field)
                list.append(mac)
            }
            macs.append(list)
        }
        return macs
    }
}

import SmartNIC
import Wire

/// Gives every interface what the file leaves out — an address, a MAC, underlay ports — and
/// checks that the result can work: both ends of a link on one subnet, nothing used twice,
/// gateways reachable. Each node's NIC settings are completed from `NICConfiguration`'s
/// defaults and checked as a whole here too.
///
/// Assignments depend only on positions in the file (link id, node index, interface index),
/// so every node process that reads the same file derives the same plan on its own.
struct AddressPlan {
    /// Link k gets 10.0.k.0/24; the third octet limits this to links 1...255.
    static let assignedLinkLimit = 255

    let topology: Topology

    init(_ draft: TopologyDraft, cabling: Cabling, sourcePath: String) throws(TopologyError) {
        let ports = try Self.underlayPorts(draft)
        let addresses = try Self.linkAddresses(draft, cabling: cabling)
        try Self.checkUnique(addresses: addresses, cabling: cabling, draft: draft)
        let macs = try Self.macAddresses(draft, cabling: cabling)

        var nodes: [NodeSpec] = []
        for (nodeIndex, node) in draft.nodes.enumerated() {
            var interfaces: [InterfaceSpec] = []
            for (portIndex, port) in cabling.ports[nodeIndex].enumerated() {
                let (a, b) = ports[port.link - 1]
                let (local, peer) = port.side == .a ? (a, b) : (b, a)
                let endpoint = Endpoint(node: node.name.value, interface: port.name)
                guard let address = addresses[endpoint]?.value else { continue }
                interfaces.append(InterfaceSpec(
                    name: port.name, mac: macs[nodeIndex][portIndex], address: address, link: port.link,
                    localPort: local, peerHost: draft.underlayHost, peerPort: peer))
            }
            if let gateway = node.gateway,
               !interfaces.contains(where: { $0.address.contains(gateway.value) }) {
                let subnets = interfaces.map { "\($0.address.network)/\($0.address.prefixLength)" }
                throw gateway.field.error(
                    "\(gateway.value) is not on a subnet of any of \(node.name.value)'s interfaces",
                    accepted: subnets.isEmpty
                        ? "no gateway, since \(node.name.value) has no interfaces"
                        : "an address in \(subnets.joined(separator: " or "))")
            }
            let nic = try node.nic.configuration(node: node.name.value)
            nodes.append(NodeSpec(name: node.name.value, kind: node.kind, gateway: node.gateway?.value,
                                  interfaces: interfaces, congestion: node.congestion, nic: nic))
        }
        let links = draft.links.map { LinkSpec(id: $0.id, a: $0.a.value, b: $0.b.value) }
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

    /// Where each address came from, so that a clash can point at the right line.
    struct Source {
        var value: IPv4Interface
        var field: YAMLField
        var assignedBy: Int?
    }

    private static func linkAddresses(_ draft: TopologyDraft,
                                      cabling: Cabling) throws(TopologyError) -> [Endpoint: Source] {
        var declared: [Endpoint: Written<IPv4Interface>] = [:]
        for node in draft.nodes {
            for interface in node.interfaces {
                if let address = interface.address {
                    declared[Endpoint(node: node.name.value, interface: interface.name.value)] = address
                }
            }
        }
        var addresses: [Endpoint: Source] = [:]
        for link in draft.links {
            var ends: [Source] = []
            for (host, end) in [(UInt8(1), link.a), (UInt8(2), link.b)] {
                if let address = declared[end.value] {
                    ends.append(Source(value: address.value, field: address.field, assignedBy: nil))
                    continue
                }
                guard link.id <= assignedLinkLimit, let third = UInt8(exactly: link.id) else {
                    throw end.field.error(
                        "link \(link.id) has no address for '\(end.value)', and only links 1...\(assignedLinkLimit) get one assigned",
                        accepted: "an address under nodes.\(end.value.node).interfaces.\(end.value.interface).address")
                }
                ends.append(Source(value: IPv4Interface(address: IPv4Address(10, 0, third, host), prefixLength: 24),
                                   field: end.field, assignedBy: link.id))
            }
            let (a, b) = (ends[0], ends[1])
            if a.value.network != b.value.network || a.value.prefixLength != b.value.prefixLength {
                // Point at a value the user wrote: b's if written, else a's.
                let blamed = b.assignedBy == nil ? b : a
                throw blamed.field.error(
                    "link \(link.id)'s ends \(describe(a, link.a.value)) and \(describe(b, link.b.value)) are not on the same subnet",
                    accepted: "both ends in one subnet with the same prefix length; give both ends an address, or neither")
            }
            addresses[link.a.value] = a
            addresses[link.b.value] = b
        }
        return addresses
    }

    private static func describe(_ source: Source, _ endpoint: Endpoint) -> String {
        let origin = source.assignedBy.map { " (assigned by link \($0))" } ?? ""
        return "\(endpoint) \(source.value)\(origin)"
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

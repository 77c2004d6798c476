/// Which interface each link plugs into, checked so that every link has two real ends and
/// every interface at most one link.
struct Cabling {
    enum Side { case a, b }

    /// An interface with the link end it is plugged into.
    struct Port {
        var name: String
        /// Nil for an interface that appears only in a link.
        var declared: InterfaceDraft?
        var link: Int
        var side: Side
        var endpoint: YAMLField
    }

    /// Per node, in the order of `draft.nodes`; within a node, declared interfaces first in
    /// file order, then link-only ones in the order links mention them.
    let ports: [[Port]]

    init(_ draft: TopologyDraft) throws(TopologyError) {
        var nodeIndex: [String: Int] = [:]
        for (index, node) in draft.nodes.enumerated() { nodeIndex[node.name.value] = index }
        let knownNodes = draft.nodes.map(\.name.value).joined(separator: ", ")

        var cabled: [Endpoint: (link: Int, side: Side, field: YAMLField)] = [:]
        var linkOnly: [[Endpoint]] = Array(repeating: [], count: draft.nodes.count)
        for link in draft.links {
            for (side, end) in [(Side.a, link.a), (Side.b, link.b)] {
                guard let index = nodeIndex[end.value.node] else {
                    throw end.field.error("no node named '\(end.value.node)'",
                                          accepted: "one of the nodes: \(knownNodes)")
                }
                if let earlier = cabled[end.value] {
                    if earlier.link == link.id {
                        throw end.field.error("'\(end.value)' is cabled to itself",
                                              accepted: "two different interfaces (a node may be cabled to itself through two of its own)")
                    }
                    throw end.field.error(
                        "'\(end.value)' is already cabled by link \(earlier.link) at line \(earlier.field.node.mark?.line ?? 0)",
                        accepted: "one link per interface; give the node another interface")
                }
                cabled[end.value] = (link.id, side, end.field)
                let declared = draft.nodes[index].interfaces.contains { $0.name.value == end.value.interface }
                if !declared { linkOnly[index].append(end.value) }
            }
        }

        var ports: [[Port]] = []
        for (index, node) in draft.nodes.enumerated() {
            var list: [Port] = []
            for interface in node.interfaces {
                let endpoint = Endpoint(node: node.name.value, interface: interface.name.value)
                guard let end = cabled[endpoint] else {
                    throw interface.name.field.error("interface declared but not linked",
                                                     accepted: "interfaces that a link's endpoints name; add a link such as [\(endpoint), …] or remove the interface")
                }
                list.append(Port(name: interface.name.value, declared: interface, link: end.link,
                                 side: end.side, endpoint: end.field))
            }
            for endpoint in linkOnly[index] {
                guard let end = cabled[endpoint] else { continue }
                list.append(Port(name: endpoint.interface, declared: nil, link: end.link,
                                 side: end.side, endpoint: end.field))
            }
            ports.append(list)
        }
        self.ports = ports
    }
}

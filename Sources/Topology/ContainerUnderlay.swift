/// The underlay when every node is a container on one docker network: each node binds its
/// link ends on all of its own addresses, and finds its peers by their service names (the
/// node names), which docker's DNS answers. Ports stay as the plan gave them: each link end
/// keeps its UDP port, and since every container has an address of its own, nothing clashes.
extension Topology {
    /// The address a container's node binds its link ends to.
    public static let containerBindHost = "0.0.0.0"

    public func inContainers() -> Topology {
        var moved = self
        for (nodeIndex, node) in nodes.enumerated() {
            for (interfaceIndex, interface) in node.interfaces.enumerated() {
                guard let link = link(id: interface.link) else { continue }
                let end = Endpoint(node: node.name, interface: interface.name)
                let far = link.a == end ? link.b : link.a
                moved.nodes[nodeIndex].interfaces[interfaceIndex].localHost = Self.containerBindHost
                moved.nodes[nodeIndex].interfaces[interfaceIndex].peerHost = far.node
            }
        }
        moved.underlayHost = Self.containerBindHost
        return moved
    }
}

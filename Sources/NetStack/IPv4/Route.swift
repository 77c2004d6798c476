import Wire

/// Where a packet to a destination leaves: which interface, and which neighbour's MAC to use.
struct Route {
    var interface: Int
    var nextHop: IPv4Address
}

/// A host's routing: connected subnets first (longest prefix wins), then the default gateway.
struct RoutingTable {
    var connected: [(interface: Int, subnet: IPv4Interface)] = []
    var defaultGateway: IPv4Address?

    func route(to destination: IPv4Address) -> Route? {
        var best: (interface: Int, length: Int)?
        for entry in connected where entry.subnet.contains(destination) {
            if best == nil || entry.subnet.prefixLength > best!.length {
                best = (entry.interface, entry.subnet.prefixLength)
            }
        }
        if let best { return Route(interface: best.interface, nextHop: destination) }
        guard let gateway = defaultGateway,
              let viaInterface = connected.first(where: { $0.subnet.contains(gateway) }) else { return nil }
        return Route(interface: viaInterface.interface, nextHop: gateway)
    }
}

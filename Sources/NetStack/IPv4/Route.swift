import Wire

/// Where a packet to a destination leaves: which interface, and which neighbour's MAC to use.
struct Route {
    var interface: Int
    var nextHop: IPv4Address
}

/// A static route: packets to `destination` go to the neighbour `nextHop`.
public struct StaticRouteEntry: Sendable, Equatable {
    public var destination: IPv4Interface
    public var nextHop: IPv4Address
}

/// The routing table: connected subnets and static routes, longest prefix first (a connected
/// subnet wins a tie), then the default gateway. A static route whose next hop is on no
/// connected subnet is never used.
struct RoutingTable {
    var connected: [(interface: Int, subnet: IPv4Interface)] = []
    var staticRoutes: [StaticRouteEntry] = []
    var defaultGateway: IPv4Address?

    func route(to destination: IPv4Address) -> Route? {
        var best: (route: Route, length: Int)?
        for entry in connected where entry.subnet.contains(destination) {
            if best == nil || entry.subnet.prefixLength > best!.length {
                best = (Route(interface: entry.interface, nextHop: destination), entry.subnet.prefixLength)
            }
        }
        for entry in staticRoutes where entry.destination.contains(destination) {
            guard best == nil || entry.destination.prefixLength > best!.length,
                  let via = connectedInterface(for: entry.nextHop) else { continue }
            best = (Route(interface: via, nextHop: entry.nextHop), entry.destination.prefixLength)
        }
        if let best { return best.route }
        guard let gateway = defaultGateway, let via = connectedInterface(for: gateway) else { return nil }
        return Route(interface: via, nextHop: gateway)
    }

    private func connectedInterface(for neighbour: IPv4Address) -> Int? {
        connected.first(where: { $0.subnet.contains(neighbour) })?.interface
    }
}

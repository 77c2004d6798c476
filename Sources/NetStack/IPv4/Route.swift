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
    var connected: [(interface: Int, subnet: IPv4Interface)] = [] { didSet { generation &+= 1 } }
    var staticRoutes: [StaticRouteEntry] = [] { didSet { generation &+= 1 } }
    var defaultGateway: IPv4Address? { didSet { generation &+= 1 } }
    /// Moves on with every change to the table: a route cached under an older one is stale.
    private(set) var generation = 0
    /// Full lookups made (longest-prefix walks), for the test that a connection makes one.
    private(set) var lookups = 0

    /// The route in `cache` while the table is as it was when it was looked up; otherwise a
    /// fresh lookup, kept there. A connection's segments all go one way, so a transfer walks
    /// the table once, not once per segment.
    mutating func route(to destination: IPv4Address, cache: RouteCache) -> Route? {
        if cache.generation == generation && cache.destination == destination { return cache.route }
        lookups += 1
        cache.route = route(to: destination)
        cache.destination = destination
        cache.generation = generation
        return cache.route
    }

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

/// One destination's route, kept by whoever sends there often (a TCP connection).
final class RouteCache {
    var route: Route?
    var destination: IPv4Address = .any
    var generation = -1
}

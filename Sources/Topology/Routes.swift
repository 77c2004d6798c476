import Wire

/// A `routes:` item as written: `{to: 10.0.2.0/24, via: 10.0.1.2}`.
struct RouteDraft {
    var destination: Written<IPv4Interface>
    var nextHop: Written<IPv4Address>

    var route: StaticRoute { StaticRoute(destination: destination.value, nextHop: nextHop.value) }
}

/// Reading a node's `routes:`. Whether each next hop is on one of the node's subnets can only
/// be told once addresses are assigned, so `AddressPlan` checks that.
extension TopologyParser {
    enum RouteAccepted {
        static let routes = "a sequence of routes, e.g. - {to: 10.0.2.0/24, via: 10.0.1.2}"
        static let route = "a mapping with keys to and via, e.g. {to: 10.0.2.0/24, via: 10.0.1.2}"
        static let destination = "a network A.B.C.D/N with N in 0...32 and no bits set after the first N, e.g. 10.0.2.0/24 (0.0.0.0/0 for every destination)"
        static let nextHop = "an IPv4 address A.B.C.D on one of the node's subnets"
    }

    func routes(_ field: YAMLField) throws(TopologyError) -> [RouteDraft] {
        var routes: [RouteDraft] = []
        for item in try field.sequence(accepted: RouteAccepted.routes) {
            let fields = try item.fields(accepting: ["to", "via"], accepted: RouteAccepted.route)
            let to = try fields.required("to", accepted: RouteAccepted.destination)
            let via = try fields.required("via", accepted: RouteAccepted.nextHop)
            let destination = try self.destination(to)
            // Two routes to one network leave the node to pick one; in a file that is a slip.
            if let earlier = routes.first(where: { $0.destination.value == destination }) {
                throw to.error("a route to \(destination) is already given at line \(earlier.destination.field.node.mark?.line ?? 0)",
                               accepted: "one route per destination network")
            }
            let text = try via.string(accepted: RouteAccepted.nextHop)
            guard let nextHop = IPv4Address(text) else {
                throw via.error("'\(text)' is not an IPv4 address", accepted: RouteAccepted.nextHop)
            }
            routes.append(RouteDraft(destination: Written(value: destination, field: to),
                                     nextHop: Written(value: nextHop, field: via)))
        }
        return routes
    }

    /// A network, not an address on it: `10.0.2.1/24` is refused rather than read as
    /// 10.0.2.0/24, since it more likely means a mistyped prefix length than a lazy network.
    private func destination(_ field: YAMLField) throws(TopologyError) -> IPv4Interface {
        let text = try field.string(accepted: RouteAccepted.destination)
        guard let network = IPv4Interface(text) else {
            throw field.error("'\(text)' is not a network with prefix length", accepted: RouteAccepted.destination)
        }
        guard network.address == network.network else {
            throw field.error("'\(text)' has bits set after the first \(network.prefixLength); its network is \(network.network)/\(network.prefixLength)",
                              accepted: RouteAccepted.destination)
        }
        return network
    }
}

import SmartNIC
import Wire

/// A topology file after validation: every interface has its address, MAC and underlay ports,
/// so the processes that run the nodes never have to re-derive or re-check anything.
public struct Topology: Hashable, Sendable {
    public var name: String
    /// Where the topology was read from; node processes reopen it by this path.
    public var sourcePath: String
    /// Host on which every node process binds and sends its link UDP sockets.
    public var underlayHost: String
    public var basePort: UInt16
    /// In file order.
    public var nodes: [NodeSpec]
    /// In file order; `links[k - 1].id == k`.
    public var links: [LinkSpec]

    public init(name: String, sourcePath: String, underlayHost: String, basePort: UInt16,
                nodes: [NodeSpec], links: [LinkSpec]) {
        self.name = name
        self.sourcePath = sourcePath
        self.underlayHost = underlayHost
        self.basePort = basePort
        self.nodes = nodes
        self.links = links
    }

    public func node(named name: String) -> NodeSpec? {
        nodes.first { $0.name == name }
    }

    /// The link with id `id` (1-based), if there is one.
    public func link(id: Int) -> LinkSpec? {
        links.indices.contains(id - 1) ? links[id - 1] : nil
    }
}

/// What a node is (ARCHITECTURE.md, "Topologies").
public enum NodeKind: String, Hashable, Sendable, CaseIterable, Codable {
    /// One IPv4 stack running apps.
    case host
    /// An IPv4 stack that forwards between its interfaces by its connected subnets, `routes`
    /// and `gateway`.
    case router
    /// A learning layer-2 bridge: its interfaces have MACs and underlay ports but no
    /// addresses, and it has no gateway, routes or TCP.
    case `switch`
    /// The Linux kernel's own stack in a network namespace that `nicbed up` creates; each
    /// interface is a VXLAN device whose underlay leaves the namespace through a veth pair.
    case linux
    /// A node nicbed neither starts nor configures, such as a QEMU guest on `encap: raw` links:
    /// the plan gives its interfaces addresses and underlay ports, and `nicbed up` prints the
    /// QEMU options that join it.
    case external

    /// Whether the node's interfaces carry IPv4 addresses (everything but a switch).
    public var hasAddresses: Bool { self != .switch }

    /// Whether `nicbed up` runs the node as one of our processes, with our stack and NIC.
    public var runsOurStack: Bool { self == .host || self == .router || self == .switch }
}

public struct NodeSpec: Hashable, Sendable, Codable {
    public var name: String
    public var kind: NodeKind
    /// Next hop for destinations off every attached subnet; always on one of them.
    public var gateway: IPv4Address?
    /// Declared interfaces first, in file order, then those that appear only in links.
    public var interfaces: [InterfaceSpec]
    /// The node's TCP congestion control (`tcp: {congestion: cubic}`); NewReno unless set.
    public var congestion: TCPCongestion
    /// The node's TCP memory budget and connection cap (`tcp: {memory: 64MiB, connections: N}`).
    public var tcpLimits: TCPLimits
    /// The node's NIC (`nic:` under the node, laid field by field over `defaults.nic`);
    /// `NICConfiguration()`, a smart card, unless set.
    public var nic: NICConfiguration
    /// Static routes in file order, each next hop on one of the node's subnets; always empty
    /// for a switch. `gateway` stays separate: it is the route of last resort.
    public var routes: [StaticRoute]
    /// Whether the node records the frames of its interfaces (`capture:`, over
    /// `defaults.capture`); false unless set.
    public var capture: Bool
    /// The TCP port of the host's HTTP file server (`serve:`); nil when it serves none.
    public var serve: UInt16?
    /// The file server's deadlines and session cap (`serve: {…}`; defaults otherwise).
    public var serveLimits: FileServerLimits
    /// Whether the host runs the UDP echo service on port 7 (`echo:`, RFC 862).
    public var echo: Bool
    /// A linux node's own container (`image:`), run in its network namespace under docker.
    public var container: ContainerSpec?

    public init(name: String, kind: NodeKind, gateway: IPv4Address?, interfaces: [InterfaceSpec],
                congestion: TCPCongestion = .newReno, tcpLimits: TCPLimits = TCPLimits(), nic: NICConfiguration = NICConfiguration(),
                routes: [StaticRoute] = [], capture: Bool = false, serve: UInt16? = nil,
                serveLimits: FileServerLimits = FileServerLimits(), echo: Bool = false,
                container: ContainerSpec? = nil) {
        self.serveLimits = serveLimits
        self.echo = echo
        self.container = container
        self.name = name
        self.kind = kind
        self.gateway = gateway
        self.interfaces = interfaces
        self.congestion = congestion
        self.tcpLimits = tcpLimits
        self.nic = nic
        self.routes = routes
        self.capture = capture
        self.serve = serve
    }

    public func interface(named name: String) -> InterfaceSpec? {
        interfaces.first { $0.name == name }
    }
}

/// One end of a link as a node sees it: its identity on the emulated wire, and the UDP
/// socket pair on the underlay that carries the wire's frames.
public struct InterfaceSpec: Hashable, Sendable, Codable {
    public var name: String
    public var mac: MACAddress
    /// Nil exactly for a switch's ports, which are layer 2.
    public var address: IPv4Interface?
    /// Id of the link this interface is cabled to (1-based, file order).
    public var link: Int
    /// Where this end's datagrams leave from: the topology's underlay host, or for a link to a
    /// Linux node the link's own veth addresses (`LinuxUnderlay`).
    public var localHost: String
    public var localPort: UInt16
    public var peerHost: String
    public var peerPort: UInt16
    /// Largest IPv4 packet the interface sends, from its link's `mtu` (both ends agree).
    public var mtu: Int

    public static let defaultMTU = 1500

    public init(name: String, mac: MACAddress, address: IPv4Interface?, link: Int, localHost: String,
                localPort: UInt16, peerHost: String, peerPort: UInt16, mtu: Int = InterfaceSpec.defaultMTU) {
        self.name = name
        self.mac = mac
        self.address = address
        self.link = link
        self.localHost = localHost
        self.localPort = localPort
        self.peerHost = peerHost
        self.peerPort = peerPort
        self.mtu = mtu
    }
}

/// A point-to-point cable between two interfaces, with what it does to the frames crossing it
/// in each direction.
public struct LinkSpec: Hashable, Sendable, Codable {
    /// 1-based, in file order; the underlay ports and default subnet derive from it.
    public var id: Int
    public var a: Endpoint
    public var b: Endpoint
    /// What happens to frames that `a` sends (netem acts on egress, so this is `a`'s side).
    public var aToB: Impairments
    /// What happens to frames that `b` sends.
    public var bToA: Impairments
    /// The MTU of both ends' interfaces.
    public var mtu: Int
    /// How the link's datagrams carry frames (`encap:`); VXLAN unless set.
    public var encapsulation: Encapsulation

    /// 576 is the least every IPv4 host must accept (RFC 791); 9000 the usual jumbo frame.
    public static let mtuRange = 576...9000

    public init(id: Int, a: Endpoint, b: Endpoint, aToB: Impairments = .none, bToA: Impairments = .none,
                mtu: Int = InterfaceSpec.defaultMTU, encapsulation: Encapsulation = .vxlan) {
        self.id = id
        self.a = a
        self.b = b
        self.aToB = aToB
        self.bToA = bToA
        self.mtu = mtu
        self.encapsulation = encapsulation
    }

    /// The impairments of frames sent by `endpoint`, or nil if it is not an end of this link.
    public func impairments(sentBy endpoint: Endpoint) -> Impairments? {
        if endpoint == a { return aToB }
        if endpoint == b { return bToA }
        return nil
    }

    // `Impairments` is only Equatable (SmartNIC does not promise hashing), so the hash is
    // spelt out here rather than declaring a retroactive conformance another module might
    // one day declare too. Equal links hash equally: every field compared is hashed.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(a)
        hasher.combine(b)
        hasher.combine(mtu)
        hasher.combine(encapsulation)
        for impairments in [aToB, bToA] {
            hasher.combine(impairments.delay)
            hasher.combine(impairments.jitter)
            hasher.combine(impairments.loss)
            hasher.combine(impairments.lossBurst)
            hasher.combine(impairments.duplicate)
            hasher.combine(impairments.reorder)
            hasher.combine(impairments.corrupt)
            hasher.combine(impairments.rate)
            hasher.combine(impairments.queueLimit)
        }
    }
}

/// A static route: packets to `destination` go to `nextHop`, on one of the node's subnets.
public struct StaticRoute: Hashable, Sendable, CustomStringConvertible, Codable {
    /// The destination network as address and prefix length; its address is the network
    /// address (no bits set after the prefix), so `destination.network == destination.address`.
    public var destination: IPv4Interface
    public var nextHop: IPv4Address

    public init(destination: IPv4Interface, nextHop: IPv4Address) {
        self.destination = destination
        self.nextHop = nextHop
    }

    /// As a topology writes it: `10.0.2.0/24 via 10.0.1.2`.
    public var description: String { "\(destination) via \(nextHop)" }
}

public struct Endpoint: Hashable, Sendable, CustomStringConvertible, Codable {
    public var node: String
    public var interface: String

    public init(node: String, interface: String) {
        self.node = node
        self.interface = interface
    }

    /// As written in a topology file: `node:iface`.
    public var description: String { "\(node):\(interface)" }
}

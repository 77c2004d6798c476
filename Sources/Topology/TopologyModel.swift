import NetStack
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
}

/// What a node is. Only hosts exist in this first cut; routers, switches and Linux gateways
/// follow (DESIGN.md §4).
public enum NodeKind: String, Hashable, Sendable, CaseIterable {
    case host
}

public struct NodeSpec: Hashable, Sendable {
    public var name: String
    public var kind: NodeKind
    /// Next hop for destinations off every attached subnet; always on one of them.
    public var gateway: IPv4Address?
    /// Declared interfaces first, in file order, then those that appear only in links.
    public var interfaces: [InterfaceSpec]
    /// The node's TCP congestion control (`tcp: {congestion: cubic}`); NewReno unless set.
    public var congestion: CongestionAlgorithm
    /// The node's NIC (`nic:` under the node, laid field by field over `defaults.nic`);
    /// `NICConfiguration()`, a smart card, unless set.
    public var nic: NICConfiguration

    public init(name: String, kind: NodeKind, gateway: IPv4Address?, interfaces: [InterfaceSpec],
                congestion: CongestionAlgorithm = .newReno, nic: NICConfiguration = NICConfiguration()) {
        self.name = name
        self.kind = kind
        self.gateway = gateway
        self.interfaces = interfaces
        self.congestion = congestion
        self.nic = nic
    }

    public func interface(named name: String) -> InterfaceSpec? {
        interfaces.first { $0.name == name }
    }
}

/// One end of a link as a node sees it: its identity on the emulated wire, and the UDP
/// socket pair on the underlay that carries the wire's frames.
public struct InterfaceSpec: Hashable, Sendable {
    public var name: String
    public var mac: MACAddress
    public var address: IPv4Interface
    /// Id of the link this interface is cabled to (1-based, file order).
    public var link: Int
    public var localPort: UInt16
    public var peerHost: String
    public var peerPort: UInt16

    public init(name: String, mac: MACAddress, address: IPv4Interface, link: Int,
                localPort: UInt16, peerHost: String, peerPort: UInt16) {
        self.name = name
        self.mac = mac
        self.address = address
        self.link = link
        self.localPort = localPort
        self.peerHost = peerHost
        self.peerPort = peerPort
    }
}

/// A point-to-point cable between two interfaces.
public struct LinkSpec: Hashable, Sendable {
    /// 1-based, in file order; the underlay ports and default subnet derive from it.
    public var id: Int
    public var a: Endpoint
    public var b: Endpoint

    public init(id: Int, a: Endpoint, b: Endpoint) {
        self.id = id
        self.a = a
        self.b = b
    }
}

public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var node: String
    public var interface: String

    public init(node: String, interface: String) {
        self.node = node
        self.interface = interface
    }

    /// As written in a topology file: `node:iface`.
    public var description: String { "\(node):\(interface)" }
}

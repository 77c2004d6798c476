import SmartNIC
import Wire

/// A value together with the place it was written, kept until the checks that compare values
/// with each other have had the chance to point at it.
struct Written<Value> {
    var value: Value
    var field: YAMLField
}

/// The file as written: each value checked on its own, nothing yet checked against the
/// rest, and nothing assigned.
struct TopologyDraft {
    var name: String
    var underlayHost: String
    var basePort: UInt16
    var nodes: [NodeDraft]
    var links: [LinkDraft]
}

struct NodeDraft {
    var name: Written<String>
    var kind: NodeKind
    var gateway: Written<IPv4Address>?
    var interfaces: [InterfaceDraft]
    var congestion: TCPCongestion
    var tcpLimits = TCPLimits()
    /// `defaults.nic` with the node's own `nic:` laid over it; not yet checked as a whole.
    var nic: NICDraft
    /// Each checked on its own; whether the next hop is reachable is the plan's to say.
    var routes: [RouteDraft] = []
    /// The node's `capture`, else `defaults.capture`, else false.
    var capture = false
    /// The TCP port of the node's file server (`serve:`), nil when it serves none.
    var serve: UInt16?
    var serveLimits = FileServerLimits()
    /// Whether the node runs the UDP echo service on port 7 (`echo:`).
    var echo = false
    /// A linux node's `image`, `command` and `environment`.
    var container: ContainerSpec?
}

struct InterfaceDraft {
    var name: Written<String>
    var address: Written<IPv4Interface>?
    var mac: Written<MACAddress>?
}

struct LinkDraft {
    var id: Int
    var field: YAMLField
    var a: Written<Endpoint>
    var b: Written<Endpoint>
    /// `defaults.link`, then the link's own fields, then `egress.<a>`, each laid over the
    /// last field by field; not yet checked against the MTU.
    var aToB = ImpairmentDraft()
    /// The same for frames `b` sends.
    var bToA = ImpairmentDraft()
    /// The link's `mtu`, else `defaults.link.mtu`; nil for the default.
    var mtu: Written<Int>?
    /// The link's `encap`; nil for VXLAN.
    var encapsulation: Written<Encapsulation>?
}

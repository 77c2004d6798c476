import Wire

/// Names and underlay addresses of a Linux node (`kind: linux`), all derived from the file so
/// that `nicbed up`, the node processes and `nicbed down` agree without asking each other.
///
/// Linux's vxlan driver hands a datagram addressed to a local IP straight to a local vxlan
/// device, and drops it when none matches, so a VXLAN device cannot reach our process over
/// 127.0.0.1. Each link to a Linux node therefore gets a veth pair: the root side holds our
/// end's underlay address, the namespace side the VXLAN device's. Both come from
/// 169.254.0.0/16 (link-local, never routed off the machine), a /31 chosen by the link's UDP
/// port, and both ends use that one port: a Linux VXLAN device sends to the port it listens on.
public enum LinuxUnderlay {
    /// Our end's address and the Linux end's, for the link whose first UDP port is `port`.
    /// Ports p and p+1 (p even) share a /31; the plan gives each link two ports and uses the
    /// first, so two links of running topologies meet only if their port ranges overlap.
    /// Two /24s are never used: 169.254.169.0/24 holds the address of cloud metadata services
    /// (169.254.169.254), which a veth of ours must not take over, and RFC 3927 reserves
    /// 169.254.255.0/24. Their ports move to 169.254.3.0/24 and 169.254.2.0/24, whose own
    /// ports (512…1023) are below any base port.
    public static func addresses(port: UInt16) -> (ours: IPv4Address, linux: IPv4Address) {
        let even = port & ~1
        var third = UInt8(even >> 8)
        if third == 169 { third = 3 }
        if third == 255 { third = 2 }
        let fourth = UInt8(even & 0xff)
        return (IPv4Address(169, 254, third, fourth), IPv4Address(169, 254, third, fourth + 1))
    }

    /// The network namespace of a Linux node. `ip netns` names it under /run/netns.
    public static func namespace(topology: String, node: String) -> String { "nicbed-\(topology)-\(node)" }

    /// The veth end in the root namespace (interface names stop at 15 bytes).
    public static func rootDevice(port: UInt16) -> String { "nb\(port)" }

    /// The veth end inside the namespace, carrying the VXLAN device's datagrams.
    public static func namespaceDevice(port: UInt16) -> String { "ul\(port)" }

    /// Bytes a VXLAN device adds under each frame: outer IPv4 20, UDP 8, VXLAN 8, inner
    /// Ethernet 14. The veth pair's MTU is the link's plus this, so no frame is fragmented.
    public static let overhead = 50
}

import Topology

/// How a QEMU guest joins a topology as an external node: one `-netdev dgram` per interface,
/// bound to the interface's underlay port and sending to our end's. QEMU's dgram netdev
/// (QEMU 7.2 and later; `-netdev socket,udp=…,localaddr=…` before it) carries bare Ethernet
/// frames, which is what an `encap: raw` link is.
enum QEMUJoin {
    static func arguments(for node: NodeSpec, in topology: Topology) -> [String] {
        node.interfaces.map { interface in
            let link = topology.links[interface.link - 1]
            let netdev = "-netdev dgram,id=\(interface.name),local.type=inet,local.host=\(interface.localHost),local.port=\(interface.localPort),remote.type=inet,remote.host=\(interface.peerHost),remote.port=\(interface.peerPort)"
            let device = "-device virtio-net-pci,netdev=\(interface.name),mac=\(interface.mac)"
            let address = interface.address.map { "  # guest address \($0)" } ?? ""
            let warning = link.encapsulation == .raw ? "" : "  # link \(link.id) is VXLAN: QEMU needs encap: raw"
            return "\(netdev) \(device)\(address)\(warning)"
        }
    }
}

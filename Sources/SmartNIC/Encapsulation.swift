import Wire

/// How a NIC port carries Ethernet frames in UDP datagrams (ARCHITECTURE.md, "The wire").
public enum Encapsulation: String, Sendable, Codable, CaseIterable {
    /// RFC 7348 header, VNI = link id; what tshark and Linux vxlan devices understand.
    case vxlan
    /// A bare Ethernet frame per datagram, for QEMU's `-netdev dgram` and `socket,udp=`.
    case raw

    public var headerLength: Int { self == .vxlan ? VXLANHeaderView.length : 0 }
}

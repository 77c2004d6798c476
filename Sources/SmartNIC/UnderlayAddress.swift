/// Where a NIC port's datagrams come from or go to on the underlay (IPv4 and UDP port).
/// SmartNIC owns no sockets; the node that does converts its socket addresses to this.
public struct UnderlayAddress: Hashable, Sendable, CustomStringConvertible {
    /// Host byte order.
    public var ipv4: UInt32
    public var port: UInt16

    public init(ipv4: UInt32, port: UInt16) {
        self.ipv4 = ipv4
        self.port = port
    }

    public var description: String {
        "\(ipv4 >> 24).\(ipv4 >> 16 & 0xff).\(ipv4 >> 8 & 0xff).\(ipv4 & 0xff):\(port)"
    }
}

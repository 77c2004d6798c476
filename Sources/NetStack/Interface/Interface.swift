import SmartNIC
import Wire

/// A network interface of the stack: an address on a NIC port.
public final class Interface {
    public let index: Int
    public let name: String
    public let mac: MACAddress
    public let address: IPv4Interface
    public let port: NICPort
    /// Largest IPv4 packet the link carries; Ethernet's 1500 unless the topology says otherwise.
    public let mtu: Int

    init(index: Int, name: String, mac: MACAddress, address: IPv4Interface, port: NICPort, mtu: Int) {
        self.index = index
        self.name = name
        self.mac = mac
        self.address = address
        self.port = port
        self.mtu = mtu
    }

    /// Whether a frame with this destination MAC is for us.
    func accepts(_ destination: MACAddress) -> Bool { destination == mac || destination.isBroadcast }
}

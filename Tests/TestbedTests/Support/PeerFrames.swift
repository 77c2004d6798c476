import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Frames a test sends when it plays a node's peer itself over the node's UDP port (the
/// garbage test, the guest on a raw link): ARP for the node and an echo request to it.
struct PeerFrames {
    var nodeMAC: MACAddress
    var myMAC: MACAddress
    var node: IPv4Address
    var me: IPv4Address

    static let echoIdentifier: UInt16 = 0xbeef

    func arpRequest() -> [UInt8] {
        var frame = [UInt8](repeating: 0, count: 42)
        frame.withUnsafeMutableBytes { b in
            EthernetRepr(destination: .broadcast, source: myMAC, etherType: EtherType.arp).emit(into: b)
            ARPRepr(operation: .request, senderHardware: myMAC, senderProtocol: me, targetHardware: .zero, targetProtocol: node)
                .emit(into: UnsafeMutableRawBufferPointer(rebasing: b[14...]))
        }
        return frame
    }

    func echoRequest(sequence: UInt16) -> [UInt8] {
        let icmp = ICMPv4Repr.echoRequest(identifier: Self.echoIdentifier, sequenceNumber: sequence, data: Array(0..<32))
        var frame = [UInt8](repeating: 0, count: 14 + 20 + icmp.length)
        frame.withUnsafeMutableBytes { b in
            EthernetRepr(destination: nodeMAC, source: myMAC, etherType: EtherType.ipv4).emit(into: b)
            let ip = UnsafeMutableRawBufferPointer(rebasing: b[14...])
            IPv4Repr(source: me, destination: node, protocolNumber: IPProtocol.icmp, payloadLength: icmp.length).emit(into: ip)
            icmp.emit(into: UnsafeMutableRawBufferPointer(rebasing: ip[20...]))
        }
        return frame
    }

    /// One datagram from `fd` to 127.0.0.1:`port`.
    static func send(_ fd: Int32, _ bytes: [UInt8], to port: UInt16) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        _ = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }
}

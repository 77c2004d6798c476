import Wire

/// The card's checksum engine (DESIGN.md §1: "the card computes checksums"). It knows the
/// headers only as far as checksums need: Ethernet, IPv4, and where TCP and UDP keep their
/// checksum field. It never looks at TCP state.
enum ChecksumOffload {
    enum Verdict { case verified, bad, notCovered }

    /// Checks the IPv4 header checksum and the TCP or UDP checksum of a received frame.
    /// Frames it does not cover (ARP, ICMP, fragments) are left to the host, unmarked.
    static func verify(_ frame: UnsafeRawBufferPointer) -> Verdict {
        guard let ethernet = try? EthernetFrameView(checking: frame), ethernet.etherType == EtherType.ipv4,
              let ip = try? IPv4PacketView(checking: ethernet.payload), !ip.isFragment else { return .notCovered }
        guard ip.headerChecksumIsValid else { return .bad }
        switch ip.protocolNumber {
        case IPProtocol.tcp:
            guard let tcp = try? TCPSegmentView(checking: ip.payload) else { return .notCovered }
            return tcp.checksumIsValid(source: ip.source, destination: ip.destination) ? .verified : .bad
        case IPProtocol.udp:
            guard let udp = try? UDPDatagramView(checking: ip.payload) else { return .notCovered }
            return udp.checksumIsValid(source: ip.source, destination: ip.destination) ? .verified : .bad
        default:
            return .notCovered
        }
    }

    /// Computes the TCP checksum of an outgoing frame in place (the host left the field zero).
    /// Returns whether it did.
    static func fill(_ frame: UnsafeMutableRawBufferPointer) -> Bool {
        let bytes = UnsafeRawBufferPointer(frame)
        guard let ethernet = try? EthernetFrameView(checking: bytes), ethernet.etherType == EtherType.ipv4,
              let ip = try? IPv4PacketView(checking: ethernet.payload), !ip.isFragment,
              ip.protocolNumber == IPProtocol.tcp, ip.payload.count >= TCPSegmentView.minimumHeaderLength else { return false }
        let start = EthernetFrameView.headerLength + ip.headerLength
        let segment = UnsafeMutableRawBufferPointer(rebasing: frame[start..<(EthernetFrameView.headerLength + ip.totalLength)])
        TCPHeaderRepr.fillChecksum(segment, source: ip.source, destination: ip.destination)
        return true
    }
}

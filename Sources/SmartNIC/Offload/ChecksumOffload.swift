import Wire

/// The card's checksum engine (ARCHITECTURE.md, "The NIC": "the card computes checksums"). It knows the
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

    /// Computes the TCP or UDP checksum of an outgoing frame in place (the host left the field
    /// zero; a UDP sum that comes to zero is sent as 0xffff, RFC 768).
    /// `headers` holds the frame from its start through at least the TCP header; `data` holds
    /// the rest of the frame, in order, wherever it lies (card memory included), perhaps with
    /// padding past the IPv4 Total Length, which is not summed. Returns whether it did.
    static func fill(headers: UnsafeMutableRawBufferPointer, data: UnsafeBufferPointer<UnsafeRawBufferPointer>) -> Bool {
        let bytes = UnsafeRawBufferPointer(headers)
        guard let ethernet = try? EthernetFrameView(checking: bytes), ethernet.etherType == EtherType.ipv4 else { return false }
        let packetLength = headers.count - EthernetFrameView.headerLength + data.reduce(0) { $0 + $1.count }
        guard let ip = try? IPv4PacketView(checkingHeader: ethernet.payload, packetLength: packetLength), !ip.isFragment else { return false }
        let field: Int, minimumHeader: Int
        switch ip.protocolNumber {
        case IPProtocol.tcp: (field, minimumHeader) = (16, TCPSegmentView.minimumHeaderLength)
        case IPProtocol.udp: (field, minimumHeader) = (6, UDPDatagramView.headerLength)
        default: return false
        }
        let start = EthernetFrameView.headerLength + ip.headerLength
        let segmentLength = ip.totalLength - ip.headerLength
        guard segmentLength >= minimumHeader, headers.count >= start + minimumHeader else { return false }
        headers.storeBytes(of: UInt16(0), toByteOffset: start + field, as: UInt16.self)
        var sum = InternetChecksum()
        sum.addPseudoHeader(source: ip.source, destination: ip.destination, protocolNumber: ip.protocolNumber, length: segmentLength)
        var remaining = segmentLength
        let inHeaders = min(remaining, headers.count - start)
        sum.add(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + inHeaders)]))
        remaining -= inHeaders
        for part in data where remaining > 0 {
            let take = min(remaining, part.count)
            sum.add(UnsafeRawBufferPointer(rebasing: part[..<take]))
            remaining -= take
        }
        var checksum = sum.checksum
        if checksum == 0 && ip.protocolNumber == IPProtocol.udp { checksum = 0xffff }
        headers.storeBytes(of: checksum.bigEndian, toByteOffset: start + field, as: UInt16.self)
        return true
    }
}

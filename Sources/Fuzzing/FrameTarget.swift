import Wire

/// Every Wire view on a datagram: what a node reads before its stack decides anything. Each
/// representation parsed is written back and read again, and must come back the same.
enum FrameTarget {
    static func run(_ input: UnsafeRawBufferPointer) {
        // As a tunnel datagram (VXLAN then Ethernet), and as a bare Ethernet frame.
        if let vxlan = try? VXLANHeaderView(checking: input) {
            _ = VXLANRepr.parse(vxlan)
            ethernet(UnsafeRawBufferPointer(rebasing: input[VXLANHeaderView.length...]))
        }
        ethernet(input)
    }

    static func ethernet(_ bytes: UnsafeRawBufferPointer) {
        guard let view = try? EthernetFrameView(checking: bytes) else { return }
        let repr = EthernetRepr.parse(view)
        switch repr.etherType {
        case EtherType.arp: arp(view.payload)
        case EtherType.ipv4: ipv4(view.payload)
        default: break
        }
    }

    static func arp(_ bytes: UnsafeRawBufferPointer) {
        guard let view = try? ARPPacketView(checking: bytes), let repr = try? ARPRepr.parse(view) else { return }
        var out = [UInt8](repeating: 0, count: repr.length)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        out.withUnsafeBytes { again in
            let reread = (try? ARPPacketView(checking: again)).flatMap { try? ARPRepr.parse($0) }
            invariant(reread == repr, "ARP \(repr) read back as \(String(describing: reread))")
        }
    }

    static func ipv4(_ bytes: UnsafeRawBufferPointer) {
        guard let view = try? IPv4PacketView(checking: bytes) else { return }
        _ = view.headerChecksumIsValid
        guard let repr = try? IPv4Repr.parse(view, verifyChecksum: false) else { return }
        var header = [UInt8](repeating: 0, count: repr.headerLength)
        header.withUnsafeMutableBytes { repr.emit(into: $0) }
        header += [UInt8](repeating: 0, count: repr.payloadLength)
        header.withUnsafeBytes { again in
            let reread = (try? IPv4PacketView(checking: again)).flatMap { try? IPv4Repr.parse($0) }
            invariant(reread == repr, "IPv4 \(repr) read back as \(String(describing: reread))")
        }
        // A fragment after the first carries no transport header.
        guard repr.fragmentOffset == 0 else { return }
        let payload = view.payload
        switch repr.protocolNumber {
        case IPProtocol.tcp: tcp(payload, source: repr.source, destination: repr.destination)
        case IPProtocol.udp: udp(payload, source: repr.source, destination: repr.destination)
        case IPProtocol.icmp: icmp(payload)
        default: break
        }
    }

    static func tcp(_ bytes: UnsafeRawBufferPointer, source: IPv4Address, destination: IPv4Address) {
        guard let view = try? TCPSegmentView(checking: bytes) else { return }
        _ = view.checksumIsValid(source: source, destination: destination)
        guard let repr = try? TCPHeaderRepr.parse(view) else { return }
        var out = [UInt8](repeating: 0, count: repr.headerLength)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        out.withUnsafeBytes { again in
            let reread = (try? TCPSegmentView(checking: again)).flatMap { try? TCPHeaderRepr.parse($0) }
            invariant(reread == repr, "TCP \(repr) read back as \(String(describing: reread))")
        }
    }

    static func udp(_ bytes: UnsafeRawBufferPointer, source: IPv4Address, destination: IPv4Address) {
        guard let view = try? UDPDatagramView(checking: bytes) else { return }
        _ = view.checksumIsValid(source: source, destination: destination)
        let repr = UDPRepr.parse(view)
        invariant(repr.payloadLength == view.payload.count || repr.payloadLength <= view.payload.count,
                  "UDP says \(repr.payloadLength) payload bytes; the view holds \(view.payload.count)")
    }

    static func icmp(_ bytes: UnsafeRawBufferPointer) {
        guard let view = try? ICMPv4MessageView(checking: bytes), let repr = try? ICMPv4Repr.parse(view, verifyChecksum: false) else { return }
        var out = [UInt8](repeating: 0, count: repr.length)
        out.withUnsafeMutableBytes { repr.emit(into: $0) }
        out.withUnsafeBytes { again in
            let reread = (try? ICMPv4MessageView(checking: again)).flatMap { try? ICMPv4Repr.parse($0) }
            invariant(reread == repr, "ICMP \(repr) read back as \(String(describing: reread))")
        }
        // An error's quote of the packet that caused it, read leniently.
        if let invoking = repr.invoking { _ = ICMPv4Quote(invoking) }
    }
}

import Wire

/// IPv4 forwarding, for nodes that route (RFC 1812 §5.2–5.3): a packet for someone else leaves
/// through the interface its route names, one hop closer and with TTL one less; what cannot be
/// forwarded is answered with ICMP time-exceeded or destination-unreachable.
extension NetworkStack {
    /// Static routes: packets to `destination` (a network and prefix) go to `nextHop`.
    public func addRoute(to destination: IPv4Interface, via nextHop: IPv4Address) {
        routing.staticRoutes.append(StaticRouteEntry(destination: destination, nextHop: nextHop))
    }

    public var staticRoutes: [StaticRouteEntry] { routing.staticRoutes }

    /// Routing-table walks made for connections' segments: one per connection while the
    /// table stays as it is.
    public var routeLookups: Int { routing.lookups }

    /// A packet that arrived on `ingress` for an address that is not ours.
    func forward(_ packet: IPv4PacketView, header: IPv4Repr, from ingress: Interface) {
        // Link-level and limited broadcasts stay on their link (RFC 1812 §5.3.5).
        guard header.destination != .broadcast, !header.destination.isMulticast,
              !interfaces.contains(where: { $0.address.directedBroadcast == header.destination }) else {
            counters.droppedNotOurAddress += 1
            return
        }
        // Martian sources (RFC 1812 §5.3.7): nobody can be answered at them, nothing from them is real.
        let sourceNet = header.source.value >> 24
        guard sourceNet != 0, sourceNet != 127, !header.source.isMulticast, header.source != .broadcast else {
            counters.droppedMartian += 1
            return
        }
        if header.timeToLive <= 1 {
            counters.droppedTimeToLive += 1
            sendICMPError(.timeExceeded(code: 0, invoking: Self.quote(packet)), about: header, arrivedOn: ingress)
            return
        }
        guard let route = routing.route(to: header.destination) else {
            counters.droppedNoRoute += 1
            sendICMPError(.destinationUnreachable(code: ICMPv4Repr.UnreachableCode.network, invoking: Self.quote(packet)),
                          about: header, arrivedOn: ingress)
            return
        }
        let egress = interfaces[route.interface]
        if packet.totalLength > egress.mtu {
            // This router does not fragment, whatever the DF bit says: the sender hears
            // "fragmentation needed" (without the next-hop MTU, as pre-RFC 1191 routers send it).
            counters.droppedTooBig += 1
            sendICMPError(.destinationUnreachable(code: ICMPv4Repr.UnreachableCode.fragmentationNeeded, invoking: Self.quote(packet)),
                          about: header, arrivedOn: ingress)
            return
        }
        let length = EthernetFrameView.headerLength + packet.totalLength
        let destinationMAC = neighbour(route.nextHop, on: egress)
        func fill(_ frame: UnsafeMutableRawBufferPointer) {
            EthernetRepr(destination: destinationMAC ?? .zero, source: egress.mac, etherType: EtherType.ipv4).emit(into: frame)
            let copy = UnsafeMutableRawBufferPointer(rebasing: frame[EthernetFrameView.headerLength..<length])
            copy.copyMemory(from: packet.bytes)
            Self.decrementTimeToLive(copy)
        }
        if destinationMAC != nil {
            counters.forwarded += 1
            counters.framesOut += 1
            egress.port.transmit(length: length, checksumsFinal: true, fill)
            return
        }
        // Counted as forwarded once ARP sends it; `unreachableAfterARP` answers if ARP gives up.
        var frame = [UInt8](repeating: 0, count: length)
        frame.withUnsafeMutableBytes(fill)
        let (requestNow, dropped) = arp.enqueue(frame, for: route.nextHop, interface: egress.index, now: now)
        if dropped { counters.droppedARPQueueFull += 1 }
        if requestNow { sendARPRequest(for: route.nextHop, on: egress) }
    }

    /// Whether a frame waiting for ARP is one this router forwards (its source is not ours).
    func isForwardedFrame(_ frame: [UInt8]) -> Bool {
        frame.withUnsafeBytes { bytes in
            guard let packet = try? IPv4PacketView(checking: UnsafeRawBufferPointer(rebasing: bytes[EthernetFrameView.headerLength...])) else { return false }
            return !interfaces.contains { $0.address.address == packet.source }
        }
    }

    /// ARP gave up on the next hop of a packet this router was forwarding: tell its sender the
    /// host is unreachable (RFC 1812 §5.2.7.1), from the interface facing it.
    func unreachableAfterARP(_ frame: [UInt8]) {
        guard isForwarding, isForwardedFrame(frame) else { return }
        frame.withUnsafeBytes { bytes in
            guard let packet = try? IPv4PacketView(checking: UnsafeRawBufferPointer(rebasing: bytes[EthernetFrameView.headerLength...])),
                  let header = try? IPv4Repr.parse(packet, verifyChecksum: false),
                  let back = routing.route(to: header.source) else { return }
            // The TTL was taken off already; the quote shows the packet as it was sent on.
            sendICMPError(.destinationUnreachable(code: ICMPv4Repr.UnreachableCode.host, invoking: Self.quote(packet)),
                          about: header, arrivedOn: interfaces[back.interface])
        }
    }

    /// TTL minus one and the header checksum updated for it (RFC 1624: the TTL is the high byte
    /// of its 16-bit word, so the sum changes by 0x0100).
    static func decrementTimeToLive(_ header: UnsafeMutableRawBufferPointer) {
        header[8] -= 1
        let old = UInt16(header[10]) << 8 | UInt16(header[11])
        var sum = UInt32(~old & 0xffff) + UInt32(~UInt16(0x0100) & 0xffff)
        sum = (sum & 0xffff) + (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16)
        let updated = ~UInt16(truncatingIfNeeded: sum)
        header[10] = UInt8(updated >> 8)
        header[11] = UInt8(updated & 0xff)
    }

    /// What an ICMP error quotes: the IP header and the first 8 bytes after it (RFC 792).
    static func quote(_ packet: IPv4PacketView) -> [UInt8] {
        Array(packet.bytes.prefix(packet.headerLength + 8))
    }

    /// Sends an ICMP error about a packet, from the address of the interface it arrived on
    /// (so traceroute shows the hop). Never about an ICMP error, nor to a source that is not a
    /// single host (RFC 1812 §4.3.2.7): errors about errors could loop.
    func sendICMPError(_ message: ICMPv4Repr, about header: IPv4Repr, arrivedOn ingress: Interface) {
        if header.protocolNumber == IPProtocol.icmp, let type = message.quotedICMPType,
           type != ICMPv4Type.echoRequest && type != ICMPv4Type.echoReply { return }
        guard header.source != .any, header.source != .broadcast, !header.source.isMulticast else { return }
        counters.icmpErrorsSent += 1
        sendICMP(message, to: header.source, from: ingress.address.address)
    }
}

extension ICMPv4Repr {
    /// The ICMP type of the quoted packet when it is itself ICMP (its first byte after the
    /// quoted IP header).
    var quotedICMPType: UInt8? {
        switch self {
        case let .destinationUnreachable(_, invoking), let .timeExceeded(_, invoking):
            guard let first = invoking.first else { return nil }
            let headerLength = Int(first & 0x0f) * 4
            return invoking.count > headerLength ? invoking[headerLength] : nil
        default:
            return nil
        }
    }
}

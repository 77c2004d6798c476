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
            guard !packet.dontFragment else {
                // RFC 1191: the sender learns the next hop's MTU and sends smaller packets.
                counters.droppedTooBig += 1
                sendICMPError(.fragmentationNeeded(nextHopMTU: UInt16(egress.mtu), invoking: Self.quote(packet)),
                              about: header, arrivedOn: ingress)
                return
            }
            forwardInFragments(packet, header: header, through: egress, nextHop: route.nextHop)
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

    /// A packet too large for the next link, DF clear: it goes on in fragments (RFC 1812
    /// §5.2.6), each with TTL one less. A fragment is split again the same way, its pieces
    /// placed by its own offset in the original datagram.
    private func forwardInFragments(_ packet: IPv4PacketView, header: IPv4Repr, through egress: Interface, nextHop: IPv4Address) {
        let firstOptions = UnsafeRawBufferPointer(rebasing: packet.header[IPv4PacketView.minimumHeaderLength...])
        let laterOptions = Fragmentation.copiedOptions(of: packet.header)
        let payloadLength = packet.totalLength - packet.headerLength
        let pieces = Fragmentation.plan(payloadLength: payloadLength, firstHeaderLength: packet.headerLength,
                                        laterHeaderLength: IPv4PacketView.minimumHeaderLength + laterOptions.count, mtu: egress.mtu)
        counters.forwarded += 1
        counters.datagramsFragmented += 1
        for piece in pieces {
            let last = piece.offset + piece.length == payloadLength
            let headerLength = IPv4PacketView.minimumHeaderLength + (piece.isFirst ? firstOptions.count : laterOptions.count)
            counters.fragmentsSent += 1
            _ = sendFrame(through: egress, nextHop: nextHop, headerLength: EthernetFrameView.headerLength + headerLength + piece.length,
                          dataLength: 0, fill: { out in
                laterOptions.withUnsafeBytes { later in
                    _ = Fragmentation.writeHeader(into: out, template: packet.header, options: piece.isFirst ? firstOptions : later,
                                                  payloadLength: piece.length, offset: packet.fragmentOffset + piece.offset,
                                                  moreFragments: packet.moreFragments || !last, timeToLive: header.timeToLive - 1)
                }
                UnsafeMutableRawBufferPointer(rebasing: out[headerLength..<(headerLength + piece.length)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: packet.payload[piece.offset..<(piece.offset + piece.length)]))
            }, data: { _ in })
        }
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
}

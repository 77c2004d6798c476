import SmartNIC
import Wire

/// IPv4 fragments at a host: the ones that arrive are reassembled (`FragmentReassembly`), and
/// a datagram larger than the path's MTU leaves in fragments (UDP and ICMP; TCP sizes its
/// segments to the path instead).
extension NetworkStack {
    /// A fragment of a datagram for us.
    func receiveFragment(_ view: IPv4PacketView, header: IPv4Repr, on interface: Interface) {
        guard case let .complete(datagram) = reassembly.add(header, headerBytes: view.header, payload: view.payload, now: now) else {
            return
        }
        // The whole datagram, put together by the host's CPU in host memory (counted): the
        // card never saw it whole, so its checksum is the host's to verify.
        var frame = [UInt8](repeating: 0, count: EthernetFrameView.headerLength)
        frame.withUnsafeMutableBytes {
            EthernetRepr(destination: interface.mac, source: .zero, etherType: EtherType.ipv4).emit(into: $0)
        }
        frame += datagram
        guard let packet = frame.withUnsafeBytes({ interface.port.driver.hostPacket(copying: $0) }) else {
            counters.droppedNoBuffer += 1
            return
        }
        receiveIPv4(UnsafeRawBufferPointer(rebasing: packet.head[EthernetFrameView.headerLength...]), of: packet,
                    on: interface, checksumsVerified: false, linkBroadcast: false)
        packet.frame.release()
    }

    /// Partial datagrams whose time is up: dropped, and their senders told when the first
    /// fragment had come (time exceeded, code 1).
    func expireFragments() {
        guard let deadline = reassembly.nextDeadline, deadline <= now else { return }
        for expired in reassembly.expire(now: now) {
            // Never about a datagram sent to a broadcast address (RFC 1122 §3.2.2).
            guard let quote = expired.quote, interfaces.contains(where: { $0.address.address == expired.destination }) else { continue }
            let header = IPv4Repr(source: expired.source, destination: expired.destination, protocolNumber: quote[9], payloadLength: 0)
            sendICMPError(.timeExceeded(code: 1, invoking: quote), about: header, from: expired.destination)
        }
    }

    /// Sends `ip`'s datagram as fragments of at most `mtu` bytes. The transport header is
    /// written in host memory and, for UDP, its checksum computed there over the whole
    /// datagram (the card's engine sees one fragment at a time, so it cannot); the data stays
    /// where it lies and each fragment gathers its part of it.
    func sendFragments(of ip: IPv4Repr, mtu: Int, through interface: Interface, nextHop: IPv4Address, transportHeaderLength: Int,
                       writeHeader: (UnsafeMutableRawBufferPointer, _ leaving: Interface) -> Void,
                       data: (_ body: (Payload) -> Void) -> Void) -> SendResult {
        var transport = [UInt8](repeating: 0, count: transportHeaderLength)
        transport.withUnsafeMutableBytes { writeHeader($0, interface) }
        var payloads: [Payload] = []
        data { payloads.append($0) }
        if ip.protocolNumber == IPProtocol.udp && transportHeaderLength >= UDPDatagramView.headerLength {
            transport.withUnsafeMutableBytes { header in
                header.put(UInt16(0), at: 6)
                var sum = InternetChecksum()
                sum.addPseudoHeader(source: ip.source, destination: ip.destination, protocolNumber: IPProtocol.udp, length: ip.payloadLength)
                sum.add(UnsafeRawBufferPointer(header))
                for payload in payloads { payload.driver.addToChecksum(payload, &sum) }
                let checksum = sum.checksum
                header.put(checksum == 0 ? 0xffff : checksum, at: 6)
            }
        }
        let pieces = Fragmentation.plan(payloadLength: ip.payloadLength, firstHeaderLength: ip.headerLength,
                                        laterHeaderLength: ip.headerLength, mtu: mtu)
        counters.datagramsFragmented += 1
        var result = SendResult.sent
        for piece in pieces {
            var fragment = ip
            fragment.dontFragment = false
            fragment.payloadLength = piece.length
            fragment.fragmentOffset = piece.offset
            fragment.moreFragments = piece.offset + piece.length < ip.payloadLength
            let end = piece.offset + piece.length
            let inHeader = max(0, min(end, transportHeaderLength) - piece.offset)
            let dataStart = max(piece.offset, transportHeaderLength) - transportHeaderLength
            let dataEnd = max(0, end - transportHeaderLength)
            counters.fragmentsSent += 1
            let sent = sendFrame(through: interface, nextHop: nextHop,
                                 headerLength: EthernetFrameView.headerLength + fragment.headerLength + inHeader,
                                 dataLength: dataEnd - dataStart, fill: { packet in
                fragment.emit(into: packet)
                if inHeader > 0 {
                    transport.withUnsafeBytes { bytes in
                        UnsafeMutableRawBufferPointer(rebasing: packet[fragment.headerLength..<(fragment.headerLength + inHeader)])
                            .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[piece.offset..<(piece.offset + inHeader)]))
                    }
                }
            }, data: { body in
                var at = 0
                for payload in payloads {
                    let from = max(dataStart, at), to = min(dataEnd, at + payload.count)
                    if from < to { body(payload.subpayload(from: from - at, length: to - from)) }
                    at += payload.count
                }
            })
            if sent != .sent { result = sent }
        }
        return result
    }

    /// Sends one IPv4 frame: `fill` writes the packet after the Ethernet header (IPv4 header and
    /// what follows it in host memory), `data` the rest where it lies. With `checksumsFinal`
    /// false the card may fill in a TCP or UDP checksum. It waits whole in host memory when the
    /// next hop's MAC is unknown, after `finishWaiting` has had the packet (to do the card's
    /// part itself).
    func sendFrame(through interface: Interface, nextHop: IPv4Address, headerLength: Int, dataLength: Int,
                   checksumsFinal: Bool = true, fill: (UnsafeMutableRawBufferPointer) -> Void,
                   data: (_ body: (Payload) -> Void) -> Void,
                   finishWaiting: (UnsafeMutableRawBufferPointer) -> Void = { _ in }) -> SendResult {
        let destinationMAC = neighbour(nextHop, on: interface)
        func frameHeaders(_ frame: UnsafeMutableRawBufferPointer) {
            EthernetRepr(destination: destinationMAC ?? .zero, source: interface.mac, etherType: EtherType.ipv4).emit(into: frame)
            fill(UnsafeMutableRawBufferPointer(rebasing: frame[EthernetFrameView.headerLength...]))
        }
        if destinationMAC != nil {
            counters.framesOut += 1
            interface.port.transmit(headerLength: headerLength, checksumsFinal: checksumsFinal, headers: frameHeaders) { assembly in
                data { assembly.append($0) }
            }
            return .sent
        }
        var frame = [UInt8](repeating: 0, count: headerLength + dataLength)
        frame.withUnsafeMutableBytes { bytes in
            frameHeaders(UnsafeMutableRawBufferPointer(rebasing: bytes[..<headerLength]))
            var offset = headerLength
            data { payload in
                payload.driver.fetch(payload, into: UnsafeMutableRawBufferPointer(rebasing: bytes[offset..<(offset + payload.count)]))
                offset += payload.count
            }
            finishWaiting(UnsafeMutableRawBufferPointer(rebasing: bytes[EthernetFrameView.headerLength...]))
        }
        let (requestNow, dropped) = arp.enqueue(frame, for: nextHop, interface: interface.index, now: now)
        if dropped { counters.droppedARPQueueFull += 1 }
        if requestNow { sendARPRequest(for: nextHop, on: interface) }
        return .waitingForARP
    }
}

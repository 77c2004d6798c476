import SmartNIC
import Wire

/// UDP in the stack: sockets bound to ports, datagrams to them, and ICMP port unreachable
/// (rate-limited) for a port nobody has bound (RFC 1122 §4.1.3.1).
extension NetworkStack {
    /// A UDP socket on `port` (an ephemeral one when 0), for one of our addresses or all.
    public func bindUDP(port: UInt16 = 0, address: IPv4Address? = nil) throws(SocketError) -> UDPSocket {
        if let address, !interfaces.contains(where: { $0.address.address == address }) { throw .addressNotLocal(address) }
        var chosen = port
        if port == 0 {
            guard let free = ephemeralUDPPort() else { throw .noEphemeralPort }
            chosen = free
        }
        let existing = udpSockets[chosen] ?? []
        // Two sockets share a port only when bound to different addresses of ours.
        if existing.contains(where: { $0.localAddress == nil || address == nil || $0.localAddress == address }) {
            throw .portInUse(chosen)
        }
        let socket = UDPSocket(stack: self, localAddress: address, localPort: chosen)
        udpSockets[chosen, default: []].append(socket)
        return socket
    }

    func forget(_ socket: UDPSocket) {
        udpSockets[socket.localPort]?.removeAll { $0 === socket }
        if udpSockets[socket.localPort]?.isEmpty == true { udpSockets[socket.localPort] = nil }
    }

    private func ephemeralUDPPort() -> UInt16? {
        for _ in 0..<16_384 {
            let port = UInt16(49_152 + nextEphemeralOffset % 16_384)
            nextEphemeralOffset &+= 1
            if udpSockets[port] == nil { return port }
        }
        return nil
    }

    /// The socket bound to `port` that takes datagrams for `address`.
    func udpSocket(boundTo port: UInt16, address: IPv4Address) -> UDPSocket? {
        udpSockets[port]?.first { $0.localAddress == nil || $0.localAddress == address }
    }

    public var udpSocketCount: Int { udpSockets.values.reduce(0) { $0 + $1.count } }

    // MARK: - Sending

    /// write(): the application's bytes go where the card keeps payloads (DMA into card memory
    /// on the smart path, a CPU copy into host memory otherwise, as TCP's `send`); the frame
    /// gathers them from there and the card fills in the checksum.
    func sendUDP(_ bytes: UnsafeRawBufferPointer, from socket: UDPSocket, to destination: IPv4Address, port: UInt16) throws(UDPSocket.SendError) {
        guard let route = routing.route(to: destination) else {
            counters.droppedNoRoute += 1
            throw .noRoute(destination)
        }
        let interface = interfaces[route.interface]
        let driver = interface.port.driver
        var payloads: [Payload] = []
        defer { for payload in payloads { payload.release() } }
        var offset = 0
        while offset < bytes.count {
            guard var payload = driver.allocatePayload(capacity: bytes.count - offset) else { throw .noBufferSpace }
            offset += driver.append(UnsafeRawBufferPointer(rebasing: bytes[offset...]), to: &payload)
            payloads.append(payload)
        }
        let source = socket.localAddress ?? interface.address.address
        let header = UDPRepr(sourcePort: socket.localPort, destinationPort: port, payloadLength: bytes.count)
        let result = sendIPv4(to: destination, from: source, protocolNumber: IPProtocol.udp,
                              transportHeaderLength: UDPDatagramView.headerLength, dataLength: bytes.count,
                              dontFragment: socket.dontFragment, writeHeader: { out, leaving in
            let headerBytes = UnsafeMutableRawBufferPointer(rebasing: out[..<UDPDatagramView.headerLength])
            header.emitHeader(into: headerBytes)
            // With checksum offload the card computes it; without, the host sums what it holds.
            if !leaving.port.checksumOffload {
                var sum = InternetChecksum()
                sum.addPseudoHeader(source: source, destination: destination, protocolNumber: IPProtocol.udp, length: header.length)
                sum.add(UnsafeRawBufferPointer(headerBytes))
                for payload in payloads { payload.driver.addToChecksum(payload, &sum) }
                let checksum = sum.checksum
                headerBytes.put(checksum == 0 ? 0xffff : checksum, at: 6)
            }
        }, data: { body in payloads.forEach(body) })
        if result == .noRoute { throw .noRoute(destination) }
        udpCounters.datagramsOut += 1
    }

    // MARK: - Receiving

    /// A UDP datagram read whole by the host (`packet` is its IPv4 packet), `offset` bytes
    /// into its frame.
    func receiveUDP(_ packet: IPv4PacketView, in frame: PacketBuffer, at offset: Int, header ip: IPv4Repr,
                    checksumVerified: Bool, broadcast: Bool) {
        guard let view = try? UDPDatagramView(checking: packet.payload) else {
            counters.droppedMalformed += 1
            udpCounters.malformed += 1
            return
        }
        guard checksumVerified || view.checksumIsValid(source: ip.source, destination: ip.destination) else {
            counters.droppedBadChecksum += 1
            udpCounters.badChecksums += 1
            return
        }
        let payloadStart = offset + UDPDatagramView.headerLength
        receiveUDP(view, payload: frame.payload(from: payloadStart, to: payloadStart + view.payloadLength), header: ip,
                   quote: Self.quote(packet), broadcast: broadcast)
    }

    /// A datagram whose checksum holds: `view` covers at least its header, `payload` is its
    /// data where it lies, `quote` what a port unreachable would quote of it.
    func receiveUDP(_ view: UDPDatagramView, payload: Payload, header ip: IPv4Repr, quote: @autoclosure () -> [UInt8], broadcast: Bool) {
        udpCounters.datagramsIn += 1
        let candidates = udpSockets[view.destinationPort] ?? []
        // A socket connected to the sender comes first, then one bound to the address, then any.
        let socket = candidates.first { $0.remoteAddress != nil && $0.accepts(from: ip.source, port: view.sourcePort, to: ip.destination) }
            ?? candidates.first { $0.remoteAddress == nil && $0.accepts(from: ip.source, port: view.sourcePort, to: ip.destination) }
        guard let socket else {
            udpCounters.noPort += 1
            if !broadcast {
                sendICMPError(.destinationUnreachable(code: ICMPv4Repr.UnreachableCode.port, invoking: quote()),
                              about: ip, from: ip.destination)
            }
            return
        }
        if socket.enqueue(payload, from: ip.source, port: view.sourcePort) {
            socket.onReadable?()
        } else {
            udpCounters.droppedReceiveBufferFull += 1
        }
    }
}

/// Stack-wide UDP counts.
public struct UDPStackCounters: Sendable, Equatable, Codable {
    public var datagramsIn = 0
    public var datagramsOut = 0
    /// Datagrams for a port no socket is bound to (answered with port unreachable).
    public var noPort = 0
    public var badChecksums = 0
    public var malformed = 0
    public var droppedReceiveBufferFull = 0
    public init() {}
}

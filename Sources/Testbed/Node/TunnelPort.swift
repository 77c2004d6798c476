import EventLoop
import SmartNIC

/// Binds a NIC port to the UDP socket that carries its link: datagrams the socket receives go
/// into the port, frames the port transmits leave through the socket to the peer.
///
/// The peer is an address, or a name (a container's service name under docker). A named peer
/// is looked up off the frame path, again every `lookupInterval`: a restarted container comes
/// back with a new address, and the port's peer filter and its sends follow it there
/// (`PortCounters.peerChanges`). Until the first answer the port's frames go nowhere and count
/// as `droppedOnSend`.
final class TunnelPort {
    let port: NICPort
    let socket: UDPSocket
    let peerHost: String
    let peerPort: UInt16
    private let peer = PeerAddress()
    private var lookups: LoopTimer?

    /// How often a named peer is looked up again once it has an address; until then, every
    /// `firstLookupInterval`. Docker's DNS answers from the daemon, so this costs next to nothing.
    static let lookupInterval: UInt64 = 1_000
    static let firstLookupInterval: UInt64 = 100

    /// `beforeReceive` runs before the first datagram of each batch the socket reads enters the
    /// port: the node moves its stack's clock there, so a reply is timed when it arrived, not
    /// when the iteration began.
    /// `afterReceive` runs after each batch: the node flushes its ports' rings there, so what
    /// the batch made leave at once, whatever else the loop does before it blocks again.
    /// `onPeerChange` hears of each new address of a named peer (the node logs it).
    init(port: NICPort, loop: Loop, bindHost: String, localPort: UInt16, peerHost: String, peerPort: UInt16,
         onPeerChange: @escaping (String) -> Void = { _ in }, afterReceive: @escaping () -> Void = {},
         beforeReceive: @escaping () -> Void) throws {
        self.port = port
        self.peerHost = peerHost
        self.peerPort = peerPort
        socket = try UDPSocket(loop: loop, bindTo: SocketAddress(host: bindHost, port: localPort))
        // Bulk transfers burst far past Linux's default 208 KiB socket buffers.
        socket.setBufferSizes(send: 4 << 20, receive: 4 << 20)
        port.send = { [socket, peer] parts in
            guard let address = peer.address else { return false }
            return socket.send(parts: parts, to: address)
        }
        // Frames wait in the card's ring until the node flushes it, once per loop iteration.
        port.batching = true
        port.sendBatch = { [socket, peer] ring in
            guard let address = peer.address else { return BatchSendResult(sent: 0) }
            let (sent, wouldBlock) = socket.send(datagrams: UnsafeBufferPointer(ring.parts),
                                                 ends: UnsafeBufferPointer(rebasing: ring.frameEnds[..<ring.frameCount]),
                                                 lengths: UnsafeBufferPointer(rebasing: ring.frameLengths[..<ring.frameCount]), to: address)
            return BatchSendResult(sent: sent, queueFull: wouldBlock)
        }
        // The clock is read once per batch of datagrams, not once for each.
        var clockRead = false
        try socket.startReceiving({ [port] datagram, source in
            if !clockRead {
                beforeReceive()
                clockRead = true
            }
            port.receive(datagram: datagram, from: UnderlayAddress(ipv4: source.ipv4, port: source.port))
        }, onBatchEnd: {
            clockRead = false
            afterReceive()
        })
        if let literal = SocketAddress(literal: peerHost, port: peerPort) {
            use(literal)
            return
        }
        let timer = LoopTimer(loop: loop)
        timer.unref()
        lookups = timer
        var asking = false
        func lookUp() {
            guard !asking else { return }
            asking = true
            NameResolver.resolve(peerHost, port: peerPort, on: loop) { [weak self] result in
                asking = false
                guard let self, case let .success(address) = result, address != self.peer.address else { return }
                let first = self.peer.address == nil
                self.use(address)
                onPeerChange("\(self.port.name): peer \(peerHost) \(first ? "is at" : "moved to") \(address)")
                if first { timer.start(after: Self.lookupInterval, repeating: Self.lookupInterval, lookUp) }
            }
        }
        timer.start(after: Self.firstLookupInterval, repeating: Self.firstLookupInterval, lookUp)
        lookUp()
    }

    private func use(_ address: SocketAddress) {
        peer.address = address
        port.peer = UnderlayAddress(ipv4: address.ipv4, port: address.port)
    }

    var underlayDescription: String { socket.localAddress.description }
    /// The peer's address, with its name when it was given one.
    var peerDescription: String {
        let address = peer.address?.description ?? "unresolved"
        return peerHost.first?.isLetter == true ? "\(peerHost)=\(address)" : address
    }
    /// Whether frames have somewhere to go: a named peer has been found.
    var hasPeer: Bool { peer.address != nil }

    func close() {
        lookups?.close()
        socket.close()
    }
}

/// Where a port's frames go, shared by its send function and the lookups that move it.
private final class PeerAddress {
    var address: SocketAddress?
}

import EventLoop
import SmartNIC

/// Binds a NIC port to the UDP socket that carries its link: datagrams the socket receives go
/// into the port, frames the port transmits leave through the socket to the peer.
final class TunnelPort {
    let port: NICPort
    let socket: UDPSocket
    private var peerAddress: SocketAddress

    /// `beforeReceive` runs before each datagram enters the port: the node moves its stack's
    /// clock there, so a reply is timed when it arrived, not when the iteration began.
    init(port: NICPort, loop: Loop, bindHost: String, localPort: UInt16, peerHost: String, peerPort: UInt16,
         beforeReceive: @escaping () -> Void) throws {
        let peer = try SocketAddress(host: peerHost, port: peerPort)
        self.peerAddress = peer
        self.port = port
        port.peer = UnderlayAddress(ipv4: peer.ipv4, port: peer.port)
        socket = try UDPSocket(loop: loop, bindTo: SocketAddress(host: bindHost, port: localPort))
        // Bulk transfers burst far past Linux's default 208 KiB socket buffers.
        socket.setBufferSizes(send: 4 << 20, receive: 4 << 20)
        port.send = { [socket, peer] parts in socket.send(parts: parts, to: peer) }
        try socket.startReceiving { [port] datagram, source in
            beforeReceive()
            port.receive(datagram: datagram, from: UnderlayAddress(ipv4: source.ipv4, port: source.port))
        }
    }

    var underlayDescription: String { socket.localAddress.description }
    var peerDescription: String { peerAddress.description }

    func close() { socket.close() }
}

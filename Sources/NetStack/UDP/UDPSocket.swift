import DequeModule
import SmartNIC
import Wire

/// A UDP socket (RFC 768), as a BSD datagram socket behaves: bound to a port, optionally
/// connected to one peer (then it hears only that peer, and hears ICMP errors about what it
/// sent there). Datagrams stay where they landed until read: on the card on the smart path,
/// so `receive` DMAs a payload straight into the application's buffer, as TCP's does; `send`
/// DMAs the application's bytes into card memory and the card computes the checksum.
public final class UDPSocket {
    /// One received datagram: who sent it and its data, where it lies.
    struct Queued {
        var source: IPv4Address
        var sourcePort: UInt16
        var payload: Payload
    }

    /// What `receive` hands back besides the bytes.
    public struct Received: Sendable, Equatable {
        public var source: IPv4Address
        public var sourcePort: UInt16
        /// The datagram's length; more than was copied when the buffer was shorter (MSG_TRUNC).
        public var length: Int
    }

    /// An ICMP error about a datagram this socket sent.
    public struct Failure: Sendable, Equatable {
        /// Who reported it (the destination itself, or a router on the way).
        public var reporter: IPv4Address
        public var destination: IPv4Address
        public var destinationPort: UInt16
        public var error: TCPICMPError
    }

    public enum SendError: Error, Equatable, CustomStringConvertible {
        /// Longer than one IPv4 datagram can carry (65,507 bytes of data).
        case messageTooLong(Int)
        case noRoute(IPv4Address)
        /// Neither card nor host memory could take the bytes (ENOBUFS).
        case noBufferSpace
        /// `send` without an address on a socket that is not connected.
        case notConnected
        case closed

        public var description: String {
            switch self {
            case let .messageTooLong(length): return "a \(length)-byte datagram is longer than UDP over IPv4 carries (65507)"
            case let .noRoute(address): return "no route to \(address)"
            case .noBufferSpace: return "no buffer space available"
            case .notConnected: return "the socket is not connected: give a destination"
            case .closed: return "the socket is closed"
            }
        }
    }

    public static let maximumPayload = 65_535 - 20 - 8

    public let localPort: UInt16
    /// The address the socket is bound to; nil for every address of the host.
    public let localAddress: IPv4Address?
    public private(set) var remoteAddress: IPv4Address?
    public private(set) var remotePort: UInt16?
    /// Set DF on datagrams that fit the path (RFC 1191 discovery, as Linux's default
    /// IP_PMTUDISC_WANT); a larger datagram is fragmented here whatever this says. False sends
    /// every datagram with DF clear, so routers fragment it (IP_PMTUDISC_DONT).
    public var dontFragment = true
    /// The most memory queued datagrams may hold (SO_RCVBUF; Linux's default), counted by what
    /// each one keeps from others (its whole landing buffer).
    public var receiveBufferSize = 212_992
    public var onReadable: (() -> Void)?
    public var onError: ((Failure) -> Void)?
    public internal(set) var counters = UDPSocketCounters()
    public private(set) var isClosed = false

    var queue = Deque<Queued>()
    var queuedBytes = 0
    private unowned let stack: NetworkStack

    init(stack: NetworkStack, localAddress: IPv4Address?, localPort: UInt16) {
        self.stack = stack
        self.localAddress = localAddress
        self.localPort = localPort
    }

    deinit { for datagram in queue { datagram.payload.release() } }

    /// Talks to one peer only: `send` without an address goes there, and only its datagrams
    /// are received.
    public func connect(to address: IPv4Address, port: UInt16) {
        remoteAddress = address
        remotePort = port
    }

    /// Sends one datagram to `address`:`port`, or to the connected peer.
    public func send(_ bytes: UnsafeRawBufferPointer, to address: IPv4Address? = nil, port: UInt16? = nil) throws(SendError) {
        guard !isClosed else { throw .closed }
        guard let destination = address ?? remoteAddress, let destinationPort = port ?? remotePort else { throw .notConnected }
        guard bytes.count <= Self.maximumPayload else { throw .messageTooLong(bytes.count) }
        try stack.sendUDP(bytes, from: self, to: destination, port: destinationPort)
        counters.datagramsSent += 1
        counters.bytesSent += bytes.count
    }

    public func send(_ bytes: [UInt8], to address: IPv4Address? = nil, port: UInt16? = nil) throws(SendError) {
        let result: Result<Void, SendError> = bytes.withUnsafeBytes { raw in
            do throws(SendError) { try send(raw, to: address, port: port) } catch { return .failure(error) }
            return .success(())
        }
        try result.get()
    }

    /// Moves the oldest datagram into `buffer` (what does not fit is lost, as with a BSD
    /// socket); nil when none is queued.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> Received? {
        guard let datagram = queue.popFirst() else { return nil }
        queuedBytes -= datagram.payload.footprint
        let copied = min(buffer.count, datagram.payload.count)
        datagram.payload.driver.read(datagram.payload.prefix(copied), into: buffer)
        datagram.payload.release()
        counters.datagramsRead += 1
        return Received(source: datagram.source, sourcePort: datagram.sourcePort, length: datagram.payload.count)
    }

    /// Datagrams waiting to be read.
    public var queuedDatagrams: Int { queue.count }

    /// Stops receiving and frees what is queued; the port is free again.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        for datagram in queue { datagram.payload.release() }
        queue.removeAll()
        queuedBytes = 0
        onReadable = nil
        onError = nil
        stack.forget(self)
    }

    /// Whether a datagram from `source`:`port` to `destination` is for this socket.
    func accepts(from source: IPv4Address, port: UInt16, to destination: IPv4Address) -> Bool {
        if let localAddress, localAddress != destination { return false }
        if let remoteAddress, remoteAddress != source || remotePort != port { return false }
        return true
    }

    /// Queues a datagram that arrived, keeping its payload where it lies; false when the
    /// receive buffer is full (dropped, counted).
    func enqueue(_ payload: Payload, from source: IPv4Address, port: UInt16) -> Bool {
        guard queuedBytes + payload.footprint <= receiveBufferSize else {
            counters.droppedReceiveBufferFull += 1
            return false
        }
        payload.retain()
        queue.append(Queued(source: source, sourcePort: port, payload: payload))
        queuedBytes += payload.footprint
        counters.datagramsReceived += 1
        counters.bytesReceived += payload.count
        return true
    }
}

/// Per-socket counts.
public struct UDPSocketCounters: Sendable, Equatable, Codable {
    public var datagramsSent = 0
    public var bytesSent = 0
    public var datagramsReceived = 0
    public var bytesReceived = 0
    public var datagramsRead = 0
    public var droppedReceiveBufferFull = 0
    public var icmpErrors = 0
    public init() {}
}

import SmartNIC
import Wire

/// A TCP connection's identity from this host's side.
struct FourTuple: Hashable {
    var localAddress: IPv4Address
    var localPort: UInt16
    var remoteAddress: IPv4Address
    var remotePort: UInt16
}

public enum SocketError: Error, Equatable, CustomStringConvertible {
    case portInUse(UInt16)
    case noRoute(IPv4Address)
    case noEphemeralPort
    case addressNotLocal(IPv4Address)
    /// The node holds its cap of connections (`TCPConfiguration.maximumConnections`).
    case tooManyConnections(Int)
    /// The node's TCP memory is under pressure (`SocketMemory`): bytes charged, and the budget.
    case memoryPressure(charged: Int, budget: Int)

    public var description: String {
        switch self {
        case let .portInUse(port): return "port \(port) is already in use"
        case let .noRoute(address): return "no route to \(address)"
        case .noEphemeralPort: return "no free local port"
        case let .addressNotLocal(address): return "\(address) is not an address of this host"
        case let .tooManyConnections(cap): return "this node holds its cap of \(cap) connections"
        case let .memoryPressure(charged, budget):
            return "this node's TCP memory is under pressure (\(charged >> 10) KiB of its \(budget >> 10) KiB budget in use); new connections wait until established ones free some"
        }
    }
}

extension NetworkStack {
    /// Listens for connections on `port` (RFC 9293 passive OPEN).
    /// `maximumConnections` caps the connections alive from it at once (nil: only the node's
    /// `TCPConfiguration.maximumConnections`).
    public func listen(port: UInt16, backlog: Int = 128, maximumConnections: Int? = nil) throws(SocketError) -> TCPListener {
        guard tcpListeners[port] == nil else { throw .portInUse(port) }
        let listener = TCPListener(port: port, backlog: backlog, maximumConnections: maximumConnections)
        listener.stack = self
        tcpListeners[port] = listener
        return listener
    }

    func removeListener(_ listener: TCPListener) {
        if tcpListeners[listener.port] === listener { tcpListeners[listener.port] = nil }
    }

    /// Opens a connection (active OPEN); `onEvent` reports `.connected` or the failure.
    /// `configuration` replaces the stack's settings for this connection (socket options).
    public func connect(to address: IPv4Address, port: UInt16, localPort: UInt16? = nil,
                        configuration: TCPConfiguration? = nil) throws(SocketError) -> TCPConnection {
        guard tcpConnections.count < tcpConfiguration.maximumConnections else {
            tcpCounters.connectionCapRefusals += 1
            throw .tooManyConnections(tcpConfiguration.maximumConnections)
        }
        guard !tcpMemory.isUnderPressure else {
            tcpCounters.memoryPressureRefusals += 1
            throw .memoryPressure(charged: tcpMemory.charged, budget: tcpMemory.budget)
        }
        guard let route = routing.route(to: address) else { throw .noRoute(address) }
        let interface = interfaces[route.interface]
        let source = interface.address.address
        let chosenPort: UInt16
        if let localPort {
            chosenPort = localPort
        } else {
            guard let free = ephemeralPort(remote: address, remotePort: port, local: source) else { throw .noEphemeralPort }
            chosenPort = free
        }
        let tuple = FourTuple(localAddress: source, localPort: chosenPort, remoteAddress: address, remotePort: port)
        guard tcpConnections[tuple] == nil else { throw .portInUse(chosenPort) }
        let connection = makeConnection(tuple, interface: interface, configuration: configuration)
        tcpConnections[tuple] = connection
        connection.open(now: now)
        return connection
    }

    private func ephemeralPort(remote: IPv4Address, remotePort: UInt16, local: IPv4Address) -> UInt16? {
        // RFC 6056 "simple port randomization" would also do; sequential from a seeded start is
        // reproducible in simulation and spreads ports well enough.
        for _ in 0..<16_384 {
            let candidate = 49_152 + nextEphemeralOffset % 16_384
            nextEphemeralOffset &+= 1
            let port = UInt16(candidate)
            let tuple = FourTuple(localAddress: local, localPort: port, remoteAddress: remote, remotePort: remotePort)
            if tcpConnections[tuple] == nil && tcpListeners[port] == nil { return port }
        }
        return nil
    }

    func makeConnection(_ tuple: FourTuple, interface: Interface, configuration: TCPConfiguration? = nil,
                        iss chosen: SequenceNumber? = nil) -> TCPConnection {
        let mss = (configuration ?? tcpConfiguration).maximumSegmentSize ?? (interface.mtu - 40)
        let iss = chosen ?? isnGenerator.next(local: tuple.localAddress, localPort: tuple.localPort,
                                              remote: tuple.remoteAddress, remotePort: tuple.remotePort, now: now)
        // A path MTU learnt from an earlier connection holds for this one too (RFC 1191 §5).
        let connection = TCPConnection(configuration: configuration ?? tcpConfiguration, local: (tuple.localAddress, tuple.localPort),
                                       remote: (tuple.remoteAddress, tuple.remotePort), iss: iss, mss: mss,
                                       pathMTU: pathMTU(to: tuple.remoteAddress, through: interface), now: now,
                                       driver: interface.port.driver) { [unowned self, routeCache = RouteCache()] header, length, data in
            self.sendTCP(header, payloadLength: length, from: tuple.localAddress, to: tuple.remoteAddress,
                         routeCache: routeCache, data: data)
        }
        connection.clock = { [unowned self] in self.now }
        connection.memory = tcpMemory
        connection.transmitRoom = { [unowned port = interface.port] in port.makeTransmitRoom() }
        return connection
    }

    /// Sends a segment: its header written here, its data given as payloads where they lie.
    func sendTCP(_ header: TCPHeaderRepr, payloadLength: Int, from source: IPv4Address, to destination: IPv4Address,
                 routeCache: RouteCache? = nil, data: (_ body: (Payload) -> Void) -> Void) {
        let headerLength = header.headerLength
        let result = sendIPv4(to: destination, from: source, protocolNumber: IPProtocol.tcp, transportHeaderLength: headerLength,
                              dataLength: payloadLength, routeCache: routeCache, writeHeader: { segment, interface in
            let bytes = UnsafeMutableRawBufferPointer(rebasing: segment[..<headerLength])
            header.emit(into: bytes)
            // With checksum offload the card computes the checksum; the host leaves the field
            // zero. Without it (a conventional card) the host sums the data it holds itself.
            if !interface.port.checksumOffload {
                var sum = InternetChecksum()
                sum.addPseudoHeader(source: source, destination: destination, protocolNumber: IPProtocol.tcp,
                                    length: headerLength + payloadLength)
                sum.add(UnsafeRawBufferPointer(bytes))
                data { payload in payload.driver.addToChecksum(payload, &sum) }
                bytes.storeBytes(of: sum.checksum.bigEndian, toByteOffset: 16, as: UInt16.self)
            }
        }, data: data)
        if result != .noRoute { tcpCounters.segmentsOut += 1 }
    }

    /// A TCP segment read whole by the host (`bytes`), `offset` bytes into its frame.
    func receiveTCP(_ bytes: UnsafeRawBufferPointer, in packet: PacketBuffer, at offset: Int, header ip: IPv4Repr,
                    checksumVerified: Bool) {
        guard let view = try? TCPSegmentView(checking: bytes) else {
            counters.droppedMalformed += 1
            return
        }
        guard checksumVerified || view.checksumIsValid(source: ip.source, destination: ip.destination) else {
            counters.droppedBadChecksum += 1
            return
        }
        receiveTCP(view, payload: packet.payload(from: offset + view.headerLength, to: offset + bytes.count), header: ip)
    }

    /// A TCP segment whose checksum holds: `view` covers its header, `payload` is its data
    /// where it lies.
    func receiveTCP(_ view: TCPSegmentView, payload: Payload, header ip: IPv4Repr) {
        guard let segment = try? TCPHeaderRepr.parse(view) else {
            counters.droppedMalformed += 1
            return
        }
        tcpCounters.segmentsIn += 1
        let tuple = FourTuple(localAddress: ip.destination, localPort: segment.destinationPort,
                              remoteAddress: ip.source, remotePort: segment.sourcePort)
        // A connection the application ended since the last poll is gone already: the segment
        // is for whatever holds the port now (a listener, or nobody).
        if let connection = tcpConnections[tuple], connection.isFinished { tcpConnections[tuple] = nil }
        if let connection = tcpConnections[tuple] {
            if connection.state == .timeWait && mayReuseTimeWait(connection, for: segment) {
                connection.terminate(nil)
                tcpConnections[tuple] = nil
            } else {
                connection.handle(segment, payload: payload.count > 0 ? payload : nil, now: now)
                if connection.isFinished { tcpConnections[tuple] = nil }
                return
            }
        }
        if let listener = tcpListeners[segment.destinationPort] {
            acceptOnListener(listener, segment: segment, tuple: tuple, payload: payload)
            return
        }
        // CLOSED (RFC 9293 §3.10.7.1): answer anything but a RST with a RST.
        tcpCounters.resetsForClosedPorts += 1
        replyWithReset(to: segment, tuple: tuple, payloadLength: payload.count)
    }

    /// RFC 6191 / RFC 1122 §4.2.2.13: a new SYN may take over a 4-tuple in TIME-WAIT when its
    /// sequence number (or timestamp) is beyond what the old connection used.
    private func mayReuseTimeWait(_ connection: TCPConnection, for segment: TCPHeaderRepr) -> Bool {
        guard segment.flags.contains(.syn), !segment.flags.contains(.ack), tcpListeners[segment.destinationPort] != nil else { return false }
        if connection.timestampsEnabled, let ts = segment.options.timestamps {
            return Int32(bitPattern: ts.value &- connection.tsRecent) > 0
        }
        return SequenceNumber(segment.sequenceNumber) > connection.rcvNxt
    }

    private func acceptOnListener(_ listener: TCPListener, segment: TCPHeaderRepr, tuple: FourTuple, payload: Payload) {
        let flags = segment.flags
        if flags.contains(.rst) { return }
        if flags.contains(.ack) {
            switch acceptCookie(segment, on: listener, tuple: tuple, payload: payload) {
            case .accepted, .dropped: return
            case .notACookie: replyWithReset(to: segment, tuple: tuple, payloadLength: payload.count)
            }
            return
        }
        guard flags.contains(.syn) else { return }
        // Over a cap, a connection is refused outright (a RST, as to a closed port), before
        // any state is kept; counted apart from the queue drops.
        guard !isOverConnectionCap(listener) else {
            replyWithReset(to: segment, tuple: tuple, payloadLength: payload.count)
            return
        }
        guard !listener.isAcceptQueueFull else {
            listener.noteDroppedSYN()
            tcpCounters.listenOverflows += 1
            return
        }
        guard let route = routing.route(to: tuple.remoteAddress) else { return }
        if listener.isSYNQueueFull {
            guard tcpConfiguration.synCookies else {
                listener.noteDroppedSYN()
                tcpCounters.synQueueDrops += 1
                return
            }
            sendCookie(answering: segment, tuple: tuple, interface: interfaces[route.interface])
            listener.lastCookieSent = now
            return
        }
        let connection = makeConnection(tuple, interface: interfaces[route.interface])
        listener.adopt(connection)
        tcpConnections[tuple] = connection
        connection.accept(syn: segment, now: now)
    }

    private func replyWithReset(to segment: TCPHeaderRepr, tuple: FourTuple, payloadLength: Int) {
        guard !segment.flags.contains(.rst) else { return }
        let reply: TCPHeaderRepr
        if segment.flags.contains(.ack) {
            reply = TCPHeaderRepr(sourcePort: tuple.localPort, destinationPort: tuple.remotePort,
                                  sequenceNumber: segment.acknowledgmentNumber, flags: [.rst], window: 0)
        } else {
            let length = payloadLength + (segment.flags.contains(.syn) ? 1 : 0) + (segment.flags.contains(.fin) ? 1 : 0)
            reply = TCPHeaderRepr(sourcePort: tuple.localPort, destinationPort: tuple.remotePort, sequenceNumber: 0,
                                  acknowledgmentNumber: segment.sequenceNumber &+ UInt32(length), flags: [.rst, .ack], window: 0)
        }
        sendTCP(reply, payloadLength: 0, from: tuple.localAddress, to: tuple.remoteAddress) { _ in }
    }

    /// Whether a new connection to `listener` would pass its cap or the node's, or find the
    /// node's memory under pressure; counts it if so.
    func isOverConnectionCap(_ listener: TCPListener) -> Bool {
        if listener.isAtConnectionCap || tcpConnections.count >= tcpConfiguration.maximumConnections {
            tcpCounters.connectionCapRefusals += 1
            return true
        }
        if tcpMemory.isUnderPressure {
            tcpCounters.memoryPressureRefusals += 1
            return true
        }
        return false
    }

    /// A port whose queue had stopped has drained: connections it held back send again.
    func resumeHeldBackConnections() {
        for connection in tcpConnections.values where connection.heldBackByDevice {
            connection.heldBackByDevice = false
            connection.transmitWhatIsAllowed()
        }
    }

    /// Runs due TCP timers and forgets connections that have closed.
    func pollTCP() {
        for (tuple, connection) in tcpConnections {
            if let deadline = connection.nextDeadline, deadline <= now { connection.poll(now: now) }
            if connection.isFinished { tcpConnections[tuple] = nil }
        }
    }

    var tcpNextDeadline: Instant? { tcpConnections.values.lazy.compactMap(\.nextDeadline).min() }

    public var tcpConnectionCount: Int { tcpConnections.count }
}

/// Stack-wide TCP counts.
public struct TCPStackCounters: Sendable, Equatable, Codable {
    public var segmentsIn = 0
    public var segmentsOut = 0
    public var resetsForClosedPorts = 0
    /// SYNs dropped because the listener's accept queue was full (Linux's ListenOverflows).
    public var listenOverflows = 0
    /// SYNs dropped because the half-open queue was full and cookies are off.
    public var synQueueDrops = 0
    /// Connections refused (with a RST, or `tooManyConnections` to `connect`) because the
    /// node or the listener held its cap.
    public var connectionCapRefusals = 0
    /// Connections refused (a RST, or `memoryPressure` to `connect`) because the node's TCP
    /// memory was under pressure (`SocketMemory`).
    public var memoryPressureRefusals = 0
    /// SYN cookies sent, ACKs that carried a valid one (connections made from it), and ACKs
    /// that did not while cookies were out (Linux's SyncookiesSent, SyncookiesRecv, SyncookiesFailed).
    public var synCookiesSent = 0
    public var synCookiesValidated = 0
    public var synCookiesFailed = 0
    public init() {}
}

import SmartNIC
import Wire

/// The host's TCP/IP stack: interfaces, ARP, IPv4 with forwarding, fragmentation and
/// reassembly, ICMP (echo answered here, echo sockets for ping, errors to the sockets they
/// concern: ICMP/NetworkStack+ICMPErrors.swift), UDP (NetworkStack+UDP.swift) and TCP
/// (NetworkStack+TCP.swift).
/// Sans-I/O: frames arrive through the NIC ports' `deliver`, the caller moves time forward
/// with `advance(to:)` and calls `poll()` when `nextDeadline` comes; nothing here blocks,
/// sleeps or reads a clock.
public final class NetworkStack {
    public let hostname: String
    public private(set) var interfaces: [Interface] = []
    public internal(set) var counters = StackCounters()
    public private(set) var now: Instant
    public let defaultTimeToLive: UInt8 = 64
    /// Whether packets for other addresses are forwarded (a router) or dropped (a host).
    public var isForwarding = false

    var arp = ARPCache()
    var routing = RoutingTable()
    private var echoSockets: [EchoSocket] = []
    private var nextEchoIdentifier: UInt16
    var nextIdentification: UInt16 = 1

    // IPv4 fragments (IPv4/NetworkStack+Fragments.swift) and path MTUs learnt from ICMP.
    var reassembly = FragmentReassembly()
    var pathMTUs: [IPv4Address: LearntPathMTU] = [:]
    public var reassemblyLimits: ReassemblyLimits {
        get { reassembly.limits }
        set { reassembly.limits = newValue }
    }
    public var reassemblyCounters: ReassemblyCounters { reassembly.counters }
    /// How fast this node sends ICMP errors (RFC 1812 §4.3.2.8).
    public var icmpRateLimits: ICMPRateLimits {
        get { icmpLimiter.limits }
        set { icmpLimiter.limits = newValue }
    }
    var icmpLimiter = ICMPRateLimiter(limits: ICMPRateLimits())

    // UDP (NetworkStack+UDP.swift).
    var udpSockets: [UInt16: [UDPSocket]] = [:]
    public internal(set) var udpCounters = UDPStackCounters()

    // TCP (NetworkStack+TCP.swift).
    public var tcpConfiguration = TCPConfiguration() {
        didSet { tcpMemory.budget = tcpConfiguration.memoryBudget }
    }
    /// What the node's connections hold, against `tcpConfiguration.memoryBudget`.
    public let tcpMemory = SocketMemory(budget: TCPConfiguration().memoryBudget)
    public internal(set) var tcpCounters = TCPStackCounters()
    var tcpConnections: [FourTuple: TCPConnection] = [:]
    var tcpListeners: [UInt16: TCPListener] = [:]
    let isnGenerator: InitialSequenceNumbers
    let synCookies: SYNCookies
    var nextEphemeralOffset: Int

    /// `seed` keys the initial sequence numbers and picks the first ephemeral port: random in a
    /// node process, fixed in a simulation so every run is the same.
    public init(hostname: String, now: Instant = .zero, seed: UInt64 = 0) {
        self.hostname = hostname
        self.now = now
        isnGenerator = InitialSequenceNumbers(seed: seed)
        synCookies = SYNCookies(seed: seed)
        nextEphemeralOffset = Int(seed % 16_384)
        // Distinct nodes pick distinct ICMP identifiers, which makes captures easier to read.
        var hash: UInt16 = 0x4e42
        for byte in hostname.utf8 { hash = hash &* 31 &+ UInt16(byte) }
        nextEchoIdentifier = hash
    }

    public var defaultGateway: IPv4Address? {
        get { routing.defaultGateway }
        set { routing.defaultGateway = newValue }
    }

    /// Attaches an interface to a NIC port; frames the port receives come to this stack.
    @discardableResult
    public func addInterface(name: String, mac: MACAddress, address: IPv4Interface, port: NICPort, mtu: Int = 1500) -> Interface {
        let interface = Interface(index: interfaces.count, name: name, mac: mac, address: address, port: port, mtu: mtu)
        interfaces.append(interface)
        routing.connected.append((interface.index, address))
        let index = interface.index
        port.deliver = { [unowned self] packet in self.receive(packet: &packet, on: index) }
        port.onTransmitResumed = { [unowned self] in self.resumeHeldBackConnections() }
        return interface
    }

    public func advance(to instant: Instant) {
        if instant > now { now = instant }
    }

    /// The earliest time `poll()` has work to do.
    public var nextDeadline: Instant? {
        Instant.earliest(Instant.earliest(arp.nextDeadline, tcpNextDeadline), reassembly.nextDeadline)
    }

    /// Runs what is due at `now`: ARP retries and give-ups, reassembly timeouts, TCP timers.
    public func poll() {
        expireFragments()
        let (retry, failed, probes) = arp.due(now: now)
        for (address, interface) in retry { sendARPRequest(for: address, on: interfaces[interface]) }
        for (address, mac, interface) in probes { sendARPProbe(for: address, to: mac, on: interfaces[interface]) }
        for (address, state) in failed {
            counters.droppedARPFailed += state.frames.count
            let reporter = interfaces[state.interface].address.address
            for frame in state.frames { unreachableAfterARP(frame) }
            for socket in echoSockets where routing.route(to: socket.destination)?.nextHop == address {
                socket.onFailure?(reporter, nil, .nextHopUnreachable)
            }
        }
        pollTCP()
    }

    // MARK: - Echo sockets

    /// An echo socket towards `destination`, with an identifier no other open socket has.
    public func openEchoSocket(to destination: IPv4Address) -> EchoSocket {
        while echoSockets.contains(where: { $0.identifier == nextEchoIdentifier }) { nextEchoIdentifier &+= 1 }
        let socket = EchoSocket(stack: self, destination: destination, identifier: nextEchoIdentifier)
        nextEchoIdentifier &+= 1
        echoSockets.append(socket)
        return socket
    }

    func forget(_ socket: EchoSocket) { echoSockets.removeAll { $0 === socket } }

    func echoSocket(identifier: UInt16) -> EchoSocket? { echoSockets.first { $0.identifier == identifier } }

    // MARK: - Input

    /// A frame from a NIC port. The host reads what it needs of it: a TCP segment's headers
    /// when the card verified its checksums (its data stays where it landed, on the card on the
    /// smart path), the whole frame otherwise (ARP, ICMP, anything the host must check itself).
    func receive(packet: inout PacketBuffer, on index: Int) {
        counters.framesIn += 1
        let interface = interfaces[index]
        interface.port.driver.pull(&packet, upTo: hostBytesNeeded(&packet, driver: interface.port.driver))
        if packet.isLinear {
            receiveLinear(packet, on: interface)
        } else {
            receiveSplit(packet, on: interface)
        }
    }

    /// How much of a received frame the host must read: through the TCP or UDP header of a
    /// verified segment or datagram for one of our addresses, all of it otherwise (a router
    /// forwards whole packets; fragments are reassembled in host memory).
    private func hostBytesNeeded(_ packet: inout PacketBuffer, driver: NICDriver) -> Int {
        guard packet.checksumsVerified, !packet.isLinear else { return packet.length }
        let ipStart = EthernetFrameView.headerLength
        driver.pull(&packet, upTo: ipStart + IPv4PacketView.minimumHeaderLength)
        let head = packet.head
        guard head.count >= ipStart + IPv4PacketView.minimumHeaderLength,
              head[12] == 0x08, head[13] == 0x00, head[ipStart] >> 4 == 4,
              head[ipStart + 9] == IPProtocol.tcp || head[ipStart + 9] == IPProtocol.udp,
              head[ipStart + 6] & 0x3f == 0, head[ipStart + 7] == 0,
              interfaces.contains(where: { $0.address.address == IPv4Address(reading: head, at: ipStart + 16) }) else {
            return packet.length
        }
        let tcpStart = ipStart + max(IPv4PacketView.minimumHeaderLength, Int(head[ipStart] & 0x0f) * 4)
        if head[ipStart + 9] == IPProtocol.udp { return tcpStart + UDPDatagramView.headerLength }
        driver.pull(&packet, upTo: tcpStart + TCPSegmentView.minimumHeaderLength)
        guard packet.head.count >= tcpStart + TCPSegmentView.minimumHeaderLength else { return packet.length }
        return tcpStart + max(TCPSegmentView.minimumHeaderLength, Int(packet.head[tcpStart + 12] >> 4) * 4)
    }

    /// A TCP segment or UDP datagram whose data stayed on the card: only its headers are in
    /// host memory.
    private func receiveSplit(_ packet: PacketBuffer, on interface: Interface) {
        let ipStart = EthernetFrameView.headerLength
        guard let ethernet = try? EthernetFrameView(checking: packet.head) else {
            counters.droppedMalformed += 1
            return
        }
        guard interface.accepts(ethernet.destination) else {
            counters.droppedNotForUs += 1
            return
        }
        guard let view = try? IPv4PacketView(checkingHeader: ethernet.payload, packetLength: packet.length - ipStart),
              let ipHeader = try? IPv4Repr.parse(view, verifyChecksum: false) else {
            counters.droppedMalformed += 1
            return
        }
        guard interfaces.contains(where: { $0.address.address == ipHeader.destination }) else {
            counters.droppedNotOurAddress += 1
            return
        }
        // RFC 1122 §3.2.1.3, as on the linear path (a directed broadcast source is checked
        // there; here only what costs no table walk).
        guard !ipHeader.source.isMulticast, ipHeader.source != .broadcast else {
            counters.droppedMartian += 1
            return
        }
        let tcpStart = ipStart + view.headerLength
        let segmentEnd = ipStart + view.totalLength
        if ipHeader.protocolNumber == IPProtocol.udp {
            guard let udp = try? UDPDatagramView(checkingHeader: UnsafeRawBufferPointer(rebasing: packet.head[tcpStart...]),
                                                 datagramLength: segmentEnd - tcpStart) else {
                counters.droppedMalformed += 1
                return
            }
            let payloadStart = tcpStart + UDPDatagramView.headerLength
            receiveUDP(udp, payload: packet.payload(from: payloadStart, to: tcpStart + udp.length), header: ipHeader,
                       quote: Self.quote(UnsafeRawBufferPointer(rebasing: packet.head[ipStart...]), headerLength: view.headerLength),
                       broadcast: false)
            return
        }
        // The view covers the TCP header alone: the data is not in host memory.
        guard let tcp = try? TCPSegmentView(checking: UnsafeRawBufferPointer(rebasing: packet.head[tcpStart...])),
              tcpStart + tcp.headerLength <= segmentEnd,
              let header = try? TCPSegmentView(checking: UnsafeRawBufferPointer(rebasing: packet.head[tcpStart..<(tcpStart + tcp.headerLength)])) else {
            counters.droppedMalformed += 1
            return
        }
        receiveTCP(header, payload: packet.payload(from: tcpStart + tcp.headerLength, to: segmentEnd), header: ipHeader)
    }

    private func receiveLinear(_ packet: PacketBuffer, on interface: Interface) {
        let frame = packet.head
        let checksumsVerified = packet.checksumsVerified
        guard let ethernet = try? EthernetFrameView(checking: frame) else {
            counters.droppedMalformed += 1
            return
        }
        guard interface.accepts(ethernet.destination) else {
            counters.droppedNotForUs += 1
            return
        }
        switch ethernet.etherType {
        case EtherType.arp: receiveARP(ethernet.payload, on: interface)
        case EtherType.ipv4:
            receiveIPv4(ethernet.payload, of: packet, on: interface, checksumsVerified: checksumsVerified,
                        linkBroadcast: ethernet.destination.isMulticast)
        default: counters.droppedUnknownEtherType += 1
        }
    }

    private func receiveARP(_ bytes: UnsafeRawBufferPointer, on interface: Interface) {
        guard let view = try? ARPPacketView(checking: bytes), let packet = try? ARPRepr.parse(view) else {
            counters.droppedMalformed += 1
            return
        }
        let forUs = packet.targetProtocol == interface.address.address
        // RFC 826: update a sender we already know; add it only if the packet is for us.
        guard forUs || arp.has(packet.senderProtocol), packet.senderProtocol != .any else { return }
        let waiting = arp.learn(packet.senderProtocol, is: packet.senderHardware, now: now)
        for var frame in waiting {
            frame.withUnsafeMutableBytes { packet.senderHardware.write(to: $0, at: 0) }
            if isForwardedFrame(frame) { counters.forwarded += 1 }
            transmit(frame, on: interface)
        }
        if forUs && packet.operation == .request {
            let reply = ARPRepr(operation: .reply, senderHardware: interface.mac, senderProtocol: interface.address.address,
                                targetHardware: packet.senderHardware, targetProtocol: packet.senderProtocol)
            counters.arpRepliesSent += 1
            sendARP(reply, to: packet.senderHardware, on: interface)
        }
    }

    func receiveIPv4(_ bytes: UnsafeRawBufferPointer, of packet: PacketBuffer, on interface: Interface,
                             checksumsVerified: Bool, linkBroadcast: Bool) {
        let view: IPv4PacketView
        let header: IPv4Repr
        do {
            view = try IPv4PacketView(checking: bytes)
            header = try IPv4Repr.parse(view, verifyChecksum: !checksumsVerified)
        } catch WireError.badChecksum {
            counters.droppedBadChecksum += 1
            return
        } catch {
            counters.droppedMalformed += 1
            return
        }
        let isBroadcast = header.destination == .broadcast || header.destination == interface.address.directedBroadcast
        guard isBroadcast || interfaces.contains(where: { $0.address.address == header.destination }) else {
            // A router forwards only what was sent to its own MAC (RFC 1812 §5.3.4): a link-level
            // broadcast seen by every router on a segment would otherwise leave once per router.
            if isForwarding && !linkBroadcast {
                forward(view, header: header, from: interface)
            } else {
                counters.droppedNotOurAddress += 1
            }
            return
        }
        // RFC 1122 §3.2.1.3: a datagram from a broadcast or multicast source is discarded (no
        // answer, no error, can be aimed back at a whole segment).
        guard !header.source.isMulticast, header.source != .broadcast,
              !interfaces.contains(where: { $0.address.directedBroadcast == header.source }) else {
            counters.droppedMartian += 1
            return
        }
        if header.isFragment {
            receiveFragment(view, header: header, on: interface)
            return
        }
        // Nothing sent to a link-level or IP broadcast is answered with an ICMP error.
        let anyBroadcast = isBroadcast || linkBroadcast
        let transportStart = EthernetFrameView.headerLength + view.headerLength
        switch header.protocolNumber {
        case IPProtocol.icmp: receiveICMP(view.payload, header: header, broadcast: isBroadcast)
        case IPProtocol.tcp where !isBroadcast:
            receiveTCP(view.payload, in: packet, at: transportStart, header: header, checksumVerified: checksumsVerified)
        case IPProtocol.udp:
            receiveUDP(view, in: packet, at: transportStart, header: header, checksumVerified: checksumsVerified,
                       broadcast: anyBroadcast)
        case IPProtocol.tcp:
            break
        default:
            counters.droppedUnsupportedProtocol += 1
            if !anyBroadcast { protocolUnreachable(view, header: header) }
        }
    }

    private func receiveICMP(_ bytes: UnsafeRawBufferPointer, header: IPv4Repr, broadcast: Bool) {
        let message: ICMPv4Repr
        do {
            message = try ICMPv4Repr.parse(try ICMPv4MessageView(checking: bytes))
        } catch WireError.badChecksum {
            counters.droppedBadChecksum += 1
            return
        } catch {
            counters.droppedMalformed += 1
            return
        }
        switch message {
        case let .echoRequest(identifier, sequence, data):
            // Like Linux's icmp_echo_ignore_broadcasts: a broadcast ping gets no storm of replies.
            guard !broadcast else { return }
            counters.icmpEchoRepliesSent += 1
            sendICMP(.echoReply(identifier: identifier, sequenceNumber: sequence, data: data),
                     to: header.source, from: header.destination)
        case let .echoReply(identifier, sequence, data):
            guard let socket = echoSocket(identifier: identifier) else { return }
            socket.onReply?(EchoSocket.Reply(source: header.source, sequence: sequence, timeToLive: header.timeToLive,
                                             bytes: 8 + data.count, data: data))
        case .destinationUnreachable, .fragmentationNeeded, .timeExceeded, .parameterProblem:
            receiveICMPError(message, from: header.source)
        }
    }

    // MARK: - Output

    public enum SendResult: Equatable {
        case sent
        case waitingForARP
        case noRoute
    }

    @discardableResult
    func sendICMP(_ message: ICMPv4Repr, to destination: IPv4Address, from source: IPv4Address? = nil,
                  timeToLive: UInt8? = nil) -> SendResult {
        sendIPv4(to: destination, from: source, protocolNumber: IPProtocol.icmp, payloadLength: message.length,
                 timeToLive: timeToLive) { payload, _ in
            message.emit(into: payload)
        }
    }

    /// Routes and sends an IPv4 packet whose payload `writePayload` fills in place.
    func sendIPv4(to destination: IPv4Address, from source: IPv4Address?, protocolNumber: UInt8, payloadLength: Int,
                  timeToLive: UInt8? = nil,
                  writePayload: (UnsafeMutableRawBufferPointer, _ leaving: Interface) -> Void) -> SendResult {
        sendIPv4(to: destination, from: source, protocolNumber: protocolNumber, transportHeaderLength: payloadLength,
                 dataLength: 0, timeToLive: timeToLive, writeHeader: writePayload) { _ in }
    }

    /// Routes and sends an IPv4 packet: a transport header that `writeHeader` fills in place,
    /// then `dataLength` bytes of data that `data` gives as payloads where they lie (card or host
    /// memory; the card gathers them). When the next hop's MAC is unknown the frame waits for
    /// ARP instead of being lost; it then waits whole in host memory (its data fetched, counted).
    /// A datagram larger than the path's MTU is fragmented here unless it is TCP (which sizes
    /// its segments to the path and never needs it); one that fits carries DF when
    /// `dontFragment` says so (path MTU discovery).
    func sendIPv4(to destination: IPv4Address, from source: IPv4Address?, protocolNumber: UInt8,
                  transportHeaderLength: Int, dataLength: Int, timeToLive: UInt8? = nil, dontFragment: Bool = true,
                  routeCache: RouteCache? = nil,
                  writeHeader: (UnsafeMutableRawBufferPointer, _ leaving: Interface) -> Void,
                  data: (_ body: (Payload) -> Void) -> Void) -> SendResult {
        let found = if let routeCache { routing.route(to: destination, cache: routeCache) } else { routing.route(to: destination) }
        guard let route = found else {
            counters.droppedNoRoute += 1
            return .noRoute
        }
        let interface = interfaces[route.interface]
        let ip = IPv4Repr(source: source ?? interface.address.address, destination: destination,
                          protocolNumber: protocolNumber, payloadLength: transportHeaderLength + dataLength,
                          timeToLive: timeToLive ?? defaultTimeToLive, identification: nextIdentification,
                          dontFragment: dontFragment)
        nextIdentification &+= 1
        let mtu = protocolNumber == IPProtocol.tcp ? interface.mtu : pathMTU(to: destination, through: interface)
        if ip.totalLength > mtu && protocolNumber != IPProtocol.tcp {
            return sendFragments(of: ip, mtu: mtu, through: interface, nextHop: route.nextHop, transportHeaderLength: transportHeaderLength,
                                 writeHeader: writeHeader, data: data)
        }
        let headerLength = EthernetFrameView.headerLength + ip.headerLength + transportHeaderLength
        return sendFrame(through: interface, nextHop: route.nextHop, headerLength: headerLength, dataLength: dataLength,
                         checksumsFinal: false, fill: { packet in
            ip.emit(into: packet)
            writeHeader(UnsafeMutableRawBufferPointer(rebasing: packet[ip.headerLength...]), interface)
        }, data: data, finishWaiting: { packet in
            // A waiting frame leaves later with its checksums as they are (frames a router
            // forwards wait in the same queue): finish the one the card would have filled.
            guard interface.port.checksumOffload else { return }
            let segment = UnsafeMutableRawBufferPointer(rebasing: packet[ip.headerLength...])
            if protocolNumber == IPProtocol.tcp {
                TCPHeaderRepr.fillChecksum(segment, source: ip.source, destination: destination)
            } else if protocolNumber == IPProtocol.udp {
                UDPRepr.fillChecksum(segment, source: ip.source, destination: destination)
            }
        })
    }

    /// The next hop's MAC from the neighbour table; a stale entry still answers, and sends
    /// its unicast probe when one is due.
    @inline(__always)
    func neighbour(_ address: IPv4Address, on interface: Interface) -> MACAddress? {
        let (mac, probe) = arp.resolve(address, interface: interface.index, now: now)
        if probe, let mac { sendARPProbe(for: address, to: mac, on: interface) }
        return mac
    }

    func sendARPProbe(for address: IPv4Address, to mac: MACAddress, on interface: Interface) {
        counters.arpProbesSent += 1
        let request = ARPRepr(operation: .request, senderHardware: interface.mac, senderProtocol: interface.address.address,
                              targetHardware: .zero, targetProtocol: address)
        sendARP(request, to: mac, on: interface)
    }

    func sendARPRequest(for address: IPv4Address, on interface: Interface) {
        counters.arpRequestsSent += 1
        let request = ARPRepr(operation: .request, senderHardware: interface.mac, senderProtocol: interface.address.address,
                              targetHardware: .zero, targetProtocol: address)
        sendARP(request, to: .broadcast, on: interface)
    }

    private func sendARP(_ packet: ARPRepr, to destination: MACAddress, on interface: Interface) {
        counters.framesOut += 1
        interface.port.transmit(length: EthernetFrameView.headerLength + packet.length) { frame in
            EthernetRepr(destination: destination, source: interface.mac, etherType: EtherType.arp).emit(into: frame)
            packet.emit(into: UnsafeMutableRawBufferPointer(rebasing: frame[EthernetFrameView.headerLength...]))
        }
    }

    private func transmit(_ frame: [UInt8], on interface: Interface) {
        counters.framesOut += 1
        interface.port.transmit(frame: frame, checksumsFinal: true)
    }
}

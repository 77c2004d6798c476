import Wire

/// ICMP errors, both ways. Received ones go to the socket they concern, found from the datagram
/// they quote: a TCP connection (which checks the quoted sequence number), a UDP socket, an
/// echo socket; fragmentation needed also lowers the path MTU the host keeps per destination.
/// Sent ones (by a router forwarding, or a host about a closed port, an unknown protocol or a
/// reassembly that timed out) go through the rate limits of RFC 1812 §4.3.2.8.
extension NetworkStack {
    /// The smallest path MTU believed, whatever an ICMP message says: every IPv4 host takes
    /// 576-byte datagrams (RFC 791), and a forged message must not shrink segments further.
    public static let minimumPathMTU = 576
    /// How long a learnt path MTU holds before the interface's is tried again (RFC 1191 §6.3:
    /// no less than 10 minutes; Linux's mtu_expires is 600 s).
    public static let pathMTULifetime: Duration = .seconds(600)

    /// The largest datagram that reaches `destination` through `interface` without fragmenting,
    /// as far as the host knows.
    func pathMTU(to destination: IPv4Address, through interface: Interface) -> Int {
        guard let learnt = pathMTUs[destination] else { return interface.mtu }
        if learnt.expires <= now {
            pathMTUs[destination] = nil
            return interface.mtu
        }
        return min(interface.mtu, learnt.mtu)
    }

    /// The path MTU to `destination` the host has learnt, if any.
    public func learntPathMTU(to destination: IPv4Address) -> Int? {
        guard let learnt = pathMTUs[destination], learnt.expires > now else { return nil }
        return learnt.mtu
    }

    // MARK: - Received errors

    func receiveICMPError(_ message: ICMPv4Repr, from reporter: IPv4Address) {
        guard let invoking = message.invoking, let quote = ICMPv4Quote(invoking),
              interfaces.contains(where: { $0.address.address == quote.source }) else {
            counters.icmpErrorsIgnored += 1
            return
        }
        let error: TCPICMPError
        var nextHopMTU: Int?
        switch message {
        case let .destinationUnreachable(code, _): error = .unreachable(code: code)
        case let .fragmentationNeeded(mtu, _):
            error = .unreachable(code: ICMPv4Repr.UnreachableCode.fragmentationNeeded)
            nextHopMTU = Self.nextHopMTU(reported: Int(mtu), quotedLength: quote.totalLength)
        case let .timeExceeded(code, _): error = .timeExceeded(code: code)
        case .parameterProblem: error = .parameterProblem
        case .echoRequest, .echoReply: return
        }
        switch quote.protocolNumber {
        case IPProtocol.tcp: tcpICMPError(error, nextHopMTU: nextHopMTU, quote: quote)
        case IPProtocol.udp: udpICMPError(error, nextHopMTU: nextHopMTU, quote: quote, reporter: reporter)
        case IPProtocol.icmp: echoICMPError(error, nextHopMTU: nextHopMTU, quote: quote, reporter: reporter)
        default: counters.icmpErrorsIgnored += 1
        }
    }

    /// The MTU a fragmentation-needed message means: its next-hop MTU, or for a router older
    /// than RFC 1191 (which leaves it zero) the next plateau below the datagram it dropped
    /// (RFC 1191 §7); never below `minimumPathMTU`.
    static func nextHopMTU(reported: Int, quotedLength: Int) -> Int {
        var mtu = reported
        if mtu == 0 || mtu >= quotedLength {
            let plateaus = [32_000, 17_914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68]
            mtu = plateaus.first { $0 < quotedLength } ?? 68
        }
        return max(mtu, minimumPathMTU)
    }

    /// Destinations whose path MTU is kept at most: when full, the expired go, then the one
    /// that would expire first (a flood of forged errors cannot grow it).
    static let maximumPathMTUs = 4096

    private func learnPathMTU(_ mtu: Int, to destination: IPv4Address) {
        if let known = learntPathMTU(to: destination), known <= mtu { return }
        if pathMTUs[destination] == nil && pathMTUs.count >= Self.maximumPathMTUs {
            pathMTUs = pathMTUs.filter { $0.value.expires > now }
            if pathMTUs.count >= Self.maximumPathMTUs, let first = pathMTUs.min(by: { $0.value.expires < $1.value.expires }) {
                pathMTUs[first.key] = nil
            }
        }
        counters.pathMTUsLearnt += 1
        pathMTUs[destination] = LearntPathMTU(mtu: mtu, expires: now + Self.pathMTULifetime)
    }

    private func tcpICMPError(_ error: TCPICMPError, nextHopMTU: Int?, quote: ICMPv4Quote) {
        let tuple = FourTuple(localAddress: quote.source, localPort: quote.sourcePort,
                              remoteAddress: quote.destination, remotePort: quote.destinationPort)
        guard let connection = tcpConnections[tuple] else {
            counters.icmpErrorsIgnored += 1
            return
        }
        let sequence = SequenceNumber(quote.tcpSequenceNumber)
        counters.icmpErrorsReceived += 1
        if let nextHopMTU {
            // Learnt for the host only once the connection vouches for the quote (RFC 5927).
            if connection.pathMTUDecreased(to: nextHopMTU, quotedSequence: sequence) {
                learnPathMTU(nextHopMTU, to: quote.destination)
            }
        } else {
            connection.icmpError(error, quotedSequence: sequence)
        }
        if connection.isFinished { tcpConnections[tuple] = nil }
    }

    private func udpICMPError(_ error: TCPICMPError, nextHopMTU: Int?, quote: ICMPv4Quote, reporter: IPv4Address) {
        guard let socket = udpSocket(boundTo: quote.sourcePort, address: quote.source),
              socket.remoteAddress == nil || (socket.remoteAddress == quote.destination && socket.remotePort == quote.destinationPort) else {
            counters.icmpErrorsIgnored += 1
            return
        }
        counters.icmpErrorsReceived += 1
        if let nextHopMTU { learnPathMTU(nextHopMTU, to: quote.destination) }
        socket.counters.icmpErrors += 1
        socket.onError?(UDPSocket.Failure(reporter: reporter, destination: quote.destination,
                                          destinationPort: quote.destinationPort, error: error))
    }

    private func echoICMPError(_ error: TCPICMPError, nextHopMTU: Int?, quote: ICMPv4Quote, reporter: IPv4Address) {
        guard quote.icmpType == ICMPv4Type.echoRequest,
              let socket = echoSocket(identifier: quote.icmpIdentifier) else {
            counters.icmpErrorsIgnored += 1
            return
        }
        counters.icmpErrorsReceived += 1
        if let nextHopMTU { learnPathMTU(nextHopMTU, to: quote.destination) }
        let failure: EchoSocket.Failure = switch error {
        case let .unreachable(code): .unreachable(code: code)
        case let .timeExceeded(code): .timeExceeded(code: code)
        case .parameterProblem: .parameterProblem
        }
        socket.onFailure?(reporter, quote.icmpSequenceNumber, failure)
    }

    // MARK: - Sent errors

    /// Sends an ICMP error about a packet, from `source` (the address of the interface it
    /// arrived on, so traceroute shows the hop). Never about an ICMP error, a fragment other
    /// than the first, or to a source that is not a single host (RFC 1812 §4.3.2.7): errors
    /// about errors could loop. Rate-limited (`icmpRateLimits`).
    func sendICMPError(_ message: ICMPv4Repr, about header: IPv4Repr, from source: IPv4Address) {
        if header.protocolNumber == IPProtocol.icmp, let type = message.quotedICMPType,
           type != ICMPv4Type.echoRequest && type != ICMPv4Type.echoReply { return }
        guard header.fragmentOffset == 0 else { return }
        guard header.source != .any, header.source != .broadcast, !header.source.isMulticast else { return }
        let byDestination = if case .fragmentationNeeded = message { false } else { true }
        guard icmpLimiter.allow(to: header.source, limitedByDestination: byDestination, now: now) else {
            counters.icmpErrorsRateLimited += 1
            return
        }
        counters.icmpErrorsSent += 1
        sendICMP(message, to: header.source, from: source)
    }

    func sendICMPError(_ message: ICMPv4Repr, about header: IPv4Repr, arrivedOn ingress: Interface) {
        sendICMPError(message, about: header, from: ingress.address.address)
    }

    /// What an ICMP error quotes: the IP header and as much after it as keeps the error within
    /// 576 bytes (RFC 1812 §4.3.2.3; RFC 792's minimum is 8 bytes), out of the bytes the host
    /// can read.
    static func quote(_ packet: UnsafeRawBufferPointer, headerLength: Int) -> [UInt8] {
        Array(packet.prefix(max(headerLength + 8, 576 - 28)))
    }

    static func quote(_ packet: IPv4PacketView) -> [UInt8] { quote(packet.bytes, headerLength: packet.headerLength) }

    /// Unknown protocol on a datagram for us: protocol unreachable (RFC 1122 §3.2.2.1).
    func protocolUnreachable(_ packet: IPv4PacketView, header: IPv4Repr) {
        sendICMPError(.destinationUnreachable(code: ICMPv4Repr.UnreachableCode.protocol, invoking: Self.quote(packet)),
                      about: header, from: header.destination)
    }
}

/// A path MTU the host learnt from fragmentation needed, until it expires.
struct LearntPathMTU {
    var mtu: Int
    var expires: Instant
}

extension ICMPv4Repr {
    /// The ICMP type of the quoted packet when it is itself ICMP (its first byte after the
    /// quoted IP header).
    var quotedICMPType: UInt8? {
        guard let invoking, let first = invoking.first else { return nil }
        let headerLength = Int(first & 0x0f) * 4
        return invoking.count > headerLength ? invoking[headerLength] : nil
    }
}

import SmartNIC
import Wire

/// A listener's SYN cookies (SYNCookies.swift): the stateless SYN-ACK, and the connection made
/// from the ACK that brings a cookie back.
extension NetworkStack {
    enum CookieOutcome { case accepted, dropped, notACookie }

    /// Answers a SYN with a SYN-ACK whose sequence number is a cookie, keeping nothing. The
    /// options are the ones the connection would have sent, less what a cookie cannot carry
    /// back: window scale and SACK only with timestamps, which carry them.
    func sendCookie(answering syn: TCPHeaderRepr, tuple: FourTuple, interface: Interface) {
        let configuration = tcpConfiguration
        let mss = configuration.maximumSegmentSize ?? (interface.mtu - 40)
        let peerMSS = syn.options.maximumSegmentSize.map(Int.init) ?? 536
        let cookie = synCookies.cookie(for: cookieTuple(tuple), peerISN: syn.sequenceNumber, peerMSS: peerMSS, now: now)
        let capacity = TCPConnection.receiveCapacity(configuration: configuration, driver: interface.port.driver, mss: mss)
        var options = TCPOptions(maximumSegmentSize: UInt16(clamping: mss))
        if configuration.timestamps, let timestamps = syn.options.timestamps {
            let scale = configuration.windowScaling ? syn.options.windowScale : nil
            let sack = configuration.selectiveAcknowledgments && syn.options.sackPermitted
            if scale != nil { options.windowScale = TCPConnection.windowScale(advertising: capacity) }
            options.sackPermitted = sack
            let clock = UInt32(truncatingIfNeeded: now.nanoseconds / 1_000_000) &+ TCPConnection.timestampOffset(iss: SequenceNumber(cookie))
            options.timestamps = (SYNCookies.timestamp(clock, peerWindowScale: scale, sack: sack), timestamps.value)
        }
        let reply = TCPHeaderRepr(sourcePort: tuple.localPort, destinationPort: tuple.remotePort, sequenceNumber: cookie,
                                  acknowledgmentNumber: syn.sequenceNumber &+ 1, flags: [.syn, .ack],
                                  window: UInt16(min(capacity, 65_535)), options: options)
        tcpCounters.synCookiesSent += 1
        sendTCP(reply, payloadLength: 0, from: tuple.localAddress, to: tuple.remoteAddress) { _ in }
    }

    /// An ACK for a listener with no half-open connection for it: a connection if it carries a
    /// cookie this listener made in the last two periods.
    func acceptCookie(_ segment: TCPHeaderRepr, on listener: TCPListener, tuple: FourTuple, payload: Payload) -> CookieOutcome {
        guard tcpConfiguration.synCookies, let sent = listener.lastCookieSent,
              now.since(sent) < .nanoseconds(Int64(2 * SYNCookies.periodNanoseconds)), !segment.flags.contains(.syn) else {
            return .notACookie
        }
        let peerISN = segment.sequenceNumber &- 1
        guard let peerMSS = synCookies.check(segment.acknowledgmentNumber &- 1, for: cookieTuple(tuple), peerISN: peerISN, now: now) else {
            tcpCounters.synCookiesFailed += 1
            return .notACookie
        }
        // Over a cap it is refused as its SYN would have been.
        if isOverConnectionCap(listener) { return .notACookie }
        // The handshake is done as far as the peer knows; with no room to queue it, drop the
        // ACK: the peer's retransmission (or its first data) brings the cookie again.
        guard !listener.isAcceptQueueFull, let route = routing.route(to: tuple.remoteAddress) else {
            tcpCounters.listenOverflows += 1
            return .dropped
        }
        let interface = interfaces[route.interface]
        let connection = makeConnection(tuple, interface: interface, iss: SequenceNumber(segment.acknowledgmentNumber &- 1))
        // Options come back only in an echo of a timestamp our SYN-ACK carried (never zero there).
        var echoed: (windowScale: UInt8?, sack: Bool) = (nil, false)
        if tcpConfiguration.timestamps, let timestamps = segment.options.timestamps, timestamps.echoReply != 0 {
            echoed = SYNCookies.options(fromEcho: timestamps.echoReply)
        }
        let mss = tcpConfiguration.maximumSegmentSize ?? (interface.mtu - 40)
        let capacity = TCPConnection.receiveCapacity(configuration: tcpConfiguration, driver: interface.port.driver, mss: mss)
        connection.acceptFromCookie(segment, peerMSS: peerMSS, windowScale: echoed.windowScale, sack: echoed.sack,
                                    advertisedWindow: min(capacity, 65_535), now: now)
        listener.adopt(connection)
        tcpConnections[tuple] = connection
        tcpCounters.synCookiesValidated += 1
        connection.handle(segment, payload: payload.count > 0 ? payload : nil, now: now)
        if connection.isFinished { tcpConnections[tuple] = nil }
        return .accepted
    }

    private func cookieTuple(_ tuple: FourTuple) -> SYNCookies.Tuple {
        SYNCookies.Tuple(local: tuple.localAddress, localPort: tuple.localPort, remote: tuple.remoteAddress, remotePort: tuple.remotePort)
    }
}

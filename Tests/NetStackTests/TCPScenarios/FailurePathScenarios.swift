import NetStack
import SmartNIC
import Testing
import Wire

/// How connections end when things go wrong: a dead peer, a peer that never finishes closing,
/// an application that closes with unread data or aborts, a listener closed with connections
/// waiting, and the socket calls that must refuse.
@Suite("TCP scenarios: failure paths", .checksLeftoverSegments)
struct FailurePathScenarios {
    @Test func aDeadPeerTimesTheConnectionOutAfterItsDataRetries() {
        let script = SegmentScript { $0.dataRetries = 3 }
        guard let connection = script.acceptConnection(synOptions: [.mss(1000), .timestamp(value: 1, echo: 0)]) else { return }
        script.write(connection, count: 100)
        script.expect([.ack, .psh], seq: 1, ack: 1, options: [.timestamp(echo: 1)], length: 100)
        for milliseconds: Int64 in [200, 400, 800] {
            script.expect([.ack, .psh], seq: 1, ack: 1, options: [.timestamp(echo: 1)], length: 100, after: .milliseconds(milliseconds))
        }
        // The fourth timeout is one more than the retries allow: the connection is gone, with
        // no RST (the peer is not there to hear it), as Linux's tcp_write_err.
        script.expectNothing(for: .milliseconds(1_700))
        #expect(connection.state == .closed && connection.error == .timedOut)
        #expect(script.events(of: connection).last == .closed(.timedOut))
        script.expectNothing(for: .seconds(60))
    }

    @Test func aPeerThatStopsAnsweringWindowProbesTimesOutAfterThePersistRetries() {
        let script = SegmentScript { $0.persistRetries = 3 }
        guard let connection = script.acceptConnection(ackWindow: 2000) else { return }
        script.write(connection, count: 5000)
        script.expect(.ack, seq: 1, ack: 1, length: 1000)
        script.expect(.ack, seq: 1001, ack: 1, length: 1000)
        script.inject(.ack, seq: 1, ack: 2001, win: 0, after: .milliseconds(10))
        // The first probe from the persist timer, then the retransmission timer's, backing off.
        script.expect(.ack, seq: 2001, ack: 1, length: 1, after: .milliseconds(200))
        for milliseconds: Int64 in [400, 800, 1600] {
            script.expect(.ack, seq: 2001, ack: 1, length: 1, after: .milliseconds(milliseconds))
        }
        script.expectNothing(for: .milliseconds(3_300))
        #expect(connection.state == .closed && connection.error == .timedOut)
        script.expectNothing(for: .seconds(60))
    }

    @Test func finWait2EndsAfterItsTimeoutWhenThePeerNeverCloses() {
        let script = SegmentScript { $0.finWait2Timeout = .seconds(5) }
        guard let connection = script.acceptConnection() else { return }
        connection.close()
        script.expect([.fin, .ack], seq: 1, ack: 1)
        script.inject(.ack, seq: 1, ack: 2, after: .milliseconds(10))
        #expect(connection.state == .finWait2)
        script.expectNothing(for: .milliseconds(4_980))
        #expect(connection.state == .finWait2)
        script.expectNothing(for: .milliseconds(30))
        #expect(connection.state == .closed && connection.error == nil)
        // The peer's late FIN finds nothing: a closed port answers with a RST.
        script.inject([.fin, .ack], seq: 1, ack: 2, after: .seconds(1))
        script.expect(.rst, seq: 2)
    }

    @Test func closeWithUnreadDataResetsInsteadOfClosing() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        script.inject([.ack, .psh], seq: 1, ack: 1, length: 300)
        script.expect(.ack, seq: 1, ack: 301, after: .milliseconds(40))
        #expect(connection.availableBytes == 300)
        // RFC 2525 §2.17: the peer must learn its 300 bytes were never read.
        connection.close()
        script.expect(.rst, seq: 1)
        #expect(connection.state == .closed && connection.error == .aborted)
        script.expectNothing(for: .seconds(5))
    }

    @Test func abortResetsAtOnceAndFreesWhatWasQueued() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        script.write(connection, count: 3000)
        script.expect(.ack, seq: 1, ack: 1, length: 1000)
        script.expect(.ack, seq: 1001, ack: 1, length: 1000)
        script.expect([.ack, .psh], seq: 2001, ack: 1, length: 1000)
        connection.abort()
        // The RST carries the highest sequence number sent.
        script.expect(.rst, seq: 3001)
        #expect(connection.state == .closed && connection.error == .aborted && connection.unacknowledgedBytes == 0)
        script.expectNothing(for: .seconds(5))
    }

    @Test func aListenerClosedWithConnectionsWaitingResetsThem() {
        let script = SegmentScript()
        guard let listener = script.listen() else { return }
        // One connection established and not accepted, one half-open.
        script.inject(.syn, seq: 0, options: [.mss(1000)])
        script.expect([.syn, .ack], seq: 0, ack: 1, options: [.mss(1460)])
        script.inject(.ack, seq: 1, ack: 1)
        #expect(listener.pendingConnections == 1)
        let firstISS = script.localSequence(0)
        script.peerPort = 40_001
        script.inject(.syn, seq: 0, options: [.mss(1000)])
        script.expect([.syn, .ack], seq: 0, ack: 1, options: [.mss(1460)])
        listener.close()
        // The established one first (the listener resets its ready queue, then the half-open).
        script.peerPort = 40_000
        script.expect(.rst, seq: script.relativeLocal(firstISS &+ 1), options: nil)
        script.peerPort = 40_001
        script.expect(.rst, seq: 1, options: nil)
        script.peerPort = 40_000
        // The port is free: a new SYN to it is refused.
        script.inject(.syn, seq: 100, after: .milliseconds(10))
        script.expect([.rst, .ack], seq: script.relativeLocal(0), ack: 101, options: nil)
    }

    @Test func aListenerAtItsConnectionCapRefusesWithAResetUntilOneCloses() throws {
        let script = SegmentScript()
        let listener = try script.stack.listen(port: 8080, maximumConnections: 1)
        script.inject(.syn, seq: 0, options: [.mss(1000)])
        script.expect([.syn, .ack], seq: 0, ack: 1, options: [.mss(1460)])
        script.inject(.ack, seq: 1, ack: 1)
        guard let first = listener.accept() else {
            Issue.record("no first connection")
            return
        }
        #expect(listener.liveConnections == 1)
        script.peerPort = 40_001
        script.inject(.syn, seq: 0, options: [.mss(1000)])
        script.expect([.rst, .ack], seq: script.relativeLocal(0), ack: 1, options: nil)
        #expect(script.stack.tcpCounters.connectionCapRefusals == 1)
        // The first one goes: there is room again.
        script.peerPort = 40_000
        first.abort()
        script.expect(.rst, seq: 1)
        #expect(listener.liveConnections == 0)
        script.peerPort = 40_002
        script.inject(.syn, seq: 0, options: [.mss(1000)], after: .milliseconds(10))
        script.expect([.syn, .ack], seq: 0, ack: 1, options: [.mss(1460)])
        #expect(listener.liveConnections == 1)
        script.inject(.rst, seq: 1)
    }

    @Test func aNodeAtItsConnectionCapRefusesSYNsAndConnects() throws {
        let script = SegmentScript { $0.maximumConnections = 1 }
        guard let connection = script.acceptConnection() else { return }
        script.peerPort = 40_001
        script.inject(.syn, seq: 0, options: [.mss(1000)])
        script.expect([.rst, .ack], seq: script.relativeLocal(0), ack: 1, options: nil)
        #expect(throws: SocketError.tooManyConnections(1)) { try script.stack.connect(to: SegmentScript.peerAddress, port: 80) }
        #expect(SocketError.tooManyConnections(1).description == "this node holds its cap of 1 connections")
        #expect(script.stack.tcpCounters.connectionCapRefusals == 2)
        script.peerPort = 40_000
        connection.abort()
        script.expect(.rst, seq: 1)
    }

    @Test func socketCallsThatMustRefuseSayWhy() throws {
        let script = SegmentScript()
        guard script.listen() != nil else { return }
        #expect(throws: SocketError.portInUse(8080)) { try script.stack.listen(port: 8080) }
        #expect(throws: SocketError.noRoute(IPv4Address(192, 0, 2, 1))) {
            try script.stack.connect(to: IPv4Address(192, 0, 2, 1), port: 80)
        }
        #expect(SocketError.noRoute(IPv4Address(192, 0, 2, 1)).description == "no route to 192.0.2.1")
        let socket = try script.stack.bindUDP(port: 5000)
        #expect(throws: SocketError.portInUse(5000)) { try script.stack.bindUDP(port: 5000) }
        #expect(throws: SocketError.addressNotLocal(IPv4Address(10, 9, 9, 9))) { try script.stack.bindUDP(port: 5001, address: IPv4Address(10, 9, 9, 9)) }
        socket.close()
        #expect(try script.stack.bindUDP(port: 5000).localPort == 5000)
    }
}

/// The ephemeral range runs out: every one of its 16,384 ports is taken towards one peer port.
@Suite("TCP: ephemeral ports")
struct EphemeralPortExhaustion {
    @Test func theLastConnectFindsNoPortAndSaysSo() throws {
        let stack = NetworkStack(hostname: "busy")
        // Above the node's own cap, which is the range's size: the range runs out first.
        stack.tcpConfiguration.maximumConnections = 40_000
        let port = NICPort(name: "busy:eth0", linkID: 1, peer: UnderlayAddress(ipv4: 0x7f00_0001, port: 9), driver: NICDriver())
        port.send = { _ in true }
        stack.addInterface(name: "eth0", mac: MACAddress(2, 0, 0, 0, 0, 1), address: IPv4Interface("10.0.0.1/24")!, port: port)
        let peer = IPv4Address(10, 0, 0, 2)
        var connections: [TCPConnection] = []
        for _ in 0..<16_384 { connections.append(try stack.connect(to: peer, port: 80)) }
        #expect(Set(connections.map(\.localPort)).count == 16_384)
        #expect(throws: SocketError.noEphemeralPort) { try stack.connect(to: peer, port: 80) }
        #expect(SocketError.noEphemeralPort.description == "no free local port")
        // Another peer port has its own 16,384 four-tuples.
        #expect(try stack.connect(to: peer, port: 81).state == .synSent)
        // One given back is found again.
        connections[100].abort()
        stack.poll()
        #expect(try stack.connect(to: peer, port: 80).localPort == connections[100].localPort)
    }
}

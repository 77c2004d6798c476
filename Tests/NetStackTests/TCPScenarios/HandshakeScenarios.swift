import NetStack
import Testing
import Wire

/// Opening a connection: options, MSS, retransmitted SYNs and SYN-ACKs, the listen backlog.
@Suite("TCP scenarios: handshake", .checksLeftoverSegments)
struct HandshakeScenarios {
    @Test func passiveOpenWithAllOptionsAnswersEachInTheSYNACK() {
        let script = SegmentScript()
        guard let listener = script.listen() else { return }
        script.inject(.syn, seq: 0, win: 65_535,
                      options: [.mss(1460), .sackPermitted, .timestamp(value: 100, echo: 0), .windowScale(7)])
        // 1 MiB receive buffer: shift 5 is the smallest that fits it in 16 bits; the SYN-ACK's own
        // window is never scaled (RFC 7323 §2.2).
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535,
                      options: [.mss(1460), .sackPermitted, .timestamp(echo: 100), .windowScale(5)])
        #expect(listener.accept() == nil)
        script.inject(.ack, seq: 1, ack: 1, win: 256, options: [.timestamp(101)], after: .milliseconds(10))
        script.expectNothing()
        guard let connection = listener.accept() else {
            Issue.record("no connection after the handshake")
            return
        }
        #expect(connection.state == .established)
        // After the handshake only timestamps ride along; our window is scaled by 5.
        script.write(connection, count: 100)
        script.expect([.ack, .psh], seq: 1, ack: 1, win: (1 << 20) >> 5, options: [.timestamp(echo: 101)], length: 100)
        script.expectNothing(for: .milliseconds(100))
    }

    @Test func passiveOpenWithoutOptionsOffersNoneAndNeverScales() {
        let script = SegmentScript()
        guard let listener = script.listen() else { return }
        script.inject(.syn, seq: 0, win: 65_535)
        // Only MSS, which is always sent; no window scale, SACK or timestamps unless the SYN had them.
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535, options: [.mss(1460)])
        script.inject(.ack, seq: 1, ack: 1, win: 1200)
        guard let connection = listener.accept() else {
            Issue.record("no connection after the handshake")
            return
        }
        // No MSS option from the peer: 536 (RFC 9293 §3.7.1). Its window of 1200 is taken as is:
        // two segments, and the 128 bytes left of the window are not worth a segment (SWS).
        script.write(connection, count: 2000)
        script.expect(.ack, seq: 1, ack: 1, win: 65_535, length: 536)
        script.expect(.ack, seq: 537, ack: 1, win: 65_535, length: 536)
        script.expectNothing(for: .milliseconds(100))
        // Our window is unscaled too: the field is the byte count, capped at 65535.
        script.inject(.ack, seq: 1, ack: 1073, win: 1200, length: 100)
        script.expect([.ack], seq: 1073, ack: 101, win: 65_535, length: 536)
        // The last 392 bytes fit the window but are less than an MSS: Nagle holds them until
        // the segment in flight is acknowledged.
        script.expectNothing(for: .milliseconds(100))
        script.inject(.ack, seq: 101, ack: 1609, win: 1200)
        script.expect([.ack, .psh], seq: 1609, ack: 101, win: 65_535, length: 392)
    }

    @Test func segmentsNeverExceedThePeersMSS() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection(synOptions: [.mss(1000)]) else { return }
        script.write(connection, count: 4000)
        script.expect(.ack, seq: 1, ack: 1, length: 1000)
        script.expect(.ack, seq: 1001, ack: 1, length: 1000)
        script.expect(.ack, seq: 2001, ack: 1, length: 1000)
        script.expect([.ack, .psh], seq: 3001, ack: 1, length: 1000)
        script.expectNothing()
    }

    @Test func ourMSSIsClampedToTheInterfaceMTU() {
        let script = SegmentScript(mtu: 1000)
        guard let listener = script.listen() else { return }
        script.inject(.syn, seq: 0, options: [.mss(1460)])
        // MTU 1000 less 40 bytes of IPv4 and TCP headers.
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535, options: [.mss(960)])
        script.inject(.ack, seq: 1, ack: 1)
        guard let connection = listener.accept() else {
            Issue.record("no connection after the handshake")
            return
        }
        // The peer would take 1460, but our link carries no more than 960 per segment.
        script.write(connection, count: 1920)
        script.expect(.ack, seq: 1, ack: 1, length: 960)
        script.expect([.ack, .psh], seq: 961, ack: 1, length: 960)
        script.expectNothing()
    }

    @Test func activeOpenRetransmitsTheSYNWithBackoffThenTimesOut() {
        let script = SegmentScript()
        guard let connection = script.connect() else { return }
        let syn: [SegmentScript.Option] = [.mss(1460), .sackPermitted, .timestamp(echo: 0), .windowScale(5)]
        script.expect(.syn, seq: 0, win: 65_535, options: syn)
        // RFC 6298 §5.5: 1 s, then doubling; the same ISS every time.
        for interval in [1, 2, 4, 8, 16, 32] {
            script.expect(.syn, seq: 0, win: 65_535, options: syn, after: .seconds(Int64(interval)))
        }
        #expect(connection.state == .synSent)
        // After synRetries (6) retransmissions, one more RTO and the attempt fails; 64 s would
        // exceed the 60 s ceiling of the RTO (RFC 6298 §2.5).
        script.expectNothing(for: .seconds(59))
        #expect(connection.state == .synSent)
        script.expectNothing(for: .seconds(1))
        #expect(connection.state == .closed)
        #expect(script.events(of: connection) == [.closed(.timedOut)])
        #expect(script.stack.tcpConnectionCount == 0)
    }

    @Test func activeOpenWithAColdARPCacheSendsTheSYNOnceResolved() {
        let script = SegmentScript(announcePeer: false)
        script.answersARPAutomatically = false
        guard script.connect() != nil else { return }
        // The SYN waits for the peer's MAC instead of being lost.
        script.expectNothing()
        #expect(script.pendingARPRequests == 1)
        script.advance(by: .milliseconds(300))
        #expect(script.stack.counters.arpRequestsSent == 1)
        script.answerARPRequests()
        script.expect(.syn, seq: 0, win: 65_535, options: nil)
        script.expectNothing()
    }

    @Test func simultaneousOpenCompletesThroughSynReceived() {
        let script = SegmentScript()
        guard let connection = script.connect() else { return }
        script.expect(.syn, seq: 0, win: 65_535, options: [.mss(1460), .sackPermitted, .timestamp(echo: 0), .windowScale(5)])
        // The peer's SYN crosses ours (RFC 9293 §3.5, figure 8): answer it with a SYN-ACK that
        // carries only the options the peer's SYN offered.
        script.inject(.syn, seq: 0, options: [.mss(1000)], after: .milliseconds(5))
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535, options: [.mss(1460)])
        #expect(connection.state == .synReceived)
        // The peer's SYN-ACK: its SYN is old news, its ACK is answered.
        script.inject([.syn, .ack], seq: 0, ack: 1)
        script.expect(.ack, seq: 1, ack: 1)
        // The peer's ACK of our SYN-ACK completes the handshake.
        script.inject(.ack, seq: 1, ack: 1, after: .milliseconds(5))
        #expect(connection.state == .established)
        #expect(script.events(of: connection) == [.connected])
        script.write(connection, count: 100)
        script.expect([.ack, .psh], seq: 1, ack: 1, length: 100)
        script.expectNothing()
    }

    @Test func synAckIsRetransmittedUntilTheFinalACKArrives() {
        let script = SegmentScript()
        guard let listener = script.listen() else { return }
        script.inject(.syn, seq: 0, options: [.mss(1000)])
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535, options: [.mss(1460)])
        // The final ACK is lost: the SYN-ACK goes again after 1 s, 2 s, 4 s.
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535, options: [.mss(1460)], after: .seconds(1))
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535, options: [.mss(1460)], after: .seconds(2))
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535, options: [.mss(1460)], after: .seconds(4))
        #expect(listener.accept() == nil)
        // The ACK of the third retransmission completes the handshake; no SYN-ACK follows.
        script.inject(.ack, seq: 1, ack: 1, after: .milliseconds(500))
        #expect(listener.accept()?.state == .established)
        script.expectNothing(for: .seconds(20))
    }

    /// With SYN cookies off (they are on by default: SYNCookieScenarios), as Linux with
    /// tcp_syncookies=0.
    @Test func synBeyondTheBacklogIsDroppedUntilThereIsRoom() {
        let script = SegmentScript { $0.synCookies = false }
        guard let listener = script.listen(backlog: 1) else { return }
        script.inject(.syn, seq: 0, options: [.mss(1000)])
        script.expect([.syn, .ack], seq: 0, ack: 1, options: [.mss(1460)])
        // A second peer port while the first handshake is pending: no room, no answer (not a RST).
        script.inject(.syn, seq: 0, options: [.mss(1000)], sourcePort: 40_001)
        script.expectNothing(for: .milliseconds(500))
        #expect(listener.droppedSYNs == 1)
        #expect(script.stack.tcpCounters.synQueueDrops == 1)
        script.inject(.ack, seq: 1, ack: 1)
        guard let first = listener.accept() else {
            Issue.record("the first handshake did not complete")
            return
        }
        #expect(first.remotePort == 40_000)
        // Accepted: the backlog has room again and the retransmitted SYN gets its SYN-ACK.
        script.peerPort = 40_001
        script.inject(.syn, seq: 0, options: [.mss(1000)], after: .milliseconds(500))
        script.expect([.syn, .ack], seq: 0, ack: 1, options: [.mss(1460)])
    }
}

import NetStack
import Testing
import Wire

/// Closing: simultaneous, half and passive close, TIME-WAIT and its re-use, an early FIN.
@Suite("TCP scenarios: closing", .checksLeftoverSegments)
struct CloseScenarios {
    /// The stack closes first and the peer answers with ACK and FIN together: TIME-WAIT.
    private func inTimeWait(_ script: SegmentScript) -> TCPConnection? {
        guard let connection = script.acceptConnection() else { return nil }
        connection.close()
        script.expect([.fin, .ack], seq: 1, ack: 1)
        script.inject([.fin, .ack], seq: 1, ack: 2, after: .milliseconds(10))
        script.expect(.ack, seq: 2, ack: 2)
        #expect(connection.state == .timeWait)
        return connection
    }

    @Test func simultaneousCloseGoesThroughClosingToTimeWait() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        connection.close()
        script.expect([.fin, .ack], seq: 1, ack: 1)
        #expect(connection.state == .finWait1)
        // The peer's FIN crossed ours: it does not acknowledge our FIN.
        script.inject([.fin, .ack], seq: 1, ack: 1, after: .milliseconds(5))
        script.expect(.ack, seq: 2, ack: 2)
        #expect(connection.state == .closing)
        // Our FIN's ACK arrives: TIME-WAIT (RFC 9293 figure 13).
        script.inject(.ack, seq: 2, ack: 2, after: .milliseconds(5))
        script.expectNothing()
        #expect(connection.state == .timeWait)
        #expect(script.events(of: connection).contains(.closed(nil)))
    }

    @Test func halfCloseLetsThePeerKeepSending() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        connection.shutdown()
        script.expect([.fin, .ack], seq: 1, ack: 1)
        script.inject(.ack, seq: 1, ack: 2, after: .milliseconds(5))
        #expect(connection.state == .finWait2)
        // Our direction is closed; the peer's is not: its data is taken and ACKed as usual.
        script.inject([.ack, .psh], seq: 1, ack: 2, length: 1000, after: .milliseconds(5))
        script.expect(.ack, seq: 2, ack: 1001, after: .milliseconds(40))
        script.inject([.ack, .psh], seq: 1001, ack: 2, length: 500)
        script.expect(.ack, seq: 2, ack: 1501, after: .milliseconds(40))
        script.inject([.fin, .ack], seq: 1501, ack: 2, after: .milliseconds(5))
        script.expect(.ack, seq: 2, ack: 1502)
        #expect(connection.state == .timeWait)
        #expect(script.read(connection) == SegmentScript.peerBytes(0..<1500))
        #expect(connection.isEndOfStream)
    }

    @Test func afterThePeersFINTheStackKeepsSendingThenCloses() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        // Passive close: the peer's FIN is ACKed at once; the application still writes.
        script.inject([.fin, .ack], seq: 1, ack: 1, after: .milliseconds(5))
        script.expect(.ack, seq: 1, ack: 2)
        #expect(connection.state == .closeWait)
        #expect(script.events(of: connection).contains(.endOfStream))
        script.write(connection, count: 1500)
        script.expect(.ack, seq: 1, ack: 2, length: 1000)
        script.expectNothing()
        script.inject(.ack, seq: 2, ack: 1001, after: .milliseconds(5))
        script.expect([.ack, .psh], seq: 1001, ack: 2, length: 500)
        script.inject(.ack, seq: 2, ack: 1501, after: .milliseconds(5))
        // CLOSE-WAIT → LAST-ACK → CLOSED.
        connection.close()
        script.expect([.fin, .ack], seq: 1501, ack: 2)
        #expect(connection.state == .lastAck)
        script.inject(.ack, seq: 2, ack: 1502, after: .milliseconds(5))
        script.expectNothing()
        #expect(connection.state == .closed)
        #expect(script.events(of: connection).last == .closed(nil))
        #expect(script.stack.tcpConnectionCount == 0)
        // The 4-tuple is free: a late segment gets a RST (the port still listens; ACK bit set).
        script.inject(.ack, seq: 2, ack: 1502, after: .milliseconds(5))
        script.expect(.rst, seq: 1502, win: 0)
    }

    @Test func retransmittedFINInTimeWaitIsReACKedAndRestartsTheTimer() {
        let script = SegmentScript { $0.timeWaitDuration = .seconds(10) }
        guard let connection = inTimeWait(script) else { return }
        // Our ACK of the peer's FIN was lost; the peer sends its FIN again 4 s later.
        script.inject([.fin, .ack], seq: 1, ack: 2, after: .seconds(4))
        script.expect(.ack, seq: 2, ack: 2)
        // 2 MSL runs again from the retransmission (RFC 9293 §3.10.7.4, TIME-WAIT): still
        // there when the first 10 s are up, gone 10 s after the retransmission.
        script.expectNothing(for: .seconds(6))
        #expect(connection.state == .timeWait)
        #expect(script.stack.tcpConnectionCount == 1)
        script.expectNothing(for: .milliseconds(3999))
        #expect(connection.state == .timeWait)
        script.expectNothing(for: .milliseconds(1))
        #expect(connection.state == .closed)
        #expect(script.stack.tcpConnectionCount == 0)
    }

    @Test func rstInTimeWaitIsIgnored() {
        let script = SegmentScript { $0.timeWaitDuration = .seconds(10) }
        guard let connection = inTimeWait(script) else { return }
        // RFC 1337: a RST must not cut TIME-WAIT short, even at exactly RCV.NXT.
        script.inject(.rst, seq: 2, win: 0, after: .seconds(1))
        script.inject([.rst, .ack], seq: 2, ack: 2, win: 0)
        script.expectNothing()
        #expect(connection.state == .timeWait)
        #expect(script.stack.tcpConnectionCount == 1)
        // It is still there to answer a retransmitted FIN.
        script.inject([.fin, .ack], seq: 1, ack: 2, after: .seconds(1))
        script.expect(.ack, seq: 2, ack: 2)
    }

    @Test func newSYNWithAHigherSequenceNumberReusesATimeWaitTuple() {
        let script = SegmentScript { $0.timeWaitDuration = .seconds(60) }
        guard let old = inTimeWait(script), let listener = script.listener else { return }
        let oldISS = script.localISS
        // A SYN numbered below the old connection's RCV.NXT may be an old duplicate: the
        // TIME-WAIT connection answers it with an ACK and stays.
        script.inject(.syn, seq: 0, options: [.mss(1000)], after: .seconds(1))
        script.expect(.ack, seq: 2, ack: 2)
        #expect(old.state == .timeWait)
        // A SYN above it starts a new incarnation at once (RFC 1122 §4.2.2.13, RFC 6191).
        script.peerISS &+= 100_000
        script.inject(.syn, seq: 0, options: [.mss(1000)], after: .seconds(1))
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535, options: [.mss(1460)])
        #expect(script.localISS != oldISS)
        #expect(old.state == .closed)
        script.inject(.ack, seq: 1, ack: 1)
        guard let fresh = listener.accept() else {
            Issue.record("the new incarnation was not accepted")
            return
        }
        #expect(fresh.state == .established)
        #expect(fresh !== old)
        script.inject([.ack, .psh], seq: 1, ack: 1, length: 10)
        script.expect(.ack, seq: 1, ack: 11, after: .milliseconds(40))
    }

    @Test func finBeforeAHoleWaitsUntilTheHoleIsFilled() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        // Bytes 1001–2000 and the FIN arrive before bytes 1–1000.
        script.inject([.fin, .ack, .psh], seq: 1001, ack: 1, length: 1000, after: .milliseconds(5))
        script.expect(.ack, seq: 1, ack: 1)
        #expect(connection.state == .established)
        #expect(!script.events(of: connection).contains(.endOfStream))
        #expect(connection.availableBytes == 0)
        // The hole is filled: data and FIN are taken together; the ACK covers the FIN.
        script.inject(.ack, seq: 1, ack: 1, length: 1000, after: .milliseconds(5))
        script.expect(.ack, seq: 1, ack: 2002)
        #expect(connection.state == .closeWait)
        #expect(script.events(of: connection).contains(.endOfStream))
        #expect(script.read(connection) == SegmentScript.peerBytes(0..<2000))
        #expect(connection.isEndOfStream)
    }
}

import NetStack
import Testing
import Wire

/// The peer closes its window: the stack stops, probes with back-off, and resumes.
@Suite("TCP scenarios: zero window (sender)", .checksLeftoverSegments)
struct ZeroWindowScenarios {
    /// Established with MSS 1000 and no options; 2000 of 5000 bytes sent and acknowledged
    /// 10 ms later with a zero window (a 10 ms RTT sample: the RTO is at its 200 ms floor).
    private func closedWindow() -> (SegmentScript, TCPConnection)? {
        let script = SegmentScript()
        guard let connection = script.acceptConnection(ackWindow: 2000) else { return nil }
        script.write(connection, count: 5000)
        script.expect(.ack, seq: 1, ack: 1, length: 1000)
        script.expect(.ack, seq: 1001, ack: 1, length: 1000)
        script.expectNothing()
        script.inject(.ack, seq: 1, ack: 2001, win: 0, after: .milliseconds(10))
        script.expectNothing()
        return (script, connection)
    }

    @Test func probesBackOffAndSendingResumesWhenTheWindowOpens() {
        guard let (script, connection) = closedWindow() else { return }
        // RFC 9293 §3.8.6.1: the first probe after one RTO, then exponentially further apart.
        // Each probe is one byte of new data; the peer, its window still closed, answers
        // without taking it.
        script.expect(.ack, seq: 2001, ack: 1, length: 1, after: .milliseconds(200))
        var interval: Int64 = 200
        for _ in 0..<5 {
            script.inject(.ack, seq: 1, ack: 2001, win: 0, after: .milliseconds(10))
            script.expectNothing()
            interval *= 2
            script.expect(.ack, seq: 2001, ack: 1, length: 1, after: .milliseconds(interval - 10))
        }
        script.inject(.ack, seq: 1, ack: 2001, win: 0, after: .milliseconds(10))
        #expect(connection.state == .established)
        // The window opens: sending resumes at SND.UNA, since the probe byte 2001 was refused.
        script.inject(.ack, seq: 1, ack: 2001, win: 3000, after: .seconds(1))
        script.expect(.ack, seq: 2001, ack: 1, length: 1000)
        script.expect(.ack, seq: 3001, ack: 1, length: 1000)
        script.expect([.ack, .psh], seq: 4001, ack: 1, length: 1000)
        script.expectNothing()
        script.inject(.ack, seq: 1, ack: 5001, win: 3000, after: .milliseconds(10))
        script.expectNothing(for: .seconds(120))
        #expect(connection.unacknowledgedBytes == 0)
        #expect(connection.counters.fastRetransmits == 0)
    }

    @Test func aLostWindowUpdateIsRecoveredByTheNextProbe() {
        guard let (script, connection) = closedWindow() else { return }
        script.expect(.ack, seq: 2001, ack: 1, length: 1, after: .milliseconds(200))
        script.inject(.ack, seq: 1, ack: 2001, win: 0, after: .milliseconds(10))
        // The peer's application reads and the peer announces a window of 3000 — but that ACK is
        // lost. Without the probe both sides would wait for each other forever.
        script.expect(.ack, seq: 2001, ack: 1, length: 1, after: .milliseconds(390))
        #expect(connection.counters.zeroWindowProbes == 2)
        // This probe lands in the open window: the peer takes the byte and says so.
        script.inject(.ack, seq: 1, ack: 2002, win: 3000, after: .milliseconds(10))
        script.expect(.ack, seq: 2002, ack: 1, length: 1000)
        script.expect(.ack, seq: 3002, ack: 1, length: 1000)
        // The last 999 bytes are less than an MSS: Nagle waits for the ACK.
        script.expectNothing()
        script.inject(.ack, seq: 1, ack: 4002, win: 3000, after: .milliseconds(10))
        script.expect([.ack, .psh], seq: 4002, ack: 1, length: 999)
        script.inject(.ack, seq: 1, ack: 5001, win: 3000, after: .milliseconds(10))
        script.expectNothing(for: .seconds(60))
        #expect(connection.unacknowledgedBytes == 0)
        #expect(connection.counters.fastRetransmits == 0)
    }

    /// `.writable` comes after the ACK that made room has been taken in whole: here that ACK
    /// also closes the window, so what the application writes from the handler must wait for
    /// the window to open (a handler run from inside the ACK saw the old window of 3000 and
    /// sent 2000 bytes past the zero the peer had just announced).
    @Test func writableComesAfterTheACKsWindowIsTaken() {
        let script = SegmentScript()
        script.stack.tcpConfiguration.sendBufferSize = 3000
        guard let connection = script.acceptConnection(ackWindow: 3000) else { return }
        #expect(script.write(connection, count: 5000) == 3000)
        script.expect(.ack, seq: 1, ack: 1, length: 1000)
        script.expect(.ack, seq: 1001, ack: 1, length: 1000)
        script.expect([.ack, .psh], seq: 2001, ack: 1, length: 1000)
        script.expectNothing()
        var writes: [Int] = []
        connection.onEvent = { event in
            if case .writable = event { writes.append(script.write(connection, count: 2000, offset: 3000)) }
        }
        script.inject(.ack, seq: 1, ack: 3001, win: 0, after: .milliseconds(10))
        #expect(writes == [2000])
        script.expectNothing()
        #expect(connection.counters.sentPastWindow == 0)
        // The persist timer's probe is the first byte of the new data.
        script.expect(.ack, seq: 3001, ack: 1, length: 1, after: .milliseconds(200))
        script.inject(.ack, seq: 1, ack: 3001, win: 3000, after: .milliseconds(10))
        script.expect(.ack, seq: 3001, ack: 1, length: 1000)
        script.expect([.ack, .psh], seq: 4001, ack: 1, length: 1000)
        script.inject(.ack, seq: 1, ack: 5001, win: 3000, after: .milliseconds(10))
        script.expectNothing(for: .seconds(1))
        #expect(connection.unacknowledgedBytes == 0)
    }
}

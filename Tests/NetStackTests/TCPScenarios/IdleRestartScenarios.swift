import NetStack
import Testing
import Wire

/// RFC 5681 §4.1's restart window: after more than one RTO without sending, a sender starts
/// again from RW = min(IW, cwnd); after a shorter pause it keeps its whole window. With SMSS
/// 1000, IW is 10 segments.
@Suite("TCP scenarios: restart after idle", .checksLeftoverSegments)
struct IdleRestartScenarios {
    /// A connection whose cwnd has grown to 21 segments, nothing in flight. cwnd grows only
    /// while the sender has more to send than it may (RFC 7661's rule against growing an
    /// unused window), so 30 segments are queued: IW sends 10, each of ten one-segment ACKs
    /// 50 ms later grows cwnd by one and sends two more, and one last ACK takes the 20 in
    /// flight (and, the window being full, grows it once more). The RTO stays at its 200 ms minimum (samples of 50 ms).
    func grownWindow(_ script: SegmentScript) -> TCPConnection? {
        guard let connection = script.acceptConnection(synOptions: [.mss(1000)]) else { return nil }
        #expect(script.write(connection, count: 30_000) == 30_000)
        for index in 0..<10 {
            script.expect(.ack, seq: 1 + 1000 * index, ack: 1, options: nil, length: 1000)
        }
        script.expectNothing()
        script.advance(by: .milliseconds(50))
        for index in 0..<10 {
            script.inject(.ack, seq: 1, ack: 1001 + 1000 * index)
            script.expect(.ack, seq: 10_001 + 2000 * index, ack: 1, options: nil, length: 1000)
            script.expect(index == 9 ? [.ack, .psh] : .ack, seq: 11_001 + 2000 * index, ack: 1, options: nil, length: 1000)
        }
        script.expectNothing()
        script.inject(.ack, seq: 1, ack: 30_001, after: .milliseconds(50))
        script.expectNothing()
        return connection
    }

    /// Sends `count` bytes from relative sequence `start` and checks that exactly `segments`
    /// full segments leave before the sender waits for an ACK.
    func burst(_ script: SegmentScript, _ connection: TCPConnection, from start: Int, count: Int, segments: Int,
               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(script.write(connection, count: count, offset: start - 1) == count, sourceLocation: sourceLocation)
        for index in 0..<segments {
            let last = start + 1000 * index + 1000 == start + count
            script.expect(last ? [.ack, .psh] : .ack, seq: start + 1000 * index, ack: 1, options: nil, length: 1000,
                          sourceLocation: sourceLocation)
        }
        script.expectNothing(sourceLocation: sourceLocation)
    }

    @Test func aPauseShorterThanTheRTOKeepsTheWindow() {
        let script = SegmentScript()
        guard let connection = grownWindow(script) else { return }
        // 150 ms after the last data left, against an RTO of 200 ms.
        script.advance(by: .milliseconds(100))
        // cwnd is 21 segments: the last ACK came while the window was full, so it grew it too.
        burst(script, connection, from: 30_001, count: 40_000, segments: 21)
        #expect(connection.counters.idleRestarts == 0)
    }

    @Test func aPauseLongerThanTheRTORestartsFromTheInitialWindow() {
        let script = SegmentScript()
        guard let connection = grownWindow(script) else { return }
        script.advance(by: .seconds(2))
        burst(script, connection, from: 30_001, count: 40_000, segments: 10)
        #expect(connection.counters.idleRestarts == 1)
        // Slow start again from RW: one cumulative ACK of the ten adds one SMSS, so eleven go.
        script.inject(.ack, seq: 1, ack: 40_001, after: .milliseconds(50))
        for index in 0..<11 {
            script.expect(.ack, seq: 40_001 + 1000 * index, ack: 1, options: nil, length: 1000)
        }
        script.expectNothing()
        #expect(connection.counters.retransmissionTimeouts == 0)
    }

    /// The restart window is min(IW, cwnd): a window already below IW (one segment after a
    /// timeout) stays where it is.
    @Test func aWindowBelowTheInitialWindowIsNotRaisedByIdleness() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection(synOptions: [.mss(1000)]) else { return }
        #expect(script.write(connection, count: 2000) == 2000)
        script.expect(.ack, seq: 1, ack: 1, options: nil, length: 1000)
        script.expect([.ack, .psh], seq: 1001, ack: 1, options: nil, length: 1000)
        script.expectNothing()
        // No ACK: the RTO (1 s: without timestamps the handshake gives no sample) fires and
        // resends one segment; cwnd = 1 SMSS.
        script.expect(.ack, seq: 1, ack: 1, options: nil, length: 1000, after: .seconds(1))
        script.inject(.ack, seq: 1, ack: 2001, after: .milliseconds(10))
        script.expectNothing()
        script.advance(by: .seconds(5))
        // cwnd grew to 2 segments with that ACK (slow start): still below IW, so two go.
        #expect(script.write(connection, count: 5000, offset: 2000) == 5000)
        script.expect(.ack, seq: 2001, ack: 1, options: nil, length: 1000)
        script.expect(.ack, seq: 3001, ack: 1, options: nil, length: 1000)
        script.expectNothing()
        #expect(connection.counters.idleRestarts == 1)
    }
}

import NetStack
import Testing
import Wire

/// Delayed ACK, Nagle, and keep-alive.
@Suite("TCP scenarios: ACK and send timing", .checksLeftoverSegments)
struct TimerScenarios {
    @Test func delayedACKWaitsForTheTimerOrTheSecondFullSegment() {
        let script = SegmentScript()
        guard script.acceptConnection() != nil else { return }
        // One segment: the ACK waits for the 40 ms timer.
        script.inject(.ack, seq: 1, ack: 1, length: 1000, after: .milliseconds(10))
        script.expectNothing(for: .milliseconds(39))
        script.expect(.ack, seq: 1, ack: 1001, after: .milliseconds(1))
        // Two full segments: the second is ACKed at once (RFC 9293 §3.8.6.3, RFC 5681 §4.2).
        script.inject(.ack, seq: 1001, ack: 1, length: 1000, after: .milliseconds(100))
        script.expectNothing(for: .milliseconds(20))
        script.inject(.ack, seq: 2001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 3001)
        // A small segment alone waits for the timer too.
        script.inject([.ack, .psh], seq: 3001, ack: 1, length: 10, after: .milliseconds(100))
        script.expect(.ack, seq: 1, ack: 3011, after: .milliseconds(40))
        script.expectNothing(for: .seconds(1))
    }

    @Test func nagleHoldsASmallSecondWriteUntilTheACK() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        script.write(connection, count: 100)
        script.expect([.ack, .psh], seq: 1, ack: 1, length: 100)
        // Unacknowledged data is in flight: the next small write waits (RFC 896).
        script.write(connection, count: 100, offset: 100)
        script.write(connection, count: 100, offset: 200)
        script.expectNothing(for: .milliseconds(300))
        // The ACK releases everything queued meanwhile, as one segment.
        script.inject(.ack, seq: 1, ack: 101)
        script.expect([.ack, .psh], seq: 101, ack: 1, length: 200)
    }

    @Test func noDelaySendsSmallWritesAtOnce() {
        let script = SegmentScript { $0.noDelay = true }
        guard let connection = script.acceptConnection() else { return }
        script.write(connection, count: 100)
        script.expect([.ack, .psh], seq: 1, ack: 1, length: 100)
        script.write(connection, count: 100, offset: 100)
        script.expect([.ack, .psh], seq: 101, ack: 1, length: 100)
        script.expectNothing()
    }

    @Test func keepAliveProbesAnIdleConnectionAndGivesUp() {
        let script = SegmentScript {
            $0.keepAlive = TCPConfiguration.KeepAlive(idle: .seconds(10), interval: .seconds(2), probes: 3)
        }
        guard let connection = script.acceptConnection() else { return }
        // After 10 s of silence: a probe one below SND.UNA, no data (RFC 1122 §4.2.3.6).
        script.expect(.ack, seq: 0, ack: 1, after: .seconds(10))
        // The peer answers: the connection is alive, and idle time counts from the answer.
        script.inject(.ack, seq: 1, ack: 1, after: .milliseconds(100))
        script.expectNothing(for: .milliseconds(9999))
        script.expect(.ack, seq: 0, ack: 1, after: .milliseconds(1))
        // Now nobody answers: two more probes at the interval, then the connection is dead.
        script.expect(.ack, seq: 0, ack: 1, after: .seconds(2))
        script.expect(.ack, seq: 0, ack: 1, after: .seconds(2))
        #expect(connection.state == .established)
        script.expectNothing(for: .seconds(2))
        #expect(connection.state == .closed)
        #expect(script.events(of: connection) == [.closed(.timedOut)])
        script.expectNothing(for: .seconds(60))
    }

    @Test func noKeepAliveUnlessEnabled() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        script.expectNothing(for: .seconds(3 * 3600))
        #expect(connection.state == .established)
    }
}

import NetStack
import Testing
import Wire

/// RST and SYN acceptance (RFC 9293 §3.10.7, RFC 5961), and segments to a closed port.
@Suite("TCP scenarios: resets", .checksLeftoverSegments)
struct ResetScenarios {
    @Test func rstAcknowledgingOurSYNRefusesTheConnection() {
        let script = SegmentScript()
        guard let connection = script.connect() else { return }
        script.expect(.syn, seq: 0, options: nil)
        script.inject([.rst, .ack], seq: 0, ack: 1, win: 0, after: .milliseconds(5))
        #expect(connection.state == .closed)
        #expect(script.events(of: connection) == [.closed(.refused)])
        // Gone for good: no SYN retransmission follows.
        script.expectNothing(for: .seconds(10))
    }

    @Test func rstWithAnUnacceptableACKInSynSentIsIgnored() {
        let script = SegmentScript()
        guard let connection = script.connect() else { return }
        script.expect(.syn, seq: 0, options: nil)
        // RFC 9293 §3.10.7.3: SEG.ACK > SND.NXT with RST set: drop, do not answer.
        script.inject([.rst, .ack], seq: 0, ack: 1000, win: 0, after: .milliseconds(5))
        script.expectNothing()
        // A RST without an ACK cannot be matched to our SYN either (RFC 5961 §3).
        script.inject(.rst, seq: 0, win: 0)
        script.expectNothing()
        #expect(connection.state == .synSent)
        #expect(script.events(of: connection).isEmpty)
        // The attempt goes on: the SYN is retransmitted on time.
        script.expect(.syn, seq: 0, options: nil, after: .milliseconds(995))
    }

    @Test func rstAtExactlyRcvNxtResetsTheConnection() {
        let script = SegmentScript()
        guard let connection = script.openConnection() else { return }
        script.inject([.ack, .psh], seq: 1, ack: 1, length: 100)
        script.expect(.ack, seq: 1, ack: 101, options: nil, after: .milliseconds(40))
        script.inject(.rst, seq: 101, win: 0)
        script.expectNothing()
        #expect(connection.state == .closed)
        #expect(script.events(of: connection).last == .closed(.reset))
        #expect(script.stack.tcpConnectionCount == 0)
    }

    @Test func rstInTheWindowButNotAtRcvNxtEarnsAChallengeACK() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        script.inject([.ack, .psh], seq: 1, ack: 1, length: 100)
        script.expect(.ack, seq: 1, ack: 101, options: nil, after: .milliseconds(40))
        // RFC 5961 §3.2: in the window but not exact: answer with an ACK, change nothing.
        script.inject(.rst, seq: 1101, win: 0)
        script.expect(.ack, seq: 1, ack: 101, options: nil)
        script.expectNothing()
        #expect(connection.state == .established)
        #expect(connection.counters.challengeACKs == 1)
        // A real peer answers the challenge with a RST at exactly RCV.NXT, which is believed.
        script.inject(.rst, seq: 101, win: 0)
        #expect(connection.state == .closed)
        #expect(script.events(of: connection).last == .closed(.reset))
    }

    @Test func rstOutsideTheWindowIsIgnored() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        script.inject([.ack, .psh], seq: 1, ack: 1, length: 100)
        script.expect(.ack, seq: 1, ack: 101, options: nil, after: .milliseconds(40))
        // Beyond the right edge (the window is 65535, unscaled), and behind RCV.NXT: both silently dropped.
        script.inject(.rst, seq: 101 + (1 << 20) + 1000, win: 0)
        script.inject(.rst, seq: 50, win: 0)
        script.expectNothing(for: .seconds(1))
        #expect(connection.state == .established)
        #expect(connection.counters.challengeACKs == 0)
        // Still alive: data is taken as before.
        script.inject([.ack, .psh], seq: 101, ack: 1, length: 10)
        script.expect(.ack, seq: 1, ack: 111, options: nil, after: .milliseconds(40))
    }

    @Test func synOnAnEstablishedConnectionEarnsAChallengeACK() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        // RFC 5961 §4.2: a SYN in a synchronized state, in the window or not, gets an ACK and
        // nothing else: no reset, no new connection.
        script.inject(.syn, seq: 5000, options: [.mss(1000)], after: .milliseconds(10))
        script.expect(.ack, seq: 1, ack: 1, options: nil)
        // RFC 5961 §7: challenge ACKs are rate-limited (one per 500 ms per connection, as
        // Linux's tcp_invalid_ratelimit), so a second SYN 10 ms later gets nothing...
        script.inject(.syn, seq: 0, options: [.mss(1000)], after: .milliseconds(10))
        script.expectNothing(for: .milliseconds(600))
        // ...and one after the interval gets its ACK again.
        script.inject(.syn, seq: 0, options: [.mss(1000)])
        script.expect(.ack, seq: 1, ack: 1, options: nil)
        script.expectNothing(for: .seconds(1))
        #expect(connection.counters.throttledACKs == 1)
        #expect(connection.state == .established)
        #expect(script.events(of: connection).isEmpty)
        #expect(script.stack.tcpConnectionCount == 1)
    }

    @Test func segmentToAClosedPortGetsAReset() {
        let script = SegmentScript(peerISS: 1000)
        // No ACK bit: RST.ACK with seq 0 and ack SEG.SEQ + SEG.LEN (the SYN counts one).
        script.inject(.syn, seq: 0, options: [.mss(1000)])
        script.expect([.rst, .ack], seq: 0, ack: 1, win: 0)
        // Data and FIN without ACK: both count in SEG.LEN.
        script.inject(.fin, seq: 1, length: 10)
        script.expect([.rst, .ack], seq: 0, ack: 12, win: 0)
        // ACK bit: a bare RST numbered with the ACK field (no local ISS here: absolute numbers).
        script.inject([.ack, .psh], seq: 1, ack: 77_777, length: 10)
        script.expect(.rst, seq: 77_777, win: 0)
        // A RST is never answered.
        script.inject([.rst, .ack], seq: 1, ack: 5)
        script.expectNothing(for: .seconds(1))
        #expect(script.stack.tcpCounters.resetsForClosedPorts == 4)
    }
}

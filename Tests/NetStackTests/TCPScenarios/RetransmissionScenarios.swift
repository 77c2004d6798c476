import NetStack
import Testing
import Wire

/// Loss recovery: fast retransmit, NewReno partial ACKs, SACK recovery, the retransmission
/// timer (back-off, Karn, restarts) and the FIN's retransmission.
@Suite("TCP scenarios: retransmission", .checksLeftoverSegments)
struct RetransmissionScenarios {
    /// Ten 1000-byte segments in flight (IW = 10 × 1000) on a fresh connection.
    func tenSegmentsInFlight(_ script: SegmentScript, synOptions: [SegmentScript.Option] = [.mss(1000)]) -> TCPConnection? {
        guard let connection = script.acceptConnection(synOptions: synOptions) else { return nil }
        script.write(connection, count: 10_000)
        for index in 0..<10 {
            script.expect(index == 9 ? [.ack, .psh] : .ack, seq: 1 + 1000 * index, ack: 1, options: nil, length: 1000)
        }
        script.expectNothing()
        return connection
    }

    @Test func threeDuplicateACKsRetransmitExactlyTheFirstUnackedSegment() {
        let script = SegmentScript()
        guard let connection = tenSegmentsInFlight(script) else { return }
        // Segment 1 is lost; segments 2, 3, 4 each produce a duplicate ACK.
        script.inject(.ack, seq: 1, ack: 1, after: .milliseconds(50))
        script.inject(.ack, seq: 1, ack: 1)
        script.expectNothing()
        script.inject(.ack, seq: 1, ack: 1)
        script.expect(.ack, seq: 1, ack: 1, length: 1000)
        script.expectNothing()
        // The rest of the window's duplicate ACKs send nothing (no new data, no second copy).
        for _ in 0..<6 { script.inject(.ack, seq: 1, ack: 1) }
        script.expectNothing()
        // The retransmission fills the hole.
        script.inject(.ack, seq: 1, ack: 10_001, after: .milliseconds(50))
        script.expectNothing(for: .seconds(5))
        #expect(connection.counters.fastRetransmits == 1)
        #expect(connection.counters.bytesRetransmitted == 1000)
        #expect(connection.counters.retransmissionTimeouts == 0)
    }

    @Test func newRenoPartialACKRetransmitsTheNextHoleWithoutTimeout() {
        let script = SegmentScript()
        guard let connection = tenSegmentsInFlight(script) else { return }
        // Segments 1 and 5 are lost. Segments 2–4 give three duplicate ACKs: fast retransmit.
        script.inject(.ack, seq: 1, ack: 1, after: .milliseconds(50))
        script.inject(.ack, seq: 1, ack: 1)
        script.inject(.ack, seq: 1, ack: 1)
        script.expect(.ack, seq: 1, ack: 1, length: 1000)
        // Segments 6–10: five more duplicates.
        for _ in 0..<5 { script.inject(.ack, seq: 1, ack: 1) }
        script.expectNothing()
        // The retransmitted segment 1 arrives: the ACK stops at the second hole (a partial ACK,
        // RFC 6582 §3.2 step 5): that segment goes at once, without waiting for the timer.
        script.inject(.ack, seq: 1, ack: 4001, after: .milliseconds(50))
        script.expect(.ack, seq: 4001, ack: 1, length: 1000)
        script.expectNothing()
        script.inject(.ack, seq: 1, ack: 10_001, after: .milliseconds(50))
        script.expectNothing(for: .seconds(5))
        #expect(connection.counters.fastRetransmits == 1)
        #expect(connection.counters.retransmissionTimeouts == 0)
        #expect(connection.counters.bytesRetransmitted == 2000)
    }

    @Test func sackRecoveryRetransmitsOnlyTheHoles() {
        Self.sackRecovery(SegmentScript())
    }

    /// Segments 2 and 4 of ten lost with SACK on; shared with the wraparound scenario.
    static func sackRecovery(_ script: SegmentScript, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let connection = RetransmissionScenarios().tenSegmentsInFlight(script, synOptions: [.mss(1000), .sackPermitted]) else { return }
        // Segments 2 and 4 are lost; the others arrive, each ACK reporting what is held.
        script.inject(.ack, seq: 1, ack: 1001, after: .milliseconds(50))
        script.inject(.ack, seq: 1, ack: 1001, options: [.sack([2001..<3001])])
        script.inject(.ack, seq: 1, ack: 1001, options: [.sack([4001..<5001, 2001..<3001])])
        script.expectNothing()
        // Third duplicate ACK: recovery starts with the first hole only.
        script.inject(.ack, seq: 1, ack: 1001, options: [.sack([4001..<6001, 2001..<3001])])
        script.expect(.ack, seq: 1001, ack: 1, length: 1000)
        script.expectNothing()
        script.inject(.ack, seq: 1, ack: 1001, options: [.sack([4001..<7001, 2001..<3001])])
        script.expectNothing()
        // Now three segments are SACKed above the second hole: it is lost (RFC 6675 IsLost),
        // and the pipe has room for it.
        script.inject(.ack, seq: 1, ack: 1001, options: [.sack([4001..<8001, 2001..<3001])])
        script.expect(.ack, seq: 3001, ack: 1, length: 1000)
        script.expectNothing()
        script.inject(.ack, seq: 1, ack: 1001, options: [.sack([4001..<9001, 2001..<3001])])
        script.inject(.ack, seq: 1, ack: 1001, options: [.sack([4001..<10_001, 2001..<3001])])
        script.expectNothing()
        // The retransmissions arrive.
        script.inject(.ack, seq: 1, ack: 3001, options: [.sack([4001..<10_001])], after: .milliseconds(50))
        script.inject(.ack, seq: 1, ack: 10_001)
        script.expectNothing(for: .seconds(5))
        #expect(connection.counters.bytesRetransmitted == 2000, sourceLocation: sourceLocation)
        #expect(connection.counters.sentSACKedBytes == 0, sourceLocation: sourceLocation)
        #expect(connection.counters.retransmissionTimeouts == 0, sourceLocation: sourceLocation)
        #expect(connection.unacknowledgedBytes == 0, sourceLocation: sourceLocation)
    }

    @Test func rtoBacksOffByDoublingAndResetsAfterANewACK() {
        let script = SegmentScript()
        // Timestamps give an RTT sample from every ACK of new data, retransmitted or not
        // (RFC 7323 §4). The handshake's sample is 1 ms: RTO = 200 ms, the floor.
        guard let connection = script.acceptConnection(synOptions: [.mss(1000), .timestamp(value: 1, echo: 0)]) else { return }
        script.write(connection, count: 100)
        script.expect([.ack, .psh], seq: 1, ack: 1, options: [.timestamp(echo: 1)], length: 100)
        for milliseconds: Int64 in [200, 400, 800, 1600] {
            script.expect([.ack, .psh], seq: 1, ack: 1, options: [.timestamp(echo: 1)], length: 100, after: .milliseconds(milliseconds))
        }
        #expect(connection.counters.retransmissionTimeouts == 4)
        // The ACK echoes the last retransmission's TSval: a 50 ms sample, and the back-off ends.
        script.inject(.ack, seq: 1, ack: 101, options: [.timestamp(2)], after: .milliseconds(50))
        script.write(connection, count: 100, offset: 100)
        script.expect([.ack, .psh], seq: 101, ack: 1, options: [.timestamp(echo: 2)], length: 100)
        script.expect([.ack, .psh], seq: 101, ack: 1, options: [.timestamp(echo: 2)], length: 100, after: .milliseconds(200))
    }

    @Test func karnNoRTTSampleFromARetransmittedSegment() {
        let script = SegmentScript()
        // No timestamps: RTT samples come only from timed segments; the RTO starts at 1 s.
        guard let connection = script.acceptConnection() else { return }
        script.write(connection, count: 100)
        script.expect([.ack, .psh], seq: 1, ack: 1, length: 100)
        script.expect([.ack, .psh], seq: 1, ack: 1, length: 100, after: .seconds(1))
        // The ACK comes 100 ms after the retransmission: ambiguous, so no sample, and the
        // doubled RTO stays (a sample would have given 300 ms or 3.3 s).
        script.inject(.ack, seq: 1, ack: 101, after: .milliseconds(100))
        script.write(connection, count: 100, offset: 100)
        script.expect([.ack, .psh], seq: 101, ack: 1, length: 100)
        script.expectNothing(for: .milliseconds(1999))
        script.expect([.ack, .psh], seq: 101, ack: 1, length: 100, after: .milliseconds(1))
        script.inject(.ack, seq: 1, ack: 201, after: .milliseconds(100))
        // A segment sent once and ACKed after 100 ms is a valid sample: SRTT 100 ms,
        // RTTVAR 50 ms, RTO 300 ms, no back-off.
        script.write(connection, count: 100, offset: 200)
        script.expect([.ack, .psh], seq: 201, ack: 1, length: 100)
        script.inject(.ack, seq: 1, ack: 301, after: .milliseconds(100))
        script.write(connection, count: 100, offset: 300)
        script.expect([.ack, .psh], seq: 301, ack: 1, length: 100)
        script.expect([.ack, .psh], seq: 301, ack: 1, length: 100, after: .milliseconds(300))
    }

    @Test func karnNoRTTSampleFromAFastRetransmittedSegment() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        // Four segments; the first (the one being timed) is lost and fast-retransmitted.
        script.write(connection, count: 4000)
        for index in 0..<4 {
            script.expect(index == 3 ? [.ack, .psh] : .ack, seq: 1 + 1000 * index, ack: 1, length: 1000)
        }
        for _ in 0..<3 { script.inject(.ack, seq: 1, ack: 1, after: .milliseconds(50)) }
        script.expect(.ack, seq: 1, ack: 1, length: 1000)
        // All acknowledged 900 ms after the first send: that is no RTT sample (it would make
        // the RTO 2.7 s). The RTO stays 1 s.
        script.inject(.ack, seq: 1, ack: 4001, after: .milliseconds(750))
        script.write(connection, count: 100, offset: 4000)
        script.expect([.ack, .psh], seq: 4001, ack: 1, length: 100)
        script.expectNothing(for: .milliseconds(999))
        script.expect([.ack, .psh], seq: 4001, ack: 1, length: 100, after: .milliseconds(1))
    }

    @Test func rtoRestartsOnANewACKButNotOnADuplicate() {
        let script = SegmentScript()
        // Timestamps: the handshake's 1 ms sample puts the RTO at its 200 ms floor.
        guard let connection = script.acceptConnection(synOptions: [.mss(1000), .timestamp(value: 1, echo: 0)]) else { return }
        // MSS 1000 less 12 bytes of timestamps option: 988 per segment.
        script.write(connection, count: 1976)
        script.expect(.ack, seq: 1, ack: 1, options: [.timestamp(echo: 1)], length: 988)
        script.expect([.ack, .psh], seq: 989, ack: 1, options: [.timestamp(echo: 1)], length: 988)
        let firstSend = script.latestLocalTimestamp
        // An ACK of new data restarts the timer (RFC 6298 §5.3): its 150 ms sample keeps the
        // RTO at 200 ms, so the retransmission comes at 350 ms, not 200 ms after the send.
        script.inject(.ack, seq: 1, ack: 989, options: [.timestamp(value: 1, echo: firstSend)], after: .milliseconds(150))
        script.expectNothing(for: .milliseconds(199))
        script.expect([.ack, .psh], seq: 989, ack: 1, options: [.timestamp(echo: 1)], length: 988, after: .milliseconds(1))
        // Backed off to 400 ms. A duplicate ACK 100 ms later must not push the timer back.
        script.inject(.ack, seq: 1, ack: 989, options: [.timestamp(value: 1, echo: firstSend)], after: .milliseconds(100))
        script.expectNothing(for: .milliseconds(299))
        script.expect([.ack, .psh], seq: 989, ack: 1, options: [.timestamp(echo: 1)], length: 988, after: .milliseconds(1))
        #expect(connection.counters.retransmissionTimeouts == 2)
    }

    @Test func rtoIsTimedFromTheSendEvenAfterAnIdlePeriod() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        // Nothing happens for a minute: no timers, no segments.
        script.expectNothing(for: .seconds(60))
        script.write(connection, count: 100)
        script.expect([.ack, .psh], seq: 1, ack: 1, length: 100)
        // RFC 6298 §5.1: the timer expires one RTO after this send, not at once.
        script.expectNothing(for: .milliseconds(999))
        script.expect([.ack, .psh], seq: 1, ack: 1, length: 100, after: .milliseconds(1))
    }

    @Test func finIsRetransmittedWithBackoff() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        connection.close()
        script.expect([.fin, .ack], seq: 1, ack: 1)
        #expect(connection.state == .finWait1)
        script.expect([.fin, .ack], seq: 1, ack: 1, after: .seconds(1))
        script.expect([.fin, .ack], seq: 1, ack: 1, after: .seconds(2))
        script.expect([.fin, .ack], seq: 1, ack: 1, after: .seconds(4))
        script.inject(.ack, seq: 1, ack: 2, after: .milliseconds(100))
        #expect(connection.state == .finWait2)
        script.expectNothing(for: .seconds(10))
    }
}

@testable import NetStack
import Testing
import Wire

/// SYN cookies (RFC 4987) segment by segment: the stateless SYN-ACK, the connection its ACK
/// makes with the options the cookie and the timestamp carried back, and the ACKs refused.
@Suite("TCP scenarios: SYN cookies", .checksLeftoverSegments)
struct SYNCookieScenarios {
    /// A listener with a half-open queue of one, held by a handshake from port 40,000 that the
    /// script completes once the cookie has been sent (so it retransmits nothing meanwhile).
    static func fullQueue(start: Instant = .zero) -> (SegmentScript, TCPListener, UInt32)? {
        let script = SegmentScript(start: start)
        guard let listener = script.listen(backlog: 1) else { return nil }
        script.inject(.syn, seq: 0, options: [.mss(1000)])
        script.expect([.syn, .ack], seq: 0, ack: 1, options: [.mss(1460)])
        let firstISS = script.localSequence(0)
        script.peerPort = 40_001
        return (script, listener, firstISS)
    }

    /// The ACK from port 40,000; its number counts from that connection's ISS, not the cookie.
    static func completeTheFirstHandshake(_ script: SegmentScript, _ listener: TCPListener, firstISS: UInt32) {
        script.inject(.ack, seq: 1, ack: script.relativeLocal(firstISS &+ 1), sourcePort: 40_000)
        #expect(listener.accept()?.remotePort == 40_000)
    }

    @Test func aSYNBeyondTheHalfOpenQueueGetsACookieWhoseACKMakesTheConnection() {
        guard let (script, listener, firstISS) = Self.fullQueue() else { return }
        script.inject(.syn, seq: 0, options: [.mss(1400), .sackPermitted, .timestamp(value: 100, echo: 0), .windowScale(7)])
        // The same options as any SYN-ACK (shift 5 for a 1 MiB buffer), the cookie as ISN.
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535,
                      options: [.mss(1460), .sackPermitted, .timestamp(echo: 100), .windowScale(5)])
        #expect(script.stack.tcpCounters.synCookiesSent == 1)
        Self.completeTheFirstHandshake(script, listener, firstISS: firstISS)

        script.inject(.ack, seq: 1, ack: 1, options: [.timestamp(101)], after: .milliseconds(30))
        #expect(script.stack.tcpCounters.synCookiesValidated == 1)
        guard let connection = listener.accept() else {
            Issue.record("the cookie's ACK made no connection")
            return
        }
        #expect(connection.state == .established && connection.remotePort == 40_001)
        // 1,400 rounds down to the table's 1,300, less 12 bytes of timestamps; the scale and SACK
        // came back in the echoed timestamp.
        #expect(connection.sendMSS == 1288)
        #expect(connection.sendShift == 7 && connection.receiveShift == 5)
        #expect(connection.sackEnabled && connection.timestampsEnabled)
        script.record(connection)
        #expect(script.write(connection, count: 2576) == 2576)
        // The connection's own clock: the SYN-ACK's value had options in its low bits.
        let timestamp = SegmentScript.Option.timestamp(value: connection.timestampNow, echo: 101)
        script.expect(.ack, seq: 1, ack: 1, win: nil, options: [timestamp], length: 1288)
        script.expect([.ack, .psh], seq: 1289, ack: 1, win: nil, options: [timestamp], length: 1288)
    }

    @Test func aWindowScaleAbove14IsTakenAs14ThroughTheCookie() {
        guard let (script, listener, firstISS) = Self.fullQueue() else { return }
        script.inject(.syn, seq: 0, options: [.mss(1460), .timestamp(value: 100, echo: 0), .windowScale(15)])
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535, options: [.mss(1460), .timestamp(echo: 100), .windowScale(5)])
        Self.completeTheFirstHandshake(script, listener, firstISS: firstISS)
        script.inject(.ack, seq: 1, ack: 1, options: [.timestamp(101)])
        #expect(listener.accept()?.sendShift == 14)
    }

    @Test func withoutTimestampsTheCookieCarriesOnlyTheMSS() {
        guard let (script, listener, firstISS) = Self.fullQueue() else { return }
        script.inject(.syn, seq: 0, options: [.mss(1460), .sackPermitted, .windowScale(7)])
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535, options: [.mss(1460)])
        Self.completeTheFirstHandshake(script, listener, firstISS: firstISS)
        script.inject(.ack, seq: 1, ack: 1)
        guard let connection = listener.accept() else {
            Issue.record("the cookie's ACK made no connection")
            return
        }
        #expect(connection.sendMSS == 1460)
        #expect(connection.sendShift == 0 && connection.receiveShift == 0 && !connection.sackEnabled)
    }

    @Test func anACKWithAWrongCookieIsResetAndCounted() {
        guard let (script, listener, firstISS) = Self.fullQueue() else { return }
        script.inject(.syn, seq: 0, options: [.mss(1460)])
        script.expect([.syn, .ack], seq: 0, ack: 1, options: [.mss(1460)])
        Self.completeTheFirstHandshake(script, listener, firstISS: firstISS)
        // The RST takes its sequence number from the ACK (RFC 9293 §3.10.7.1).
        script.inject(.ack, seq: 1, ack: 2)
        script.expect(.rst, seq: 2)
        #expect(script.stack.tcpCounters.synCookiesFailed == 1)
        #expect(listener.accept() == nil)
        // A different peer ISN: the MAC covers it.
        script.inject(.ack, seq: 2, ack: 1)
        script.expect(.rst, seq: 1)
        #expect(script.stack.tcpCounters.synCookiesFailed == 2)
    }

    @Test func aCookieHoldsForItsPeriodAndTheNextThenNoLonger() {
        guard let (script, listener, firstISS) = Self.fullQueue() else { return }
        script.inject(.syn, seq: 0, options: [.mss(1460)])
        script.expect([.syn, .ack], seq: 0, ack: 1, options: [.mss(1460)])
        Self.completeTheFirstHandshake(script, listener, firstISS: firstISS)
        // Made in the first 64-second period, checked at 129 s: two periods later.
        script.advance(by: .seconds(129))
        script.inject(.ack, seq: 1, ack: 1)
        script.expect(.rst, seq: 1)
        #expect(listener.accept() == nil)
        #expect(script.stack.tcpCounters.synCookiesValidated == 0)
    }

    @Test func aCookieMadeLateInOnePeriodHoldsInTheNext() {
        guard let (script, listener, firstISS) = Self.fullQueue(start: .zero + .seconds(63)) else { return }
        script.inject(.syn, seq: 0, options: [.mss(1460)])
        script.expect([.syn, .ack], seq: 0, ack: 1, options: [.mss(1460)])
        Self.completeTheFirstHandshake(script, listener, firstISS: firstISS)
        script.inject(.ack, seq: 1, ack: 1, after: .seconds(64))
        #expect(listener.accept()?.remotePort == 40_001)
    }
}

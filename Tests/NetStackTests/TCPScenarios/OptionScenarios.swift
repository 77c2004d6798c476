import NetStack
import Testing
import Wire

/// SACK blocks the stack sends, PAWS, and which TSval the stack echoes.
@Suite("TCP scenarios: SACK and timestamps", .checksLeftoverSegments)
struct OptionScenarios {
    @Test func sackBlocksDescribeOutOfOrderDataMostRecentFirst() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection(synOptions: [.mss(1000), .sackPermitted]) else { return }
        // Every other segment arrives; each out-of-order arrival is ACKed at once with the block
        // holding it first (RFC 2018 §4), then the others; at most four without timestamps.
        script.inject(.ack, seq: 1001, ack: 1, length: 1000, after: .milliseconds(5))
        script.expect(.ack, seq: 1, ack: 1, options: [.sack([1001..<2001])])
        script.inject(.ack, seq: 3001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 1, options: [.sack([3001..<4001, 1001..<2001])])
        script.inject(.ack, seq: 5001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 1, options: [.sack([5001..<6001, 3001..<4001, 1001..<2001])])
        script.inject(.ack, seq: 7001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 1, options: [.sack([7001..<8001, 5001..<6001, 3001..<4001, 1001..<2001])])
        script.inject(.ack, seq: 9001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 1, options: [.sack([9001..<10_001, 7001..<8001, 5001..<6001, 3001..<4001])])
        // A segment joining two blocks: the merged block comes first.
        script.inject(.ack, seq: 2001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 1, options: [.sack([1001..<4001, 9001..<10_001, 7001..<8001, 5001..<6001])])
        // The first hole filled: the ACK moves and the blocks below it go.
        script.inject(.ack, seq: 1, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 4001, options: [.sack([9001..<10_001, 7001..<8001, 5001..<6001])])
        script.inject(.ack, seq: 4001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 6001, options: [.sack([9001..<10_001, 7001..<8001])])
        script.inject(.ack, seq: 6001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 8001, options: [.sack([9001..<10_001])])
        script.inject(.ack, seq: 8001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 10_001, options: [])
        #expect(script.read(connection) == SegmentScript.peerBytes(0..<10_000))
    }

    @Test func pawsDropsASegmentWithAnOldTimestampAndACKsIt() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection(synOptions: [.mss(1000), .timestamp(value: 1000, echo: 0)]) else { return }
        script.inject([.ack, .psh], seq: 1, ack: 1, options: [.timestamp(2000)], length: 100, after: .milliseconds(10))
        script.expect(.ack, seq: 1, ack: 101, options: [.timestamp(echo: 2000)], after: .milliseconds(40))
        // TSval 1500 is older than TS.Recent (2000): an old duplicate (RFC 7323 §5.3 R1),
        // dropped though its sequence numbers are fine, and answered with an ACK.
        script.inject([.ack, .psh], seq: 101, ack: 1, options: [.timestamp(1500)], length: 100, after: .milliseconds(10))
        script.expect(.ack, seq: 1, ack: 101, options: [.timestamp(echo: 2000)])
        #expect(connection.availableBytes == 100)
        #expect(connection.counters.pawsRejected == 1)
        // The same bytes with a current timestamp are taken.
        script.inject([.ack, .psh], seq: 101, ack: 1, options: [.timestamp(2010)], length: 100, after: .milliseconds(10))
        script.expect(.ack, seq: 1, ack: 201, options: [.timestamp(echo: 2010)], after: .milliseconds(40))
        #expect(script.read(connection) == SegmentScript.peerBytes(0..<200))
    }

    @Test func tsecrEchoesTheLastInOrderSegment() {
        let script = SegmentScript()
        guard script.acceptConnection(synOptions: [.mss(1000), .timestamp(value: 1000, echo: 0)]) != nil else { return }
        // Two segments, one ACK: the echo is the earlier TSval (RFC 7323 §4.3 case A).
        script.inject(.ack, seq: 1, ack: 1, options: [.timestamp(1001)], length: 1000, after: .milliseconds(10))
        script.inject(.ack, seq: 1001, ack: 1, options: [.timestamp(1002)], length: 1000)
        script.expect(.ack, seq: 1, ack: 2001, options: [.timestamp(echo: 1001)])
        // Reordering: the later segment first. It does not advance the window: no new echo.
        script.inject(.ack, seq: 3001, ack: 1, options: [.timestamp(1004)], length: 1000, after: .milliseconds(10))
        script.expect(.ack, seq: 1, ack: 2001, options: [.timestamp(echo: 1001)])
        // The segment filling the hole gives the echo (case C), not the newest TSval seen.
        script.inject(.ack, seq: 2001, ack: 1, options: [.timestamp(1003)], length: 1000, after: .milliseconds(10))
        script.expect(.ack, seq: 1, ack: 4001, options: [.timestamp(echo: 1003)])
        // The next in-order segment is echoed after the delayed-ACK timer.
        script.inject(.ack, seq: 4001, ack: 1, options: [.timestamp(1005)], length: 100, after: .milliseconds(10))
        script.expect(.ack, seq: 1, ack: 4101, options: [.timestamp(echo: 1005)], after: .milliseconds(40))
    }
}

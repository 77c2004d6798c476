import NetStack
import Testing
import Wire

/// Sequence numbers that wrap past 2^32.
@Suite("TCP scenarios: sequence space", .checksLeftoverSegments)
struct SequenceScenarios {
    @Test func peerDataAcrossTheWrapIsDeliveredInOrder() {
        // The peer's ISS sits 1500 below 2^32: relative sequence number 1500 is 0.
        let script = SegmentScript(peerISS: UInt32.max - 1499)
        guard let connection = script.acceptConnection(synOptions: [.mss(1000), .sackPermitted]) else { return }
        #expect(script.peerSequence(1500) == 0)
        script.inject(.ack, seq: 1, ack: 1, length: 1000, after: .milliseconds(5))
        // The third segment overtakes the second, which straddles the wrap.
        script.inject(.ack, seq: 2001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 1001, options: [.sack([2001..<3001])])
        #expect(connection.availableBytes == 1000)
        script.inject(.ack, seq: 1001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 3001)
        // Old data from before the wrap is a duplicate, not data from the far future.
        script.inject(.ack, seq: 501, ack: 1, length: 1000, after: .milliseconds(5))
        script.expect(.ack, seq: 1, ack: 3001)
        script.inject([.fin, .ack], seq: 3001, ack: 1, after: .milliseconds(5))
        script.expect(.ack, seq: 1, ack: 3002)
        #expect(script.read(connection) == SegmentScript.peerBytes(0..<3000))
        #expect(connection.isEndOfStream)
    }

    @Test func sackRecoveryOfOurDataAcrossTheWrap() {
        // Our ISS 2500 below 2^32: the third of ten segments straddles the wrap, the lost fourth
        // and the SACK blocks above it lie past it.
        let target = UInt32.max - 2499
        let script = SegmentScript(start: SegmentScript.start(placingLocalISSAt: target))
        RetransmissionScenarios.sackRecovery(script)
        #expect(script.localISS == target, "the ISS could not be placed: has the ISN scheme changed?")
        #expect(script.localSequence(2500) == 0)
    }
}

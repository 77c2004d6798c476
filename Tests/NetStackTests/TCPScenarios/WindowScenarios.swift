import NetStack
import SmartNIC
import Testing
import Wire

/// Segment acceptability against the receive window, ACKs of unsent data, and window scaling.
@Suite("TCP scenarios: windows", .checksLeftoverSegments)
struct WindowScenarios {
    @Test func dataOutsideTheWindowIsAcknowledgedAndDropped() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        // Past the right edge (65535 bytes offered, unscaled): ACK at once, keep nothing.
        script.inject([.ack, .psh], seq: 70_001, ack: 1, length: 100, after: .milliseconds(10))
        script.expect(.ack, seq: 1, ack: 1, win: 65_535)
        #expect(connection.availableBytes == 0)
        #expect(connection.counters.outOfWindowSegments == 1)
        // In-window data, then the same bytes again (an old duplicate): ACK, nothing delivered twice.
        script.inject([.ack, .psh], seq: 1, ack: 1, length: 100)
        script.expect(.ack, seq: 1, ack: 101, after: .milliseconds(40))
        script.inject([.ack, .psh], seq: 1, ack: 1, length: 100)
        script.expect(.ack, seq: 1, ack: 101)
        script.expectNothing(for: .seconds(1))
        #expect(script.read(connection) == SegmentScript.peerBytes(0..<100))
    }

    @Test func ackOfDataNeverSentIsAnsweredAndTheSegmentDropped() {
        let script = SegmentScript()
        guard let connection = script.acceptConnection() else { return }
        // RFC 9293 §3.10.7.4 / RFC 5961 §5.2: SEG.ACK > SND.NXT: send an ACK, drop the segment
        // (its data too), and return.
        script.inject([.ack, .psh], seq: 1, ack: 5000, length: 100, after: .milliseconds(10))
        script.expect(.ack, seq: 1, ack: 1)
        script.expectNothing(for: .seconds(1))
        #expect(connection.availableBytes == 0)
        #expect(connection.state == .established)
        // The same data with a sane ACK is taken.
        script.inject([.ack, .psh], seq: 1, ack: 1, length: 100)
        script.expect(.ack, seq: 1, ack: 101, after: .milliseconds(40))
        #expect(connection.availableBytes == 100)
    }

    @Test func fullReceiveBufferAdvertisesZeroAndTakesNothingBeyond() {
        let script = SegmentScript { $0.receiveBufferSize = 4000 }
        guard let listener = script.listen() else { return }
        script.inject(.syn, seq: 0, options: [.mss(1000)])
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 4000, options: [.mss(1460)])
        script.inject(.ack, seq: 1, ack: 1)
        guard let connection = listener.accept() else {
            Issue.record("no connection")
            return
        }
        // The application reads nothing. Every second full segment is ACKed at once; the window
        // shrinks with the buffer and reaches zero.
        script.inject(.ack, seq: 1, ack: 1, length: 1000)
        script.inject(.ack, seq: 1001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 2001, win: 2000)
        script.inject(.ack, seq: 2001, ack: 1, length: 1000)
        script.inject(.ack, seq: 3001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 4001, win: 0)
        // Data at a zero window is not taken, and is answered at once with the closed window.
        script.inject(.ack, seq: 4001, ack: 1, length: 1000, after: .milliseconds(10))
        script.expect(.ack, seq: 1, ack: 4001, win: 0)
        // A one-byte zero-window probe: the same answer (RFC 9293 §3.8.6.1: the receiver must
        // keep acknowledging while its window is closed).
        script.inject(.ack, seq: 4001, ack: 1, length: 1, after: .milliseconds(200))
        script.expect(.ack, seq: 1, ack: 4001, win: 0)
        script.expectNothing(for: .seconds(1))
        #expect(connection.availableBytes == 4000)
        // The application drains the buffer: the window update goes out at once.
        #expect(script.read(connection) == SegmentScript.peerBytes(0..<4000))
        script.expect(.ack, seq: 1, ack: 4001, win: 4000)
        script.inject(.ack, seq: 4001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 5001, win: 3000, after: .milliseconds(40))
    }

    @Test func keepAliveAndFINAreAnsweredAtAZeroWindow() {
        let script = SegmentScript { $0.receiveBufferSize = 2000 }
        guard let connection = script.acceptConnection() else { return }
        script.inject(.ack, seq: 1, ack: 1, length: 1000)
        script.inject(.ack, seq: 1001, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 2001, win: 0)
        // A keep-alive probe (one below RCV.NXT) is answered even with the window closed.
        script.inject(.ack, seq: 2000, ack: 1, after: .seconds(1))
        script.expect(.ack, seq: 1, ack: 2001, win: 0)
        // A FIN takes no buffer space: it is taken at RCV.NXT though the window is zero.
        script.inject([.fin, .ack], seq: 2001, ack: 1, after: .seconds(1))
        script.expect(.ack, seq: 1, ack: 2002, win: 0)
        #expect(connection.state == .closeWait)
        #expect(script.read(connection) == SegmentScript.peerBytes(0..<2000))
        #expect(connection.isEndOfStream)
    }

    @Test func outOfOrderRangesAreBoundedAndTrimmedToTheWindow() {
        let script = SegmentScript {
            $0.maximumOutOfOrderRanges = 2
            $0.receiveBufferSize = 6000
        }
        guard let connection = script.acceptConnection(synOptions: [.mss(1000), .sackPermitted]) else { return }
        script.inject(.ack, seq: 1001, ack: 1, length: 500, after: .milliseconds(5))
        script.expect(.ack, seq: 1, ack: 1, win: 6000, options: [.sack([1001..<1501])])
        script.inject(.ack, seq: 2001, ack: 1, length: 500)
        script.expect(.ack, seq: 1, ack: 1, win: 6000, options: [.sack([2001..<2501, 1001..<1501])])
        // A third separate range is one too many: not kept, not reported.
        script.inject(.ack, seq: 3001, ack: 1, length: 500)
        script.expect(.ack, seq: 1, ack: 1, win: 6000, options: [.sack([2001..<2501, 1001..<1501])])
        #expect(connection.counters.outOfOrderDropped == 1)
        // Out-of-order data running past the right edge (6001) keeps only what fits.
        script.inject(.ack, seq: 2501, ack: 1, length: 4000)
        script.expect(.ack, seq: 1, ack: 1, win: 6000, options: [.sack([2001..<6001, 1001..<1501])])
        // The hole filled: everything up to the edge is delivered, in order.
        script.inject(.ack, seq: 1, ack: 1, length: 1000)
        script.expect(.ack, seq: 1, ack: 1501, win: 4500, options: [.sack([2001..<6001])])
        script.inject(.ack, seq: 1501, ack: 1, length: 500)
        script.expect(.ack, seq: 1, ack: 6001, win: 0, options: [])
        #expect(script.read(connection) == SegmentScript.peerBytes(0..<6000))
        // The whole window reopened by the read: the peer hears of it at once.
        script.expect(.ack, seq: 1, ack: 6001, win: 6000, options: [])
    }

    @Test func windowScaleShiftsApplyToBothWindows() {
        // A 200 000-byte buffer needs shift 2 to fit 16 bits (200000 >> 2 = 50000).
        let script = SegmentScript { $0.receiveBufferSize = 200_000 }
        guard let listener = script.listen() else { return }
        script.inject(.syn, seq: 0, win: 65_535, options: [.mss(1000), .windowScale(7)])
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 65_535, options: [.mss(1460), .windowScale(2)])
        // The peer's window field 16 means 16 << 7 = 2048 bytes.
        script.inject(.ack, seq: 1, ack: 1, win: 16)
        guard let connection = listener.accept() else {
            Issue.record("no connection")
            return
        }
        script.write(connection, count: 5000)
        script.expect(.ack, seq: 1, ack: 1, win: 50_000, length: 1000)
        script.expect(.ack, seq: 1001, ack: 1, win: 50_000, length: 1000)
        script.expectNothing(for: .milliseconds(100))
        // Field 40: 5120 bytes. The rest (3000) fits.
        script.inject(.ack, seq: 1, ack: 2001, win: 40)
        script.expect(.ack, seq: 2001, ack: 1, win: 50_000, length: 1000)
        script.expect(.ack, seq: 3001, ack: 1, win: 50_000, length: 1000)
        script.expect([.ack, .psh], seq: 4001, ack: 1, win: 50_000, length: 1000)
        script.expectNothing(for: .milliseconds(100))
        // Data the peer sends is counted against our scaled window: with 1000 bytes unread the
        // right edge stays put and the field says 199000 >> 2.
        script.inject(.ack, seq: 1, ack: 5001, win: 40, length: 1000)
        script.expect(.ack, seq: 5001, ack: 1001, win: 49_750, after: .milliseconds(40))
    }

    /// On the smart path the receive window is bounded by card memory (ARCHITECTURE.md, "The NIC"): a 64 KiB
    /// card is 32 chunks of 2 KiB, one full-size segment each, so at most 32 × 1460 bytes are
    /// ever promised, however large the socket's buffer. Data waits on the card until read.
    @Test func onASmartNICTheWindowNeverPromisesMoreThanTheCardHolds() {
        let script = SegmentScript(nic: NICConfiguration(mode: .smart, cardMemory: 64 << 10)) { $0.receiveBufferSize = 1 << 20 }
        guard let listener = script.listen() else { return }
        script.inject(.syn, seq: 0, win: 65_535, options: [.mss(1460), .windowScale(7)])
        script.expect([.syn, .ack], seq: 0, ack: 1, win: 46_720, options: [.mss(1460), .windowScale(0)])
        script.inject(.ack, seq: 1, ack: 1, win: 512)
        guard let connection = listener.accept(), let card = script.port.driver.card else {
            Issue.record("no connection")
            return
        }
        script.inject([.ack, .psh], seq: 1, ack: 1, length: 1460)
        script.inject([.ack, .psh], seq: 1461, ack: 1, length: 1460)
        script.expect(.ack, seq: 1, ack: 2921, win: 46_720 - 2920)
        #expect(card.allocatedBytes == 2 * 2048, "both segments wait on the card, one chunk each")
        #expect(script.read(connection) == SegmentScript.peerBytes(0..<2920))
        // Two segments' worth reopened (more than one MSS): a window update at once.
        script.expect(.ack, seq: 1, ack: 2921, win: 46_720)
        #expect(card.allocatedBytes == 0, "read() took them off the card")
        #expect(script.port.driver.counters.cpuCopiedBytes == 0)
        #expect(script.port.driver.counters.payloadBytesRead == 2920)
    }

    /// A held payload costs the memory its frame landed in, not its length: one-byte segments
    /// each hold a 2 KiB chunk. Past the connection's budget (twice what a window of full-size
    /// segments needs: 2 × (16384/1460 + 1) × 2048 bytes = 24 chunks) new data is dropped, not
    /// ACKed, so a peer cannot pin a chunk per byte of window.
    @Test func tinySegmentsCannotPinMoreMemoryThanTheBudget() {
        let script = SegmentScript(nic: NICConfiguration(mode: .smart)) { $0.receiveBufferSize = 16_384 }
        guard let connection = script.acceptConnection(synOptions: [.mss(1460)]) else { return }
        guard let card = script.port.driver.card else { return }
        // A hole at sequence 1, then forty one-byte segments after it, each answered by a
        // duplicate ACK (RFC 5681 §4.2), kept or not.
        for offset in 0..<40 {
            script.inject(.ack, seq: 2 + offset, ack: 1, length: 1)
            script.expect(.ack, seq: 1, ack: 1, win: 16_384)
        }
        #expect(connection.counters.droppedOverMemory == 40 - 24)
        #expect(card.allocatedBytes == 24 * 2048)
        // Filling the hole delivers what was kept; the application reads it and the memory is free.
        script.inject(.ack, seq: 1, ack: 1, length: 1)
        script.expect(.ack, seq: 1, ack: 26, win: 16_384 - 25)
        #expect(connection.availableBytes == 25)
        #expect(script.read(connection).count == 25)
        #expect(card.allocatedBytes == 0)
    }
}

@testable import SmartNIC
import Testing

@Suite("The transmit ring: frames staged until the flush, cached payloads held until they leave")
struct TransmitRingTests {
    static let peer = UnderlayAddress(ipv4: 0x7f00_0001, port: 9)

    /// A smart port that stages frames, and what its flushes sent (bytes copied at the flush).
    static func stagingPort() -> (NICPort, NICDriver, () -> [[UInt8]]) {
        let driver = NICDriver(configuration: .smart)
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: peer, encapsulation: .raw, driver: driver)
        port.batching = true
        var sent: [[UInt8]] = []
        port.sendBatch = { ring in
            for index in 0..<ring.frameCount { sent.append(ring.frame(index).flatMap { Array($0) }) }
            return BatchSendResult(sent: ring.frameCount)
        }
        return (port, driver, { sent })
    }

    @Test("nothing leaves before the flush; then every frame, in order, in one batch")
    func framesWaitForTheFlush() {
        let (port, _, sent) = Self.stagingPort()
        for index in 0..<10 {
            port.transmit(length: 60) { $0.initializeMemory(as: UInt8.self, repeating: UInt8(index)) }
        }
        #expect(sent().isEmpty)
        #expect(port.ring.frameCount == 10)
        port.flush()
        #expect(sent().map { $0[0] } == Array(0..<10))
        #expect(port.ring.frameCount == 0)
        #expect(port.counters.transmitBatches == 1 && port.counters.transmittedFrames == 10)
    }

    @Test("a payload its owner lets go of while its frame is staged keeps its bytes and its memory until the flush")
    func heldPayloadOutlivesItsOwner() throws {
        let (port, driver, sent) = Self.stagingPort()
        var payload = try #require(driver.allocatePayload(capacity: 1000))
        _ = [UInt8](repeating: 0xab, count: 1000).withUnsafeBytes { driver.append($0, to: &payload) }
        port.transmit(headerLength: 14, headers: { $0.initializeMemory(as: UInt8.self, repeating: 0x08) }, data: { $0.append(payload) })
        // The connection's ACK arrives in the same iteration: its hold ends.
        payload.release()
        #expect(driver.card!.allocatedBytes > 0, "the staged frame still holds the payload")
        // New data written meanwhile cannot take those bytes.
        let other = try #require(driver.allocatePayload(capacity: 1000))
        #expect(other.region.baseAddress != payload.region.baseAddress)
        other.release()
        port.flush()
        #expect(sent().count == 1 && sent()[0] == [UInt8](repeating: 0x08, count: 14) + [UInt8](repeating: 0xab, count: 1000))
        #expect(driver.card!.allocatedBytes == 0, "released at transmit completion")
    }

    @Test("a frame the link drops is not staged and holds nothing")
    func droppedFrameHoldsNothing() throws {
        let (port, driver, sent) = Self.stagingPort()
        var payload = try #require(driver.allocatePayload(capacity: 100))
        _ = [UInt8](repeating: 1, count: 100).withUnsafeBytes { driver.append($0, to: &payload) }
        port.isLinkUp = false
        port.transmit(headerLength: 14, headers: { $0.initializeMemory(as: UInt8.self, repeating: 0) }, data: { $0.append(payload) })
        payload.release()
        #expect(driver.card!.allocatedBytes == 0)
        port.flush()
        #expect(sent().isEmpty && port.counters.droppedLinkDown == 1)
    }

    @Test("a full ring flushes itself: a burst larger than it loses nothing and keeps its order")
    func fullRingFlushes() {
        let (port, _, sent) = Self.stagingPort()
        let count = TransmitRing.frameCapacity * 3 + 7
        for index in 0..<count {
            port.transmit(length: 1514) { $0.storeBytes(of: UInt32(index), toByteOffset: 0, as: UInt32.self) }
        }
        port.flush()
        #expect(sent().count == count)
        #expect(sent().enumerated().allSatisfy { $0.element.withUnsafeBytes { $0.load(as: UInt32.self) } == UInt32($0.offset) })
        #expect(port.counters.droppedOnSend == 0)
    }

    @Test("frames the underlay refuses are counted as refused, not lost silently")
    func refusedFramesAreCounted() {
        let (port, _, _) = Self.stagingPort()
        port.sendBatch = { ring in BatchSendResult(sent: ring.frameCount - 2) }
        for _ in 0..<5 { port.transmit(length: 60) { $0.initializeMemory(as: UInt8.self, repeating: 0) } }
        port.flush()
        #expect(port.counters.droppedOnSend == 2)
    }

    @Test("a full socket stops the queue: the frames it did not take wait, in order, and leave at the next flush")
    func aFullSocketKeepsTheRestInOrder() {
        let (port, _, _) = Self.stagingPort()
        var sent: [UInt8] = []
        var room = 3
        port.sendBatch = { ring in
            let take = min(room, ring.frameCount)
            for index in 0..<take { sent.append(ring.frame(index)[0][0]) }
            room -= take
            return BatchSendResult(sent: take, queueFull: take < ring.frameCount)
        }
        var resumed = 0
        port.onTransmitResumed = { resumed += 1 }
        for index in 0..<8 { port.transmit(length: 60) { $0.initializeMemory(as: UInt8.self, repeating: UInt8(index)) } }
        port.flush()
        #expect(sent == [0, 1, 2])
        #expect(port.isTransmitStopped && port.ring.frameCount == 5 && resumed == 0)
        port.flush()
        #expect(sent == [0, 1, 2], "the socket is still full")
        #expect(port.counters.transmitStops == 1, "one stop, however many flushes find it full")
        // More frames queue behind the waiting ones.
        port.transmit(length: 60) { $0.initializeMemory(as: UInt8.self, repeating: 8) }
        room = 100
        port.flush()
        #expect(sent == Array(0...8))
        #expect(!port.isTransmitStopped && resumed == 1)
        #expect(port.counters.droppedOnSend == 0 && port.counters.droppedRingFull == 0)
    }
}

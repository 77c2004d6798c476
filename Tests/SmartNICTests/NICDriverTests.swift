import Testing
import Wire
@testable import SmartNIC

/// The driver hooks of the scheme, one by one: where bytes go and what each move is counted as.
@Suite("NIC driver: payload cache, fallbacks, header split, accounting")
struct NICDriverTests {
    static let bytes = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }

    @Test func smartWriteDMAsIntoCardMemoryAndReadDMAsOut() throws {
        let driver = NICDriver(configuration: .smart)
        var payload = try #require(driver.allocatePayload(capacity: 4096))
        #expect(payload.isOnCard)
        let stored = Self.bytes.withUnsafeBytes { driver.append(UnsafeRawBufferPointer(rebasing: $0[..<3000]), to: &payload) }
        #expect(stored == 3000)
        var back = [UInt8](repeating: 0, count: 1000)
        back.withUnsafeMutableBytes { driver.read(payload.subpayload(from: 1000, length: 1000), into: $0) }
        #expect(back == Array(Self.bytes[1000..<2000]))
        #expect(driver.counters.hostToCardBytes == 3000)
        #expect(driver.counters.cardToHostBytes == 1000)
        #expect(driver.counters.cpuCopiedBytes == 0)
        #expect(driver.counters.payloadBytesWritten == 3000 && driver.counters.payloadBytesRead == 1000)
        payload.release()
        #expect(driver.card?.allocatedBytes == 0)
    }

    @Test func conventionalWriteAndReadAreCPUCopies() throws {
        let driver = NICDriver(configuration: .conventional)
        #expect(driver.card == nil)
        var payload = try #require(driver.allocatePayload(capacity: 2000))
        #expect(!payload.isOnCard)
        _ = Self.bytes.withUnsafeBytes { driver.append(UnsafeRawBufferPointer(rebasing: $0[..<2000]), to: &payload) }
        var back = [UInt8](repeating: 0, count: 2000)
        back.withUnsafeMutableBytes { driver.read(payload, into: $0) }
        #expect(back == Array(Self.bytes[..<2000]))
        #expect(driver.counters.cpuCopiedBytes == 4000)
        #expect(driver.counters.busBytes == 0)
        payload.release()
    }

    @Test func aPayloadGrowsInPlaceUpToItsRun() throws {
        let driver = NICDriver(configuration: .smart)
        var payload = try #require(driver.allocatePayload(capacity: 100))
        // A run is whole chunks: 100 bytes asked for, a 2 KiB chunk given.
        #expect(driver.spareCapacity(of: payload) == 2048)
        let stored = Self.bytes.withUnsafeBytes { driver.append($0, to: &payload) }
        #expect(stored == 2048)
        #expect(driver.spareCapacity(of: payload) == 0)
        #expect(Self.bytes.withUnsafeBytes { driver.append($0, to: &payload) } == 0)
        payload.release()
    }

    @Test func whenTheCardIsFullWritesFallBackToHostMemoryCounted() throws {
        let driver = NICDriver(configuration: NICConfiguration(mode: .smart, cardMemory: 64 << 10))
        var held: [Payload] = []
        for _ in 0..<32 { held.append(try #require(driver.allocatePayload(capacity: 2048))) }
        #expect(held.allSatisfy { $0.isOnCard })
        var fallback = try #require(driver.allocatePayload(capacity: 1000))
        #expect(!fallback.isOnCard)
        #expect(driver.counters.transmitFallbacks == 1)
        _ = Self.bytes.withUnsafeBytes { driver.append(UnsafeRawBufferPointer(rebasing: $0[..<1000]), to: &fallback) }
        #expect(driver.counters.cpuCopiedBytes == 1000 && driver.counters.hostToCardBytes == 0)
        held[0].release()
        #expect(try #require(driver.allocatePayload(capacity: 2048)).isOnCard)
    }

    @Test func receiveLandsOnTheCardAndFetchesOnlyThePrefix() throws {
        let driver = NICDriver(configuration: NICConfiguration(mode: .smart, headerPrefix: 96))
        let frame = Array(Self.bytes[..<1514])
        var packet = try #require(frame.withUnsafeBytes { driver.land($0) })
        #expect(packet.frame.isOnCard)
        #expect(Array(packet.head) == Array(frame[..<96]))
        #expect(driver.counters.cardToHostBytes == 96)
        driver.pull(&packet, upTo: 80)
        #expect(driver.counters.headerFetches == 0, "within the prefix: nothing more to fetch")
        driver.pull(&packet, upTo: 120)
        #expect(Array(packet.head) == Array(frame[..<120]))
        #expect(driver.counters.cardToHostBytes == 120 && driver.counters.headerFetches == 1)
        // The data part is read straight from the card into the user's buffer.
        var user = [UInt8](repeating: 0, count: 1514 - 120)
        user.withUnsafeMutableBytes { driver.read(packet.payload(from: 120, to: 1514), into: $0) }
        #expect(user == Array(frame[120...]))
        #expect(driver.counters.cardToHostBytes == 1514 && driver.counters.cpuCopiedBytes == 0)
        packet.frame.release()
        #expect(driver.card?.allocatedBytes == 0)
    }

    @Test func conventionalReceiveDMAsTheWholeFrame() throws {
        let driver = NICDriver(configuration: .conventional)
        let frame = Array(Self.bytes[..<700])
        let packet = try #require(frame.withUnsafeBytes { driver.land($0) })
        #expect(packet.isLinear && !packet.frame.isOnCard)
        #expect(Array(packet.head) == frame)
        #expect(driver.counters.cardToHostBytes == 700)
        packet.frame.release()
    }

    @Test func aFullCardReceivesIntoHostMemoryAndAFullHostDrops() throws {
        let driver = NICDriver(configuration: NICConfiguration(mode: .smart, cardMemory: 64 << 10), hostMemory: 4096)
        let frame = Array(Self.bytes[..<1514])
        var packets: [PacketBuffer] = []
        for _ in 0..<34 { if let packet = frame.withUnsafeBytes({ driver.land($0) }) { packets.append(packet) } }
        #expect(packets.filter { $0.frame.isOnCard }.count == 32)
        #expect(packets.filter { !$0.frame.isOnCard }.count == 2)
        #expect(driver.counters.receiveFallbacks == 2)
        #expect(frame.withUnsafeBytes { driver.land($0) } == nil)
        #expect(driver.counters.droppedNoBuffer == 1 && driver.counters.receiveFallbacks == 3)
        for packet in packets { packet.frame.release() }
        #expect(driver.card?.allocatedBytes == 0 && driver.host.allocatedBytes == 0)
    }

    @Test func receiveCapacityIsWhatTheCardHoldsInFullSegments() {
        let small = NICDriver(configuration: NICConfiguration(mode: .smart, cardMemory: 64 << 10))
        // 32 chunks of 2 KiB, one 1448-byte segment per chunk.
        #expect(small.receiveCapacity(segmentSize: 1448) == 32 * 1448)
        // A jumbo segment takes five chunks: six fit.
        #expect(small.receiveCapacity(segmentSize: 8948) == 6 * 8948)
    }
}

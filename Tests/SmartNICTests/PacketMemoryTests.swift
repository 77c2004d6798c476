import Testing
@testable import SmartNIC

@Suite("packet memory: arena, allocator, reference counts")
struct PacketMemoryTests {
    @Test func allocationRoundsUpToChunksAndTracksOccupancyAndPeak() throws {
        let card = PacketMemory(size: 64 * 1024, chunkSize: 2048)
        #expect(card.chunkCount == 32)
        let a = try #require(card.allocate(1448))
        let b = try #require(card.allocate(8948)) // a jumbo payload: five chunks
        #expect(card.allocatedBytes == 6 * 2048)
        card.release(a)
        #expect(card.allocatedBytes == 5 * 2048)
        #expect(card.peakAllocatedBytes == 6 * 2048)
        card.release(b)
        #expect(card.allocatedBytes == 0)
        #expect(card.peakAllocatedBytes == 6 * 2048)
    }

    @Test func exhaustionFailsCleanlyAndIsCounted() {
        let card = PacketMemory(size: 8 * 2048, chunkSize: 2048)
        let slices = (0..<8).compactMap { _ in card.allocate(2000) }
        #expect(slices.count == 8)
        #expect(card.allocate(1) == nil)
        #expect(card.failedAllocations == 1)
        card.release(slices[3])
        #expect(card.allocate(2048) != nil)
        #expect(card.allocate(4096) == nil) // no two contiguous chunks are free
        #expect(card.failedAllocations == 2)
    }

    @Test func aRunNeedsContiguousChunksAndTheCursorWraps() throws {
        let card = PacketMemory(size: 6 * 1000, chunkSize: 1000)
        let first = (0..<6).compactMap { _ in card.allocate(1000) }
        card.release(first[1])
        card.release(first[2])
        card.release(first[4])
        // Chunks 1, 2 and 4 are free: a two-chunk run fits only at 1.
        let run = try #require(card.allocate(1500))
        #expect(run.chunk == 1)
        #expect(card.allocate(1500) == nil)
        let single = try #require(card.allocate(10))
        #expect(single.chunk == 4)
    }

    @Test func sharedPayloadIsFreedByTheLastHolder() throws {
        let card = PacketMemory(size: 4 * 2048)
        let slice = try #require(card.allocate(100))
        card.retain(slice)
        #expect(card.referenceCount(of: slice) == 2)
        card.release(slice)
        #expect(card.allocatedBytes == 2048)
        card.release(slice)
        #expect(card.allocatedBytes == 0)
    }

    @Test func randomAllocateAndFreeNeverLosesOrDoublesMemory() {
        let card = PacketMemory(size: 256 * 2048)
        var random = SeededRandom(seed: 11)
        var live: [MemorySlice] = []
        for _ in 0..<50_000 {
            if live.isEmpty || random.next() % 3 != 0 {
                if let slice = card.allocate(Int(1 + random.next() % 9000)) { live.append(slice) }
            } else {
                card.release(live.remove(at: Int(random.next() % UInt64(live.count))))
            }
            let expected = live.reduce(0) { $0 + (max(1, ($1.count + 2047) / 2048)) * 2048 }
            if card.allocatedBytes != expected {
                Issue.record("occupancy \(card.allocatedBytes) but live slices hold \(expected)")
                return
            }
        }
        // No two live slices overlap.
        let runs = live.map { (Int($0.chunk), Int($0.chunk) + max(1, ($0.count + 2047) / 2048)) }.sorted { $0.0 < $1.0 }
        for (a, b) in zip(runs, runs.dropFirst()) { #expect(a.1 <= b.0) }
    }
}

import Testing
@testable import SmartNIC
import Wire

/// Egress impairments measured at the port's `send`: 10,000 frames or more each, a virtual
/// clock and a fixed seed, so every figure is the same on every run.
@Suite("link shaper: egress impairments measured at the port's send")
struct LinkShaperTests {
    @Test func independentLossOfFivePercent() {
        let link = EgressHarness(egress: Impairments(loss: 0.05))
        link.offer(20_000, every: .microseconds(100))
        let measured = 1 - Double(link.sent.count) / 20_000
        #expect(abs(measured - 0.05) <= 0.01, "measured loss \(measured)")
        #expect(link.port.counters.droppedLoss == 20_000 - link.sent.count)
        // Nothing is delayed: each frame that survives leaves while it is transmitted.
        #expect(link.sent.allSatisfy { $0.at == link.transmittedAt[$0.sequence] })
        #expect(link.port.counters.delayed == 0)
        print("loss 5 %: measured \(measured * 100) %")
    }

    @Test func burstyLossKeepsTheAverageAndLosesFramesInBursts() {
        let frames = 50_000
        let link = EgressHarness(egress: Impairments(loss: 0.05, lossBurst: 4))
        link.offer(frames, every: .microseconds(100))
        let measured = 1 - Double(link.sent.count) / Double(frames)
        // Runs of missing sequence numbers (a burst ends at the next frame that arrives).
        var bursts: [Int] = []
        var expected = 0
        for copy in link.sent {
            if copy.sequence > expected { bursts.append(copy.sequence - expected) }
            expected = copy.sequence + 1
        }
        if expected < frames { bursts.append(frames - expected) }
        let meanBurst = Double(bursts.reduce(0, +)) / Double(bursts.count)
        #expect(abs(measured - 0.05) <= 0.01, "measured loss \(measured)")
        #expect(abs(meanBurst - 4) <= 1, "mean burst \(meanBurst)")
        #expect(link.port.counters.droppedLoss == bursts.reduce(0, +))
        print("bursty loss 5 %, bursts of 4: measured \(measured * 100) %, mean burst \(meanBurst) frames over \(bursts.count) bursts")
    }

    @Test func delayHoldsEveryFrameTwentyMilliseconds() {
        let link = EgressHarness(egress: Impairments(delay: .milliseconds(20)))
        link.offer(10_000, every: .microseconds(500))
        #expect(link.sent.count == 10_000)
        #expect(link.addedDelays.allSatisfy { $0 == .milliseconds(20) })
        #expect(link.sent.map(\.sequence) == Array(0..<10_000), "a delay without jitter keeps the order")
        #expect(link.port.counters.delayed == 10_000)
        // 20 ms at one frame every 0.5 ms: about 40 frames wait at once.
        #expect(link.port.queuedFrames == 0 && link.port.nextDeadline == nil)
    }

    @Test func delayWithJitterAddsTwentyMillisecondsOnAverage() {
        let link = EgressHarness(egress: Impairments(delay: .milliseconds(20), jitter: .milliseconds(2)))
        link.offer(10_000, every: .microseconds(500))
        let delays = link.addedDelays
        let mean = delays.reduce(0.0) { $0 + $1.seconds } / Double(delays.count)
        #expect(delays.count == 10_000)
        #expect(abs(mean - 0.020) <= 0.002, "mean added delay \(mean * 1000) ms")
        #expect(delays.allSatisfy { $0 >= .milliseconds(20) && $0 < .milliseconds(22) })
        // Released in time order, whatever the order of transmission.
        #expect(zip(link.sent, link.sent.dropFirst()).allSatisfy { $0.at <= $1.at })
        #expect(zip(link.sent, link.sent.dropFirst()).contains { $0.sequence > $1.sequence }, "jitter wider than the spacing reorders")
        print("delay 20 ms jitter 2 ms: mean added delay \(mean * 1000) ms, min \(delays.min()!.seconds * 1000) ms, max \(delays.max()!.seconds * 1000) ms")
    }

    @Test func rateLimitsToFiftyMegabitsAndDropsAtTheTailOfAFullQueue() {
        let rate = 50_000_000
        let link = EgressHarness(egress: Impairments(rate: rate, queueLimit: 64 * 1024))
        // 1514-byte frames every 100 µs: 121 Mbit/s offered.
        link.offer(10_000, every: .microseconds(100), length: 1514)
        let first = link.sent.first!.at, last = link.sent.last!.at
        let bits = Double(link.sent.dropFirst().reduce(0) { $0 + $1.frame.count } * 8)
        let measured = bits / last.since(first).seconds
        #expect(abs(measured - Double(rate)) <= Double(rate) * 0.1, "measured \(measured / 1e6) Mbit/s")
        let drops = link.port.counters.droppedQueueFull
        #expect(drops > 0)
        #expect(link.sent.count + drops == 10_000)
        #expect(link.port.counters.droppedDelayLineFull == 0)
        #expect(link.sent.map(\.sequence) == link.sent.map(\.sequence).sorted(), "a rate limiter keeps the order")
        print("rate 50 Mbit/s: measured \(measured / 1e6) Mbit/s, \(link.sent.count) sent, \(drops) tail drops of 10000 offered at 121 Mbit/s")
    }

    @Test func duplicatesAreCountedAndSentTwice() {
        let link = EgressHarness(egress: Impairments(duplicate: 0.1), seed: 43)
        link.offer(10_000, every: .microseconds(100))
        let duplicated = link.port.counters.duplicated
        #expect(abs(Double(duplicated) / 10_000 - 0.1) <= 0.01, "duplicated \(duplicated)")
        #expect(link.sent.count == 10_000 + duplicated)
        var copies = [Int](repeating: 0, count: 10_000)
        for copy in link.sent { copies[copy.sequence] += 1 }
        #expect(copies.filter { $0 == 2 }.count == duplicated && copies.allSatisfy { $0 == 1 || $0 == 2 })
        #expect(link.sent.allSatisfy { Array($0.frame) == EgressHarness.frame($0.sequence) })
        print("duplicate 10 %: measured \(Double(duplicated) / 100) %")
    }

    @Test func aCorruptedCopyDiffersInExactlyOneBit() {
        let link = EgressHarness(egress: Impairments(corrupt: 0.05), seed: 45)
        var corrupted = 0
        for i in 0..<10_000 {
            link.now = Instant.zero + .microseconds(Int64(i) * 100)
            let before = link.sent.count
            link.transmit(length: 200)
            // No delay: even a corrupted copy leaves while it is transmitted.
            #expect(link.sent.count == before + 1)
            let got = link.sent[before].bytes, expected = [0x08, 0, 0, 0, 0, 0, 1, 0] + EgressHarness.frame(i, length: 200)
            let flipped = zip(got, expected).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
            #expect(got.count == expected.count && (flipped == 0 || flipped == 1))
            #expect(got.prefix(8) == expected.prefix(8), "the encapsulation header is never damaged")
            corrupted += flipped
        }
        #expect(abs(Double(corrupted) / 10_000 - 0.05) <= 0.01, "corrupted \(corrupted)")
        #expect(link.port.counters.corrupted == corrupted)
        #expect(link.port.queuedFrames == 0)
        print("corrupt 5 %: measured \(Double(corrupted) / 100) %")
    }

    @Test func corruptionDamagesTheCopyNeverTheFrame() throws {
        // A cached payload is card memory a retransmission may send again: the flipped bit
        // is in the delay line's copy only.
        let driver = NICDriver(configuration: .smart)
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: EgressHarness.peer, driver: driver)
        port.egress = Impairments(corrupt: 1)
        var sent: [[UInt8]] = []
        port.send = { sent.append($0.joinedBytes); return true }
        let data = [UInt8](repeating: 0x77, count: 1000)
        var payload = try #require(driver.allocatePayload(capacity: data.count))
        _ = data.withUnsafeBytes { driver.append($0, to: &payload) }
        for _ in 0..<10_000 {
            port.transmit(headerLength: 14, headers: { $0.initializeMemory(as: UInt8.self, repeating: 0x08) },
                          data: { $0.append(payload) })
        }
        #expect(sent.count == 10_000)
        #expect(Array(UnsafeRawBufferPointer(payload.region)) == data)
        #expect(sent.allSatisfy { bytes in
            zip(bytes.dropFirst(8), [UInt8](repeating: 0x08, count: 14) + data).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount } == 1
        })
        payload.release()
    }

    @Test func reorderedFramesSkipTheDelay() {
        let link = EgressHarness(egress: Impairments(delay: .milliseconds(10), reorder: 0.1), seed: 44)
        link.offer(10_000, every: .microseconds(500))
        let early = link.addedDelays.filter { $0 == .zero }.count
        #expect(link.sent.count == 10_000)
        #expect(abs(Double(early) / 10_000 - 0.1) <= 0.01, "reordered \(early)")
        #expect(link.port.counters.reordered == early)
        #expect(link.addedDelays.allSatisfy { $0 == .zero || $0 == .milliseconds(10) })
        let arrivedOutOfOrder = zip(link.sent, link.sent.dropFirst()).filter { $0.sequence > $1.sequence }.count
        #expect(arrivedOutOfOrder > 0)
        print("reorder 10 %: measured \(Double(early) / 100) %, \(arrivedOutOfOrder) inversions")
    }

    @Test func aFullDelayLineDropsAtTheTailAndCounts() {
        let link = EgressHarness(egress: Impairments(delay: .seconds(1)), delayLineSlots: 100)
        link.offer(10_000, every: .microseconds(50))
        // 0.5 s of frames offered, each held 1 s: only the first 100 find a slot.
        #expect(link.sent.count == 100)
        #expect(link.sent.map(\.sequence) == Array(0..<100))
        #expect(link.port.counters.droppedDelayLineFull == 9_900)
        #expect(link.port.counters.delayed == 100)
        // Slots are free again once released.
        link.offer(50, every: .milliseconds(1))
        #expect(link.sent.count == 150)
    }

    @Test func aFrameLongerThanASlotIsATailDrop() {
        let link = EgressHarness(egress: Impairments(delay: .milliseconds(1)))
        link.transmit(length: NICPort.delayLineSlotSize)
        link.transmit(length: 9014)
        link.drain()
        #expect(link.port.counters.droppedDelayLineFull == 1)
        #expect(link.sent.count == 1 && link.sent[0].frame.count == 9014)
    }

    @Test func theSameSeedReplaysTheSameRun() {
        let impairments = Impairments(delay: .milliseconds(5), jitter: .milliseconds(3), loss: 0.1, lossBurst: 3,
                                      duplicate: 0.05, reorder: 0.05, corrupt: 0.05, rate: 20_000_000)
        func run(seed: UInt64) -> [(Instant, [UInt8])] {
            let link = EgressHarness(egress: impairments, seed: seed)
            link.offer(10_000, every: .microseconds(200), length: 300)
            return link.sent.map { ($0.at, $0.bytes) }
        }
        let a = run(seed: 9), b = run(seed: 9), c = run(seed: 10)
        #expect(a.elementsEqual(b) { $0.0 == $1.0 && $0.1 == $1.1 })
        #expect(!a.elementsEqual(c) { $0.0 == $1.0 && $0.1 == $1.1 })
    }
}

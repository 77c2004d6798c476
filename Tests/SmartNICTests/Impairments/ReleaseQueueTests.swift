import Testing
@testable import SmartNIC

@Suite("release queue: the delay line's min-heap")
struct ReleaseQueueTests {
    @Test func popsInTimeOrderAndEqualTimesInPushOrder() {
        var queue = ReleaseQueue(capacity: 200)
        defer { queue.deallocate() }
        var random = SeededRandom(seed: 4)
        var model: [(time: UInt64, order: Int, slot: Int32)] = []
        var pushed = 0
        for _ in 0..<50_000 {
            if model.count < 200 && (model.isEmpty || random.next() % 3 != 0) {
                // Few distinct times, so that ties are common.
                let time = random.next() % 64
                let slot = Int32(pushed % 200)
                queue.push(time: time, slot: slot, length: 100)
                model.append((time, pushed, slot))
                pushed += 1
            } else {
                let expected = model.min { ($0.time, $0.order) < ($1.time, $1.order) }!
                model.removeAll { $0.order == expected.order }
                guard let got = queue.popFirst(), got.time == expected.time, got.sequence == UInt64(expected.order), got.slot == expected.slot else {
                    Issue.record("popped out of order")
                    return
                }
            }
            guard queue.count == model.count else {
                Issue.record("holds \(queue.count), expected \(model.count)")
                return
            }
        }
        #expect(pushed > 20_000)
    }
}

import Testing
@testable import SmartNIC
import Wire

@Suite("fault injector: the random draws, bursty loss")
struct FaultInjectorTests {
    /// The injector as it was before bursty loss and the fixed-size deliveries, kept verbatim:
    /// the simulation's recorded results depend on its exact sequence of random draws.
    struct ReferenceInjector {
        var impairments: Impairments
        var random: SeededRandom
        var linkFreeAt = Instant.zero

        mutating func schedule(length: Int, now: Instant) -> [FaultInjector.Delivery] {
            var departure = now
            if let rate = impairments.rate, rate > 0 {
                let start = max(now, linkFreeAt)
                let backlogBytes = Double(start.since(now).nanosecondsValue) * Double(rate) / 8e9
                if backlogBytes + Double(length) > Double(impairments.queueLimit) { return [] }
                let serialization = Duration.nanoseconds(Int64(Double(length * 8) * 1e9 / Double(rate)))
                linkFreeAt = start + serialization
                departure = linkFreeAt
            }
            if random.chance(impairments.loss) { return [] }
            let copies = random.chance(impairments.duplicate) ? 2 : 1
            var deliveries: [FaultInjector.Delivery] = []
            for _ in 0..<copies {
                var arrival = departure
                if !random.chance(impairments.reorder) {
                    arrival = arrival + impairments.delay
                    if impairments.jitter > .zero {
                        arrival = arrival + .nanoseconds(Int64(random.unit() * Double(impairments.jitter.nanosecondsValue)))
                    }
                }
                var delivery = FaultInjector.Delivery(at: arrival, corruptByte: nil, corruptMask: 0)
                if length > 0 && random.chance(impairments.corrupt) {
                    delivery.corruptByte = Int(random.next() % UInt64(length))
                    delivery.corruptMask = UInt8(1) << UInt8(random.next() % 8)
                }
                deliveries.append(delivery)
            }
            return deliveries
        }
    }

    @Test func independentLossKeepsTheSequenceOfRandomDrawsExactly() {
        var configurations = SeededRandom(seed: 7)
        for round in 0..<300 {
            func fraction() -> Double { configurations.next() % 3 == 0 ? 0 : configurations.unit() * 0.3 }
            let impairments = Impairments(delay: .microseconds(Int64(configurations.next() % 50_000)),
                                          jitter: configurations.next() % 2 == 0 ? .zero : .microseconds(Int64(configurations.next() % 5000)),
                                          loss: fraction(), lossBurst: 1, duplicate: fraction(), reorder: fraction(), corrupt: fraction(),
                                          rate: configurations.next() % 2 == 0 ? nil : Int(1_000_000 + configurations.next() % 100_000_000),
                                          queueLimit: Int(10_000 + configurations.next() % 300_000))
            let seed = configurations.next()
            var injector = FaultInjector(impairments: impairments, seed: seed)
            var reference = ReferenceInjector(impairments: impairments, random: SeededRandom(seed: seed))
            var now = Instant.zero
            for _ in 0..<500 {
                now = now + .nanoseconds(Int64(configurations.next() % 200_000))
                let length = Int(60 + configurations.next() % 1455)
                let got = Array(injector.schedule(length: length, now: now))
                let expected = reference.schedule(length: length, now: now)
                guard got == expected, injector.random.state == reference.random.state else {
                    Issue.record("round \(round): \(got) != \(expected) or the random state moved differently")
                    return
                }
            }
        }
    }

    @Test func deliveriesAreAValueOfAtMostTwoCopies() {
        var injector = FaultInjector(impairments: Impairments(delay: .milliseconds(1), duplicate: 1), seed: 1)
        let deliveries = injector.schedule(length: 100, now: .zero)
        #expect(deliveries.count == 2)
        #expect(deliveries.allSatisfy { $0.at == Instant.zero + .milliseconds(1) })
        var lossy = FaultInjector(impairments: Impairments(loss: 1), seed: 1)
        #expect(lossy.schedule(length: 100, now: .zero).isEmpty)
    }

    /// Gilbert–Elliott: the long-run loss is `loss`, the mean run of lost frames `lossBurst`.
    @Test(arguments: [(0.05, 4.0), (0.01, 2.5), (0.2, 10.0)])
    func burstyLossHasTheMeanLossAndTheMeanBurstLength(loss: Double, burst: Double) {
        var injector = FaultInjector(impairments: Impairments(loss: loss, lossBurst: burst), seed: 3)
        let frames = 400_000
        var lost = 0, bursts = 0, inBurst = false
        for i in 0..<frames {
            let isLost = injector.schedule(length: 100, now: Instant(nanoseconds: UInt64(i))).isEmpty
            if isLost { lost += 1; if !inBurst { bursts += 1 } }
            inBurst = isLost
        }
        let measuredLoss = Double(lost) / Double(frames)
        let meanBurst = Double(lost) / Double(bursts)
        #expect(abs(measuredLoss - loss) < loss * 0.1, "loss \(measuredLoss)")
        #expect(abs(meanBurst - burst) < burst * 0.1, "mean burst \(meanBurst)")
        #expect(injector.counters.lost == lost)
    }

    @Test func aLossTooHighForItsBurstsIsHeldAtWhatTheChainCanDo() {
        // loss 0.9 with bursts of 2: the chain enters a burst after every good frame, so 2/3.
        var injector = FaultInjector(impairments: Impairments(loss: 0.9, lossBurst: 2), seed: 5)
        let lost = (0..<100_000).filter { _ in injector.schedule(length: 100, now: .zero).isEmpty }.count
        #expect(abs(Double(lost) / 100_000 - 2.0 / 3) < 0.01)
        var total = FaultInjector(impairments: Impairments(loss: 1, lossBurst: 3), seed: 5)
        #expect((0..<1000).allSatisfy { _ in total.schedule(length: 100, now: .zero).isEmpty })
    }
}

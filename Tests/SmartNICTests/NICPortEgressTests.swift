import Testing
@testable import SmartNIC
import Wire

@Suite("NIC port egress: link state, impairments changed while running, the straight path")
struct NICPortEgressTests {
    @Test func linkDownDropsBothWaysAndCounts() {
        let link = EgressHarness(egress: .none)
        var delivered = 0
        link.port.deliver = { _ in delivered += 1 }
        let datagram = [0x08, 0, 0, 0, 0, 0, 1, 0] + EgressHarness.frame(0)
        link.port.isLinkUp = false
        for _ in 0..<10_000 {
            link.transmit()
            datagram.withUnsafeBytes { link.port.receive(datagram: $0, from: EgressHarness.peer) }
        }
        #expect(link.sent.isEmpty && delivered == 0)
        #expect(link.port.counters.droppedLinkDown == 20_000)
        #expect(link.port.counters.receivedFrames == 0)
        link.port.isLinkUp = true
        link.transmit()
        datagram.withUnsafeBytes { link.port.receive(datagram: $0, from: EgressHarness.peer) }
        #expect(link.sent.count == 1 && delivered == 1)
    }

    @Test func framesWaitingWhenTheLinkGoesDownAreLost() {
        let link = EgressHarness(egress: Impairments(delay: .milliseconds(10)))
        link.offer(10_000, every: .microseconds(100))
        #expect(link.sent.count == 10_000)
        for _ in 0..<50 { link.transmit() }
        #expect(link.port.queuedFrames == 50)
        link.port.isLinkUp = false
        #expect(link.port.queuedFrames == 0 && link.port.nextDeadline == nil)
        #expect(link.port.counters.droppedLinkDown == 50)
        link.port.isLinkUp = true
        link.offer(10, every: .milliseconds(1))
        #expect(link.sent.count == 10_010)
    }

    @Test func aLinkThatGoesDownForgetsTheRateLimitersBacklog() {
        let link = EgressHarness(egress: Impairments(rate: 10_000_000, queueLimit: 1 << 20))
        // 10,000 frames of 1000 bytes at once: 8 s of serialization at 10 Mbit/s (the queue
        // takes about a thousand of them).
        for _ in 0..<10_000 { link.transmit(length: 1000) }
        let queued = link.port.queuedFrames
        #expect(queued > 1000 && link.port.counters.droppedQueueFull == 10_000 - queued)
        link.port.isLinkUp = false
        link.port.isLinkUp = true
        link.now = link.now + .milliseconds(1)
        link.transmit(length: 1000)
        link.drain()
        // The next frame leaves after its own serialization, 0.8 ms, not behind the lost queue.
        #expect(link.sent.count == 1 && link.sent[0].at.since(link.transmittedAt.last!) == .microseconds(800))
        #expect(link.port.counters.droppedLinkDown == queued)
    }

    @Test func changingEgressWhileRunningAppliesToLaterFrames() {
        let link = EgressHarness(egress: Impairments(delay: .milliseconds(10)))
        for i in 0..<15_000 {
            link.now = Instant.zero + .microseconds(Int64(i) * 100)
            link.port.releaseDue(now: link.now)
            if i == 5_000 { link.port.egress = Impairments(delay: .milliseconds(30)) }
            if i == 10_000 { link.port.egress = .none }
            link.transmit()
        }
        link.drain()
        #expect(link.sent.count == 15_000)
        for copy in link.sent {
            let expected: Duration = copy.sequence < 5_000 ? .milliseconds(10) : copy.sequence < 10_000 ? .milliseconds(30) : .zero
            if copy.at.since(link.transmittedAt[copy.sequence]) != expected {
                Issue.record("frame \(copy.sequence) delayed \(copy.at.since(link.transmittedAt[copy.sequence])), expected \(expected)")
                return
            }
        }
        #expect(link.port.counters.delayed == 10_000)
    }

    @Test func withoutImpairmentsFramesLeaveSynchronouslyAsTheyAre() {
        let link = EgressHarness(egress: .none)
        for i in 0..<10_000 {
            link.now = Instant.zero + .microseconds(Int64(i))
            let before = link.sent.count
            link.transmit(length: 64 + i % 1400)
            #expect(link.sent.count == before + 1)
            #expect(link.sent[before].bytes == [0x08, 0, 0, 0, 0, 0, 1, 0] + EgressHarness.frame(i, length: 64 + i % 1400))
        }
        #expect(link.port.shaper == nil, "no delay line, no pool")
        #expect(link.port.nextDeadline == nil)
        #expect(link.port.counters.transmittedFrames == 10_000 && link.port.counters.delayed == 0)
    }

    @Test func clearedImpairmentsGoBackToTheStraightPath() throws {
        // A cached payload leaves from card memory itself (no copy) once the impairments are gone.
        let driver = NICDriver(configuration: .smart)
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: EgressHarness.peer, driver: driver)
        port.clock = { .zero }
        port.egress = Impairments(loss: 0.5)
        port.egress = .none
        var payload = try #require(driver.allocatePayload(capacity: 100))
        _ = [UInt8](repeating: 1, count: 100).withUnsafeBytes { driver.append($0, to: &payload) }
        var parts: [UnsafeRawBufferPointer] = []
        port.send = { parts = Array($0); return true }
        for _ in 0..<10_000 {
            port.transmit(headerLength: 14, headers: { $0.initializeMemory(as: UInt8.self, repeating: 0x08) }, data: { $0.append(payload) })
            #expect(parts.count == 2 && parts[1].baseAddress == UnsafeRawPointer(payload.region.baseAddress))
        }
        #expect(port.counters.droppedLoss == 0)
        payload.release()
    }
}

import Testing
import SmartNIC
import Wire

/// `NICPort.ingress`: what a peer with no port of ours (a Linux namespace, a QEMU guest) does to
/// the frames it sends, applied where they arrive, on the port's clock.
@Suite("NIC port: impairments on arrival")
struct NICPortIngressTests {
    let peer = UnderlayAddress(ipv4: 0x7f00_0001, port: 47101)

    func frame(_ marker: UInt8) -> [UInt8] {
        var bytes = [UInt8](repeating: marker, count: 64)
        bytes[12] = 0x08; bytes[13] = 0x00
        return bytes
    }

    @Test func delayedFramesArriveWhenTheirTimeComesInOrder() {
        var now = Instant(nanoseconds: 1_000_000_000)
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: peer, encapsulation: .raw)
        port.clock = { now }
        var delivered: [UInt8] = []
        port.deliver = { packet in delivered.append(packet.head[20]) }
        port.ingress = Impairments(delay: .milliseconds(5))
        for marker in UInt8(1)...3 { frame(marker).withUnsafeBytes { port.receive(datagram: $0, from: peer) } }
        #expect(delivered.isEmpty, "nothing arrives before its delay")
        #expect(port.nextDeadline == Instant(nanoseconds: 1_005_000_000))
        now = Instant(nanoseconds: 1_004_999_999)
        port.releaseDue(now: now)
        #expect(delivered.isEmpty)
        now = Instant(nanoseconds: 1_005_000_000)
        port.releaseDue(now: now)
        #expect(delivered == [1, 2, 3])
        #expect(port.counters.delayed == 3 && port.counters.receivedFrames == 3)
        #expect(port.nextDeadline == nil)
    }

    @Test func lossOnArrivalDropsAboutItsShareAndNeverTheEgress() {
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: peer, encapsulation: .raw)
        port.impairmentSeed = 42
        var delivered = 0, sent = 0
        port.deliver = { _ in delivered += 1 }
        port.send = { _ in sent += 1; return true }
        port.ingress = Impairments(loss: 0.02)
        for _ in 0..<20_000 { frame(7).withUnsafeBytes { port.receive(datagram: $0, from: peer) } }
        for _ in 0..<1_000 { port.transmit(frame: frame(9)) }
        #expect(port.counters.droppedLoss + delivered == 20_000)
        #expect((300...500).contains(port.counters.droppedLoss), "2% of 20,000: \(port.counters.droppedLoss)")
        #expect(sent == 1_000, "ingress settings leave what the port sends alone")
    }

    @Test func aLinkGoingDownDropsFramesWaitingToArrive() {
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: peer, encapsulation: .raw)
        port.clock = { Instant(nanoseconds: 0) }
        var delivered = 0
        port.deliver = { _ in delivered += 1 }
        port.ingress = Impairments(delay: .milliseconds(10))
        frame(1).withUnsafeBytes { port.receive(datagram: $0, from: peer) }
        port.isLinkUp = false
        port.releaseDue(now: Instant(nanoseconds: 20_000_000))
        #expect(delivered == 0 && port.counters.droppedLinkDown == 1)
    }
}

import Foundation
@testable import SmartNIC
import Testing
import Wire

/// Which frames a rule picks, from headers built byte by byte, and how a port drops them.
@Suite("frame filter")
struct FrameFilterTests {
    /// Ethernet, IPv4 (20 bytes, or 24 with options) and a TCP (20), UDP (8) or ICMP (8) header,
    /// then `payload` bytes.
    static func frame(proto: UInt8 = 6, source: String = "10.0.1.1", destination: String = "10.0.2.1",
                      sourcePort: UInt16 = 40000, destinationPort: UInt16 = 80, flags: UInt8 = 0x10,
                      payload: Int = 0, ipOptions: Bool = false, fragmentOffset: UInt16 = 0) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 12) + [0x08, 0x00]
        let ihl = ipOptions ? 24 : 20
        let transport = proto == 6 ? 20 : 8
        let total = ihl + transport + payload
        var ip = [UInt8](repeating: 0, count: ihl)
        ip[0] = 0x40 | UInt8(ihl / 4)
        ip[2] = UInt8(total >> 8); ip[3] = UInt8(total & 0xff)
        ip[6] = UInt8(fragmentOffset >> 8); ip[7] = UInt8(fragmentOffset & 0xff)
        ip[8] = 64; ip[9] = proto
        for (offset, text) in [(12, source), (16, destination)] {
            let value = IPv4Address(text)!.value
            for i in 0..<4 { ip[offset + i] = UInt8(value >> (24 - 8 * UInt32(i)) & 0xff) }
        }
        var header = [UInt8](repeating: 0, count: transport)
        header[0] = UInt8(sourcePort >> 8); header[1] = UInt8(sourcePort & 0xff)
        header[2] = UInt8(destinationPort >> 8); header[3] = UInt8(destinationPort & 0xff)
        if proto == 6 { header[12] = 5 << 4; header[13] = flags }
        bytes += ip + header + [UInt8](repeating: 0xab, count: payload)
        return bytes
    }

    static func picks(_ rule: FrameRule, _ frame: [UInt8]) -> Bool {
        frame.withUnsafeBytes { rule.matches($0) }
    }

    @Test func tcpKindsTellASYNFromTheRest() {
        let syn = FrameRule(name: "s", tcp: .syn)
        #expect(Self.picks(syn, Self.frame(flags: 0x02)))
        #expect(!Self.picks(syn, Self.frame(flags: 0x12)), "a SYN-ACK is an answer, not an attempt")
        #expect(!Self.picks(syn, Self.frame(flags: 0x10)))
        #expect(!Self.picks(syn, Self.frame(proto: 17)), "UDP has no flags")
        let pureACK = FrameRule(name: "a", tcp: .ack)
        #expect(Self.picks(pureACK, Self.frame(flags: 0x10)))
        #expect(!Self.picks(pureACK, Self.frame(flags: 0x10, payload: 100)), "data with an ACK is not a pure ACK")
        #expect(!Self.picks(pureACK, Self.frame(flags: 0x11)), "FIN")
        #expect(Self.picks(FrameRule(name: "f", tcp: .fin), Self.frame(flags: 0x11)))
        #expect(Self.picks(FrameRule(name: "r", tcp: .rst), Self.frame(flags: 0x14)))
        #expect(Self.picks(syn, Self.frame(flags: 0x02, ipOptions: true)), "the TCP header is found after IPv4 options")
        #expect(!Self.picks(syn, Self.frame(flags: 0x02, fragmentOffset: 10)), "a later fragment carries no TCP header")
    }

    @Test func addressesPortsAndProtocols() {
        #expect(Self.picks(FrameRule(name: "d", destination: IPv4Interface("10.0.2.0/24")), Self.frame()))
        #expect(!Self.picks(FrameRule(name: "d", destination: IPv4Interface("10.0.3.0/24")), Self.frame()))
        #expect(Self.picks(FrameRule(name: "s", source: IPv4Interface("10.0.1.1/32")), Self.frame()))
        #expect(!Self.picks(FrameRule(name: "s", source: IPv4Interface("10.0.1.2/32")), Self.frame()))
        #expect(Self.picks(FrameRule(name: "p", port: 80), Self.frame()), "the destination port")
        #expect(Self.picks(FrameRule(name: "p", port: 40000), Self.frame()), "the source port")
        #expect(!Self.picks(FrameRule(name: "p", port: 81), Self.frame()))
        #expect(!Self.picks(FrameRule(name: "p", port: 80), Self.frame(proto: 1)), "ICMP has no ports")
        #expect(Self.picks(FrameRule(name: "i", proto: .icmp), Self.frame(proto: 1)))
        #expect(!Self.picks(FrameRule(name: "i", proto: .icmp), Self.frame(proto: 6)))
        #expect(Self.picks(FrameRule(name: "u", proto: .udp, port: 80), Self.frame(proto: 17)))
        var arp = [UInt8](repeating: 0, count: 42)
        arp[12] = 0x08; arp[13] = 0x06
        #expect(Self.picks(FrameRule(name: "a", proto: .arp), arp))
        #expect(!Self.picks(FrameRule(name: "ip", proto: .ip), arp))
        #expect(!Self.picks(FrameRule(name: "any-ip", destination: IPv4Interface("0.0.0.0/0")), arp), "an address rule is for IPv4")
        #expect(!Self.picks(FrameRule(name: "short", proto: .tcp), Array(Self.frame().prefix(30))), "truncated: never picked")
    }

    @Test func everyNthAndTheFirstRuleThatPicks() {
        var filter = FrameFilter()
        filter.set(FrameRule(name: "third", tcp: .ack, every: 3))
        let ack = Self.frame(flags: 0x10)
        let dropped = (0..<9).map { _ in ack.withUnsafeBytes { filter.drops($0) } }
        #expect(dropped == [false, false, true, false, false, true, false, false, true])
        #expect(filter.picked == [9] && filter.dropped == [3])
        filter.set(FrameRule(name: "third", tcp: .ack, every: 1))
        #expect(filter.picked == [0], "replaced: its counts start again")
        #expect(filter.remove(named: "third") == 1 && filter.isEmpty)
    }

    @Test func aPortDropsWhatItsRulesPickAndCountsIt() throws {
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: UnderlayAddress(ipv4: 0x7f00_0001, port: 1))
        var sent = 0
        port.send = { _ in sent += 1; return true }
        port.setEgressRule(FrameRule(name: "nosyn", tcp: .syn))
        port.transmit(frame: Self.frame(flags: 0x02))
        port.transmit(frame: Self.frame(flags: 0x10, payload: 100))
        #expect(sent == 1)
        #expect(port.counters.droppedByFilter == 1)
        #expect(port.counters.transmittedFrames == 2, "counted as transmitted by the host, then dropped on the link")
        port.removeEgressRule(named: "nosyn")
        port.transmit(frame: Self.frame(flags: 0x02))
        #expect(sent == 2)
    }
}

/// Rules that delay or corrupt instead of dropping.
@Suite("frame filter actions")
struct FrameFilterActionTests {
    static func port() -> (NICPort, Box) {
        let port = NICPort(name: "h1:eth0", linkID: 1, peer: UnderlayAddress(ipv4: 0x7f00_0001, port: 1))
        let box = Box()
        port.clock = { box.now }
        port.send = { parts in
            box.sent.append(parts.flatMap { Array($0) })
            return true
        }
        return (port, box)
    }

    final class Box {
        var now = Instant(nanoseconds: 1_000_000_000)
        var sent: [[UInt8]] = []
    }

    @Test func aDelayRuleHoldsOnlyWhatItPicks() throws {
        let (port, box) = Self.port()
        port.setEgressRule(try FrameRule(name: "slowack", fields: [("tcp", "ack"), ("action", "delay:200ms")]))
        port.transmit(frame: FrameFilterTests.frame(flags: 0x10))
        port.transmit(frame: FrameFilterTests.frame(flags: 0x18, payload: 50))
        #expect(box.sent.count == 1, "the data segment went at once, the pure ACK waits")
        #expect(port.nextDeadline == Instant(nanoseconds: 1_200_000_000))
        box.now = Instant(nanoseconds: 1_199_000_000)
        port.releaseDue(now: box.now)
        #expect(box.sent.count == 1)
        port.releaseDue(now: Instant(nanoseconds: 1_200_000_000))
        #expect(box.sent.count == 2)
        #expect(port.counters.delayed == 1 && port.counters.droppedByFilter == 0)
    }

    @Test func aCorruptRuleFlipsOneBitOfACopy() throws {
        let (port, box) = Self.port()
        port.setEgressRule(try FrameRule(name: "bad", fields: [("proto", "tcp"), ("action", "corrupt")]))
        let frame = FrameFilterTests.frame(flags: 0x18, payload: 200)
        port.transmit(frame: frame)
        port.releaseDue(now: box.now)
        let sent = try #require(box.sent.first)
        let bits = zip(sent.dropFirst(8), frame).reduce(0) { $0 + ($1.0 ^ $1.1).nonzeroBitCount }
        #expect(bits == 1, "one bit flipped in the frame after the VXLAN header")
        #expect(port.counters.corrupted == 1)
        // Removed, its frames go as they are.
        #expect(port.removeEgressRule(named: "bad") == 1)
        port.transmit(frame: frame)
        #expect(Array(box.sent.last!.dropFirst(8)) == frame)
    }

    @Test func actionsAreReadAsWrittenAndRefusedOtherwise() {
        #expect((try? FrameRule(name: "r", fields: [("action", "delay:1.5s")]))?.action == .delay(.milliseconds(1500)))
        #expect((try? FrameRule(name: "r", fields: [("action", "delay:0ms")])) == nil)
        #expect((try? FrameRule(name: "r", fields: [("action", "explode")])) == nil)
        #expect((try? FrameRule(name: "r", fields: [("action", "delay:200ms")]))?.description == "r: action delay:200ms")
    }
}

/// The card's own faults: memory shrunk while it runs, and checksums it lies about.
@Suite("card faults")
struct CardFaultTests {
    @Test func shrunkMemoryKeepsWhatItHoldsAndRefusesMore() throws {
        let memory = PacketMemory(size: 64 * 2048, chunkSize: 2048)
        let held = try #require(memory.allocate(10 * 2048))
        memory.usableBytes = 8 * 2048
        #expect(memory.freeBytes == 0 && memory.freeChunks == 0, "10 chunks held, 8 usable")
        #expect(memory.allocate(100) == nil)
        memory.release(held)
        #expect(memory.freeChunks == 8)
        #expect(memory.allocate(8 * 2048) != nil)
        #expect(memory.allocate(1) == nil)
        memory.usableBytes = 1 << 30
        #expect(memory.usableBytes == memory.size, "never more than there is")
    }

    @Test func aLyingCardPassesADamagedFrameUpAsVerified() throws {
        let port = NICPort(name: "h2:eth0", linkID: 1, peer: UnderlayAddress(ipv4: 0x7f00_0001, port: 1),
                           driver: NICDriver(configuration: .init()))
        var delivered: [Bool] = []
        port.deliver = { packet in delivered.append(packet.checksumsVerified) }
        // A TCP segment whose checksum field is wrong (all zeros over a non-zero segment).
        var frame = FrameFilterTests.frame(flags: 0x18, payload: 32)
        frame[14 + 20 + 16] = 0x12
        // VXLAN (RFC 7348): the I flag, then VNI 1 in bytes 4...6.
        let datagram = [0x08, 0, 0, 0, 0, 0, 1, 0] + frame
        func receive() { datagram.withUnsafeBytes { port.receive(datagram: $0, from: port.peer) } }
        receive()
        port.marksBadChecksumsGood = true
        receive()
        #expect(port.counters.checksumErrors == 2, "\(port.counters)")
        #expect(port.counters.checksumErrorsHidden == 1)
        #expect(delivered == [false, true], "honest: passed up unmarked, for the host to drop; lying: marked verified")
    }
}

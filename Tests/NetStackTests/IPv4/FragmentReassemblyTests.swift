@testable import NetStack
import SmartNIC
import Testing
import Wire

/// Reassembly of IPv4 fragments on its own: every arrival order, duplicates, overlaps (the whole
/// datagram dropped, RFC 5722), RFC 1858's tiny fragments, the timeout and the memory limits.
@Suite("IPv4 fragment reassembly")
struct FragmentReassemblyTests {
    static let source = IPv4Address(10, 0, 1, 1)
    static let destination = IPv4Address(10, 0, 2, 1)

    /// A datagram's payload cut into fragments of `size` bytes (a multiple of 8).
    struct Fragments {
        var payload: [UInt8]
        var identification: UInt16 = 0x1234
        var protocolNumber = IPProtocol.udp
        var source = FragmentReassemblyTests.source

        func fragment(offset: Int, length: Int, last: Bool? = nil) -> (IPv4Repr, [UInt8], [UInt8]) {
            let isLast = last ?? (offset + length >= payload.count)
            let header = IPv4Repr(source: source, destination: FragmentReassemblyTests.destination, protocolNumber: protocolNumber,
                                  payloadLength: length, identification: identification, dontFragment: false,
                                  moreFragments: !isLast, fragmentOffset: offset)
            var bytes = [UInt8](repeating: 0, count: 20)
            bytes.withUnsafeMutableBytes { header.emit(into: $0) }
            return (header, bytes, Array(payload[offset..<min(payload.count, offset + length)]))
        }

        func cut(size: Int) -> [(IPv4Repr, [UInt8], [UInt8])] {
            stride(from: 0, to: payload.count, by: size).map { fragment(offset: $0, length: min(size, payload.count - $0)) }
        }
    }

    static func add(_ reassembly: inout FragmentReassembly, _ fragment: (IPv4Repr, [UInt8], [UInt8]),
                    at now: Instant = .zero) -> FragmentReassembly.Outcome {
        fragment.1.withUnsafeBytes { header in
            fragment.2.withUnsafeBytes { payload in reassembly.add(fragment.0, headerBytes: header, payload: payload, now: now) }
        }
    }

    static func pattern(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    /// Checks a completed datagram: a valid header without fragment fields and the payload.
    static func expectWhole(_ outcome: FragmentReassembly.Outcome, payload: [UInt8]) throws {
        guard case let .complete(packet) = outcome else {
            Issue.record("expected a complete datagram, got \(outcome)")
            return
        }
        try packet.withUnsafeBytes { raw in
            let view = try IPv4PacketView(checking: raw)
            #expect(view.headerChecksumIsValid)
            #expect(!view.isFragment)
            #expect(view.totalLength == 20 + payload.count)
            #expect(Array(view.payload) == payload)
        }
    }

    @Test("four fragments reassemble in each of their 24 orders")
    func everyOrder() throws {
        let datagram = Fragments(payload: Self.pattern(3000))
        let fragments = datagram.cut(size: 800)
        #expect(fragments.count == 4)
        for order in permutations(Array(0..<4)) {
            var reassembly = FragmentReassembly()
            for (position, index) in order.enumerated() {
                let outcome = Self.add(&reassembly, fragments[index])
                if position < 3 {
                    #expect(outcome == .held, "order \(order)")
                } else {
                    try Self.expectWhole(outcome, payload: datagram.payload)
                }
            }
            #expect(reassembly.counters.bytesHeld == 0)
            #expect(reassembly.partialCount == 0)
        }
    }

    @Test("a duplicate fragment is ignored and the datagram still completes")
    func duplicates() throws {
        let datagram = Fragments(payload: Self.pattern(2000))
        let fragments = datagram.cut(size: 1000)
        var reassembly = FragmentReassembly()
        #expect(Self.add(&reassembly, fragments[0]) == .held)
        #expect(Self.add(&reassembly, fragments[0]) == .held)
        try Self.expectWhole(Self.add(&reassembly, fragments[1]), payload: datagram.payload)
        #expect(reassembly.counters.duplicateFragments == 1)
    }

    @Test("overlapping fragments drop the whole datagram, and whatever else of it arrives", arguments: [
        (8, 1008),    // the second starts inside the first
        (0, 1008),    // the same start, a different length
        (992, 16),    // a small piece straddling the boundary
    ])
    func overlaps(offset: Int, length: Int) {
        let datagram = Fragments(payload: Self.pattern(3000))
        var reassembly = FragmentReassembly()
        #expect(Self.add(&reassembly, datagram.fragment(offset: 0, length: 1000)) == .held)
        #expect(Self.add(&reassembly, datagram.fragment(offset: offset, length: length)) == .dropped)
        #expect(reassembly.counters.droppedOverlapping == 1)
        // The rest of it is refused too, even what would complete it.
        #expect(Self.add(&reassembly, datagram.fragment(offset: 1000, length: 1000)) == .dropped)
        #expect(Self.add(&reassembly, datagram.fragment(offset: 2000, length: 1000)) == .dropped)
        #expect(reassembly.counters.droppedAfterOverlap == 2)
        #expect(reassembly.counters.datagramsReassembled == 0)
        // Only the record of the drop is held, and the timeout frees it without an ICMP error.
        #expect(reassembly.counters.bytesHeld == ReassemblyLimits.overheadPerDatagram)
        #expect(reassembly.expire(now: .zero + .seconds(31)).isEmpty)
        #expect(reassembly.counters.bytesHeld == 0)
    }

    @Test("a second last fragment that disagrees on the end drops the datagram")
    func conflictingEnds() {
        let datagram = Fragments(payload: Self.pattern(3000))
        var reassembly = FragmentReassembly()
        #expect(Self.add(&reassembly, datagram.fragment(offset: 2000, length: 1000)) == .held)
        #expect(Self.add(&reassembly, datagram.fragment(offset: 0, length: 800, last: true)) == .dropped)
        #expect(reassembly.counters.droppedOverlapping == 1)
    }

    @Test("RFC 1858: a first fragment shorter than the TCP header, and a TCP fragment at offset 8, are refused")
    func tinyFragments() {
        var datagram = Fragments(payload: Self.pattern(200))
        datagram.protocolNumber = IPProtocol.tcp
        var reassembly = FragmentReassembly()
        #expect(Self.add(&reassembly, datagram.fragment(offset: 0, length: 16, last: false)) == .dropped)
        #expect(Self.add(&reassembly, datagram.fragment(offset: 8, length: 192)) == .dropped)
        #expect(reassembly.counters.droppedTinyFragments == 2)
        // The same pieces as UDP are legal (8 bytes cover its header).
        datagram.protocolNumber = IPProtocol.udp
        #expect(Self.add(&reassembly, datagram.fragment(offset: 0, length: 16, last: false)) == .held)
    }

    @Test("a non-last fragment whose length is not a multiple of 8, or one past 65,535 bytes, is malformed")
    func malformed() {
        let datagram = Fragments(payload: Self.pattern(70_000))
        var reassembly = FragmentReassembly()
        #expect(Self.add(&reassembly, datagram.fragment(offset: 0, length: 1001, last: false)) == .dropped)
        #expect(Self.add(&reassembly, datagram.fragment(offset: 65_512, length: 8, last: false)) == .dropped)
        #expect(reassembly.counters.droppedMalformed == 2)
    }

    @Test("a datagram missing a fragment times out: the sender is told if its first fragment came")
    func timeout() {
        let first = Fragments(payload: Self.pattern(3000))
        var noFirst = Fragments(payload: Self.pattern(3000))
        noFirst.identification = 99
        var reassembly = FragmentReassembly()
        reassembly.limits.timeout = .seconds(30)
        #expect(Self.add(&reassembly, first.fragment(offset: 0, length: 1000)) == .held)
        #expect(Self.add(&reassembly, noFirst.fragment(offset: 1000, length: 1000), at: .zero + .seconds(5)) == .held)
        #expect(reassembly.nextDeadline == .zero + .seconds(30))
        #expect(reassembly.expire(now: .zero + .seconds(29)).isEmpty)
        let expired = reassembly.expire(now: .zero + .seconds(30))
        #expect(expired.count == 1)
        #expect(expired.first?.source == Self.source)
        // The quote: the first fragment's header and the first 8 bytes of its payload.
        #expect(expired.first?.quote?.count == 28)
        #expect(Array(expired.first?.quote?[20...] ?? []) == Array(first.payload.prefix(8)))
        let later = reassembly.expire(now: .zero + .seconds(35))
        #expect(later.count == 1 && later.first?.quote == nil)
        #expect(reassembly.counters.timedOut == 2)
        #expect(reassembly.counters.bytesHeld == 0)
    }

    @Test("one source cannot hold more than its share; others still reassemble")
    func perSourceLimit() throws {
        var reassembly = FragmentReassembly()
        reassembly.limits = ReassemblyLimits(timeout: .seconds(30), totalBytes: 64 << 10, bytesPerSource: 16 << 10)
        // A flood of first fragments that never complete, from one source.
        var refused = 0
        for id in 0..<100 {
            var flood = Fragments(payload: Self.pattern(2000))
            flood.identification = UInt16(id)
            if Self.add(&reassembly, flood.fragment(offset: 0, length: 1000)) == .dropped { refused += 1 }
        }
        #expect(refused > 80)
        #expect(reassembly.counters.droppedOverLimit == refused)
        #expect(reassembly.counters.bytesHeld <= 16 << 10)
        // Another source is not starved.
        var other = Fragments(payload: Self.pattern(3000))
        other.source = IPv4Address(10, 0, 3, 1)
        var outcome = FragmentReassembly.Outcome.held
        for fragment in other.cut(size: 1000) { outcome = Self.add(&reassembly, fragment) }
        try Self.expectWhole(outcome, payload: other.payload)
    }

    @Test("the node-wide limit bounds what all sources hold together")
    func totalLimit() {
        var reassembly = FragmentReassembly()
        reassembly.limits = ReassemblyLimits(timeout: .seconds(30), totalBytes: 32 << 10, bytesPerSource: 16 << 10)
        for host in 1...10 {
            for id in 0..<20 {
                var flood = Fragments(payload: Self.pattern(2000))
                flood.source = IPv4Address(10, 0, 9, UInt8(host))
                flood.identification = UInt16(id)
                _ = Self.add(&reassembly, flood.fragment(offset: 0, length: 1000))
            }
        }
        #expect(reassembly.counters.bytesHeld <= 32 << 10)
        #expect(reassembly.counters.peakBytesHeld <= 32 << 10)
        #expect(reassembly.counters.droppedOverLimit > 0)
        #expect(reassembly.counters.evicted > 0)
        _ = reassembly.expire(now: .zero + .seconds(30))
        #expect(reassembly.counters.bytesHeld == 0)
    }

    @Test("a flood of partial datagrams from many sources cannot stop reassembly: the oldest make room")
    func evictionKeepsReassemblyGoing() throws {
        var reassembly = FragmentReassembly()
        reassembly.limits = ReassemblyLimits(timeout: .seconds(30), totalBytes: 64 << 10, bytesPerSource: 16 << 10)
        for host in 1...200 {
            var flood = Fragments(payload: Self.pattern(2000))
            flood.source = IPv4Address(10, 9, UInt8(host / 100), UInt8(host % 100 + 1))
            _ = Self.add(&reassembly, flood.fragment(offset: 0, length: 1000), at: .zero + .milliseconds(host))
        }
        let legitimate = Fragments(payload: Self.pattern(6000))
        var outcome = FragmentReassembly.Outcome.held
        for fragment in legitimate.cut(size: 1000) { outcome = Self.add(&reassembly, fragment, at: .zero + .seconds(1)) }
        try Self.expectWhole(outcome, payload: legitimate.payload)
        #expect(reassembly.counters.evicted > 150)
        #expect(reassembly.counters.bytesHeld <= 64 << 10)
        // Expiring later finds the evicted gone and frees the rest.
        _ = reassembly.expire(now: .zero + .seconds(40))
        #expect(reassembly.counters.bytesHeld == 0 && reassembly.partialCount == 0)
    }

    @Test("a first fragment whose longer header would push the datagram past 65,535 bytes drops it")
    func rebuiltDatagramTooLong() {
        var reassembly = FragmentReassembly()
        let datagram = Fragments(payload: Self.pattern(65_515))
        // The last fragment first, on a 20-byte header: it fits (20 + 65,515).
        #expect(Self.add(&reassembly, datagram.fragment(offset: 64_000, length: 1515)) == .held)
        // Then a first fragment with 40 bytes of options: 60 + 65,515 would not.
        var (header, bytes, payload) = datagram.fragment(offset: 0, length: 1000)
        bytes[0] = 0x4f
        bytes += [UInt8](repeating: 1, count: 40)
        header.payloadLength = 1000
        let outcome = bytes.withUnsafeBytes { h in payload.withUnsafeBytes { reassembly.add(header, headerBytes: h, payload: $0, now: .zero) } }
        #expect(outcome == .dropped)
        #expect(reassembly.counters.droppedMalformed == 1)
    }

    @Test("a datagram cut into more fragments than any MTU needs is dropped")
    func tooManyFragments() {
        var reassembly = FragmentReassembly()
        let datagram = Fragments(payload: Self.pattern(8 * 300))
        var dropped = 0
        for index in 0..<300 where Self.add(&reassembly, datagram.fragment(offset: index * 8, length: 8, last: index == 299)) == .dropped {
            dropped += 1
        }
        #expect(reassembly.counters.droppedMalformed == 1)
        #expect(reassembly.counters.droppedAfterOverlap == 300 - ReassemblyLimits.fragmentsPerDatagram - 1)
        #expect(dropped == 300 - ReassemblyLimits.fragmentsPerDatagram)
    }

    @Test("a datagram over the limit is dropped whole: what it held is given back")
    func overLimitFreesTheDatagram() {
        var reassembly = FragmentReassembly()
        reassembly.limits = ReassemblyLimits(timeout: .seconds(30), totalBytes: 1 << 20, bytesPerSource: 3000)
        let datagram = Fragments(payload: Self.pattern(6000))
        #expect(Self.add(&reassembly, datagram.fragment(offset: 0, length: 2000)) == .held)
        #expect(Self.add(&reassembly, datagram.fragment(offset: 2000, length: 2000)) == .dropped)
        #expect(reassembly.counters.bytesHeld == 0)
        #expect(reassembly.partialCount == 0)
    }
}

/// Every ordering of `items`.
func permutations<T>(_ items: [T]) -> [[T]] {
    guard items.count > 1 else { return [items] }
    return items.indices.flatMap { index -> [[T]] in
        var rest = items
        let first = rest.remove(at: index)
        return permutations(rest).map { [first] + $0 }
    }
}

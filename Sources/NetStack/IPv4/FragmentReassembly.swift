import DequeModule
import Wire

/// How much fragment reassembly may hold, and for how long.
public struct ReassemblyLimits: Sendable, Equatable, Codable {
    /// How long a partial datagram waits for its missing fragments (RFC 1122 §3.3.2 suggests
    /// 60 to 120 s, RFC 791 15 s; Linux's ipfrag_time of 30 s is taken here).
    public var timeout: Duration
    /// Bytes held by all partial datagrams together (Linux's ipfrag_high_thresh is 4 MiB).
    public var totalBytes: Int
    /// Bytes held by the partial datagrams of one source, so one sender cannot take it all.
    public var bytesPerSource: Int

    public init(timeout: Duration = .seconds(30), totalBytes: Int = 4 << 20, bytesPerSource: Int = 1 << 20) {
        self.timeout = timeout
        self.totalBytes = totalBytes
        self.bytesPerSource = bytesPerSource
    }

    /// What one partial datagram costs beyond its fragments' bytes (its record, as Linux
    /// charges a queue's truesize): many tiny partial datagrams are bounded too.
    static let overheadPerDatagram = 256
    static let overheadPerFragment = 64
    /// Fragments one datagram may come in: a 65,535-byte datagram over the smallest MTU a link
    /// has (576) is 119; more is an attack on the time each fragment takes to place (FreeBSD's
    /// maxfragsperpacket is 16).
    static let fragmentsPerDatagram = 256
}

/// What reassembly counted. `nicbed exec NODE stats` shows them.
public struct ReassemblyCounters: Sendable, Equatable, Codable {
    public var fragmentsReceived = 0
    public var datagramsReassembled = 0
    /// Fragments identical to one already held (same offset and length): ignored.
    public var duplicateFragments = 0
    /// Datagrams dropped because two of their fragments overlapped (RFC 5722's rule).
    public var droppedOverlapping = 0
    /// Fragments that arrived for a datagram already dropped for an overlap.
    public var droppedAfterOverlap = 0
    /// RFC 1858: a first TCP/UDP fragment shorter than the transport header, or a TCP
    /// fragment at offset 8.
    public var droppedTinyFragments = 0
    /// A fragment that would make the datagram longer than 65,535 bytes, a non-last fragment
    /// whose length is not a multiple of 8, or one more than `fragmentsPerDatagram`.
    public var droppedMalformed = 0
    /// Datagrams dropped because holding another fragment would pass the per-source limit,
    /// and older partial datagrams dropped to make room under the node-wide one (as Linux's
    /// fragment evictor does, so a flood of partial datagrams cannot stop all reassembly).
    public var droppedOverLimit = 0
    public var evicted = 0
    /// Datagrams whose fragments did not all arrive before the timeout.
    public var timedOut = 0
    public var bytesHeld = 0
    public var peakBytesHeld = 0
    public init() {}
}

/// Reassembly of IPv4 fragments for this host (RFC 791 §3.2, RFC 815): the fragments of a
/// datagram are held, by (source, destination, protocol, identification), until they cover
/// it from offset 0 to the end the last fragment gives. Fragments lie in host memory here:
/// the card's checksum engine and header split see only whole datagrams, as a real NIC's do.
///
/// Defences: overlapping fragments drop the whole datagram and whatever else of it arrives
/// until its timeout (RFC 5722, applied to IPv4 as Linux does), which also defeats RFC 1858's
/// overlapping-header attack; RFC 1858's tiny first fragment and offset-8 TCP fragment are
/// refused; memory is bounded in all and per source, and the timeout frees what is left.
struct FragmentReassembly {
    struct Key: Hashable {
        var source: IPv4Address
        var destination: IPv4Address
        var protocolNumber: UInt8
        var identification: UInt16
    }

    private struct Fragment {
        var offset: Int
        var bytes: [UInt8]
        var end: Int { offset + bytes.count }
    }

    private struct Partial {
        var fragments: [Fragment] = []   // sorted by offset, never overlapping
        /// The first fragment's IP header (options included): the reassembled datagram's.
        var firstHeader: [UInt8]?
        /// The payload length, once the last fragment (MF clear) has arrived.
        var length: Int?
        var deadline: Instant
        /// Dropped for an overlap: later fragments of it are dropped too, until the deadline.
        var poisoned = false
        var footprint = ReassemblyLimits.overheadPerDatagram
    }

    /// What became of a fragment.
    enum Outcome: Equatable {
        /// Held; the datagram still misses something.
        case held
        /// The datagram is whole: its header (the first fragment's, with the fragment fields
        /// cleared and lengths and checksum set) and its payload, as one packet.
        case complete([UInt8])
        /// Dropped (counted).
        case dropped
    }

    /// A partial datagram that timed out: whom to tell, and what to quote (only when its
    /// first fragment arrived, RFC 792 and RFC 1122 §3.3.2).
    struct Expired {
        var source: IPv4Address
        var destination: IPv4Address
        var quote: [UInt8]?
    }

    var limits = ReassemblyLimits()
    private(set) var counters = ReassemblyCounters()
    private var partials: [Key: Partial] = [:]
    private var bytesBySource: [IPv4Address: Int] = [:]
    /// Partial datagrams in the order they started, which is the order of their deadlines (one
    /// timeout for all). An entry whose datagram has gone stays until its deadline passes.
    private var order = Deque<(key: Key, deadline: Instant)>()

    /// When `expire` has work next (perhaps none, for a datagram that completed meanwhile).
    var nextDeadline: Instant? { order.first?.deadline }
    var partialCount: Int { partials.count }

    /// Takes one fragment: `header` parsed from `headerBytes` (its IP header, options included),
    /// `payload` what follows the header up to Total Length.
    mutating func add(_ header: IPv4Repr, headerBytes: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer,
                      now: Instant) -> Outcome {
        counters.fragmentsReceived += 1
        let key = Key(source: header.source, destination: header.destination, protocolNumber: header.protocolNumber,
                      identification: header.identification)
        let offset = header.fragmentOffset
        let end = offset + payload.count
        if header.moreFragments && (payload.count == 0 || payload.count % 8 != 0) || headerBytes.count + end > 65_535 {
            counters.droppedMalformed += 1
            return .dropped
        }
        if Self.isTiny(header, payloadLength: payload.count) {
            counters.droppedTinyFragments += 1
            return .dropped
        }
        let isNew = partials[key] == nil
        var partial = partials[key] ?? Partial(deadline: now + limits.timeout)
        if partial.poisoned {
            counters.droppedAfterOverlap += 1
            return .dropped
        }
        if partial.fragments.contains(where: { $0.offset == offset && $0.bytes.count == payload.count }) {
            counters.duplicateFragments += 1
            return .held
        }
        let overlaps = partial.fragments.contains { $0.offset < end && offset < $0.end }
            || partial.fragments.count >= ReassemblyLimits.fragmentsPerDatagram
        // The datagram as it would be rebuilt, on the first fragment's header, must fit IPv4.
        let headerLength = offset == 0 ? headerBytes.count : partial.firstHeader?.count ?? IPv4PacketView.minimumHeaderLength
        let tooLong = headerLength + max(end, partial.length ?? 0, partial.fragments.last?.end ?? 0) > 65_535
        // A last fragment that disagrees with the end already known, or data past that end.
        let inconsistent = !header.moreFragments && (partial.length.map { $0 != end } ?? false)
            || !header.moreFragments && partial.fragments.contains { $0.end > end }
            || partial.length.map { end > $0 } ?? false
        if overlaps || inconsistent || tooLong {
            if tooLong || partial.fragments.count >= ReassemblyLimits.fragmentsPerDatagram {
                counters.droppedMalformed += 1
            } else {
                counters.droppedOverlapping += 1
            }
            release(&partial, of: key.source)
            // What is left is a record that drops the rest of it; it costs its overhead, and
            // is not kept when even that does not fit.
            let overhead = ReassemblyLimits.overheadPerDatagram
            if counters.bytesHeld + overhead <= limits.totalBytes && bytesBySource[key.source, default: 0] + overhead <= limits.bytesPerSource {
                partial = Partial(deadline: partial.deadline, poisoned: true, footprint: overhead)
                charge(overhead, to: key.source)
                partials[key] = partial
            } else {
                partials[key] = nil
            }
            return .dropped
        }
        let cost = payload.count + ReassemblyLimits.overheadPerFragment + (isNew ? partial.footprint : 0)
        // Room under the node-wide limit is made by dropping the oldest partial datagrams.
        while counters.bytesHeld + cost > limits.totalBytes, let oldest = oldestPartial(other: key) {
            var dropped = partials.removeValue(forKey: oldest)!
            release(&dropped, of: oldest.source)
            counters.evicted += 1
        }
        if counters.bytesHeld + cost > limits.totalBytes || bytesBySource[key.source, default: 0] + cost > limits.bytesPerSource {
            counters.droppedOverLimit += 1
            if partials[key] != nil {
                // Without this fragment the datagram can never complete: free what it holds.
                var dropped = partials.removeValue(forKey: key)!
                release(&dropped, of: key.source)
            }
            return .dropped
        }
        if isNew {
            partial.footprint = 0
            order.append((key, partial.deadline))
        }
        partial.footprint += cost
        charge(cost, to: key.source)
        let index = partial.fragments.firstIndex { $0.offset > offset } ?? partial.fragments.endIndex
        partial.fragments.insert(Fragment(offset: offset, bytes: Array(payload)), at: index)
        if offset == 0 { partial.firstHeader = Array(headerBytes) }
        if !header.moreFragments { partial.length = end }
        guard let length = partial.length, let firstHeader = partial.firstHeader, Self.covers(partial.fragments, length) else {
            partials[key] = partial
            return .held
        }
        partials[key] = nil
        release(&partial, of: key.source)
        counters.datagramsReassembled += 1
        return .complete(Self.assemble(firstHeader, partial.fragments, length: length))
    }

    /// The partial datagram that started first, other than `key`'s.
    private mutating func oldestPartial(other key: Key) -> Key? {
        while let first = order.first, partials[first.key]?.deadline != first.deadline { order.removeFirst() }
        return order.first { $0.key != key && partials[$0.key]?.deadline == $0.deadline }?.key
    }

    /// Drops the partial datagrams whose time is up.
    mutating func expire(now: Instant) -> [Expired] {
        var expired: [Expired] = []
        while let first = order.first, first.deadline <= now {
            order.removeFirst()
            // Gone already (complete, evicted), or a later datagram under the same key.
            guard partials[first.key]?.deadline == first.deadline else { continue }
            let key = first.key
            var partial = partials.removeValue(forKey: key)!
            release(&partial, of: key.source)
            guard !partial.poisoned else { continue }
            counters.timedOut += 1
            var quote: [UInt8]?
            if let header = partial.firstHeader, let first = partial.fragments.first, first.offset == 0 {
                quote = header + first.bytes.prefix(8)
            }
            expired.append(Expired(source: key.source, destination: key.destination, quote: quote))
        }
        return expired
    }

    /// RFC 1858 §3.1/§3.2: a first fragment too short to hold the transport header it starts,
    /// or a TCP fragment at offset 8, which could only be there to rewrite the TCP flags.
    private static func isTiny(_ header: IPv4Repr, payloadLength: Int) -> Bool {
        let minimum: Int
        switch header.protocolNumber {
        case IPProtocol.tcp: minimum = TCPSegmentView.minimumHeaderLength
        case IPProtocol.udp: minimum = UDPDatagramView.headerLength
        case IPProtocol.icmp: minimum = ICMPv4MessageView.headerLength
        default: return false
        }
        if header.fragmentOffset == 0 && header.moreFragments && payloadLength < minimum { return true }
        return header.protocolNumber == IPProtocol.tcp && header.fragmentOffset == 8
    }

    private static func covers(_ fragments: [Fragment], _ length: Int) -> Bool {
        var reached = 0
        for fragment in fragments {
            guard fragment.offset == reached else { return false }
            reached = fragment.end
        }
        return reached == length
    }

    private static func assemble(_ firstHeader: [UInt8], _ fragments: [Fragment], length: Int) -> [UInt8] {
        var packet = firstHeader
        packet.reserveCapacity(firstHeader.count + length)
        for fragment in fragments { packet += fragment.bytes }
        let total = UInt16(packet.count)
        packet[2] = UInt8(total >> 8)
        packet[3] = UInt8(total & 0xff)
        // No MF, no offset; DF as the first fragment had it.
        packet[6] &= 0x40
        packet[7] = 0
        packet[10] = 0
        packet[11] = 0
        let checksum = packet.withUnsafeBytes { InternetChecksum.of(UnsafeRawBufferPointer(rebasing: $0[..<firstHeader.count])) }
        packet[10] = UInt8(checksum >> 8)
        packet[11] = UInt8(checksum & 0xff)
        return packet
    }

    private mutating func charge(_ bytes: Int, to source: IPv4Address) {
        counters.bytesHeld += bytes
        counters.peakBytesHeld = max(counters.peakBytesHeld, counters.bytesHeld)
        bytesBySource[source, default: 0] += bytes
    }

    /// Gives back what a partial datagram held (it is dropped, or complete).
    private mutating func release(_ partial: inout Partial, of source: IPv4Address) {
        counters.bytesHeld -= partial.footprint
        let left = bytesBySource[source, default: 0] - partial.footprint
        bytesBySource[source] = left > 0 ? left : nil
        partial.footprint = 0
    }
}

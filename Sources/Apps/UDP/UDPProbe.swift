import Wire

/// The header `udp-send` puts at the start of each datagram, as iperf3 -u does: a sequence
/// number and the sender's clock at sending, so the receiver can count loss, duplicates and
/// reordering and work out the jitter. An end marker carries, in `sequence`, how many
/// datagrams were sent in all.
public struct UDPProbe: Equatable, Sendable {
    public static let magic: UInt32 = 0x6e62_7564   // "nbud"
    public static let length = 24

    public var sequence: UInt64
    /// The sender's clock, nanoseconds (its own monotonic clock: only differences mean anything).
    public var sentAt: UInt64
    public var isEnd: Bool

    public init(sequence: UInt64, sentAt: UInt64, isEnd: Bool = false) {
        self.sequence = sequence
        self.sentAt = sentAt
        self.isEnd = isEnd
    }

    /// Reads a probe from the start of a datagram; nil when it is not one (too short, or
    /// another magic), which the receiver counts and otherwise ignores.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.length, bytes.u32(0) == Self.magic else { return nil }
        isEnd = bytes[4] & 1 != 0
        sequence = UInt64(bytes.u32(8)) << 32 | UInt64(bytes.u32(12))
        sentAt = UInt64(bytes.u32(16)) << 32 | UInt64(bytes.u32(20))
    }

    public func emit(into bytes: UnsafeMutableRawBufferPointer) {
        bytes.put(Self.magic, at: 0)
        bytes.put(UInt32(isEnd ? 1 : 0) << 24, at: 4)
        bytes.put(UInt32(truncatingIfNeeded: sequence >> 32), at: 8)
        bytes.put(UInt32(truncatingIfNeeded: sequence), at: 12)
        bytes.put(UInt32(truncatingIfNeeded: sentAt >> 32), at: 16)
        bytes.put(UInt32(truncatingIfNeeded: sentAt), at: 20)
    }
}

/// What a receiver of probes works out, as iperf3 -u reports it: datagrams received, lost,
/// duplicated and out of order, and the interarrival jitter of RFC 3550 §6.4.1 (a running
/// average, gain 1/16, of how much the transit time changes from one datagram to the next).
public struct UDPReceiveStatistics: Equatable, Sendable {
    /// Distinct datagrams received, and every copy beyond the first.
    public private(set) var received = 0
    public private(set) var duplicates = 0
    /// Datagrams that arrived after one with a higher sequence number.
    public private(set) var outOfOrder = 0
    public private(set) var bytes = 0
    /// The highest sequence number seen, and the count the sender announced at the end.
    public private(set) var highestSequence: UInt64?
    public private(set) var announcedCount: UInt64?
    /// RFC 3550's J, in nanoseconds.
    public private(set) var jitterNanoseconds = 0.0
    public private(set) var firstArrival: Instant?
    public private(set) var lastArrival: Instant?
    private var lastTransit: Int64?
    /// One bit per sequence number seen, so a duplicate is told from a late datagram.
    private var seen: [UInt64] = []
    /// Sequence numbers tracked at most (16 Mi datagrams, 2 MiB of bits); beyond, duplicates
    /// are no longer told apart.
    static let trackedSequences: UInt64 = 1 << 24

    public init() {}

    /// Sequence numbers beyond this are no sender's (2⁴⁰ datagrams): such a probe is ignored,
    /// so a forged one cannot make the counts overflow.
    public static let largestSequence: UInt64 = 1 << 40

    public mutating func record(_ probe: UDPProbe, length: Int, at arrival: Instant) {
        guard probe.sequence <= Self.largestSequence else { return }
        if probe.isEnd {
            announcedCount = probe.sequence
            return
        }
        if isDuplicate(probe.sequence) {
            duplicates += 1
            return
        }
        received += 1
        bytes += length
        if firstArrival == nil { firstArrival = arrival }
        lastArrival = arrival
        if let highest = highestSequence, probe.sequence < highest { outOfOrder += 1 }
        highestSequence = max(highestSequence ?? 0, probe.sequence)
        let transit = Int64(bitPattern: arrival.nanoseconds &- probe.sentAt)
        if let last = lastTransit {
            let difference = Double((transit &- last).magnitude)
            jitterNanoseconds += (difference - jitterNanoseconds) / 16
        }
        lastTransit = transit
    }

    private mutating func isDuplicate(_ sequence: UInt64) -> Bool {
        guard sequence < Self.trackedSequences else { return false }
        let word = Int(sequence / 64), bit = UInt64(1) << (sequence % 64)
        if word >= seen.count { seen += [UInt64](repeating: 0, count: word - seen.count + 1) }
        if seen[word] & bit != 0 { return true }
        seen[word] |= bit
        return false
    }

    /// How many were sent, as far as the receiver can tell: the sender's own count when its
    /// end marker arrived, else one more than the highest sequence number seen.
    public var expected: Int { Int(announcedCount ?? highestSequence.map { $0 + 1 } ?? 0) }
    public var lost: Int { max(0, expected - received) }
    public var lossPercent: Double { expected == 0 ? 0 : Double(lost) * 100 / Double(expected) }
    public var jitterMilliseconds: Double { jitterNanoseconds / 1e6 }

    /// The report line, in iperf3's terms.
    public var summary: String {
        let loss = String(format: "%.2f", lossPercent)
        return "\(received)/\(expected) datagrams, \(lost) lost (\(loss)%), \(duplicates) duplicates, \(outOfOrder) out of order, jitter \(String(format: "%.3f", jitterMilliseconds)) ms"
    }
}

/// Out-of-order data held until the hole before it is filled (RFC 9293 §3.10.7.4 "segment
/// text"), and the SACK blocks that describe it (RFC 2018). Bounded in the number of separate
/// ranges, so a peer sending many small, scattered segments cannot grow it without end.
struct Reassembly {
    struct Range {
        var start: SequenceNumber
        var bytes: [UInt8]
        var end: SequenceNumber { start + bytes.count }
    }

    private(set) var ranges: [Range] = []
    /// The sequence number of a FIN that arrived before the data ahead of it.
    private(set) var finAt: SequenceNumber?
    /// Starts of the ranges most recently changed, newest first: RFC 2018 wants the block
    /// holding the latest segment reported first.
    private var recent: [SequenceNumber] = []
    let maximumRanges: Int

    init(maximumRanges: Int = 64) { self.maximumRanges = maximumRanges }

    var isEmpty: Bool { ranges.isEmpty && finAt == nil }
    var byteCount: Int { ranges.reduce(0) { $0 + $1.bytes.count } }

    /// Stores a segment that starts after `rcvNxt`. Returns false when it had to be dropped
    /// because too many separate ranges are held already.
    mutating func insert(_ data: UnsafeRawBufferPointer, at start: SequenceNumber, fin: Bool) -> Bool {
        if fin { finAt = start + data.count }
        guard data.count > 0 else { return true }
        var newStart = start
        var newBytes = Array(data)
        // Merge with every range it overlaps or touches; existing bytes win where they overlap.
        var kept: [Range] = []
        for range in ranges {
            if range.end < newStart || range.start > newStart + newBytes.count {
                kept.append(range)
                continue
            }
            let mergedStart = SequenceNumber.min(range.start, newStart)
            let mergedEnd = SequenceNumber.max(range.end, newStart + newBytes.count)
            var merged = [UInt8](repeating: 0, count: mergedEnd - mergedStart)
            for (i, b) in newBytes.enumerated() { merged[(newStart - mergedStart) + i] = b }
            for (i, b) in range.bytes.enumerated() { merged[(range.start - mergedStart) + i] = b }
            newStart = mergedStart
            newBytes = merged
        }
        if kept.count >= maximumRanges && kept.count == ranges.count { return false }
        kept.append(Range(start: newStart, bytes: newBytes))
        kept.sort { $0.start < $1.start }
        ranges = kept
        recent.removeAll { start in !ranges.contains { $0.start == start } || start == newStart }
        recent.insert(newStart, at: 0)
        return true
    }

    /// Removes and returns up to `limit` bytes that now continue at `rcvNxt`, and whether the
    /// FIN follows them. What does not fit stays queued.
    mutating func takeContiguous(at rcvNxt: SequenceNumber, limit: Int) -> (bytes: [UInt8], fin: Bool) {
        var next = rcvNxt
        var collected: [UInt8] = []
        while let first = ranges.first, first.start <= next {
            ranges.removeFirst()
            guard first.end > next else { continue }
            let available = first.bytes[(next - first.start)...]
            let take = min(available.count, limit - collected.count)
            collected += available.prefix(take)
            next = next + take
            if take < available.count {
                ranges.insert(Range(start: next, bytes: Array(available.dropFirst(take))), at: 0)
                break
            }
        }
        recent.removeAll { start in !ranges.contains { $0.start == start } }
        let fin = finAt == next
        if fin { finAt = nil }
        return (collected, fin)
    }

    /// Up to `limit` SACK blocks, the most recently changed range first, then the others.
    func sackBlocks(limit: Int) -> [(SequenceNumber, SequenceNumber)] {
        var blocks: [(SequenceNumber, SequenceNumber)] = []
        for start in recent {
            if let range = ranges.first(where: { $0.start == start }) { blocks.append((range.start, range.end)) }
        }
        for range in ranges where !blocks.contains(where: { $0.0 == range.start }) { blocks.append((range.start, range.end)) }
        return Array(blocks.prefix(limit))
    }
}

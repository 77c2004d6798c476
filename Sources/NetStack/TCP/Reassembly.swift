import SmartNIC
import Wire

/// Out-of-order data held until the hole before it is filled (RFC 9293 §3.10.7.4 "segment
/// text"), and the SACK blocks that describe it (RFC 2018). The data stays in the payloads that
/// carried it (on the card, on the smart path); nothing is copied to merge segments: entries
/// are sorted, never overlap, and those that touch form one range. Bounded in separate ranges
/// and in entries, so a peer sending many small, scattered segments cannot grow it without end.
struct Reassembly {
    struct Entry {
        var start: SequenceNumber
        var payload: Payload
        var end: SequenceNumber { start + payload.count }
    }

    private(set) var entries: [Entry] = []
    private(set) var byteCount = 0
    /// Card or host memory the held payloads keep (whole runs, counted once per entry).
    private(set) var footprint = 0
    /// The sequence number of a FIN that arrived before the data ahead of it.
    private(set) var finAt: SequenceNumber?
    /// Where the latest segments landed, newest first: RFC 2018 wants the block holding the
    /// latest segment reported first, then the blocks reported most recently.
    private var recent: [SequenceNumber] = []
    static let recentCapacity = 8
    let maximumRanges: Int
    let maximumEntries: Int

    init(maximumRanges: Int = 64, maximumEntries: Int = 4096) {
        self.maximumRanges = maximumRanges
        self.maximumEntries = maximumEntries
        // Storage comes with the first out-of-order segment (most connections never see one).
    }

    var isEmpty: Bool { entries.isEmpty && finAt == nil }

    /// Stores a segment's data that starts after `rcvNxt`; where it overlaps data already held,
    /// the data held wins. Returns false when it had to be dropped because too many separate
    /// ranges or entries are held already.
    mutating func insert(_ payload: Payload, at start: SequenceNumber, fin: Bool) -> Bool {
        if fin { finAt = start + payload.count }
        guard payload.count > 0 else { return true }
        let end = start + payload.count
        let touches = entries.contains { $0.end >= start && $0.start <= end }
        if !touches && rangeCount >= maximumRanges { return false }
        if entries.count >= maximumEntries { return false }
        var index = entries.firstIndex { $0.end > start } ?? entries.count
        var cursor = start
        while cursor < end {
            if index < entries.count && entries[index].start <= cursor {
                cursor = SequenceNumber.max(cursor, entries[index].end)
                index += 1
                continue
            }
            let gapEnd = index < entries.count ? SequenceNumber.min(end, entries[index].start) : end
            guard entries.count < maximumEntries else { break }
            let part = payload.subpayload(from: cursor - start, length: gapEnd - cursor)
            part.retain()
            entries.insert(Entry(start: cursor, payload: part), at: index)
            byteCount += part.count
            footprint += part.footprint
            index += 1
            cursor = gapEnd
        }
        recent.removeAll { $0 == start }
        if recent.count == Self.recentCapacity { recent.removeLast() }
        recent.insert(start, at: 0)
        return true
    }

    /// A FIN without data that arrived ahead of a hole.
    mutating func noteFIN(at sequence: SequenceNumber) { finAt = sequence }

    /// Moves to `queue` up to `limit` bytes that now continue at `rcvNxt`, and says whether the
    /// FIN follows them. What does not fit stays here.
    mutating func takeContiguous(at rcvNxt: SequenceNumber, limit: Int, into queue: inout ReceiveQueue) -> (moved: Int, fin: Bool) {
        var next = rcvNxt
        var moved = 0
        while let first = entries.first, first.start <= next {
            if first.end <= next {
                // Already delivered in order by a segment that overlapped it.
                byteCount -= first.payload.count
                footprint -= first.payload.footprint
                first.payload.release()
                entries.removeFirst()
                continue
            }
            let piece = first.payload.dropFirst(next - first.start)
            let take = min(piece.count, limit - moved)
            guard take > 0 else { break }
            byteCount -= first.payload.count - (piece.count - take)
            if take == piece.count {
                footprint -= piece.footprint
                queue.adopt(piece)
                entries.removeFirst()
            } else {
                let part = piece.prefix(take)
                part.retain()
                queue.adopt(part)
                entries[0] = Entry(start: next + take, payload: piece.dropFirst(take))
            }
            moved += take
            next = next + take
        }
        let fin = finAt == next
        if fin { finAt = nil }
        return (moved, fin)
    }

    /// Contiguous ranges of held data, in sequence order (entries that touch are one range).
    func ranges() -> [(SequenceNumber, SequenceNumber)] {
        var result: [(SequenceNumber, SequenceNumber)] = []
        var index = 0
        while let range = range(startingAtEntry: &index) { result.append(range) }
        return result
    }

    /// The range that begins at entry `index`, whose entries it then steps past.
    private func range(startingAtEntry index: inout Int) -> (SequenceNumber, SequenceNumber)? {
        guard index < entries.count else { return nil }
        let start = entries[index].start
        var end = entries[index].end
        index += 1
        while index < entries.count && entries[index].start == end {
            end = entries[index].end
            index += 1
        }
        return (start, end)
    }

    /// The range holding `sequence`, if any.
    private func range(holding sequence: SequenceNumber) -> (SequenceNumber, SequenceNumber)? {
        var index = 0
        while let range = range(startingAtEntry: &index) {
            if range.0 <= sequence && sequence < range.1 { return range }
            if range.0 > sequence { return nil }
        }
        return nil
    }

    private var rangeCount: Int {
        var count = 0
        var index = 0
        while range(startingAtEntry: &index) != nil { count += 1 }
        return count
    }

    /// Up to `limit` SACK blocks: the range holding the latest segment first, then the ranges of
    /// the segments before it, then the others in sequence order. Built inline: no allocation
    /// for each ACK sent while data is held out of order.
    func sackBlocks(limit: Int) -> SACKBlocks {
        let limit = min(limit, SACKBlocks.capacity)
        var blocks = SACKBlocks()
        func add(_ range: (SequenceNumber, SequenceNumber)) {
            guard blocks.count < limit, !blocks.contains(where: { $0.left == range.0.rawValue }) else { return }
            blocks.append(SACKBlock(left: range.0.rawValue, right: range.1.rawValue))
        }
        for start in recent {
            if let range = range(holding: start) { add(range) }
        }
        var index = 0
        while blocks.count < limit, let range = range(startingAtEntry: &index) { add(range) }
        return blocks
    }

    /// Frees everything held (the connection is gone).
    mutating func removeAll() {
        for entry in entries { entry.payload.release() }
        entries.removeAll(keepingCapacity: true)
        byteCount = 0
        footprint = 0
        recent.removeAll()
        finAt = nil
    }
}

extension Optional where Wrapped == Payload {
    /// A segment's data length; no data is zero bytes.
    var byteCount: Int { self?.count ?? 0 }
}

import Wire

/// What the peer told us it holds beyond the cumulative ACK (RFC 6675 §3 "scoreboard"):
/// merged, sorted ranges. Drives loss detection (IsLost), the pipe estimate and which bytes
/// are never sent again because the peer already has them.
///
/// Bounded and allocated once: at most `maximumRanges` separate ranges, updated in place. A
/// block that would make one more is ignored, which only means those bytes may be sent again
/// (RFC 2018 §8: a sender never relies on SACK alone).
struct SACKScoreboard {
    static let maximumRanges = 64
    private(set) var ranges: [(start: SequenceNumber, end: SequenceNumber)] = []

    init() { ranges.reserveCapacity(Self.maximumRanges) }

    var isEmpty: Bool { ranges.isEmpty }
    var highestSACKed: SequenceNumber? { ranges.last?.end }

    mutating func clear() { ranges.removeAll(keepingCapacity: true) }

    /// Adds blocks from an ACK; ignores blocks at or below the cumulative ACK or beyond what we sent.
    mutating func update(blocks: SACKBlocks, sndUna: SequenceNumber, sndMax: SequenceNumber) {
        for block in blocks {
            let start = SequenceNumber.max(SequenceNumber(block.left), sndUna)
            let end = SequenceNumber(block.right)
            guard start < end, end <= sndMax, SequenceNumber(block.left) < end else { continue }
            insert(start, end)
        }
        advance(to: sndUna)
    }

    /// Forgets everything below the cumulative ACK.
    mutating func advance(to sndUna: SequenceNumber) {
        var below = 0
        while below < ranges.count && ranges[below].end <= sndUna { below += 1 }
        if below > 0 { ranges.removeFirst(below) }
        if let first = ranges.first, first.start < sndUna { ranges[0].start = sndUna }
    }

    /// Merges [start, end) into the sorted ranges: the ones it touches or overlaps become one.
    private mutating func insert(_ start: SequenceNumber, _ end: SequenceNumber) {
        var first = 0
        while first < ranges.count && ranges[first].end < start { first += 1 }
        var last = first
        while last < ranges.count && ranges[last].start <= end { last += 1 }
        if first == last {
            guard ranges.count < Self.maximumRanges else { return }
            ranges.insert((start, end), at: first)
            return
        }
        ranges[first] = (SequenceNumber.min(start, ranges[first].start), SequenceNumber.max(end, ranges[last - 1].end))
        if last - first > 1 { ranges.removeSubrange((first + 1)..<last) }
    }

    /// The SACKed range that starts at or after `sequence`, if any (where an unSACKed run ends).
    func nextSACKedStart(after sequence: SequenceNumber) -> SequenceNumber? {
        ranges.first { $0.start > sequence }?.start
    }

    /// The end of the SACKed range covering `sequence`, if it is SACKed.
    func sackedEnd(covering sequence: SequenceNumber) -> SequenceNumber? {
        ranges.first { sequence.isIn($0.start, $0.end) }?.end
    }

    func sackedBytes(above sequence: SequenceNumber) -> Int {
        ranges.reduce(0) { total, range in
            range.end <= sequence ? total : total + (range.end - SequenceNumber.max(range.start, sequence))
        }
    }

    /// RFC 6675 IsLost: DupThresh discontiguous SACKed ranges above, or more than
    /// (DupThresh − 1) × SMSS bytes SACKed above.
    func isLost(_ sequence: SequenceNumber, mss: Int, dupThreshold: Int = 3) -> Bool {
        var rangesAbove = 0
        for range in ranges where range.start > sequence { rangesAbove += 1 }
        return rangesAbove >= dupThreshold || sackedBytes(above: sequence) > (dupThreshold - 1) * mss
    }
}

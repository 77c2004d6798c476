import Wire

/// What the peer told us it holds beyond the cumulative ACK (RFC 6675 §3 "scoreboard"):
/// merged, sorted ranges. Drives loss detection (IsLost), the pipe estimate and which bytes
/// are never sent again because the peer already has them.
struct SACKScoreboard {
    private(set) var ranges: [(start: SequenceNumber, end: SequenceNumber)] = []

    var isEmpty: Bool { ranges.isEmpty }
    var highestSACKed: SequenceNumber? { ranges.last?.end }

    mutating func clear() { ranges.removeAll() }

    /// Adds blocks from an ACK; ignores blocks at or below the cumulative ACK or beyond what we sent.
    mutating func update(blocks: [SACKBlock], sndUna: SequenceNumber, sndMax: SequenceNumber) {
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
        ranges = ranges.compactMap { range in
            if range.end <= sndUna { return nil }
            return (SequenceNumber.max(range.start, sndUna), range.end)
        }
    }

    private mutating func insert(_ start: SequenceNumber, _ end: SequenceNumber) {
        var newStart = start, newEnd = end
        var kept: [(start: SequenceNumber, end: SequenceNumber)] = []
        for range in ranges {
            if range.end < newStart || range.start > newEnd {
                kept.append(range)
            } else {
                newStart = SequenceNumber.min(newStart, range.start)
                newEnd = SequenceNumber.max(newEnd, range.end)
            }
        }
        kept.append((newStart, newEnd))
        kept.sort { $0.start < $1.start }
        ranges = kept
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
        let rangesAbove = ranges.filter { $0.start > sequence }.count
        return rangesAbove >= dupThreshold || sackedBytes(above: sequence) > (dupThreshold - 1) * mss
    }
}

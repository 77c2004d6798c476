/// A min-heap of frames waiting in a `LinkShaper`, ordered by release time and, at equal
/// times, by the order they were queued (a binary heap alone is not stable, and a delay
/// without jitter must not reorder frames). Its storage is allocated once, for a fixed
/// number of entries: pushing and popping never allocate.
struct ReleaseQueue {
    struct Entry {
        /// Release time, nanoseconds of the port's clock.
        var time: UInt64
        /// Tie-break: the order the entries were pushed.
        var sequence: UInt64
        /// The slot that holds the datagram, and its length.
        var slot: Int32
        var length: Int32

        @inline(__always)
        static func < (l: Entry, r: Entry) -> Bool {
            l.time != r.time ? l.time < r.time : l.sequence < r.sequence
        }
    }

    private let entries: UnsafeMutableBufferPointer<Entry>
    private(set) var count = 0
    private var nextSequence: UInt64 = 0

    init(capacity: Int) {
        entries = .allocate(capacity: max(1, capacity))
    }

    /// Frees the storage; the owner calls it once, from its deinit.
    func deallocate() { entries.deallocate() }

    var capacity: Int { entries.count }
    var isEmpty: Bool { count == 0 }
    var first: Entry? { count > 0 ? entries[0] : nil }

    mutating func push(time: UInt64, slot: Int32, length: Int32) {
        precondition(count < entries.count, "release queue over capacity")
        var index = count
        let entry = Entry(time: time, sequence: nextSequence, slot: slot, length: length)
        nextSequence &+= 1
        count += 1
        while index > 0 {
            let parent = (index - 1) / 2
            guard entry < entries[parent] else { break }
            entries[index] = entries[parent]
            index = parent
        }
        entries[index] = entry
    }

    mutating func popFirst() -> Entry? {
        guard count > 0 else { return nil }
        let top = entries[0]
        count -= 1
        guard count > 0 else { return top }
        let last = entries[count]
        var index = 0
        while true {
            let left = 2 * index + 1
            guard left < count else { break }
            let right = left + 1
            let child = right < count && entries[right] < entries[left] ? right : left
            guard entries[child] < last else { break }
            entries[index] = entries[child]
            index = child
        }
        entries[index] = last
        return top
    }

    /// Empties the queue; the caller frees the slots it returns through `body`.
    mutating func removeAll(_ body: (Entry) -> Void) {
        for index in 0..<count { body(entries[index]) }
        count = 0
    }
}

import DequeModule
import SmartNIC

/// The socket send buffer: bytes written and not yet acknowledged, as payloads in card memory
/// (smart) or host memory (conventional, or a fallback when the card is full), in sequence
/// order. write() moves the user's bytes straight into them through the driver; transmit and
/// retransmission hand the card the same payloads, so data stays on the card until ACKed.
struct SendQueue {
    private(set) var pieces = Deque<Payload>()
    private(set) var count = 0
    /// The socket's send buffer size: how much the application may queue.
    let capacity: Int
    /// Payload runs are allocated at most this large (eight 2 KiB chunks): a full-size segment
    /// then spans one or two runs while the card has room (more, of smaller runs, when it is
    /// nearly full), and a small card is shared in useful pieces.
    static let runSize = 16 << 10

    init(capacity: Int) {
        // No storage reserved up front: an idle connection then costs a few hundred bytes, not
        // the tens of KiB a full buffer's worth of entries takes. The deque grows to its working
        // size during the first window of data and keeps it, so the frame path allocates nothing
        // once warm (SmartPathAllocations).
        self.capacity = max(1, capacity)
    }

    var freeSpace: Int { capacity - count }
    var isEmpty: Bool { count == 0 }

    /// write(): stores as much of `bytes` as the send buffer and memory take; returns how much.
    mutating func append(_ bytes: UnsafeRawBufferPointer, driver: NICDriver) -> Int {
        var accepted = 0
        while accepted < bytes.count && count < capacity {
            let wanted = min(bytes.count - accepted, capacity - count)
            let source = UnsafeRawBufferPointer(rebasing: bytes[accepted..<(accepted + wanted)])
            // Grow the last run in place first: even a fallback run in host memory, so that small
            // writes on a full card share chunks instead of taking one each.
            if var tail = pieces.last, driver.spareCapacity(of: tail) > 0 {
                let stored = driver.append(source, to: &tail)
                pieces[pieces.count - 1] = tail
                accepted += stored
                count += stored
                continue
            }
            guard var fresh = driver.allocatePayload(capacity: min(wanted, Self.runSize)) else { break }
            let stored = driver.append(source, to: &fresh)
            pieces.append(fresh)
            accepted += stored
            count += stored
        }
        return accepted
    }

    /// Calls `body` with the payloads that hold `length` bytes starting `offset` bytes into the
    /// queue, in order (parts of runs where the range starts or ends inside one).
    func forEach(from offset: Int, length: Int, _ body: (Payload) -> Void) {
        precondition(offset >= 0 && length >= 0 && offset + length <= count, "send queue range out of bounds")
        var skip = offset
        var remaining = length
        for piece in pieces where remaining > 0 {
            if skip >= piece.count {
                skip -= piece.count
                continue
            }
            let take = min(piece.count - skip, remaining)
            body(piece.subpayload(from: skip, length: take))
            skip = 0
            remaining -= take
        }
    }

    /// Drops `length` acknowledged bytes from the head; their memory is freed with the last
    /// holder of each run.
    mutating func removeFirst(_ length: Int) {
        precondition(length >= 0 && length <= count)
        var remaining = length
        while remaining > 0, let head = pieces.first {
            if head.count <= remaining {
                remaining -= head.count
                head.release()
                pieces.removeFirst()
            } else {
                pieces[0] = head.dropFirst(remaining)
                remaining = 0
            }
        }
        count -= length
    }

    mutating func removeAll() { removeFirst(count) }
}

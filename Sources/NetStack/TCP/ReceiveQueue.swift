import DequeModule
import SmartNIC

/// In-order received data not yet read, as the payloads of the segments that carried it, left
/// where they landed: on the card (smart) or in host memory. read() moves them into the user's
/// buffer through the driver (a DMA from the card, or a CPU copy) and frees them.
struct ReceiveQueue {
    private(set) var pieces = Deque<Payload>()
    private(set) var count = 0
    /// Card or host memory the queued payloads hold (whole runs).
    private(set) var footprint = 0
    /// The most this queue and the out-of-order data together may hold (the receive buffer).
    let capacity: Int

    init(capacity: Int) {
        // No storage reserved up front: an idle connection then costs a few hundred bytes, not
        // the tens of KiB a full buffer's worth of entries takes. The deque grows to its working
        // size during the first window of data and keeps it, so the frame path allocates nothing
        // once warm (SmartPathAllocations).
        self.capacity = max(1, capacity)
    }

    var freeSpace: Int { capacity - count }
    var isEmpty: Bool { count == 0 }

    /// Queues a payload that continues the stream; the queue becomes one of its holders.
    mutating func append(_ payload: Payload) {
        guard payload.count > 0 else { return }
        payload.retain()
        pieces.append(payload)
        count += payload.count
        footprint += payload.footprint
    }

    /// Queues a payload whose holder the caller hands over (from the out-of-order queue).
    mutating func adopt(_ payload: Payload) {
        pieces.append(payload)
        count += payload.count
        footprint += payload.footprint
    }

    /// read(): moves up to `destination.count` bytes into `destination`; returns how many.
    mutating func read(into destination: UnsafeMutableRawBufferPointer) -> Int {
        var done = 0
        while done < destination.count, let head = pieces.first {
            let take = min(head.count, destination.count - done)
            head.driver.read(head.prefix(take), into: UnsafeMutableRawBufferPointer(rebasing: destination[done..<(done + take)]))
            done += take
            if take == head.count {
                footprint -= head.footprint
                head.release()
                pieces.removeFirst()
            } else {
                pieces[0] = head.dropFirst(take)
            }
        }
        count -= done
        return done
    }

    mutating func removeAll() {
        for piece in pieces { piece.release() }
        pieces.removeAll(keepingCapacity: true)
        count = 0
        footprint = 0
    }
}

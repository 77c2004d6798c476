import Wire

/// The egress impairments of one NIC port (ARCHITECTURE.md, "Topologies": each end impairs what it sends, so each
/// direction of a link has its own settings), in the spirit of smoltcp's `FaultInjector` device
/// wrapper: it sits between the port's transmit and the underlay's `send`.
///
/// For every frame the port transmits it asks its `FaultInjector` for the copies to deliver and
/// when. A copy due now and undamaged leaves at once, from the frame's own parts (no copy). Any
/// other copy is copied into a slot of a pool allocated once, its corrupted bit (if any) flipped
/// in the copy — never in the frame, whose payload may be cached card memory shared with a
/// retransmission — and queued in a min-heap of (release time, slot). `releaseDue(now:)` sends
/// every copy whose time has come, in time order (equal times in the order they were queued);
/// `nextDeadline` is when it next has to be called. Delay is a timer queue, never a sleep.
/// Nothing is allocated per frame; a full pool (or a frame longer than a slot) is a tail drop,
/// counted.
///
/// The free slots are a stack, so the most recently used slot is used again first: the pool is
/// reserved at full size, but only as many slots as were ever in use at once are touched (and
/// become resident in memory).
final class LinkShaper {
    /// Slots in a port's pool unless the port says otherwise: at 1 Gbit/s of 1500-byte frames,
    /// about 50 ms of delay.
    static let defaultSlotCount = 4096
    /// A 9000-byte-MTU frame (9014 bytes with its Ethernet header, 9018 with a VLAN tag) and the
    /// 8-byte VXLAN header, rounded up to 9 KiB.
    static let slotSize = 9 * 1024

    unowned let port: NICPort
    /// Where a copy goes when its time comes: out of the port's socket for its egress, into
    /// the port's receive path for frames from a peer that is not ours (`NICPort.ingress`).
    let output: (UnsafeBufferPointer<UnsafeRawBufferPointer>) -> Bool
    var injector: FaultInjector
    let slotCount: Int
    let slotSize: Int
    private let pool: UnsafeMutableRawBufferPointer
    private let freeSlots: UnsafeMutableBufferPointer<Int32>
    private var freeCount: Int
    private var queue: ReleaseQueue

    init(port: NICPort, impairments: Impairments, seed: UInt64,
         slotCount: Int = LinkShaper.defaultSlotCount, slotSize: Int = LinkShaper.slotSize,
         output: @escaping (UnsafeBufferPointer<UnsafeRawBufferPointer>) -> Bool) {
        precondition(slotCount > 0 && slotCount <= Int(Int32.max) && slotSize > 0, "a shaper needs slots")
        self.port = port
        self.output = output
        injector = FaultInjector(impairments: impairments, seed: seed)
        self.slotCount = slotCount
        self.slotSize = slotSize
        pool = .allocate(byteCount: slotCount * slotSize, alignment: 64)
        freeSlots = .allocate(capacity: slotCount)
        // Slot 0 on top of the stack.
        for index in 0..<slotCount { freeSlots[index] = Int32(slotCount - 1 - index) }
        freeCount = slotCount
        queue = ReleaseQueue(capacity: slotCount)
    }

    deinit {
        pool.deallocate()
        freeSlots.deallocate()
        queue.deallocate()
    }

    /// Copies waiting in the pool.
    var queuedFrames: Int { queue.count }

    /// When the earliest waiting copy is due; nil when none waits.
    var nextDeadline: Instant? { queue.first.map { Instant(nanoseconds: $0.time) } }

    /// A frame the port transmits at `now`: the datagram's parts, the first `headroom` bytes
    /// of which are the encapsulation header (the injector's lengths and corrupted bytes are
    /// the Ethernet frame's). The parts are read during the call only.
    func offer(_ datagram: UnsafeBufferPointer<UnsafeRawBufferPointer>, headroom: Int, now: Instant) {
        var length = 0
        for part in datagram { length += part.count }
        let before = injector.counters
        let deliveries = injector.schedule(length: length - headroom, now: now)
        let after = injector.counters
        port.counters.droppedLoss += after.lost - before.lost
        port.counters.droppedQueueFull += after.queueDrops - before.queueDrops
        port.counters.duplicated += after.duplicated - before.duplicated
        port.counters.corrupted += after.corrupted - before.corrupted
        port.counters.reordered += after.reordered - before.reordered
        for delivery in deliveries {
            if delivery.at <= now && delivery.corruptByte == nil {
                // Due now: anything due before it leaves first, then the frame itself, as it is.
                releaseDue(now: now)
                if !output(datagram) { port.counters.droppedOnSend += 1 }
                continue
            }
            guard length <= slotSize, freeCount > 0 else {
                port.counters.droppedDelayLineFull += 1
                continue
            }
            freeCount -= 1
            let slot = freeSlots[freeCount]
            let base = address(of: slot)
            var offset = 0
            for part in datagram where part.count > 0 {
                (base + offset).copyMemory(from: part.baseAddress!, byteCount: part.count)
                offset += part.count
            }
            if let byte = delivery.corruptByte {
                base.storeBytes(of: base.load(fromByteOffset: headroom + byte, as: UInt8.self) ^ delivery.corruptMask,
                                toByteOffset: headroom + byte, as: UInt8.self)
            }
            queue.push(time: delivery.at.nanoseconds, slot: slot, length: Int32(length))
            if delivery.at <= now {
                releaseDue(now: now)
            } else {
                port.counters.delayed += 1
            }
        }
    }

    /// Sends, through the port, every waiting copy due at `now` or earlier, in time order.
    func releaseDue(now: Instant) {
        while let top = queue.first, top.time <= now.nanoseconds {
            _ = queue.popFirst()
            let part = UnsafeRawBufferPointer(start: address(of: top.slot), count: Int(top.length))
            let sent = withUnsafePointer(to: part) { output(UnsafeBufferPointer(start: $0, count: 1)) }
            if !sent { port.counters.droppedOnSend += 1 }
            // Freed only after the send: the slot's bytes are valid during the call.
            freeSlots[freeCount] = top.slot
            freeCount += 1
        }
    }

    /// Drops every waiting copy (the link went down), and the rate limiter's backlog with
    /// them; returns how many.
    func discardAll() -> Int {
        injector.clearBacklog()
        let dropped = queue.count
        queue.removeAll { entry in
            freeSlots[freeCount] = entry.slot
            freeCount += 1
        }
        return dropped
    }

    private func address(of slot: Int32) -> UnsafeMutableRawPointer {
        pool.baseAddress! + Int(slot) * slotSize
    }
}

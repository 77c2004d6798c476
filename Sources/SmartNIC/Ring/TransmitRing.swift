/// The card's transmit ring: frames the host has handed over and the card has not yet put on
/// the wire. A node flushes it once per loop iteration, so a burst of segments leaves in one
/// system call (sendmmsg, and UDP GSO for runs of equal-size datagrams) instead of one each.
///
/// Each staged frame is its datagram's parts, in order: the encapsulation, the headers the host
/// DMAed and any host-memory data, in the ring's arena; payloads cached on the card, referenced
/// where they lie. A cached payload is held (one more reference in card memory) until its frame
/// has left, as a real card frees a buffer only at transmit completion: an ACK processed later
/// in the same iteration may release the connection's hold on it, and the bytes must not be
/// reused before they are sent.
///
/// Without `batching` (a simulation, a port nobody flushes), every frame is sent as it is staged.
public final class TransmitRing {
    /// Bytes of headers and host data the arena holds across staged frames; one more frame of
    /// the largest size always fits after the last (`reserve`).
    public static let arenaBytes = 256 * 1024
    /// Parts and frames of one flush: sendmmsg takes at most 1024 iovecs per message and the
    /// kernel's own batch limit is 1024 messages.
    public static let partCapacity = 1024
    public static let frameCapacity = 256

    let arena: UnsafeMutableRawBufferPointer
    /// What must stay free at the end of the arena for one more frame of the largest size.
    let reserve: Int
    var arenaUsed = 0
    /// Every staged frame's parts, back to back; `frameEnds[i]` is where frame i's end.
    public let parts: UnsafeMutableBufferPointer<UnsafeRawBufferPointer>
    public private(set) var partCount = 0
    public let frameEnds: UnsafeMutableBufferPointer<Int>
    /// Datagram length of each staged frame, for grouping equal sizes into one GSO send.
    public let frameLengths: UnsafeMutableBufferPointer<Int>
    public private(set) var frameCount = 0
    /// Card memory the staged frames reference, held until they have left.
    let held: UnsafeMutableBufferPointer<MemorySlice>
    var heldCount = 0

    init(largestFrame: Int) {
        reserve = largestFrame + 64
        arena = .allocate(byteCount: Self.arenaBytes + reserve, alignment: 64)
        parts = .allocate(capacity: Self.partCapacity)
        frameEnds = .allocate(capacity: Self.frameCapacity)
        frameLengths = .allocate(capacity: Self.frameCapacity)
        held = .allocate(capacity: Self.partCapacity)
    }

    deinit {
        arena.deallocate()
        parts.deallocate()
        frameEnds.deallocate()
        frameLengths.deallocate()
        held.deallocate()
    }

    /// Whether one more frame of the largest size fits, with `NICPort.maximumParts` parts.
    var hasRoom: Bool {
        arenaUsed <= Self.arenaBytes && partCount + NICPort.maximumParts <= Self.partCapacity
            && frameCount < Self.frameCapacity && heldCount + NICPort.maximumParts <= Self.partCapacity
    }

    /// Where the next frame's bytes go.
    var nextBytes: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: arena[arenaUsed...])
    }

    /// Keeps the frame just assembled: `used` arena bytes from `nextBytes`, `count` parts from
    /// `parts[partCount...]`, `length` bytes in all.
    func commit(arenaBytes used: Int, parts count: Int, length: Int) {
        arenaUsed += (used + 63) & ~63
        partCount += count
        frameEnds[frameCount] = partCount
        frameLengths[frameCount] = length
        frameCount += 1
    }

    /// Keeps a reference to card memory a staged frame points into (already retained).
    func hold(_ slice: MemorySlice) {
        held[heldCount] = slice
        heldCount += 1
    }

    /// Lets go of what the frame being assembled held (from `first`): it was not staged.
    func release(heldFrom first: Int, into memory: PacketMemory?) {
        guard heldCount > first else { return }
        if let memory {
            for index in first..<heldCount { memory.release(held[index]) }
        }
        heldCount = first
    }

    /// The parts of staged frame `index`.
    public func frame(_ index: Int) -> UnsafeBufferPointer<UnsafeRawBufferPointer> {
        let start = index == 0 ? 0 : frameEnds[index - 1]
        return UnsafeBufferPointer(rebasing: parts[start..<frameEnds[index]])
    }

    /// Forgets the first `sent` frames, which have left; the rest move to the front, in order.
    /// Their bytes stay where they are in the arena, and the card memory the ring holds stays
    /// held until the ring empties (`reset`): a stopped ring frees nothing early.
    func dropFirst(_ sent: Int) {
        guard sent > 0 else { return }
        precondition(sent < frameCount, "dropFirst(\(sent)) of \(frameCount) frames")
        let firstPart = frameEnds[sent - 1]
        let remainingParts = partCount - firstPart
        (parts.baseAddress!).update(from: parts.baseAddress! + firstPart, count: remainingParts)
        for index in 0..<(frameCount - sent) {
            frameEnds[index] = frameEnds[index + sent] - firstPart
            frameLengths[index] = frameLengths[index + sent]
        }
        partCount = remainingParts
        frameCount -= sent
    }

    /// Empties the ring; the held card memory is released into `memory`.
    func reset(releasingInto memory: PacketMemory?) {
        if let memory {
            for index in 0..<heldCount { memory.release(held[index]) }
        }
        heldCount = 0
        arenaUsed = 0
        partCount = 0
        frameCount = 0
    }
}

/// Packet memory (ARCHITECTURE.md, "The NIC"): a real arena of bytes, allocated once, carved into fixed-size
/// chunks. The card's own memory is one (the payload cache); the host's packet buffers are
/// another, so both paths of the emulator allocate the same way and nothing is allocated per
/// frame. A payload takes a run of contiguous chunks (one for MTU 1500, five for a 9000-byte
/// jumbo payload at 2 KiB chunks). Runs are reference-counted, so a payload queued for
/// retransmission and the frame on the wire can share it. The driver manages this memory apart
/// from packet I/O: allocating a run is a table update, never a heap allocation, so a frame
/// landing from the wire costs no `malloc`.
public final class PacketMemory {
    public enum Location: String, Sendable, Codable { case host, card }

    public let location: Location
    public let size: Int
    public let chunkSize: Int
    public let chunkCount: Int
    let bytes: UnsafeMutableRawBufferPointer
    /// Reference count of the run starting at each chunk (0 for free chunks and run tails).
    private var references: [UInt16]
    /// Run length in chunks, recorded at the run's first chunk.
    private var runLength: [Int32]
    private var free: [Bool]
    /// Where the next search for free chunks starts (next-fit keeps allocation O(1) on average
    /// when payloads are freed roughly in the order they were allocated, as TCP does).
    private var cursor = 0
    public private(set) var allocatedBytes = 0
    public private(set) var peakAllocatedBytes = 0
    public private(set) var failedAllocations = 0
    /// How much may be allocated: all of it, unless a fault shrank the memory while it runs
    /// (`nic IFACE card-memory 64KiB`). What is allocated stays; new allocations beyond it fail,
    /// and the driver falls back to host memory as when the card is full.
    public var usableBytes: Int {
        didSet { usableBytes = min(max(usableBytes, 0), size) }
    }

    /// `size` is rounded down to whole chunks.
    public init(size: Int, chunkSize: Int = 2048, location: Location = .card) {
        precondition(chunkSize > 0 && size >= chunkSize, "packet memory must hold at least one chunk")
        self.location = location
        self.chunkSize = chunkSize
        chunkCount = size / chunkSize
        self.size = chunkCount * chunkSize
        // Not zeroed: pages become resident as the allocator first hands them out, so a node's
        // memory grows with what it really holds, not with the configured size.
        bytes = .allocate(byteCount: self.size, alignment: 64)
        references = [UInt16](repeating: 0, count: chunkCount)
        runLength = [Int32](repeating: 0, count: chunkCount)
        free = [Bool](repeating: true, count: chunkCount)
        usableBytes = self.size
    }

    deinit { bytes.deallocate() }

    public var freeBytes: Int { max(0, usableBytes - allocatedBytes) }

    /// A slice able to hold `length` bytes, or nil when the card has no run that large free
    /// (the caller then falls back to host memory and counts it).
    /// `keepingFree` chunks must stay free after it (a reserve the caller leaves for others).
    public func allocate(_ length: Int, keepingFree reserve: Int = 0) -> MemorySlice? {
        let needed = max(1, (length + chunkSize - 1) / chunkSize)
        guard needed + reserve <= freeChunks, let start = findRun(of: needed) else {
            failedAllocations += 1
            return nil
        }
        for chunk in start..<(start + needed) { free[chunk] = false }
        references[start] = 1
        runLength[start] = Int32(needed)
        cursor = (start + needed) % chunkCount
        allocatedBytes += needed * chunkSize
        peakAllocatedBytes = max(peakAllocatedBytes, allocatedBytes)
        return MemorySlice(chunk: Int32(start), offset: 0, length: Int32(length))
    }

    private func findRun(of needed: Int) -> Int? {
        var scanned = 0
        var candidate = cursor
        while scanned < chunkCount {
            if candidate + needed > chunkCount {
                scanned += chunkCount - candidate
                candidate = 0
                continue
            }
            var length = 0
            while length < needed && free[candidate + length] { length += 1 }
            if length == needed { return candidate }
            scanned += length + 1
            candidate += length + 1
            if candidate >= chunkCount { candidate = 0 }
        }
        return nil
    }

    /// Another holder of the same payload (a retransmission queue entry and a frame in flight).
    public func retain(_ slice: MemorySlice) {
        let head = Int(slice.chunk)
        precondition(!free[head] && references[head] > 0, "retain of a freed card slice")
        references[head] += 1
    }

    /// Drops one holder; the chunks return to the free pool with the last one.
    public func release(_ slice: MemorySlice) {
        let head = Int(slice.chunk)
        precondition(!free[head] && references[head] > 0, "release of a freed card slice")
        references[head] -= 1
        guard references[head] == 0 else { return }
        let count = Int(runLength[head])
        for chunk in head..<(head + count) { free[chunk] = true }
        runLength[head] = 0
        allocatedBytes -= count * chunkSize
        // Empty again (a router's card between frames): start over at the bottom, so the same
        // few pages serve every frame instead of the cursor walking, and touching, all of them.
        if allocatedBytes == 0 { cursor = 0 }
    }

    public func referenceCount(of slice: MemorySlice) -> Int { Int(references[Int(slice.chunk)]) }

    /// The whole run's bytes: what holding any part of it keeps from everyone else.
    public func runBytes(of slice: MemorySlice) -> Int { Int(runLength[Int(slice.chunk)]) * chunkSize }

    /// Free chunks: what is left for everyone.
    public var freeChunks: Int { max(0, usableBytes / chunkSize - allocatedBytes / chunkSize) }

    /// Bytes the slice's run can hold from the slice's start: a payload can grow in place.
    public func capacity(of slice: MemorySlice) -> Int {
        Int(runLength[Int(slice.chunk)]) * chunkSize - Int(slice.offset)
    }

    /// The slice's bytes inside the arena. In card memory only the DMA engine and the card's
    /// own logic (checksums, framing) touch them; the host stack never reads card memory.
    func region(_ slice: MemorySlice) -> UnsafeMutableRawBufferPointer {
        let start = Int(slice.chunk) * chunkSize + Int(slice.offset)
        return UnsafeMutableRawBufferPointer(rebasing: bytes[start..<(start + Int(slice.length))])
    }
}

/// Bytes in packet memory: a run of chunks, and the bytes used within it. A plain value:
/// copying it does not copy the payload; `PacketMemory.retain`/`release` (through `Payload`) count its holders.
public struct MemorySlice: Hashable, Sendable {
    public let chunk: Int32
    public let offset: Int32
    public let length: Int32

    public init(chunk: Int32, offset: Int32, length: Int32) {
        self.chunk = chunk
        self.offset = offset
        self.length = length
    }

    public var count: Int { Int(length) }

    /// The same start, `length` bytes long (a payload that grew in place within its run).
    public func resized(to length: Int) -> MemorySlice {
        MemorySlice(chunk: chunk, offset: offset, length: Int32(length))
    }

    /// A narrower view of the same payload (for a segment that carries only part of it).
    public func subslice(from start: Int, length: Int) -> MemorySlice {
        precondition(start >= 0 && length >= 0 && start + length <= Int(self.length), "subslice out of range")
        return MemorySlice(chunk: chunk, offset: offset + Int32(start), length: Int32(length))
    }
}

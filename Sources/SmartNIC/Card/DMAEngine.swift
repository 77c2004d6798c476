/// Every byte that crosses the emulated bus, by direction, and every byte the host CPU copies.
/// The figures of DESIGN.md §1 come from here; nothing is estimated.
public struct BusCounters: Sendable, Equatable, Codable {
    /// Bytes DMAed from host memory to the card (payloads on smart write, headers, whole frames).
    public var hostToCard = 0
    /// Bytes DMAed from the card to host memory (header prefixes, payloads on read, whole frames).
    public var cardToHost = 0
    /// Payload bytes the host CPU copied (the conventional path's write and read copies).
    public var cpuCopied = 0

    public init() {}

    public var busBytes: Int { hostToCard + cardToHost }
}

/// The card's DMA engine: moves bytes between host memory and card memory and counts them.
/// It is the only way bytes get into or out of the arena from the host side.
public struct DMAEngine {
    public private(set) var counters = BusCounters()
    let memory: CardMemory

    public init(memory: CardMemory) { self.memory = memory }

    /// Host → card: fills `slice` (from its start) with `source`.
    public mutating func write(_ source: UnsafeRawBufferPointer, into slice: CardSlice) {
        precondition(source.count <= slice.count, "DMA write larger than the card slice")
        let destination = memory.region(slice)
        destination.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: source.count)
        counters.hostToCard += source.count
    }

    /// Card → host: copies `slice` into `destination` (from its start).
    public mutating func read(_ slice: CardSlice, into destination: UnsafeMutableRawBufferPointer) {
        precondition(destination.count >= slice.count, "DMA read larger than the host buffer")
        let source = memory.region(slice)
        destination.baseAddress!.copyMemory(from: UnsafeRawPointer(source.baseAddress!), byteCount: slice.count)
        counters.cardToHost += slice.count
    }

    /// Counts bytes that crossed the bus in a transfer the caller performed itself (a header
    /// written straight into the card's transmit buffer, a whole frame on the conventional path).
    public mutating func countHostToCard(_ bytes: Int) { counters.hostToCard += bytes }
    public mutating func countCardToHost(_ bytes: Int) { counters.cardToHost += bytes }

    /// Counts a copy the host CPU made (only the conventional path makes them).
    public mutating func countCPUCopy(_ bytes: Int) { counters.cpuCopied += bytes }
}

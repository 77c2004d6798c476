/// Bytes of a packet's data part and where they lie: in host memory or cached on the card
/// (the seed's "data part cached on NIC" mark). A plain value: copying it copies no bytes;
/// `retain`/`release` count its holders in its memory's arena. Only the driver moves its bytes.
public struct Payload {
    /// The NIC whose memory holds the bytes (a payload may come from another port than the one
    /// a connection sends through, and is always read through its own).
    public let driver: NICDriver
    public let location: PacketMemory.Location
    public private(set) var slice: MemorySlice

    init(driver: NICDriver, location: PacketMemory.Location, slice: MemorySlice) {
        self.driver = driver
        self.location = location
        self.slice = slice
    }

    public var count: Int { slice.count }
    public var isOnCard: Bool { location == .card }
    /// The memory holding this payload keeps from others: its whole run (a one-byte segment
    /// still holds the 2 KiB chunk its frame landed in).
    public var footprint: Int { memory.runBytes(of: slice) }
    var memory: PacketMemory { driver.memory(location) }

    /// A narrower view of the same bytes (a segment's data within its frame, a trimmed segment).
    /// It shares the holders of the whole: `retain` it if it is kept apart.
    public func subpayload(from start: Int, length: Int) -> Payload {
        Payload(driver: driver, location: location, slice: slice.subslice(from: start, length: length))
    }

    public func dropFirst(_ count: Int) -> Payload { subpayload(from: count, length: self.count - count) }
    public func prefix(_ count: Int) -> Payload { subpayload(from: 0, length: count) }

    /// Another holder (a queue that keeps it past the call that handed it over).
    public func retain() { memory.retain(slice) }
    /// One holder less; the memory is free once the last one lets go.
    public func release() { memory.release(slice) }

    /// Room after the bytes in the same run: a send queue appends there before allocating more.
    var spareCapacity: Int { memory.capacity(of: slice) - slice.count }
    mutating func grow(by length: Int) { slice = slice.resized(to: slice.count + length) }

    /// The bytes of a payload in host memory, for the host's own use (a software checksum).
    public func withHostBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        precondition(!isOnCard, "the host never reads card memory: fetch it through the driver")
        return body(UnsafeRawBufferPointer(region))
    }

    /// The bytes, for the card's own logic and for host-memory payloads; never for the host to
    /// read a card payload (that goes through `NICDriver.read`, counted).
    var region: UnsafeMutableRawBufferPointer { memory.region(slice) }
}

import Wire

/// The host's driver for one NIC, and the card's DMA engine behind it (ARCHITECTURE.md, "The
/// NIC"). It owns
/// the card's memory (the payload cache) and the host's packet buffers, and it is the only way
/// bytes move between the application, host memory and card memory. Every move is counted
/// where it happens: a DMA as bus bytes in its direction, a CPU copy as copied bytes.
///
/// The stack asks it for the driver hooks of the scheme: `allocatePayload` and `append`
/// (write() DMAs user data into card memory), `read` (read() DMAs a cached payload into the
/// user's buffer), `pull` (receive fetches headers beyond the constant prefix). Card memory is managed here, apart from packet
/// I/O; when it runs out, the buffer at hand takes the conventional path, counted.
public final class NICDriver {
    public let configuration: NICConfiguration
    /// The payload cache; nil on a conventional card.
    public let card: PacketMemory?
    /// The host's packet buffers: conventional payloads, received frames, fallbacks.
    public let host: PacketMemory
    public internal(set) var counters = NICCounters()
    /// Host memory the driver fetches received headers into: one frame is processed at a time.
    let headerBuffer: UnsafeMutableRawBufferPointer

    public static let defaultHostMemory = 16 << 20

    public init(configuration: NICConfiguration = NICConfiguration(), hostMemory: Int = NICDriver.defaultHostMemory) {
        self.configuration = configuration
        card = configuration.mode == .smart ? PacketMemory(size: configuration.cardMemory, location: .card) : nil
        host = PacketMemory(size: hostMemory, location: .host)
        headerBuffer = .allocate(byteCount: NICPort.maximumFrameLength, alignment: 16)
    }

    deinit { headerBuffer.deallocate() }

    public var mode: NICMode { configuration.mode }

    func memory(_ location: PacketMemory.Location) -> PacketMemory {
        location == .card ? card! : host
    }

    // MARK: - write(): payloads into memory

    /// An empty payload with room for `capacity` bytes of data the application writes: on the
    /// card in smart mode, in host memory on a conventional card or, counted as a fallback, when
    /// the card has no room. Nil when host memory is full too (the socket then takes fewer bytes
    /// and says so later). `append` fills it.
    public func allocatePayload(capacity: Int) -> Payload? {
        if let card {
            // A fragmented card may still have single chunks: take one rather than fall back.
            if let slice = card.allocate(capacity) ?? card.allocate(min(capacity, card.chunkSize)) {
                return Payload(driver: self, location: .card, slice: slice.resized(to: 0))
            }
        }
        // Sends never take the last quarter of host memory: received frames land there (on a
        // full card too), and an ACK that finds no room would stall every connection.
        guard let slice = host.allocate(capacity, keepingFree: host.chunkCount / 4) else { return nil }
        if card != nil { counters.transmitFallbacks += 1 }
        return Payload(driver: self, location: .host, slice: slice.resized(to: 0))
    }

    /// write(): puts the application's bytes at the end of `payload`, growing it within its run
    /// (at most `payload.spareCapacity` bytes). To the card it is a DMA from the user's buffer;
    /// into host memory it is a CPU copy.
    public func append(_ bytes: UnsafeRawBufferPointer, to payload: inout Payload) -> Int {
        let length = min(bytes.count, payload.spareCapacity)
        guard length > 0 else { return 0 }
        let region = payload.memory.region(payload.slice.resized(to: payload.count + length))
        region.baseAddress!.advanced(by: payload.count).copyMemory(from: bytes.baseAddress!, byteCount: length)
        countMove(length, to: payload.location)
        counters.payloadBytesWritten += length
        payload.grow(by: length)
        return length
    }

    /// Bytes of data that can grow in place after `payload` (no new allocation).
    public func spareCapacity(of payload: Payload) -> Int { payload.spareCapacity }

    // MARK: - read(): payloads out to the user

    /// read(): moves `payload`'s bytes into the user's buffer. From the card it is a DMA
    /// straight into the user's buffer; from host memory it is a CPU copy.
    public func read(_ payload: Payload, into destination: UnsafeMutableRawBufferPointer) {
        precondition(destination.count >= payload.count, "read into a buffer shorter than the payload")
        guard payload.count > 0 else { return }
        destination.baseAddress!.copyMemory(from: UnsafeRawPointer(payload.region.baseAddress!), byteCount: payload.count)
        if payload.isOnCard {
            counters.cardToHostBytes += payload.count
        } else {
            counters.cpuCopiedBytes += payload.count
        }
        counters.payloadBytesRead += payload.count
    }

    /// Moves a payload into host memory for the stack itself (a frame that must wait for ARP),
    /// counted like read() but not as data the application read.
    public func fetch(_ payload: Payload, into destination: UnsafeMutableRawBufferPointer) {
        read(payload, into: destination)
        counters.payloadBytesRead -= payload.count
    }

    private func countMove(_ length: Int, to location: PacketMemory.Location) {
        if location == .card {
            counters.hostToCardBytes += length
        } else {
            counters.cpuCopiedBytes += length
        }
    }

    // MARK: - receive: header split

    /// A frame came off the wire. Smart: it lands in card memory (the card's own work, not a
    /// bus transfer) and the driver DMAs the constant header prefix to the host. Conventional, or
    /// when the card is full (a counted fallback): the card DMAs the whole frame to host memory.
    /// Nil when there is no room anywhere: the frame is dropped, counted, as a NIC whose receive
    /// ring is empty drops it.
    func land(_ bytes: UnsafeRawBufferPointer) -> PacketBuffer? {
        if let card {
            if let slice = card.allocate(bytes.count) {
                let frame = Payload(driver: self, location: .card, slice: slice)
                frame.region.copyMemory(from: bytes)
                let prefix = min(configuration.headerPrefix, bytes.count)
                headerBuffer.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: prefix)
                counters.cardToHostBytes += prefix
                return PacketBuffer(frame: frame, head: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(headerBuffer)[..<prefix]))
            }
            counters.receiveFallbacks += 1
        }
        guard let packet = copyToHost(bytes) else { return nil }
        counters.cardToHostBytes += bytes.count
        return packet
    }

    /// A frame the host's stack put together itself (a datagram reassembled from fragments),
    /// copied by the CPU into host memory (counted). It is unmarked: no card verified its
    /// checksums. Nil when host memory is full.
    public func hostPacket(copying bytes: UnsafeRawBufferPointer) -> PacketBuffer? {
        guard let packet = copyToHost(bytes) else { return nil }
        counters.cpuCopiedBytes += bytes.count
        return packet
    }

    /// `bytes` as a whole frame in host memory; who moved them (the card's DMA, the CPU) is
    /// the caller's to count. Nil, counted, when host memory is full.
    private func copyToHost(_ bytes: UnsafeRawBufferPointer) -> PacketBuffer? {
        guard let slice = host.allocate(bytes.count) else {
            counters.droppedNoBuffer += 1
            return nil
        }
        let frame = Payload(driver: self, location: .host, slice: slice)
        frame.region.copyMemory(from: bytes)
        return PacketBuffer(frame: frame, head: UnsafeRawBufferPointer(frame.region))
    }

    /// Makes at least the first `length` bytes of a received frame readable by the host. A frame
    /// in host memory is readable already; for one on the card the driver DMAs the missing bytes
    /// after the prefix into its header buffer, counted.
    public func pull(_ packet: inout PacketBuffer, upTo length: Int) {
        let wanted = min(length, packet.length)
        guard packet.head.count < wanted else { return }
        let have = packet.head.count
        let source = packet.frame.region
        headerBuffer.baseAddress!.advanced(by: have)
            .copyMemory(from: UnsafeRawPointer(source.baseAddress!.advanced(by: have)), byteCount: wanted - have)
        counters.cardToHostBytes += wanted - have
        counters.headerFetches += 1
        packet.head = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(headerBuffer)[..<wanted])
    }

    /// How many payload bytes the memory that receives this NIC's frames can hold at most, for
    /// segments of `segmentSize` payload bytes under `headerBytes` of headers: the card's in
    /// smart mode, the host's packet buffers otherwise. A connection's receive buffer is never
    /// larger, so a window of full-size segments always fits an empty card.
    public func receiveCapacity(segmentSize: Int, headerBytes: Int = 14 + 20 + 32) -> Int {
        let memory = card ?? host
        return memory.chunkCount / chunksPerFrame(segmentSize: segmentSize, headerBytes: headerBytes, memory: memory) * segmentSize
    }

    /// The memory one received frame of `segmentSize` payload bytes holds (whole chunks).
    public func frameFootprint(segmentSize: Int, headerBytes: Int = 14 + 20 + 32) -> Int {
        let memory = card ?? host
        return chunksPerFrame(segmentSize: segmentSize, headerBytes: headerBytes, memory: memory) * memory.chunkSize
    }

    private func chunksPerFrame(segmentSize: Int, headerBytes: Int, memory: PacketMemory) -> Int {
        max(1, (segmentSize + headerBytes + memory.chunkSize - 1) / memory.chunkSize)
    }

    /// Adds a payload to a checksum the host computes in software. A payload on a card must be
    /// fetched for that: counted as a DMA from the card (the smart path never does this; it
    /// happens only when a connection's data leaves through a port without checksum offload).
    public func addToChecksum(_ payload: Payload, _ sum: inout InternetChecksum) {
        if payload.isOnCard { counters.cardToHostBytes += payload.count }
        sum.add(UnsafeRawBufferPointer(payload.region))
    }
}

/// A received frame as the stack sees it (the kernel's sk_buff, reduced to what the scheme
/// needs): the whole frame lies in card or host memory; `head` is the part of it the host can
/// read. On the smart path that is the constant header prefix the driver fetched, and the data
/// part stays cached on the card.
public struct PacketBuffer {
    /// The whole frame, where it lies.
    public let frame: Payload
    public var length: Int { frame.count }
    /// Whether the card verified the IPv4 and TCP/UDP checksums (the host trusts the mark).
    public internal(set) var checksumsVerified = false
    /// Host-readable bytes from the frame's start (see `NICDriver.pull`).
    public internal(set) var head: UnsafeRawBufferPointer

    /// Whether the host can read the whole frame.
    public var isLinear: Bool { head.count == length }

    /// The bytes of the frame from `start` to `end`, left where they are (a TCP segment's data).
    public func payload(from start: Int, to end: Int) -> Payload {
        frame.subpayload(from: start, length: end - start)
    }
}

/// Every byte that crosses the emulated bus, by direction, every payload byte the host CPU
/// copies, and what the card's memory did. The figures of ARCHITECTURE.md ("The NIC") come from here; nothing
/// is estimated.
public struct NICCounters: Sendable, Equatable, Codable {
    /// Payload bytes the host CPU copied: the conventional path's write() and read() copies, and
    /// those of buffers that fell back to host memory.
    public var cpuCopiedBytes = 0
    /// Bytes DMAed from host memory to the card: payloads on a smart write(), transmitted
    /// headers, whole frames on the conventional path.
    public var hostToCardBytes = 0
    /// Bytes DMAed from the card to host memory: header prefixes, payloads on a smart read(),
    /// whole frames on the conventional path.
    public var cardToHostBytes = 0
    /// Bytes the application handed to write() and got from read() through this NIC.
    public var payloadBytesWritten = 0
    public var payloadBytesRead = 0
    /// Received frames for which the driver fetched more than the header prefix (headers longer
    /// than the prefix, or frames the stack reads whole: ARP, ICMP, frames the card found bad).
    public var headerFetches = 0
    /// write() buffers and received frames that went to host memory because the card was full.
    public var transmitFallbacks = 0
    public var receiveFallbacks = 0
    /// Received frames dropped because neither card nor host memory had room.
    public var droppedNoBuffer = 0

    public init() {}

    public var busBytes: Int { hostToCardBytes + cardToHostBytes }
}

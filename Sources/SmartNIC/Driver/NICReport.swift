/// What one NIC did, for `nicbed exec NODE stats` and for tests: its settings, its bus and copy
/// counters, its memories' occupancy, and the figures ARCHITECTURE.md ("The NIC") is about.
public struct NICReport: Sendable, Equatable, Codable {
    public var mode: NICMode
    public var checksumOffload: Bool
    public var headerPrefix: Int
    public var counters: NICCounters
    public var cardMemoryBytes: Int
    /// What of it may be allocated now (less than `cardMemoryBytes` after a shrink fault).
    public var cardUsableBytes: Int
    public var cardBytesNow: Int
    public var cardBytesPeak: Int
    public var cardFailedAllocations: Int
    public var hostMemoryBytes: Int
    public var hostBytesNow: Int
    public var hostBytesPeak: Int
    public var checksumErrors: Int
    /// Frames and bytes on the wire, each way (runts padded to 60 bytes, as on the wire).
    public var wireFramesTransmitted: Int
    public var wireFramesReceived: Int
    public var wireBytesTransmitted: Int
    public var wireBytesReceived: Int

    public init(port: NICPort) {
        let driver = port.driver
        mode = driver.mode
        checksumOffload = port.checksumOffload
        headerPrefix = driver.configuration.headerPrefix
        counters = driver.counters
        cardMemoryBytes = driver.card?.size ?? 0
        cardUsableBytes = driver.card?.usableBytes ?? 0
        cardBytesNow = driver.card?.allocatedBytes ?? 0
        cardBytesPeak = driver.card?.peakAllocatedBytes ?? 0
        cardFailedAllocations = driver.card?.failedAllocations ?? 0
        hostMemoryBytes = driver.host.size
        hostBytesNow = driver.host.allocatedBytes
        hostBytesPeak = driver.host.peakAllocatedBytes
        checksumErrors = port.counters.checksumErrors
        wireFramesTransmitted = port.counters.transmittedFrames
        wireFramesReceived = port.counters.receivedFrames
        wireBytesTransmitted = port.counters.transmittedFrameBytes
        wireBytesReceived = port.counters.receivedFrameBytes
    }

    /// Application payload bytes that went through this NIC, written or read.
    public var payloadBytes: Int { counters.payloadBytesWritten + counters.payloadBytesRead }
    /// Bus bytes (both directions, headers and ACKs included) per payload byte.
    public var busBytesPerPayloadByte: Double {
        payloadBytes == 0 ? 0 : Double(counters.busBytes) / Double(payloadBytes)
    }
    /// CPU-copied bytes per payload byte: 0 on the smart path, 1 on the conventional one.
    public var cpuCopiesPerPayloadByte: Double {
        payloadBytes == 0 ? 0 : Double(counters.cpuCopiedBytes) / Double(payloadBytes)
    }
}

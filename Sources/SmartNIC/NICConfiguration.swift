/// How one NIC works (ARCHITECTURE.md, "The NIC"): the payload-caching smart card of the scheme, or the
/// conventional card beside it, so that every figure can be compared on the same workload.
public enum NICMode: String, Sendable, Codable, CaseIterable {
    /// write() DMAs user data into card memory, transmit DMAs headers only, receive fetches a
    /// constant header prefix, read() DMAs the payload from the card into the user's buffer.
    case smart
    /// write() and read() copy with the CPU; whole frames cross the bus both ways.
    case conventional
}

/// A NIC's settings, as the topology's `nic:` block gives them.
public struct NICConfiguration: Hashable, Sendable, Codable {
    public var mode: NICMode
    /// Bytes of card memory (the payload cache). Rounded down to whole 2 KiB chunks.
    public var cardMemory: Int
    /// Bytes the driver fetches from the card for each received frame in smart mode: enough for
    /// Ethernet (14) + IPv4 (20) + TCP with the options we use (up to 60) = 94, rounded to 96.
    public var headerPrefix: Int
    /// Whether the card computes and verifies checksums. Always on in smart mode: the host
    /// cannot checksum a payload it never touches.
    public var checksumOffload: Bool

    public static let defaultCardMemory = 16 << 20
    public static let defaultHeaderPrefix = 96
    /// A prefix must hold Ethernet + a minimal IPv4 header + a minimal TCP header.
    public static let headerPrefixRange = 54...256
    /// At least 32 chunks of 2 KiB: less cannot hold one window of a single full-size segment.
    public static let cardMemoryRange = (64 << 10)...(4 << 30)

    public init(mode: NICMode = .smart, cardMemory: Int = NICConfiguration.defaultCardMemory,
                headerPrefix: Int = NICConfiguration.defaultHeaderPrefix, checksumOffload: Bool? = nil) {
        self.mode = mode
        self.cardMemory = cardMemory
        self.headerPrefix = headerPrefix
        self.checksumOffload = mode == .smart ? true : (checksumOffload ?? false)
    }

    public static let smart = NICConfiguration(mode: .smart)
    public static let conventional = NICConfiguration(mode: .conventional)
}

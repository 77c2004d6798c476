/// Why the stack dropped what it dropped, and what it handled. A node prints these with
/// `nicbed exec NODE stats`; tests read them to prove a frame took the path they expect.
public struct StackCounters: Sendable, Equatable, Codable {
    public var framesIn = 0
    public var framesOut = 0
    public var droppedNotForUs = 0
    public var droppedUnknownEtherType = 0
    public var droppedMalformed = 0
    public var droppedBadChecksum = 0
    public var droppedNotOurAddress = 0
    public var droppedUnsupportedProtocol = 0
    public var droppedNoRoute = 0
    public var droppedARPQueueFull = 0
    public var droppedARPFailed = 0
    public var arpRequestsSent = 0
    /// Unicast requests that re-confirmed a stale neighbour entry still carrying traffic.
    public var arpProbesSent = 0
    public var arpRepliesSent = 0
    public var icmpEchoRepliesSent = 0
    /// Forwarding (routers): packets sent on toward their destination, and those dropped
    /// because their TTL ran out or they were larger than the next link's MTU.
    public var forwarded = 0
    public var droppedTimeToLive = 0
    public var droppedTooBig = 0
    /// Packets from addresses that cannot be a source (0/8, 127/8, multicast, broadcast).
    public var droppedMartian = 0
    /// ICMP errors sent (time exceeded, destination unreachable, fragmentation needed), and
    /// those the rate limits held back.
    public var icmpErrorsSent = 0
    public var icmpErrorsRateLimited = 0
    /// ICMP errors received that concerned a socket of ours, and those that did not (no such
    /// socket, a quote that is not ours, or one a TCP connection did not believe).
    public var icmpErrorsReceived = 0
    public var icmpErrorsIgnored = 0
    /// Path MTUs learnt from fragmentation needed.
    public var pathMTUsLearnt = 0
    /// Datagrams this node split into fragments (sent by it, or forwarded), and the fragments.
    public var datagramsFragmented = 0
    public var fragmentsSent = 0
    /// A reassembled datagram that host memory had no room for.
    public var droppedNoBuffer = 0

    public init() {}
}

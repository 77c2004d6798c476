/// The node's TCP memory, charged against one budget (Linux's tcp_mem, in bytes rather than
/// pages): every connection's send queue (the bytes queued), receive and out-of-order queues
/// (the card or host memory their payloads hold, as Linux counts an skb's truesize), and a
/// fixed charge for the connection's own state, so that connections holding no data are
/// counted too.
///
/// Two rules keep a node alive when a peer or an application hoards memory:
/// - **New connections go first.** From seven eighths of the budget on, the node is under
///   pressure: a SYN is answered with RST and `connect` refuses (counted as
///   `memoryPressureRefusals`). The last eighth is for the connections already established.
/// - **Established connections are never starved.** Beyond the budget, a connection may still
///   hold `guaranteedShare` of data each way (Linux's tcp_rmem[0] and tcp_wmem[0], a few
///   segments' worth here): its writes are accepted and its in-order data queued up to that,
///   so it keeps moving, slowly, however much the others hold.
public final class SocketMemory {
    /// The stack keeps it equal to `TCPConfiguration.memoryBudget`.
    public internal(set) var budget: Int
    /// Bytes charged now, by all connections.
    public private(set) var charged = 0
    /// The most ever charged at once.
    public private(set) var peak = 0

    /// What a connection may always hold each way, whatever the others hold.
    public static let guaranteedShare = 64 << 10
    /// The charge for a connection's own state (its control block, timers, queues' storage and
    /// the stack's table entry): 5,000 idle connections from Linux grew a node's PSS by about
    /// 2.9 KB each (LinuxHoldsIdleConnections), rounded up.
    public static let connectionState = 4 << 10

    public init(budget: Int) {
        precondition(budget > 0, "a memory budget is a positive number of bytes")
        self.budget = budget
    }

    /// From here on new connections are refused: the rest is kept for established ones.
    public var pressureThreshold: Int { budget - budget / 8 }
    public var isUnderPressure: Bool { charged >= pressureThreshold }

    /// How much more a connection that holds `held` bytes one way may take: what the budget
    /// has left, and never less than what its guaranteed share leaves.
    func allowance(holding held: Int) -> Int {
        max(budget - charged, Self.guaranteedShare - held, 0)
    }

    /// Moves a connection's charge from `old` to `new` bytes.
    func recharge(from old: Int, to new: Int) {
        charged += new - old
        if charged > peak { peak = charged }
    }
}

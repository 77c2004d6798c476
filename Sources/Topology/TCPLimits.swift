/// How much a node's TCP may hold (`tcp: {memory: 64MiB, connections: 16384}`): the memory
/// budget of all its connections' queued data and state, and the connections it keeps at
/// once. The stack refuses new connections from seven eighths of the budget on, and at the
/// cap, with a RST (NetStack's `SocketMemory`).
public struct TCPLimits: Sendable, Hashable, Codable {
    /// Bytes; 256 MiB by default (a busy connection holds up to 2 MiB: 1 MiB each way).
    public var memory: Int
    /// Connections in every state, TIME-WAIT included; the ephemeral range's size by default.
    public var connections: Int

    public init(memory: Int = 256 << 20, connections: Int = 16_384) {
        self.memory = memory
        self.connections = connections
    }

    /// Below 1 MiB a single busy connection could not move; above 64 GiB is no emulation.
    public static let memoryRange = (1 << 20)...(64 << 30)
    public static let connectionRange = 1...1_000_000
}

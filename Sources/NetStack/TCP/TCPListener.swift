import Wire

/// A passive open on a port (RFC 9293 LISTEN). The backlog bounds half-open connections and,
/// apart, connections not yet accepted. A SYN that finds the half-open queue full is answered
/// with a SYN cookie and leaves no state (SYNCookies.swift); one that finds the accept queue
/// full is dropped, so the peer retries later.
public final class TCPListener {
    public let port: UInt16
    public let backlog: Int
    /// Connections from this listener alive at once (half-open, waiting, accepted and not yet
    /// closed); a SYN beyond is refused with a RST. Nil: no cap but the node's.
    public let maximumConnections: Int?
    public internal(set) var liveConnections = 0
    /// Called when `accept()` has a connection to return.
    public var onAcceptable: (() -> Void)?
    public private(set) var droppedSYNs = 0

    var halfOpen: [ObjectIdentifier: TCPConnection] = [:]
    var ready: [TCPConnection] = []
    weak var stack: NetworkStack?

    init(port: UInt16, backlog: Int, maximumConnections: Int?) {
        self.port = port
        self.backlog = max(1, backlog)
        self.maximumConnections = maximumConnections
    }

    var isAtConnectionCap: Bool { maximumConnections.map { liveConnections >= $0 } ?? false }

    /// The next established connection, if any.
    public func accept() -> TCPConnection? {
        ready.isEmpty ? nil : ready.removeFirst()
    }

    public var pendingConnections: Int { ready.count }

    var isSYNQueueFull: Bool { halfOpen.count >= backlog }
    var isAcceptQueueFull: Bool { ready.count >= backlog }
    /// When this listener last answered with a cookie: an ACK is taken for one only while its
    /// cookies can still be valid, so a stray ACK is not checked at all otherwise (as Linux).
    var lastCookieSent: Instant?

    func noteDroppedSYN() { droppedSYNs += 1 }

    func adopt(_ connection: TCPConnection) {
        halfOpen[ObjectIdentifier(connection)] = connection
        connection.listener = self
        connection.origin = self
        liveConnections += 1
    }

    func connectionEstablished(_ connection: TCPConnection) {
        halfOpen[ObjectIdentifier(connection)] = nil
        connection.listener = nil
        ready.append(connection)
        onAcceptable?()
    }

    func connectionEnded(_ connection: TCPConnection) {
        halfOpen[ObjectIdentifier(connection)] = nil
    }

    /// Stops listening; connections not yet accepted are reset.
    public func close() {
        for connection in ready + Array(halfOpen.values) { connection.abort() }
        ready.removeAll()
        halfOpen.removeAll()
        stack?.removeListener(self)
        // Its handler often holds the listener itself (`tcp-recv` closes it from there).
        onAcceptable = nil
    }
}

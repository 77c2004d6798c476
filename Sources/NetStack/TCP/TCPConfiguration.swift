/// Per-stack TCP settings. The defaults follow the RFCs and, where they leave a choice,
/// what Linux does.
public struct TCPConfiguration: Sendable {
    /// Largest payload we accept per segment, announced in our MSS option; nil means the
    /// interface MTU less 40 bytes of IPv4 and TCP headers.
    public var maximumSegmentSize: Int? = nil
    /// Receive buffer (and so the largest window we advertise), bytes.
    public var receiveBufferSize = 1 << 20
    /// Send buffer: how much the application may queue before `send` pushes back.
    public var sendBufferSize = 1 << 20
    public var windowScaling = true
    public var selectiveAcknowledgments = true
    public var timestamps = true
    /// Turns Nagle's algorithm off (TCP_NODELAY).
    public var noDelay = false
    /// Delayed ACK timer (RFC 9293 §3.8.6.3: under 0.5 s; every second full segment is ACKed at once).
    public var delayedAckTimeout: Duration = .milliseconds(40)
    public var initialRTO: Duration = .seconds(1)
    public var minimumRTO: Duration = .milliseconds(200)
    public var maximumRTO: Duration = .seconds(60)
    /// SYN (and SYN-ACK) retransmissions before giving up (Linux tcp_syn_retries).
    public var synRetries = 6
    /// Retransmissions of data or FIN before the connection is declared dead (Linux tcp_retries2).
    public var dataRetries = 15
    /// Zero-window probes without any answer before the connection is declared dead.
    public var persistRetries = 15
    /// TIME-WAIT lasts 2*MSL; 60 s as in Linux by default; tests shorten it.
    public var timeWaitDuration: Duration = .seconds(60)
    /// Keep-alive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6): off by default.
    public var keepAlive: KeepAlive? = nil
    public var congestionControl: CongestionAlgorithm = .newReno
    /// Separate out-of-order ranges held per connection before further ones are dropped.
    public var maximumOutOfOrderRanges = 64
    /// Connections the node holds at once (every state, TIME-WAIT included); a SYN beyond is
    /// answered with a RST and `connect` refuses. The ephemeral range's size by default.
    public var maximumConnections = 16_384
    /// The node's TCP memory budget in bytes: every connection's queued data and state
    /// (`SocketMemory`). From seven eighths of it on, new connections are refused.
    public var memoryBudget = 256 << 20
    /// SYN cookies when a listener's queue of half-open connections is full (RFC 4987;
    /// Linux's tcp_syncookies=1). Off, a SYN beyond the queue is dropped.
    public var synCookies = true
    /// Timeouts in a row of one full-size segment after which the path is taken for an MTU
    /// black hole and segments shrink to the base size (TCPConnection+ICMP.swift); nil turns
    /// the detection off.
    public var blackHoleRetries: Int? = 3
    /// Longest a FIN-WAIT-2 connection whose application has closed may wait for the peer's FIN.
    public var finWait2Timeout: Duration = .seconds(60)

    public struct KeepAlive: Sendable {
        public var idle: Duration = .seconds(7200)
        public var interval: Duration = .seconds(75)
        public var probes = 9
        public init(idle: Duration = .seconds(7200), interval: Duration = .seconds(75), probes: Int = 9) {
            self.idle = idle
            self.interval = interval
            self.probes = probes
        }
    }

    public init() {}
}

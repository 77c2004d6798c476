/// How long a host's file server waits for a client, and how many it serves at once
/// (`serve: {port: N, head_timeout: 10s, idle_timeout: 60s, sessions: 256}`). A client that
/// sends no request head in time hears 408; one that goes silent mid-transfer is closed;
/// one beyond the cap hears 503 (the answers HTTP has for them, RFC 9110 §15.5.9, §15.6.4).
public struct FileServerLimits: Sendable, Hashable, Codable {
    /// From the connection's start to the end of its request head (nginx's
    /// client_header_timeout is 60 s, Apache's RequestReadTimeout 20-40 s; a testbed's
    /// clients are near, so 10 s).
    public var headTimeout: Duration
    /// Longest a session may go without a byte moving either way (nginx's send_timeout and
    /// client_body_timeout: 60 s).
    public var idleTimeout: Duration
    /// Sessions served at once; one more is answered 503 and closed.
    public var sessions: Int

    public init(headTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60), sessions: Int = 256) {
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
        self.sessions = sessions
    }

    public static let sessionRange = 1...100_000
}

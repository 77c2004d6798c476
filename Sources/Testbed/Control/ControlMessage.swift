/// The control protocol of a node: JSON, one object per line, over the node's Unix socket.
/// A client sends one request; the node answers with any number of `output` lines and ends
/// with `exit` (a status code, as a shell command would). Plain JSON so that `socat` or a
/// script can drive a node too.
public struct ControlRequest: Codable, Sendable, Equatable {
    public enum Command: String, Codable, Sendable {
        /// Report the node's state (interfaces, uptime).
        case status
        /// Run a command inside the node (`ping`, `stats`, `addr`).
        case exec
        /// Stop the node cleanly.
        case shutdown
    }

    public var command: Command
    public var arguments: [String]

    public init(command: Command, arguments: [String] = []) {
        self.command = command
        self.arguments = arguments
    }
}

public struct ControlResponse: Codable, Sendable, Equatable {
    /// A line of text for the user's terminal.
    public var output: String?
    /// A line for the user's standard error.
    public var error: String?
    /// The node's state, in answer to `status`.
    public var status: NodeStatus?
    /// The last line: the command's exit status.
    public var exit: Int32?

    public init(output: String? = nil, error: String? = nil, status: NodeStatus? = nil, exit: Int32? = nil) {
        self.output = output
        self.error = error
        self.status = status
        self.exit = exit
    }
}

public struct NodeStatus: Codable, Sendable, Equatable {
    public struct InterfaceStatus: Codable, Sendable, Equatable {
        public var name: String
        public var mac: String
        public var address: String
        public var underlay: String
        public var peer: String
    }

    public var name: String
    public var kind: String
    public var pid: Int32
    public var uptimeSeconds: Double
    public var interfaces: [InterfaceStatus]
    /// A host's disk (its directory in the run directory) and its file server's port, if any.
    public var disk: String?
    public var serve: UInt16?
}

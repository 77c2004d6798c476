import Topology

/// How the nodes of a topology are started, reached and stopped. Every command that acts on a
/// running topology (`status`, `exec`, `cp`, `pingall`, `stats`, `link`, `capture`, `logs`,
/// `down`) goes through one, found from the run record, so each works the same whatever
/// started the nodes. Local processes are one launcher; docker compose, a swarm and the
/// simulator are each one more.
public protocol Launcher: Sendable {
    /// The name the run record keeps (`"launcher": "local"`), by which later commands find it.
    var name: String { get }

    /// Starts every node of `topology` and returns once all are ready, with the record that
    /// later commands read. Nothing is left behind when it throws.
    func start(_ topology: Topology, path: String, options: Orchestrator.UpOptions, in run: RunDirectory,
               print: (String) -> Void) throws(OrchestratorError) -> RunRecord

    /// Whether the node's process (or namespace, or container) is there, and answers.
    func state(of node: RunRecord.Node) -> NodeState

    /// Sends one request on a node's control channel, handing every response line to
    /// `onResponse`; returns the exit status. `timeout` bounds each wait for a line.
    func control(_ request: ControlRequest, on node: RunRecord.Node, timeout: Double?,
                 onResponse: (ControlResponse) -> Void) throws(OrchestratorError) -> Int32

    /// Runs a command on a node: one of our node commands on a node of ours, any program on a
    /// linux node. With `terminal`, the program may take over this process's terminal (an
    /// interactive shell in a linux node); otherwise its lines come through the handlers.
    func exec(_ arguments: [String], on node: RunRecord.Node, terminal: Bool,
              output: (String) -> Void, error: (String) -> Void) throws(OrchestratorError) -> Int32

    /// What the node has logged so far (a linux or external node logs nothing of ours).
    func log(of node: RunRecord.Node, in run: RunDirectory) throws(OrchestratorError) -> String

    /// Kills one node at once, as a crash would (SIGKILL, `docker kill`): the fault a scenario's
    /// `kill` step injects. The rest of the run goes on.
    func crash(_ node: RunRecord.Node) throws(OrchestratorError)

    /// Starts one node again (killed first if it still runs) and returns its entry once it is
    /// ready: a scenario's `restart`, a crashed router brought back while the rest run on.
    func restart(_ node: RunRecord.Node, of record: RunRecord, in run: RunDirectory,
                 timeout: Double) throws(OrchestratorError) -> RunRecord.Node

    /// Stops every node of the run and removes what `start` made (processes, namespaces,
    /// devices). Logs and captures stay.
    func stop(_ record: RunRecord, in run: RunDirectory, print: (String) -> Void) throws(OrchestratorError)
}

/// For launchers whose nodes of ours answer on a control socket in the run directory (local
/// processes, and containers, which have the run directory mounted at the same path).
extension Launcher {
    func controlBySocket(_ request: ControlRequest, on node: RunRecord.Node, timeout: Double?,
                         onResponse: (ControlResponse) -> Void) throws(OrchestratorError) -> Int32 {
        guard node.isOurProcess else {
            throw OrchestratorError("\(node.name) is a \(node.kind) node: no nicbed process runs it, so it has no control socket")
        }
        do { return try ControlClient.send(request, to: node.socket, timeout: timeout, onResponse: onResponse) } catch {
            throw OrchestratorError("\(node.name): \(error.description)")
        }
    }

    /// One of our node commands, its lines streaming through the handlers.
    func execBySocket(_ arguments: [String], on node: RunRecord.Node,
                      output: (String) -> Void, error: (String) -> Void) throws(OrchestratorError) -> Int32 {
        try controlBySocket(ControlRequest(command: .exec, arguments: arguments), on: node, timeout: nil) { response in
            if let line = response.output { output(line) }
            if let line = response.error { error(line) }
        }
    }
}

/// What a launcher can say of one node without asking it anything else.
public enum NodeState: Sendable, Hashable, CustomStringConvertible {
    /// Its process answers on its control channel.
    case running
    /// Its process is there but does not answer (stuck, or still starting).
    case notAnswering
    case stopped
    /// A linux node's namespace exists (or is gone).
    case namespace(String, present: Bool)
    /// A node nicbed does not run (kind external).
    case external
    /// A linux node's container under docker, with docker's word for its state.
    case container(String, status: String)

    public var description: String {
        switch self {
        case .running: "running"
        case .notAnswering: "not answering"
        case .stopped: "stopped"
        case let .namespace(name, present): present ? "netns \(name)" : "netns gone"
        case .external: "not started by nicbed"
        case let .container(name, status): status == "running" ? "container \(name)" : "container \(name) \(status)"
        }
    }
}

/// The launchers a run record can name.
public enum Launchers {
    public static let local = LocalProcesses()
    public static let docker = DockerCompose()

    /// The launcher that started a recorded run; records written before launchers were named
    /// were all local.
    public static func named(_ name: String?) throws(OrchestratorError) -> any Launcher {
        switch name ?? local.name {
        case local.name: return local
        case docker.name: return docker
        case let other: throw OrchestratorError("the run was started by a launcher this nicbed does not know: '\(other)'")
        }
    }
}

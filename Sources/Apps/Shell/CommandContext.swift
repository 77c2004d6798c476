import NetStack
import SmartNIC
import Wire

/// What a command prints, line by line, and how it ends: the node's driver carries these to
/// whoever asked (the control socket's JSON lines in a node process).
public enum CommandOutput: Sendable, Equatable {
    case output(String)
    case error(String)
    case exit(Int32)
}

/// What a command run inside a node (`nicbed exec NODE …`) may use, and how it answers.
public final class CommandContext {
    let stack: NetworkStack
    /// The node's app timers, on the node's clock.
    let timers: AppTimers
    let ports: [NICPort]
    /// A switch's bridge (a switch has no IP stack of its own: its `stack` has no interfaces).
    let bridge: LearningBridge?
    /// Where a capture of one of the node's interfaces is written.
    let capturePath: (_ interface: String) -> String
    /// A host's disk: where `fetch` writes (nil for routers and switches).
    let disk: String?
    private let respond: (CommandOutput) -> Void
    public private(set) var finished = false
    /// Set by long-running commands; called when the client goes away first.
    var onCancel: (() -> Void)?

    public init(stack: NetworkStack, timers: AppTimers, ports: [NICPort], bridge: LearningBridge? = nil, disk: String? = nil,
                capturePath: @escaping (String) -> String, respond: @escaping (CommandOutput) -> Void) {
        self.disk = disk
        self.timers = timers
        self.stack = stack
        self.ports = ports
        self.bridge = bridge
        self.capturePath = capturePath
        self.respond = respond
    }

    /// The port of interface `name` (ports are named `node:iface`).
    func port(named name: String) -> NICPort? {
        ports.first { $0.name.split(separator: ":").last.map(String.init) == name }
    }

    var interfaceNames: String { ports.compactMap { $0.name.split(separator: ":").last }.joined(separator: ", ") }

    func print(_ line: String) { if !finished { respond(.output(line)) } }
    func printError(_ line: String) { if !finished { respond(.error(line)) } }

    func exit(_ status: Int32) {
        guard !finished else { return }
        respond(.exit(status))
        finished = true
        onCancel = nil
    }

    /// The client went away: a long-running command stops.
    public func cancel() {
        guard !finished else { return }
        finished = true
        onCancel?()
        onCancel = nil
    }
}

/// A command that runs inside a node.
protocol NodeCommand {
    static var name: String { get }
    static var usage: String { get }
    /// Starts the command; it ends by calling `context.exit`, now or later.
    static func run(_ arguments: [String], in context: CommandContext)
}

public enum NodeCommands {
    static let all: [any NodeCommand.Type] = [PingCommand.self, StatsCommand.self, AddrCommand.self, TCPSendCommand.self,
                                              TCPReceiveCommand.self, UDPSendCommand.self, UDPReceiveCommand.self, CaptureCommand.self, LinkCommand.self, FilterCommand.self, NICCommand.self, FetchCommand.self, ServeCommand.self, SocketsCommand.self]
    /// What a switch can do: it has ports and a bridge, no IP stack.
    static let switchCommands: Set<String> = [StatsCommand.name, CaptureCommand.name, LinkCommand.name, FilterCommand.name]

    public static func run(_ argv: [String], in context: CommandContext) {
        guard let name = argv.first else {
            context.printError("usage: nicbed exec NODE COMMAND [ARGS...]; commands: \(all.map { $0.name }.joined(separator: ", "))")
            context.exit(2)
            return
        }
        guard let command = all.first(where: { $0.name == name }) else {
            context.printError("unknown command '\(name)'; commands: \(all.map { $0.name }.joined(separator: ", "))")
            context.exit(127)
            return
        }
        if context.bridge != nil && !switchCommands.contains(name) {
            context.printError("\(name): this node is a switch: it forwards frames and has no IP stack; it runs \(switchCommands.sorted().joined(separator: ", "))")
            context.exit(2)
            return
        }
        if argv.dropFirst().contains(where: { $0 == "-h" || $0 == "--help" }) {
            context.print("usage: \(command.usage)")
            context.exit(0)
            return
        }
        command.run(Array(argv.dropFirst()), in: context)
    }
}

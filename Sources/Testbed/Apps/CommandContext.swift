import NetStack
import SmartNIC
import Wire

/// What a command run inside a node (`nicbed exec NODE …`) may use, and how it answers.
final class CommandContext {
    let stack: NetworkStack
    let ports: [NICPort]
    private let respond: (ControlResponse) -> Void
    private(set) var finished = false
    /// Set by long-running commands; called when the client goes away first.
    var onCancel: (() -> Void)?

    init(stack: NetworkStack, ports: [NICPort], respond: @escaping (ControlResponse) -> Void) {
        self.stack = stack
        self.ports = ports
        self.respond = respond
    }

    func print(_ line: String) { if !finished { respond(ControlResponse(output: line)) } }
    func printError(_ line: String) { if !finished { respond(ControlResponse(error: line)) } }

    func exit(_ status: Int32) {
        guard !finished else { return }
        respond(ControlResponse(exit: status))
        finished = true
        onCancel = nil
    }

    func cancel() {
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

enum NodeCommands {
    static let all: [any NodeCommand.Type] = [PingCommand.self, StatsCommand.self, AddrCommand.self, TCPSendCommand.self, TCPReceiveCommand.self]

    static func run(_ argv: [String], in context: CommandContext) {
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
        if argv.dropFirst().contains(where: { $0 == "-h" || $0 == "--help" }) {
            context.print("usage: \(command.usage)")
            context.exit(0)
            return
        }
        command.run(Array(argv.dropFirst()), in: context)
    }
}

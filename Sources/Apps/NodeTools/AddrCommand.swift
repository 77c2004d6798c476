import NetStack

/// `addr`: the node's interfaces and addresses, like a short `ip -brief addr`.
enum AddrCommand: NodeCommand {
    static let name = "addr"
    static let usage = "addr"

    static func run(_ arguments: [String], in context: CommandContext) {
        guard arguments.isEmpty else {
            context.printError("usage: \(usage)")
            context.exit(2)
            return
        }
        for interface in context.stack.interfaces {
            context.print("\(interface.name)  \(interface.mac)  \(interface.address)  mtu \(interface.mtu)")
        }
        if let gateway = context.stack.defaultGateway { context.print("default via \(gateway)") }
        context.exit(0)
    }
}

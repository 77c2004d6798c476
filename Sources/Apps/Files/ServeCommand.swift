/// `serve [-p PORT]`: a file server on the host's disk for as long as the command runs (until
/// its client goes away, or Ctrl-C on `nicbed exec`): a scenario's `start`, next to the one
/// `serve:` in the topology starts with the node. Each request is printed as it is answered.
enum ServeCommand: NodeCommand {
    static let name = "serve"
    static let usage = "serve [-p PORT]"

    static func run(_ arguments: [String], in context: CommandContext) {
        var port: UInt16 = 80
        switch arguments.count {
        case 0: break
        case 2 where arguments[0] == "-p":
            guard let number = UInt16(arguments[1]), number > 0 else {
                context.printError("serve: '\(arguments[1])' is not a TCP port\nusage: \(usage)")
                context.exit(2)
                return
            }
            port = number
        default:
            context.printError("usage: \(usage)")
            context.exit(2)
            return
        }
        guard let disk = context.disk else {
            context.printError("serve: only a host has a disk to serve")
            context.exit(2)
            return
        }
        let server: FileServer
        do {
            server = try FileServer(stack: context.stack, port: port, root: disk, timers: context.timers) { line in context.print(line) }
        } catch {
            context.printError("serve: port \(port): \(error)")
            context.exit(1)
            return
        }
        context.print("serving \(disk) on port \(port) until stopped")
        context.onCancel = { server.close() }
    }
}

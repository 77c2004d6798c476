import SmartNIC
import Topology

/// `link show|set|up|down IFACE …`: what one of the node's interfaces does to the frames it
/// sends, changed while the topology runs (`nicbed link set h1:eth0 loss 5%`). Settings apply
/// to frames sent from then on; a link that is down drops what crosses this end both ways.
enum LinkCommand: NodeCommand {
    static let name = "link"
    static let usage = "link show IFACE | link set IFACE FIELD VALUE [FIELD VALUE…] | link up IFACE | link down IFACE"

    static func run(_ arguments: [String], in context: CommandContext) {
        guard arguments.count >= 2, ["show", "set", "up", "down"].contains(arguments[0]) else {
            context.printError("usage: \(usage)\nfields: \(ImpairmentField.summary)")
            context.exit(2)
            return
        }
        guard let port = context.port(named: arguments[1]) else {
            context.printError("link: no interface '\(arguments[1])'; interfaces: \(context.interfaceNames)")
            context.exit(2)
            return
        }
        switch arguments[0] {
        case "up", "down":
            guard arguments.count == 2 else { return usageError(context) }
            port.isLinkUp = arguments[0] == "up"
            context.print("\(port.name) is \(arguments[0])")
        case "set":
            let settings = Array(arguments.dropFirst(2))
            guard !settings.isEmpty, settings.count % 2 == 0 else { return usageError(context) }
            // All or nothing: one bad value leaves the link as it was.
            var egress = port.egress
            for index in stride(from: 0, to: settings.count, by: 2) {
                do {
                    try ImpairmentField.set(settings[index], to: settings[index + 1], in: &egress)
                } catch {
                    context.printError("link: \(error)")
                    context.exit(2)
                    return
                }
            }
            port.egress = egress
            show(port, in: context)
        default:
            guard arguments.count == 2 else { return usageError(context) }
            show(port, in: context)
        }
        context.exit(0)
    }

    static func show(_ port: NICPort, in context: CommandContext) {
        let fields = ImpairmentField.allCases.map { "\($0.rawValue) \($0.value(in: port.egress))" }
        context.print("\(port.name) \(port.isLinkUp ? "up" : "down"), frames it sends: \(fields.joined(separator: ", "))")
    }

    private static func usageError(_ context: CommandContext) {
        context.printError("usage: \(usage)")
        context.exit(2)
    }
}

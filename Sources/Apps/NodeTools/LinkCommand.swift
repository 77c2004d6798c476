import SmartNIC
import Topology

/// `link show|set|up|down IFACE …`: what one of the node's interfaces does to the frames it
/// sends, changed while the topology runs (`nicbed link set h1:eth0 loss 5%`). Settings apply
/// to frames sent from then on; a link that is down drops what crosses this end both ways.
enum LinkCommand: NodeCommand {
    static let name = "link"
    static let usage = "link show IFACE [--incoming] | link set IFACE [--incoming] FIELD VALUE [FIELD VALUE…] | link up IFACE | link down IFACE"

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
            // `--incoming`: the frames the far end sends, for a far end with no port of ours
            // (`nicbed link set l1:eth0 …` on a linux node comes here).
            let incoming = arguments.count > 2 && arguments[2] == "--incoming"
            let settings = Array(arguments.dropFirst(incoming ? 3 : 2))
            guard !settings.isEmpty, settings.count % 2 == 0 else { return usageError(context) }
            // All or nothing: one bad value leaves the link as it was.
            var impairments = incoming ? port.ingress : port.egress
            for index in stride(from: 0, to: settings.count, by: 2) {
                do {
                    try ImpairmentField.set(settings[index], to: settings[index + 1], in: &impairments)
                } catch {
                    context.printError("link: \(error)")
                    context.exit(2)
                    return
                }
            }
            if incoming {
                port.ingress = impairments
                showIncoming(port, in: context)
            } else {
                port.egress = impairments
                show(port, in: context)
            }
        default:
            let incoming = arguments.count == 3 && arguments[2] == "--incoming"
            guard arguments.count == 2 || incoming else { return usageError(context) }
            if incoming { showIncoming(port, in: context) } else { show(port, in: context) }
        }
        context.exit(0)
    }

    static func show(_ port: NICPort, in context: CommandContext) {
        let fields = ImpairmentField.allCases.map { "\($0.rawValue) \($0.value(in: port.egress))" }
        context.print("\(port.name) \(port.isLinkUp ? "up" : "down"), frames it sends: \(fields.joined(separator: ", "))")
        if !port.ingress.isNone { showIncoming(port, in: context) }
    }

    /// What is done, on arrival here, to the frames of a peer that has no port of ours.
    static func showIncoming(_ port: NICPort, in context: CommandContext) {
        let arriving = ImpairmentField.allCases.map { "\($0.rawValue) \($0.value(in: port.ingress))" }
        context.print("\(port.name) \(port.isLinkUp ? "up" : "down"), frames arriving from its peer: \(arriving.joined(separator: ", "))")
    }

    private static func usageError(_ context: CommandContext) {
        context.printError("usage: \(usage)")
        context.exit(2)
    }
}

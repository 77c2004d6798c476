import SmartNIC
import Wire

/// `filter add|del|list …`: rules that drop chosen frames at one of the node's interfaces
/// (`FrameRule`): only SYNs, only pure ACKs, one host's traffic, every Nth segment. Scenario
/// partitions are made of them. `--incoming` filters what arrives from a peer with no port of
/// ours (a linux node), as `link set --incoming` impairs it.
enum FilterCommand: NodeCommand {
    static let name = "filter"
    static let usage = "filter add IFACE [--incoming] NAME [proto ip|tcp|udp|icmp|arp] [src A.B.C.D/N] [dst A.B.C.D/N] [port N] [tcp syn|fin|rst|ack] [every N] [action drop|corrupt|delay:200ms] | filter del IFACE [--incoming] NAME | filter list [IFACE]"

    static func run(_ arguments: [String], in context: CommandContext) {
        guard let action = arguments.first, ["add", "del", "list"].contains(action) else { return usageError(context) }
        if action == "list" {
            guard arguments.count <= 2 else { return usageError(context) }
            let names = arguments.count == 2 ? [arguments[1]] : context.interfaceNames.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for name in names {
                guard let port = context.port(named: name) else { return noInterface(name, context) }
                list(port, in: context)
            }
            context.exit(0)
            return
        }
        guard arguments.count >= 3, let port = context.port(named: arguments[1]) else {
            if arguments.count >= 2, context.port(named: arguments[1]) == nil { return noInterface(arguments[1], context) }
            return usageError(context)
        }
        let incoming = arguments[2] == "--incoming"
        let rest = Array(arguments.dropFirst(incoming ? 3 : 2))
        guard let name = rest.first else { return usageError(context) }
        if action == "del" {
            guard rest.count == 1 else { return usageError(context) }
            let removed = incoming ? port.ingressFilter.remove(named: name) : port.removeEgressRule(named: name)
            guard removed > 0 else {
                context.printError("filter: \(port.name) has no rule '\(name)'")
                context.exit(1)
                return
            }
            context.print("\(port.name): rule \(name) removed")
            context.exit(0)
            return
        }
        do throws(FrameRule.SyntaxError) {
            let rule = try parse(name: name, Array(rest.dropFirst()))
            if incoming {
                // Arriving frames have no delay line of their own to wait in.
                guard rule.action == .drop else { throw FrameRule.SyntaxError(message: "--incoming rules only drop") }
                port.ingressFilter.set(rule)
            } else {
                port.setEgressRule(rule)
            }
            let verb = switch rule.action {
            case .drop: "drop"
            case .delay: "delay"
            case .corrupt: "corrupt"
            }
            context.print("\(port.name)\(incoming ? " (arriving)" : ""): \(verb) \(rule)")
            context.exit(0)
        } catch {
            context.printError("filter: \(error.message)")
            context.exit(2)
        }
    }

    /// FIELD VALUE pairs, as `FrameRule(name:fields:)` reads them.
    static func parse(name: String, _ words: [String]) throws(FrameRule.SyntaxError) -> FrameRule {
        guard words.count % 2 == 0 else { throw FrameRule.SyntaxError(message: "fields come in pairs (FIELD VALUE); usage: \(usage)") }
        return try FrameRule(name: name, fields: stride(from: 0, to: words.count, by: 2).map { (words[$0], words[$0 + 1]) })
    }

    static func list(_ port: NICPort, in context: CommandContext) {
        for (title, filter) in [("sent", port.egressFilter), ("arriving", port.ingressFilter)] where !filter.isEmpty {
            for (index, rule) in filter.rules.enumerated() {
                context.print("\(port.name) \(title): \(rule) (picked \(filter.picked[index]), acted on \(filter.dropped[index]))")
            }
        }
        if port.egressFilter.isEmpty && port.ingressFilter.isEmpty { context.print("\(port.name): no rules") }
    }

    private static func noInterface(_ name: String, _ context: CommandContext) {
        context.printError("filter: no interface '\(name)'; interfaces: \(context.interfaceNames)")
        context.exit(2)
    }

    private static func usageError(_ context: CommandContext) {
        context.printError("usage: \(usage)")
        context.exit(2)
    }
}

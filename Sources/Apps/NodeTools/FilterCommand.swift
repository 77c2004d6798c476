import SmartNIC
import Wire

/// `filter add|del|list …`: rules that drop chosen frames at one of the node's interfaces
/// (`FrameRule`): only SYNs, only pure ACKs, one host's traffic, every Nth segment. Scenario
/// partitions are made of them. `--incoming` filters what arrives from a peer with no port of
/// ours (a linux node), as `link set --incoming` impairs it.
enum FilterCommand: NodeCommand {
    static let name = "filter"
    static let usage = "filter add IFACE [--incoming] NAME [proto ip|tcp|udp|icmp|arp] [src A.B.C.D/N] [dst A.B.C.D/N] [port N] [tcp syn|fin|rst|ack] [every N] | filter del IFACE [--incoming] NAME | filter list [IFACE]"

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
            let removed = incoming ? port.ingressFilter.remove(named: name) : port.egressFilter.remove(named: name)
            guard removed > 0 else {
                context.printError("filter: \(port.name) has no rule '\(name)'")
                context.exit(1)
                return
            }
            context.print("\(port.name): rule \(name) removed")
            context.exit(0)
            return
        }
        do {
            let rule = try parse(name: name, Array(rest.dropFirst()))
            if incoming { port.ingressFilter.set(rule) } else { port.egressFilter.set(rule) }
            context.print("\(port.name)\(incoming ? " (arriving)" : ""): drop \(rule)")
            context.exit(0)
        } catch {
            context.printError("filter: \(error.message)")
            context.exit(2)
        }
    }

    struct RuleError: Error { var message: String }

    /// FIELD VALUE pairs, each field once, all checked before the rule takes effect.
    static func parse(name: String, _ words: [String]) throws(RuleError) -> FrameRule {
        guard words.count % 2 == 0 else { throw RuleError(message: "fields come in pairs (FIELD VALUE); usage: \(usage)") }
        var rule = FrameRule(name: name)
        var seen: Set<String> = []
        for index in stride(from: 0, to: words.count, by: 2) {
            let (field, value) = (words[index], words[index + 1])
            guard seen.insert(field).inserted else { throw RuleError(message: "'\(field)' given twice") }
            switch field {
            case "proto":
                guard let proto = FrameRule.Carried(rawValue: value) else {
                    throw RuleError(message: "proto '\(value)'; accepted: \(FrameRule.Carried.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                rule.proto = proto
            case "src", "dst":
                let text = value.contains("/") ? value : "\(value)/32"
                guard let prefix = IPv4Interface(text) else { throw RuleError(message: "\(field) '\(value)' is not A.B.C.D or A.B.C.D/N") }
                if field == "src" { rule.source = prefix } else { rule.destination = prefix }
            case "port":
                guard let port = UInt16(value), port > 0 else { throw RuleError(message: "port '\(value)' is not 1...65535") }
                rule.port = port
            case "tcp":
                guard let kind = FrameRule.TCPKind(rawValue: value) else {
                    throw RuleError(message: "tcp '\(value)'; accepted: syn (SYN without ACK), fin, rst, ack (a pure ACK, no payload)")
                }
                rule.tcp = kind
            case "every":
                guard let n = Int(value), (1...1_000_000).contains(n) else { throw RuleError(message: "every '\(value)' is not 1...1000000") }
                rule.every = n
            default:
                throw RuleError(message: "unknown field '\(field)'; accepted: proto, src, dst, port, tcp, every")
            }
        }
        if rule.proto == .arp, rule.source != nil || rule.destination != nil || rule.port != nil || rule.tcp != nil {
            throw RuleError(message: "an ARP rule takes no addresses, ports or TCP flags")
        }
        return rule
    }

    static func list(_ port: NICPort, in context: CommandContext) {
        for (title, filter) in [("sent", port.egressFilter), ("arriving", port.ingressFilter)] where !filter.isEmpty {
            for (index, rule) in filter.rules.enumerated() {
                context.print("\(port.name) \(title): drop \(rule) (picked \(filter.picked[index]), dropped \(filter.dropped[index]))")
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

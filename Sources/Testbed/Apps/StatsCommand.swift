import Foundation
import NetStack
import SmartNIC

/// `stats [--json]`: the node's NIC port and stack counters.
enum StatsCommand: NodeCommand {
    static let name = "stats"
    static let usage = "stats [--json]"

    struct Report: Codable {
        var ports: [String: PortCounters]
        var stack: StackCounters
    }

    static func run(_ arguments: [String], in context: CommandContext) {
        guard arguments.isEmpty || arguments == ["--json"] else {
            context.printError("usage: \(usage)")
            context.exit(2)
            return
        }
        let report = Report(ports: Dictionary(uniqueKeysWithValues: context.ports.map { ($0.name, $0.counters) }),
                            stack: context.stack.counters)
        if arguments == ["--json"] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(report) { context.print(String(decoding: data, as: UTF8.self)) }
            context.exit(0)
            return
        }
        for port in context.ports {
            context.print("port \(port.name) (link \(port.linkID), peer \(port.peer))")
            for (key, value) in fields(port.counters) { context.print("  \(key.padding(toLength: 26, withPad: " ", startingAt: 0)) \(value)") }
        }
        context.print("stack")
        for (key, value) in fields(context.stack.counters) { context.print("  \(key.padding(toLength: 26, withPad: " ", startingAt: 0)) \(value)") }
        context.exit(0)
    }

    /// Field names and values, in declaration order, through Mirror (counters are plain Ints).
    static func fields(_ value: Any) -> [(String, String)] {
        Mirror(reflecting: value).children.compactMap { child in child.label.map { ($0, "\(child.value)") } }
    }
}

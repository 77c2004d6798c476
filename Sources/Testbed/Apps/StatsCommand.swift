import Foundation
import NetStack
import SmartNIC

/// `stats [--json]`: the node's NIC port, NIC and stack counters.
enum StatsCommand: NodeCommand {
    static let name = "stats"
    static let usage = "stats [--json]"

    struct Report: Codable {
        var ports: [String: PortCounters]
        var nics: [String: NICReport]
        var stack: StackCounters
    }

    static func run(_ arguments: [String], in context: CommandContext) {
        guard arguments.isEmpty || arguments == ["--json"] else {
            context.printError("usage: \(usage)")
            context.exit(2)
            return
        }
        let report = Report(ports: Dictionary(uniqueKeysWithValues: context.ports.map { ($0.name, $0.counters) }),
                            nics: Dictionary(uniqueKeysWithValues: context.ports.map { ($0.name, NICReport(port: $0)) }),
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
            for line in nicLines(NICReport(port: port)) { context.print(line) }
        }
        context.print("stack")
        for (key, value) in fields(context.stack.counters) { context.print("  \(key.padding(toLength: 26, withPad: " ", startingAt: 0)) \(value)") }
        context.exit(0)
    }

    /// The NIC's figures: what crossed the bus, what the CPU copied, what card memory held.
    static func nicLines(_ nic: NICReport) -> [String] {
        func row(_ name: String, _ value: String) -> String { "  \(name.padding(toLength: 26, withPad: " ", startingAt: 0)) \(value)" }
        var lines = ["nic (\(nic.mode.rawValue), checksum offload \(nic.checksumOffload ? "on" : "off"), header prefix \(nic.headerPrefix) B)"]
        lines += fields(nic.counters).map { row($0.0, $0.1) }
        lines.append(row("busBytesPerPayloadByte", String(format: "%.3f", nic.busBytesPerPayloadByte)))
        lines.append(row("cpuCopiesPerPayloadByte", String(format: "%.3f", nic.cpuCopiesPerPayloadByte)))
        if nic.mode == .smart {
            lines.append(row("cardMemory", "\(nic.cardMemoryBytes)"))
            lines.append(row("cardBytesNow", "\(nic.cardBytesNow)"))
            lines.append(row("cardBytesPeak", "\(nic.cardBytesPeak)"))
            lines.append(row("cardFailedAllocations", "\(nic.cardFailedAllocations)"))
        }
        lines.append(row("hostBytesNow", "\(nic.hostBytesNow)"))
        lines.append(row("hostBytesPeak", "\(nic.hostBytesPeak)"))
        return lines
    }

    /// Field names and values, in declaration order, through Mirror (counters are plain Ints).
    static func fields(_ value: Any) -> [(String, String)] {
        Mirror(reflecting: value).children.compactMap { child in child.label.map { ($0, "\(child.value)") } }
    }
}

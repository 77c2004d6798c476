import Foundation
import NetStack
import SmartNIC
import Topology

/// `stats [--json | --nic]`: the node's NIC port, NIC and stack counters; `--nic` prints one
/// line of NIC figures per port (what `scripts/demo` lines up for the two modes).
enum StatsCommand: NodeCommand {
    static let name = "stats"
    static let usage = "stats [--json | --nic]"

    struct Report: Codable {
        var ports: [String: PortCounters]
        var nics: [String: NICReport]
        /// Per port: up or down, and its impairments both ways (`link show` as data).
        var links: [String: LinkEndState]
        var stack: StackCounters
        /// IPv4 reassembly, UDP and TCP (absent for a switch).
        var reassembly: ReassemblyCounters?
        var udp: UDPStackCounters?
        var tcp: TCPStackCounters?
        /// The node's TCP memory against its budget (`tcp: {memory: …}`), and its connections.
        var tcpMemory: TCPMemory?
        /// A switch's bridge: per-port counters and the addresses it has learned.
        var bridge: [String: LearningBridge.PortCounters]?
        var learnedAddresses: Int?
    }

    struct TCPMemory: Codable {
        var budget: Int
        var charged: Int
        var peak: Int
        var connections: Int

        init(_ stack: NetworkStack) {
            budget = stack.tcpMemory.budget
            charged = stack.tcpMemory.charged
            peak = stack.tcpMemory.peak
            connections = stack.tcpConnectionCount
        }
    }

    static func run(_ arguments: [String], in context: CommandContext) {
        guard arguments.isEmpty || arguments == ["--json"] || arguments == ["--nic"] else {
            context.printError("usage: \(usage)")
            context.exit(2)
            return
        }
        let report = Report(ports: Dictionary(uniqueKeysWithValues: context.ports.map { ($0.name, $0.counters) }),
                            nics: Dictionary(uniqueKeysWithValues: context.ports.map { ($0.name, NICReport(port: $0)) }),
                            links: Dictionary(uniqueKeysWithValues: context.ports.map {
                                ($0.name, LinkEndState(up: $0.isLinkUp, egress: $0.egress, ingress: $0.ingress))
                            }),
                            stack: context.stack.counters,
                            reassembly: context.bridge == nil ? context.stack.reassemblyCounters : nil,
                            udp: context.bridge == nil ? context.stack.udpCounters : nil,
                            tcp: context.bridge == nil ? context.stack.tcpCounters : nil,
                            tcpMemory: context.bridge == nil ? TCPMemory(context.stack) : nil,
                            bridge: context.bridge.map { bridge in
                                Dictionary(uniqueKeysWithValues: zip(bridge.ports.map(\.name), bridge.counters))
                            },
                            learnedAddresses: context.bridge?.learnedAddresses)
        if arguments == ["--nic"] {
            context.print(NICFigures.header)
            for port in context.ports { context.print(NICFigures.row(port: port.name, NICReport(port: port))) }
            context.exit(0)
            return
        }
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
        if let bridge = context.bridge {
            context.print("bridge (\(bridge.learnedAddresses) addresses learned, ageing \(bridge.ageing))")
            for (port, counters) in zip(bridge.ports, bridge.counters) {
                context.print("  \(port.name): " + fields(counters).map { "\($0.0) \($0.1)" }.joined(separator: ", "))
            }
            context.exit(0)
            return
        }
        for (title, counters) in [("stack", context.stack.counters), ("reassembly", context.stack.reassemblyCounters),
                                  ("udp", context.stack.udpCounters), ("tcp", context.stack.tcpCounters),
                                  ("tcp memory", TCPMemory(context.stack))] as [(String, Any)] {
            context.print(title)
            for (key, value) in fields(counters) { context.print("  \(key.padding(toLength: 26, withPad: " ", startingAt: 0)) \(value)") }
        }
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

/// One line of NIC figures per port: the figures ARCHITECTURE.md ("The NIC") is about, measured.
enum NICFigures {
    static let columns: [(String, Int)] = [("PORT", 10), ("MODE", 12), ("PAYLOAD", 11), ("CPU-COPIED", 11), ("COPIES/B", 8),
                                           ("BUS", 11), ("BUS/B", 6), ("CARD-PEAK", 10), ("FALLBACKS", 9)]

    static var header: String { line(columns.map(\.0)) }

    static func row(port: String, _ nic: NICReport) -> String {
        line([port, nic.mode.rawValue, "\(nic.payloadBytes)", "\(nic.counters.cpuCopiedBytes)",
              String(format: "%.3f", nic.cpuCopiesPerPayloadByte), "\(nic.counters.busBytes)",
              String(format: "%.3f", nic.busBytesPerPayloadByte), "\(nic.cardBytesPeak)",
              "\(nic.counters.transmitFallbacks + nic.counters.receiveFallbacks)"])
    }

    static func line(_ fields: [String]) -> String {
        zip(fields, columns).map { field, column in field.padding(toLength: max(column.1, field.count), withPad: " ", startingAt: 0) }
            .joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}

import Foundation
import NetStack

/// `sockets [--json]`: the node's TCP connections with their congestion window, RTT and
/// retransmissions, as `ss -ti` shows them; `--json` for the web view and scripts.
enum SocketsCommand: NodeCommand {
    static let name = "sockets"
    static let usage = "sockets [--json]"

    static func run(_ arguments: [String], in context: CommandContext) {
        guard arguments.isEmpty || arguments == ["--json"] else {
            context.printError("usage: \(usage)")
            context.exit(2)
            return
        }
        let connections = context.stack.tcpConnectionInfos
        if arguments == ["--json"] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if let data = try? encoder.encode(connections) { context.print(String(decoding: data, as: UTF8.self)) }
            context.exit(0)
            return
        }
        context.print(row(["STATE", "LOCAL", "REMOTE", "CWND", "SSTHRESH", "RTT(ms)", "RTO(ms)", "IN-FLIGHT", "SEND-Q", "RECV-Q", "RETRANS", "RTOs"]))
        for c in connections {
            context.print(row([c.state, c.local, c.remote, "\(c.cwnd)", c.ssthresh.map(String.init) ?? "-",
                               c.srttMicroseconds.map { String(format: "%.2f", Double($0) / 1000) } ?? "-",
                               String(format: "%.0f", Double(c.rtoMicroseconds) / 1000), "\(c.bytesInFlight)",
                               "\(c.sendQueue)", "\(c.receiveQueue)", "\(c.bytesRetransmitted)", "\(c.retransmissionTimeouts)"]))
        }
        context.exit(0)
    }

    private static let widths = [12, 21, 21, 9, 9, 8, 8, 10, 10, 10, 10, 5]

    private static func row(_ cells: [String]) -> String {
        zip(cells, widths).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }
            .joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}

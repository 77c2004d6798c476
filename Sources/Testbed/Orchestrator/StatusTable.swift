/// The table `up` and `status` print: one row per interface, with the node's state.
public enum StatusTable {
    public static func render(_ record: RunRecord) throws -> String {
        var rows: [[String]] = [["NODE", "KIND", "PID", "STATE", "IFACE", "ADDRESS", "MAC", "UNDERLAY", "PEER"]]
        for node in record.nodes {
            let pid: String, state: String, interfaces: [NodeStatus.InterfaceStatus]
            if node.isOurProcess {
                let alive = ProcessControl.isAlive(node.pid)
                let status = alive ? ControlClient.status(at: node.socket) : nil
                (pid, state) = (String(node.pid), !alive ? "stopped" : (status == nil ? "not answering" : "running"))
                interfaces = status?.interfaces ?? []
            } else {
                // A linux or external node: no process of ours to ask, so the record says it all.
                pid = "-"
                state = node.namespace.map { FileManager.default.fileExists(atPath: "/run/netns/\($0)") ? "netns \($0)" : "netns gone" }
                    ?? "not started by nicbed"
                interfaces = node.interfaces ?? []
            }
            if interfaces.isEmpty {
                rows.append([node.name, node.kind, pid, state, "-", "-", "-", "-", "-"])
            }
            for (index, interface) in interfaces.enumerated() {
                rows.append(index == 0 ? [node.name, node.kind, pid, state] : ["", "", "", ""])
                rows[rows.count - 1] += [interface.name, interface.address, interface.mac, interface.underlay, interface.peer]
            }
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
import Foundation

import Foundation

/// The table `up` and `status` print: one row per interface, with the node's state.
public enum StatusTable {
    public static func render(_ running: RunningTopology) -> String {
        var rows: [[String]] = [["NODE", "KIND", "PID", "STATE", "IFACE", "ADDRESS", "MAC", "UNDERLAY", "PEER"]]
        for node in NodeReport.collect(running) {
            let pid = node.pid.map(String.init) ?? "-"
            if node.interfaces.isEmpty {
                rows.append([node.name, node.kind, pid, node.state, "-", "-", "-", "-", "-"])
            }
            for (index, interface) in node.interfaces.enumerated() {
                rows.append(index == 0 ? [node.name, node.kind, pid, node.state] : ["", "", "", ""])
                rows[rows.count - 1] += [interface.name, interface.address, interface.mac, interface.underlay, interface.peer]
            }
        }
        var table = layout(rows)
        // Under docker: which container is which node, and where it is on the docker network.
        let containers = running.record.nodes.filter { $0.container != nil }
        if !containers.isEmpty {
            var rows = [["NODE", "CONTAINER", "ADDRESS", "APP CONTAINER"]]
            for node in containers {
                rows.append([node.name, node.container ?? "-", node.address ?? "-", node.appContainer ?? "-"])
            }
            table += "\n\n" + layout(rows)
        }
        return table
    }

    private static func layout(_ rows: [[String]]) -> String {
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

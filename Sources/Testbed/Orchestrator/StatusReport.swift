import Foundation

/// What `status` knows of each node, once, for the table and for `status --json`. The JSON
/// keeps containerlab's `inspect --format json` field names where they mean the same thing
/// (`lab_name`, `labPath`, `name`, `kind`, `state`, `container_id`, `ipv4_address`), so scripts
/// written for one read the other; README's "Machine-readable output" lists every field.
public struct NodeReport: Codable, Sendable, Equatable {
    public var lab_name: String
    public var labPath: String
    public var name: String
    public var kind: String
    /// running, not answering, stopped, netns …, container … (as the table says it).
    public var state: String
    /// Our node's process id; nil for a linux or external node.
    public var pid: Int32?
    /// Under docker: the node's container (nil for local processes).
    public var container_id: String?
    /// The first interface's address with its prefix length, as containerlab gives it.
    public var ipv4_address: String?
    public var interfaces: [NodeStatus.InterfaceStatus]

    /// Asks every node of the run (two seconds at most each): one report per node, file order.
    public static func collect(_ running: RunningTopology) -> [NodeReport] {
        running.record.nodes.map { read($0, of: running) }
    }

    /// Asks one node. A linux or external node has no process of ours to ask: the record says it all.
    public static func read(_ node: RunRecord.Node, of running: RunningTopology) -> NodeReport {
        var state = running.state(of: node)
        var interfaces = node.interfaces ?? []
        if state == .running {
            if let status = running.status(of: node) { interfaces = status.interfaces } else { state = .notAnswering }
        }
        return NodeReport(lab_name: running.record.name, labPath: running.record.topology, name: node.name, kind: node.kind,
                          state: state.description, pid: node.isOurProcess ? node.pid : nil, container_id: node.container,
                          ipv4_address: interfaces.first?.address, interfaces: interfaces)
    }
}

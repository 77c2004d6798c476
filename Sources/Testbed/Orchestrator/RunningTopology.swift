import Foundation

/// A topology that runs: its run directory, its record, and the launcher that started it.
/// Every command that acts on a running topology goes through this, so it acts the same way
/// whichever launcher started the nodes.
public struct RunningTopology: Sendable {
    public let directory: RunDirectory
    public let record: RunRecord
    public let launcher: any Launcher

    public init(directory: RunDirectory) throws(OrchestratorError) {
        guard let record = try directory.readRecord() else {
            throw OrchestratorError("nothing is running in \(directory.path)")
        }
        self.directory = directory
        self.record = record
        launcher = try Launchers.named(record.launcher)
    }

    /// The run a command means: the one named, or the only one running.
    public static func select(_ name: String?) throws(OrchestratorError) -> RunningTopology {
        try RunningTopology(directory: Orchestrator.selectRun(name))
    }

    /// Every running topology, by name.
    public static func all() throws(OrchestratorError) -> [RunningTopology] {
        var runs: [RunningTopology] = []
        for directory in RunDirectory.all() { runs.append(try RunningTopology(directory: directory)) }
        return runs
    }

    /// Finds a node by name across running topologies (or in the one named).
    public static func locate(node name: String, runName: String?) throws(OrchestratorError) -> (RunningTopology, RunRecord.Node) {
        let runs = runName != nil ? [try select(runName)] : try all()
        let matches = runs.compactMap { run in run.record.nodes.first { $0.name == name }.map { (run, $0) } }
        switch matches.count {
        case 1: return matches[0]
        case 0:
            let known = runs.flatMap { $0.record.nodes.map(\.name) }
            throw OrchestratorError("no running node named '\(name)'" + (known.isEmpty ? "; no topology is up" : "; running nodes: \(known.joined(separator: ", "))"))
        default: throw OrchestratorError("node '\(name)' runs in several topologies; choose one with --run NAME")
        }
    }

    public func state(of node: RunRecord.Node) -> NodeState { launcher.state(of: node) }

    /// What a node of ours says of itself; nil when it does not answer within two seconds (a
    /// stuck node is reported, never waited for). Linux and external nodes answer nothing:
    /// their record holds their interfaces.
    public func status(of node: RunRecord.Node) -> NodeStatus? {
        guard node.isOurProcess else { return nil }
        var status: NodeStatus?
        _ = try? launcher.control(ControlRequest(command: .status), on: node, timeout: 2) { if let s = $0.status { status = s } }
        return status
    }

    /// A node's interfaces: from its status, or from the record for nodes that answer nothing.
    public func interfaces(of node: RunRecord.Node) -> [NodeStatus.InterfaceStatus]? {
        node.interfaces ?? status(of: node)?.interfaces
    }

    /// Runs a command on a node, its lines streaming through the handlers.
    public func exec(_ arguments: [String], on node: RunRecord.Node, terminal: Bool = false,
                     output: (String) -> Void, error: (String) -> Void) throws(OrchestratorError) -> Int32 {
        try launcher.exec(arguments, on: node, terminal: terminal, output: output, error: error)
    }

    /// What a command printed and how it ended, collected: for the commands that talk to many
    /// nodes (`stats`, `pingall`).
    public struct Collected: Sendable {
        public var status: Int32
        public var output: [String]
        public var errors: [String]
    }

    public func collect(_ arguments: [String], on node: RunRecord.Node) throws(OrchestratorError) -> Collected {
        var output: [String] = [], errors: [String] = []
        let status = try exec(arguments, on: node, output: { output.append($0) }, error: { errors.append($0) })
        return Collected(status: status, output: output, errors: errors)
    }

    public func crash(_ node: RunRecord.Node) throws(OrchestratorError) { try launcher.crash(node) }

    /// Brings one node back, and records its new pid.
    public func restart(_ node: RunRecord.Node, timeout: Double = 60) throws(OrchestratorError) {
        let restarted = try launcher.restart(node, of: record, in: directory, timeout: timeout)
        var updated = record
        if let index = updated.nodes.firstIndex(where: { $0.name == node.name }) { updated.nodes[index] = restarted }
        do { try directory.write(updated) } catch {
            throw OrchestratorError("\(node.name) runs again, but the run record could not be updated: \(error)")
        }
    }

    /// Stops every node through the launcher and forgets the run (logs and captures stay).
    public func stop(print: (String) -> Void) throws(OrchestratorError) {
        try launcher.stop(record, in: directory, print: print)
        directory.removeRecord()
    }
}

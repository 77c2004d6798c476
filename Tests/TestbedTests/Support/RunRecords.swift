import Foundation
import Testbed

/// What `nicbed up` recorded for a topology of this run: `run.json` in its run directory
/// (`$NICBED_RUN_ROOT/<topology name>/run.json`), decoded as the orchestrator wrote it.
extension TestRun {
    func directory(_ topology: String) -> RunDirectory { RunDirectory(path: "\(root)/\(topology)") }

    func record(_ topology: String) throws -> RunRecord {
        let path = directory(topology).recordPath
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("no run record at \(path)") }
        return try JSONDecoder().decode(RunRecord.self, from: data)
    }

    /// The pid of `node`'s process, as the run record has it.
    func pid(of node: String, in topology: String) throws -> Int32 {
        let record = try record(topology)
        guard let entry = record.nodes.first(where: { $0.name == node }) else {
            throw CommandFailure("\(topology)'s run record has no node \(node): \(record.nodes.map(\.name))")
        }
        guard entry.isOurProcess else { throw CommandFailure("\(node) is a \(entry.kind) node, not a process of ours") }
        return entry.pid
    }
}

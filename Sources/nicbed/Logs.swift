import ArgumentParser
import Foundation
import Testbed

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a node's log (kept in the run directory after `down` too).")

    @Option(name: .customLong("run"), help: "The topology, when several have run.")
    var topologyName: String?

    @Option(name: [.customShort("n"), .long], help: "Only the last N lines.")
    var lines: Int?

    @Argument(help: "The node's name.")
    var node: String

    func run() throws {
        let path: String
        do {
            let run = try Orchestrator.selectRun(topologyName)
            guard let record = try run.readRecord(), record.nodes.contains(where: { $0.name == node }) else {
                throw Failure("no node '\(node)' in \(run.path)")
            }
            path = run.logPath(node: node)
        } catch let error as OrchestratorError {
            throw Failure(error.description)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure("no log at \(path)") }
        var text = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if text.last == "" { text.removeLast() }
        if let lines { text = Array(text.suffix(max(0, lines))) }
        for line in text { print(line) }
    }
}

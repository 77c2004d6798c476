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
        // Logs outlive the run: after `down` there is no run record, only the directory.
        let path: String
        if let topologyName {
            path = RunDirectory(topologyName: topologyName).logPath(node: node)
        } else {
            let candidates = RunDirectory.existing().map { $0.logPath(node: node) }
                .filter { FileManager.default.fileExists(atPath: $0) }
            guard candidates.count == 1 else {
                throw Failure(candidates.isEmpty ? "no log of a node '\(node)' under \(RunDirectory.root)"
                                                 : "several runs have a node '\(node)': \(candidates.joined(separator: ", ")); choose one with --run NAME")
            }
            path = candidates[0]
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure("no log at \(path)") }
        var text = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if text.last == "" { text.removeLast() }
        if let lines { text = Array(text.suffix(max(0, lines))) }
        for line in text { print(line) }
    }
}

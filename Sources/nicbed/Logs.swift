import ArgumentParser
import Foundation
import Testbed

struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a node's log (kept in the run directory after `down` too).",
        discussion: """
          nicbed logs h1
          nicbed logs -n 20 r1 --run line3
        """)

    @Option(name: .customLong("run"), help: "The topology, when several have run.")
    var topologyName: String?

    @Option(name: [.customShort("n"), .long], help: "Only the last N lines.")
    var lines: Int?

    @Argument(help: "The node's name.")
    var node: String

    func run() throws {
        var text: String
        if let (running, target) = try? RunningTopology.locate(node: node, runName: topologyName) {
            do { text = try running.launcher.log(of: target, in: running.directory) } catch { throw Failure(error.description) }
        } else {
            text = try Self.leftBehind(node: node, runName: topologyName)
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        let shown = self.lines.map { Array(lines.suffix(max(0, $0))) } ?? lines
        shown.forEach { print($0) }
    }

    /// Logs outlive the run: after `down` there is no run record, only the directory.
    static func leftBehind(node: String, runName topologyName: String?) throws -> String {
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
        return String(decoding: data, as: UTF8.self)
    }
}

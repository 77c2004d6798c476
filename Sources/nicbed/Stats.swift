import ArgumentParser
import Testbed

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "NIC figures of every port of every node of a running topology (one line each).",
        discussion: "For one node's full counters: `nicbed exec NODE stats` (or `stats --json`).")

    @Option(name: .customLong("run"), help: "The topology, when several are running.")
    var topologyName: String?

    func run() throws {
        do {
            let running = try RunningTopology.select(topologyName)
            var printedHeader = false
            var failed: [String] = []
            // Linux and external nodes have no NIC of ours to count.
            for node in running.record.nodes where node.isOurProcess {
                let result: RunningTopology.Collected
                do { result = try running.collect(["stats", "--nic"], on: node) } catch {
                    StandardStreams.error(error.description)
                    failed.append(node.name)
                    continue
                }
                if result.status != 0 { failed.append(node.name) }
                for line in result.output {
                    if line.hasPrefix("PORT") {
                        if !printedHeader { print(line) }
                        printedHeader = true
                    } else {
                        print(line)
                    }
                }
                for line in result.errors { StandardStreams.error(line) }
            }
            if !failed.isEmpty { throw Failure("no figures from \(failed.joined(separator: ", "))") }
        } catch let error as OrchestratorError {
            throw Failure(error.description)
        }
    }
}

import ArgumentParser
import Foundation
import Testbed

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "NIC figures of every port of every node of a running topology (one line each).",
        discussion: """
        --json prints every node's full counters at once: {"lab_name": …, "nodes": {"h1": …}}, each \
        node's object as `nicbed exec NODE stats --json` gives it (ports, nics, stack, udp, tcp, \
        tcpMemory; bridge for a switch). Linux and external nodes have no NIC of ours and are left \
        out.
          nicbed stats
          nicbed stats --json | jq '.nodes.h1.ports'
        """)

    @Option(name: .customLong("run"), help: "The topology, when several are running.")
    var topologyName: String?

    @Flag(help: "Every node's full counters as one JSON object.")
    var json = false

    func run() throws {
        do {
            let running = try RunningTopology.select(topologyName)
            var printedHeader = false
            var failed: [String] = []
            var nodes: [String: Any] = [:]
            // Linux and external nodes have no NIC of ours to count.
            for node in running.record.nodes where node.isOurProcess {
                let result: RunningTopology.Collected
                do { result = try running.collect(json ? ["stats", "--json"] : ["stats", "--nic"], on: node) } catch {
                    StandardStreams.error(error.description)
                    failed.append(node.name)
                    continue
                }
                if result.status != 0 { failed.append(node.name) }
                for line in result.errors { StandardStreams.error(line) }
                if json {
                    if result.status == 0, let object = try? JSONSerialization.jsonObject(with: Data(result.output.joined().utf8)) {
                        nodes[node.name] = object
                    } else if result.status == 0 {
                        StandardStreams.error("\(node.name): stats --json did not answer JSON")
                        failed.append(node.name)
                    }
                    continue
                }
                for line in result.output {
                    if line.hasPrefix("PORT") {
                        if !printedHeader { print(line) }
                        printedHeader = true
                    } else {
                        print(line)
                    }
                }
            }
            if json {
                let data = try JSONSerialization.data(withJSONObject: ["lab_name": running.record.name, "nodes": nodes],
                                                      options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            }
            if !failed.isEmpty { throw Failure("no figures from \(failed.joined(separator: ", "))") }
        } catch let error as OrchestratorError {
            throw Failure(error.description)
        }
    }
}

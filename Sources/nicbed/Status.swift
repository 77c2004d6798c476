import ArgumentParser
import Testbed

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the nodes of running topologies, their addresses and state.",
        discussion: """
        --json prints {"LAB": [node, …]} with containerlab's field names (lab_name, labPath, name, \
        kind, state, container_id, ipv4_address) and each node's interfaces; README's \
        "Machine-readable output" lists every field.
          nicbed status
          nicbed status line3 --json | jq '.line3[] | {name, state}'
        """)

    @Argument(help: "The topology's name; all running topologies when left out.")
    var name: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        do {
            let runs = name == nil ? try RunningTopology.all() : [try RunningTopology.select(name)]
            if json {
                var reports: [String: [NodeReport]] = [:]
                for running in runs { reports[running.record.name] = NodeReport.collect(running) }
                print(JSONOutput.encode(reports))
                return
            }
            if runs.isEmpty { print("no topology is running (run root \(RunDirectory.root))") }
            for running in runs {
                print("\(running.record.name) (\(running.record.topology))")
                print(StatusTable.render(running))
            }
        } catch {
            throw Failure(error.description)
        }
    }
}

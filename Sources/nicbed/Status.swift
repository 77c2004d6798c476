import ArgumentParser
import Testbed

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the nodes of running topologies, their addresses and state.")

    @Argument(help: "The topology's name; all running topologies when left out.")
    var name: String?

    func run() throws {
        do {
            let runs = name == nil ? try RunningTopology.all() : [try RunningTopology.select(name)]
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

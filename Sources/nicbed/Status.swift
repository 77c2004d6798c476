import ArgumentParser
import Testbed

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the nodes of running topologies, their addresses and state.")

    @Argument(help: "The topology's name; all running topologies when left out.")
    var name: String?

    func run() throws {
        do {
            let runs = name == nil ? RunDirectory.all() : [try Orchestrator.selectRun(name)]
            if runs.isEmpty { print("no topology is running (run root \(RunDirectory.root))") }
            for run in runs {
                guard let record = try run.readRecord() else { continue }
                print("\(record.name) (\(record.topology))")
                print(try StatusTable.render(record))
            }
        } catch let error as OrchestratorError {
            throw Failure(error.description)
        }
    }
}

import ArgumentParser
import Testbed

struct Down: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop every node of a running topology.",
        discussion: """
        Logs and captures stay in the run directory (`nicbed logs` reads them).
          nicbed down
          nicbed down line3
        """)

    @Argument(help: "The topology's name; may be left out when only one is running.")
    var name: String?

    func run() throws {
        do { try Orchestrator.down(runName: name) { print($0) } } catch let error as OrchestratorError {
            throw Failure(error.description)
        }
    }
}

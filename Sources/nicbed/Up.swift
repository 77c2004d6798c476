import ArgumentParser
import SmartNIC
import Testbed

struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start every node of a topology, each as its own process, and wait until all are ready.")

    @Argument(help: "The topology file (YAML), e.g. topologies/pair.yaml.")
    var topology: String

    @Option(help: "First underlay UDP port, overriding the file's defaults.underlay.base_port (two ports per link).")
    var basePort: UInt16?

    @Flag(help: "Record every frame of every interface to <run dir>/<node>-<iface>.pcap.")
    var capture = false

    @Option(help: "Run every node's NIC as 'smart' or 'conventional', overriding the file's nic: settings (card memory and header prefix stay).")
    var nic: NICMode?

    func run() throws {
        do {
            let record = try Orchestrator.up(topologyPath: topology, options: .init(basePort: basePort, capture: capture, nicMode: nic)) { print($0) }
            print(StatusTable.render(try RunningTopology(directory: RunDirectory(topologyName: record.name))))
            print("\(record.name) is up: \(record.nodes.count) nodes. Try `nicbed exec NODE ping ADDRESS`; stop with `nicbed down \(record.name)`.")
        } catch let error as OrchestratorError {
            throw Failure(error.description)
        }
    }
}

extension NICMode: ExpressibleByArgument {}

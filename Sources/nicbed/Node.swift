import ArgumentParser
import Logging
import SmartNIC
import Testbed
import Topology

struct Node: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one node of a topology in this process (what `nicbed up` starts for each node).")

    @Option(help: "The topology file.")
    var topology: String

    @Option(help: "The node's name in the topology.")
    var name: String

    @Option(help: "The run directory for the control socket, log and captures (default: $NICBED_RUN_ROOT/<topology name>).")
    var runDir: String?

    @Option(help: "First underlay UDP port, overriding the file's.")
    var basePort: UInt16?

    @Flag(help: "Record every frame of every interface to pcap files in the run directory.")
    var capture = false

    @Option(help: "Run the node's NIC as 'smart' or 'conventional', overriding the file.")
    var nic: NICMode?

    @Option(help: "Mixed into the seed of every impairment's random draws (0: the topology's own seeds).")
    var seed: UInt64 = 0

    @Flag(help: "The node is a container on a docker network: bind every link end on all addresses and find peers by their service names (what `nicbed compose` asks for).")
    var inContainer = false

    func run() throws {
        var model: Topology
        do { model = try Topology.load(path: topology, basePortOverride: basePort) } catch {
            throw Failure(error.description)
        }
        if let nic { model = model.withNICMode(nic) }
        if inContainer { model = model.inContainers() }
        let directory = runDir.map(RunDirectory.init(path:)) ?? RunDirectory(topologyName: model.name)
        try directory.create()
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "nicbed.node.\(name)")
        logger.logLevel = .info
        do {
            let node = try NodeRuntime(topology: model, name: name, runDirectory: directory, capture: capture, seed: seed, logger: logger)
            try node.run()
        } catch {
            logger.error("node \(name) failed: \(error)")
            throw ExitCode(1)
        }
    }
}

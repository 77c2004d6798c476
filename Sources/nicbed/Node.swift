import ArgumentParser
import Foundation
import Logging
import SmartNIC
import Testbed
import Topology

struct Node: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one node of a topology in this process (what `nicbed up` starts for each node).",
        discussion: """
            `nicbed up` hands each node its resolved configuration (--config, a JSON file it writes \
            into the run directory), so no node parses the whole topology. By hand, or in a \
            container, give --topology and --name instead.
              nicbed node --topology topologies/pair.yaml --name h1 --run-dir /tmp/pair
            """)

    @Option(help: "The node's resolved configuration, as `nicbed up` writes it.")
    var config: String?

    @Option(help: "The topology file (with --name).")
    var topology: String?

    @Option(help: "The node's name in the topology.")
    var name: String?

    @Option(help: "The run directory for the control socket, log and captures (default: $NICBED_RUN_ROOT/<topology name>).")
    var runDir: String?

    @Option(help: "First underlay UDP port, overriding the file's (with --topology).")
    var basePort: UInt16?

    @Flag(help: "Record every frame of every interface to pcap files in the run directory.")
    var capture = false

    @Option(help: "Run the node's NIC as 'smart' or 'conventional', overriding the file (with --topology).")
    var nic: NICMode?

    @Option(help: "Mixed into the seed of every impairment's random draws (0: the topology's own seeds).")
    var seed: UInt64 = 0

    @Flag(help: "The node is a container on a docker network: bind every link end on all addresses and find peers by their service names (what `nicbed compose` asks for; with --topology).")
    var inContainer = false

    func validate() throws {
        if config != nil {
            guard topology == nil, name == nil, basePort == nil, nic == nil, !inContainer else {
                throw ValidationError("--config holds the node's whole configuration: give it without --topology, --name, --base-port, --nic or --in-container")
            }
        } else if topology == nil || name == nil {
            throw ValidationError("give --config FILE, or --topology FILE and --name NODE")
        }
    }

    func run() throws {
        let resolved = try config.map(Self.read(configuration:)) ?? resolve()
        let directory = runDir.map(RunDirectory.init(path:)) ?? RunDirectory(topologyName: resolved.topologyName)
        try directory.create()
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let name = resolved.node.name
        var logger = Logger(label: "nicbed.node.\(name)")
        logger.logLevel = .info
        do {
            let node = try NodeRuntime(configuration: resolved, runDirectory: directory, capture: capture, seed: seed, logger: logger)
            try node.run()
        } catch {
            logger.error("node \(name) failed: \(error)")
            throw ExitCode(1)
        }
    }

    /// The node's configuration from the whole topology file (`--topology`, `--name`).
    private func resolve() throws -> NodeConfiguration {
        guard let topology, let name else { throw Failure("give --config FILE, or --topology FILE and --name NODE") }
        var model: Topology
        do { model = try Topology.load(path: topology, basePortOverride: basePort) } catch {
            throw Failure(error.description)
        }
        if let nic { model = model.withNICMode(nic) }
        if inContainer { model = model.inContainers() }
        guard let configuration = model.configuration(of: name) else {
            throw Failure("no node '\(name)' in \(topology); nodes: \(model.nodes.map(\.name).joined(separator: ", "))")
        }
        return configuration
    }

    static func read(configuration path: String) throws -> NodeConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure("cannot read the node configuration \(path)")
        }
        do { return try JSONDecoder().decode(NodeConfiguration.self, from: data) } catch {
            throw Failure("\(path) is not a node configuration `nicbed up` wrote: \(error)")
        }
    }
}

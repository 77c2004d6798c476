import ArgumentParser
import SmartNIC
import Testbed

struct Up: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start every node of a topology, each as its own process (or container), and wait until all are ready.",
        discussion: """
          nicbed up topologies/line3.yaml                      one process per node, here
          nicbed up --docker topologies/line3.yaml             one container per node, by docker compose
          nicbed up --docker --project copy2 topologies/line3.yaml   a second copy beside the first

        Under docker the nodes run the image named by --image (build it offline with \
        docker/build-offline); a linux node is a container with its own network namespace, and the \
        user's image it names runs in that namespace. Every other command (exec, cp, pingall, stats, \
        link, capture, logs, down) works the same on either.
        """)

    @Argument(help: "The topology file (YAML), e.g. topologies/pair.yaml.")
    var topology: String

    @Option(help: "First underlay UDP port, overriding the file's defaults.underlay.base_port (two ports per link).")
    var basePort: UInt16?

    @Flag(help: "Record every frame of every interface to <run dir>/<node>-<iface>.pcap.")
    var capture = false

    @Option(help: "Run every node's NIC as 'smart' or 'conventional', overriding the file's nic: settings (card memory and header prefix stay).")
    var nic: NICMode?

    @Option(help: "Mixed into the seed of every link impairment's random draws: the same seed repeats a run's losses, another varies them.")
    var seed: UInt64 = 0

    @Flag(help: "Run every node as a container of a docker compose project instead of a local process.")
    var docker = false

    @Option(help: "Under --docker, the image the nodes run (default \(DockerCompose.defaultImage)).")
    var image: String?

    @Option(help: "Under --docker, the compose project and run name (default: the topology's name); two projects of one topology run side by side.")
    var project: String?

    func run() throws {
        if !docker, image != nil || project != nil {
            throw ValidationError("--image and --project are for --docker runs")
        }
        if let project, !project.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) || project.isEmpty || project.count > 24 {
            throw ValidationError("--project '\(project)' is not a project name: 1 to 24 of a-z, 0-9 and '-'")
        }
        do {
            var options = Orchestrator.UpOptions(basePort: basePort, capture: capture, nicMode: nic, project: project, image: image)
            options.seed = seed
            let launcher: any Launcher = docker ? Launchers.docker : Launchers.local
            let record = try Orchestrator.up(topologyPath: topology, options: options, launcher: launcher) { print($0) }
            print(StatusTable.render(try RunningTopology(directory: RunDirectory(topologyName: record.name))))
            print("\(record.name) is up: \(record.nodes.count) nodes. Try `nicbed exec NODE ping ADDRESS`; stop with `nicbed down \(record.name)`.")
        } catch let error as OrchestratorError {
            throw Failure(error.description)
        }
    }
}

extension NICMode: ExpressibleByArgument {}

import Foundation
import SmartNIC
import Topology

/// Starts and stops topologies through their launchers, and finds what runs.
public enum Orchestrator {
    public struct UpOptions {
        public var basePort: UInt16?
        public var capture = false
        /// Runs every node's NIC in this mode, whatever the file says (to compare the two).
        public var nicMode: NICMode?
        public var readyTimeoutSeconds = 15.0
        /// Under docker: the compose project (and run) name, the topology's name unless set, so
        /// that two copies of one topology run side by side; and the image the nodes run.
        public var project: String?
        public var image = DockerCompose.defaultImage
        /// Mixed into every impairment's seed, so a run's random draws can be varied or repeated.
        public var seed: UInt64 = 0
        public init(basePort: UInt16? = nil, capture: Bool = false, nicMode: NICMode? = nil,
                    project: String? = nil, image: String? = nil) {
            self.basePort = basePort
            self.capture = capture
            self.nicMode = nicMode
            self.project = project
            if let image { self.image = image }
        }
    }

    /// Starts every node with `launcher` and returns once every node is ready. If one fails,
    /// the launcher says why and leaves nothing behind.
    public static func up(topologyPath: String, options: UpOptions, launcher: any Launcher = Launchers.local,
                          print: (String) -> Void) throws -> RunRecord {
        let topology: Topology
        do { topology = try Topology.load(path: topologyPath, basePortOverride: options.basePort) } catch {
            throw OrchestratorError(error.description)
        }
        let run = RunDirectory(topologyName: options.project ?? topology.name)
        if let existing = try run.readRecord() {
            let previous = try Launchers.named(existing.launcher)
            let alive: Set<NodeState> = [.running, .notAnswering]
            if existing.nodes.contains(where: { alive.contains(previous.state(of: $0)) }) {
                let name = existing.name
                throw OrchestratorError("topology '\(name)' is already up (run directory \(run.path)); `nicbed down \(name)` stops it")
            }
            // Its nodes are gone (a crash, a reboot): what is left of it goes too.
            try? previous.stop(existing, in: run, print: { _ in })
            run.removeRecord()
        }
        let absolutePath = URL(fileURLWithPath: topologyPath).standardizedFileURL.path
        let record = try launcher.start(topology, path: absolutePath, options: options, in: run, print: print)
        for node in topology.nodes where node.kind == .external {
            print("node \(node.name) is external: start it yourself, e.g. a QEMU guest with")
            for line in QEMUJoin.arguments(for: node, in: topology) { print("  \(line)") }
        }
        return record
    }

    /// Stops every node of a run, through the launcher that started it.
    public static func down(runName: String?, print: (String) -> Void) throws {
        let running = try RunningTopology.select(runName)
        try running.stop(print: print)
        print("stopped \(running.record.name): \(running.record.nodes.count) node\(running.record.nodes.count == 1 ? "" : "s") (logs and captures stay in \(running.directory.path))")
    }

    /// The run a command means: the one named, or the only one running.
    public static func selectRun(_ name: String?) throws(OrchestratorError) -> RunDirectory {
        if let name {
            let run = RunDirectory(topologyName: name)
            guard FileManager.default.fileExists(atPath: run.recordPath) else {
                throw OrchestratorError("no topology named '\(name)' is running (looked in \(run.path))")
            }
            return run
        }
        let runs = RunDirectory.all()
        switch runs.count {
        case 0: throw OrchestratorError("no topology is running (run root \(RunDirectory.root)); start one with `nicbed up FILE`")
        case 1: return runs[0]
        default:
            let names = runs.map { URL(fileURLWithPath: $0.path).lastPathComponent }
            throw OrchestratorError("several topologies are running (\(names.joined(separator: ", "))); name one")
        }
    }

    /// For an interface of a linux or external node: our end of its link, which impairs what
    /// that interface sends. Nil when the node is one of ours.
    public static func ourEndFacing(node: String, interface: String, runName: String?) throws -> (node: String, interface: String)? {
        let (running, located) = try RunningTopology.locate(node: node, runName: runName)
        guard !located.isOurProcess else { return nil }
        let record = running.record
        let topology: Topology
        do { topology = try Topology.load(path: record.topology, basePortOverride: record.basePort) } catch {
            throw OrchestratorError("cannot read the topology of the run: \(error.description)")
        }
        let end = Endpoint(node: node, interface: interface)
        guard let link = topology.links.first(where: { $0.a == end || $0.b == end }) else {
            throw OrchestratorError("\(node) has no interface '\(interface)'")
        }
        let far = link.a == end ? link.b : link.a
        return (far.node, far.interface)
    }

    public static func tail(of path: String, lines: Int) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return ["(no log)"] }
        return Array(text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).map(String.init))
    }
}

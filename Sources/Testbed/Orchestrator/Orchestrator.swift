import EventLoop
import Foundation
import SmartNIC
import Topology
#if canImport(Glibc)
import Glibc
#endif

/// Starts, finds and stops the node processes of a topology.
public enum Orchestrator {
    public struct UpOptions {
        public var basePort: UInt16?
        public var capture = false
        /// Runs every node's NIC in this mode, whatever the file says (to compare the two).
        public var nicMode: NICMode?
        public var readyTimeoutSeconds = 15.0
        public init(basePort: UInt16? = nil, capture: Bool = false, nicMode: NICMode? = nil) {
            self.basePort = basePort
            self.capture = capture
            self.nicMode = nicMode
        }
    }

    /// Starts one process per node and returns once every node answers on its control socket.
    /// If a node dies or does not answer in time, its log is shown and the others are stopped.
    public static func up(topologyPath: String, options: UpOptions, print: (String) -> Void) throws -> RunRecord {
        let topology: Topology
        do { topology = try Topology.load(path: topologyPath, basePortOverride: options.basePort) } catch {
            throw OrchestratorError(error.description)
        }
        let run = RunDirectory(topologyName: topology.name)
        if let existing = try run.readRecord() {
            if existing.nodes.contains(where: { $0.isOurProcess && ProcessControl.isAlive($0.pid) }) {
                throw OrchestratorError("topology '\(topology.name)' is already up (run directory \(run.path)); `nicbed down \(topology.name)` stops it")
            }
            // Its processes are gone (a crash, a reboot): what is left of it goes too.
            for node in existing.nodes {
                if let namespace = node.namespace {
                    LinuxNamespace.remove(namespace: namespace, rootDevices: node.underlayDevices ?? [])
                }
            }
            run.removeRecord()
        }
        let processes = topology.nodes.filter(\.kind.runsOurStack)
        let linux = topology.nodes.filter { $0.kind == .linux }
        try LinuxNamespace.checkPossible(for: linux)
        try run.create()
        let absolutePath = URL(fileURLWithPath: topologyPath).standardizedFileURL.path
        let executable = ProcessControl.currentExecutable()

        // Namespaces first: our processes bind their sockets to the veth pairs' addresses.
        var namespaces: [LinuxNamespace] = []
        func removeNamespaces() {
            for namespace in namespaces { LinuxNamespace.remove(namespace: namespace.name, rootDevices: namespace.rootDevices) }
            if !namespaces.isEmpty { run.removeRecord() }
        }
        for node in linux {
            let namespace = LinuxNamespace(topology: topology, node: node)
            do { try namespace.create() } catch {
                removeNamespaces()
                throw OrchestratorError("node \(node.name): \(error.description)")
            }
            namespaces.append(namespace)
            print("node \(node.name): Linux network namespace \(namespace.name)")
        }
        if !namespaces.isEmpty {
            // Recorded at once, so that `nicbed down` finds the namespaces even if this `up` is
            // interrupted before the nodes are ready (the full record replaces it then).
            let provisional = RunRecord(name: topology.name, topology: absolutePath, basePort: topology.basePort, capture: options.capture,
                                        nodes: linux.map { node in
                                            entry(for: node, pid: nil, run: run, namespace: namespaces.first { $0.spec.name == node.name })
                                        })
            do { try run.write(provisional) } catch {
                removeNamespaces()
                throw OrchestratorError("cannot record the run in \(run.recordPath): \(error)")
            }
        }

        let loop: Loop
        do { loop = try Loop() } catch {
            removeNamespaces()
            throw OrchestratorError("cannot start an event loop: \(error)")
        }
        defer { loop.close() }
        var children: [String: ChildProcess] = [:]
        var exited: [String: String] = [:]
        do {
            for node in processes {
                let log = run.logPath(node: node.name)
                try? FileManager.default.removeItem(atPath: log)
                var arguments = ["node", "--topology", absolutePath, "--name", node.name, "--run-dir", run.path]
                if let port = options.basePort { arguments += ["--base-port", String(port)] }
                if options.capture { arguments.append("--capture") }
                if let mode = options.nicMode { arguments += ["--nic", mode.rawValue] }
                let name = node.name
                children[node.name] = try ChildProcess(loop: loop, executable: executable, arguments: arguments,
                                                       logPath: log, detached: true) { status, signal in
                    exited[name] = signal != 0 ? "killed by signal \(signal)" : "exited with status \(status)"
                }
            }
        } catch {
            // A node that could not be started leaves nothing of the run behind.
            for child in children.values { child.kill(SIGKILL) }
            removeNamespaces()
            throw OrchestratorError("cannot start the node processes: \(error)")
        }

        var ready: Set<String> = []
        let deadline = Date().addingTimeInterval(options.readyTimeoutSeconds)
        let poll = LoopTimer(loop: loop)
        poll.start(after: 20, repeating: 50) {
            for node in processes where !ready.contains(node.name) && exited[node.name] == nil {
                if ControlClient.status(at: run.socketPath(node: node.name)) != nil { ready.insert(node.name) }
            }
            if ready.count == processes.count || !exited.isEmpty || Date() > deadline { loop.stop() }
        }
        loop.run()
        poll.close()

        let failed = processes.filter { !ready.contains($0.name) }
        if !failed.isEmpty {
            for node in failed {
                let reason = exited[node.name] ?? "did not answer within \(Int(options.readyTimeoutSeconds)) s"
                print("node \(node.name) failed to start: \(reason); its log (\(run.logPath(node: node.name))):")
                for line in tail(of: run.logPath(node: node.name), lines: 20) { print("  | \(line)") }
            }
            for (name, child) in children where exited[name] == nil {
                child.kill(SIGTERM)
                _ = ProcessControl.waitForExit(child.pid, seconds: 3) || { child.kill(SIGKILL); return true }()
            }
            removeNamespaces()
            throw OrchestratorError("topology '\(topology.name)' did not come up; the other nodes were stopped")
        }

        let record = RunRecord(name: topology.name, topology: absolutePath, basePort: topology.basePort, capture: options.capture,
                               nodes: topology.nodes.map { node in
                                   entry(for: node, pid: children[node.name]?.pid, run: run,
                                         namespace: namespaces.first { $0.spec.name == node.name })
                               })
        for node in topology.nodes where node.kind == .external {
            print("node \(node.name) is external: start it yourself, e.g. a QEMU guest with")
            for line in QEMUJoin.arguments(for: node, in: topology) { print("  \(line)") }
        }
        do { try run.write(record) } catch {
            for child in children.values { child.kill(SIGKILL) }
            removeNamespaces()
            throw OrchestratorError("cannot record the run in \(run.recordPath): \(error)")
        }
        // The nodes run on; `up` stops watching them so its loop can end.
        children.values.forEach { $0.release() }
        return record
    }

    /// How the run record keeps a node: our processes by pid and control socket; a linux or
    /// external node by its interfaces (nothing answers for it), and a linux node's namespace.
    private static func entry(for node: NodeSpec, pid: Int32?, run: RunDirectory, namespace: LinuxNamespace?) -> RunRecord.Node {
        guard let pid else {
            var entry = RunRecord.Node(name: node.name, kind: node.kind.rawValue, pid: 0, socket: "", log: "")
            entry.interfaces = node.interfaces.map { interface in
                NodeStatus.InterfaceStatus(name: interface.name, mac: interface.mac.description,
                                           address: interface.address?.description ?? "-",
                                           underlay: "\(interface.localHost):\(interface.localPort)",
                                           peer: "\(interface.peerHost):\(interface.peerPort)")
            }
            entry.namespace = namespace?.name
            entry.underlayDevices = namespace?.rootDevices
            return entry
        }
        return RunRecord.Node(name: node.name, kind: node.kind.rawValue, pid: pid,
                              socket: run.socketPath(node: node.name), log: run.logPath(node: node.name))
    }

    /// Stops every node of a run: politely over the control socket, then by signal.
    public static func down(runName: String?, print: (String) -> Void) throws {
        let run = try selectRun(runName)
        guard let record = try run.readRecord() else { throw OrchestratorError("nothing is running in \(run.path)") }
        let namespaces = record.nodes.compactMap(\.namespace)
        if !namespaces.isEmpty && geteuid() != 0 {
            throw OrchestratorError("\(record.name) has Linux network namespaces (\(namespaces.joined(separator: ", "))), and only root can remove them: sudo nicbed down \(record.name)")
        }
        var forced: [String] = []
        let processes = record.nodes.filter(\.isOurProcess)
        for node in processes where ProcessControl.isAlive(node.pid) {
            _ = try? ControlClient.send(ControlRequest(command: .shutdown), to: node.socket) { _ in }
        }
        for node in processes {
            if ProcessControl.waitForExit(node.pid, seconds: 5) { continue }
            kill(node.pid, SIGTERM)
            if !ProcessControl.waitForExit(node.pid, seconds: 2) {
                kill(node.pid, SIGKILL)
                _ = ProcessControl.waitForExit(node.pid, seconds: 2)
            }
            forced.append(node.name)
        }
        for node in processes { unlink(node.socket) }
        var leftovers: [String] = []
        for node in record.nodes {
            guard let namespace = node.namespace else { continue }
            leftovers += LinuxNamespace.remove(namespace: namespace, rootDevices: node.underlayDevices ?? [])
        }
        if !forced.isEmpty { print("had to signal: \(forced.joined(separator: ", "))") }
        guard leftovers.isEmpty else {
            // The record stays, so that another `down` can try again.
            throw OrchestratorError("stopped the processes of \(record.name), but could not remove: \(leftovers.joined(separator: "; ")); `nicbed down \(record.name)` tries again")
        }
        run.removeRecord()
        print("stopped \(record.name): \(record.nodes.count) node\(record.nodes.count == 1 ? "" : "s") (logs and captures stay in \(run.path))")
    }

    /// The run a command means: the one named, or the only one running.
    public static func selectRun(_ name: String?) throws -> RunDirectory {
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

    /// Finds a node by name across running topologies (or in the one named).
    public static func locate(node: String, runName: String?) throws -> RunRecord.Node {
        let runs = runName != nil ? [try selectRun(runName)] : RunDirectory.all()
        let matches = try runs.compactMap { try $0.readRecord()?.nodes.first { $0.name == node } }
        switch matches.count {
        case 1: return matches[0]
        case 0:
            let known = try runs.flatMap { try $0.readRecord()?.nodes.map(\.name) ?? [] }
            throw OrchestratorError("no running node named '\(node)'" + (known.isEmpty ? "; no topology is up" : "; running nodes: \(known.joined(separator: ", "))"))
        default: throw OrchestratorError("node '\(node)' runs in several topologies; choose one with --run NAME")
        }
    }

    /// For an interface of a linux or external node: our end of its link, which impairs what
    /// that interface sends. Nil when the node is one of ours.
    public static func ourEndFacing(node: String, interface: String, runName: String?) throws -> (node: String, interface: String)? {
        let located = try locate(node: node, runName: runName)
        guard !located.isOurProcess else { return nil }
        let runs = runName != nil ? [try selectRun(runName)] : RunDirectory.all()
        guard let record = runs.compactMap({ try? $0.readRecord() }).first(where: { $0.nodes.contains(located) }) else {
            throw OrchestratorError("no run record holds \(node)")
        }
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

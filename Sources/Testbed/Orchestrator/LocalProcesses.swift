import EventLoop
import Foundation
import Topology
#if canImport(Glibc)
import Glibc
#endif

/// The launcher of local processes: one `nicbed node` process per node of ours, detached, its
/// log and control socket in the run directory; a Linux network namespace per linux node
/// (as root). Later commands reach a node by its socket, and stop it by pid.
public struct LocalProcesses: Launcher {
    public let name = "local"

    public init() {}

    public func start(_ topology: Topology, path: String, options: Orchestrator.UpOptions, in run: RunDirectory,
                      print: (String) -> Void) throws(OrchestratorError) -> RunRecord {
        let processes = topology.nodes.filter(\.kind.runsOurStack)
        let linux = topology.nodes.filter { $0.kind == .linux }
        try LinuxNamespace.checkPossible(for: linux)
        do { try run.create() } catch {
            throw OrchestratorError("cannot create the run directory \(run.path): \(error)")
        }
        let absolutePath = path
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
                                        launcher: name,
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
            // Resolved here once for every node: a node that parsed the whole file itself made
            // start-up quadratic in the node count.
            let configurations = (options.nicMode.map { topology.withNICMode($0) } ?? topology).configurations()
            for node in processes {
                let log = run.logPath(node: node.name)
                try? FileManager.default.removeItem(atPath: log)
                if let configuration = configurations[node.name] { try run.write(configuration) }
                let arguments = Self.nodeArguments(node.name, run: run, capture: options.capture, seed: options.seed)
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
                for line in Orchestrator.tail(of: run.logPath(node: node.name), lines: 20) { print("  | \(line)") }
            }
            for (name, child) in children where exited[name] == nil {
                child.kill(SIGTERM)
                _ = ProcessControl.waitForExit(child.pid, seconds: 3) || { child.kill(SIGKILL); return true }()
            }
            removeNamespaces()
            throw OrchestratorError("topology '\(topology.name)' did not come up; the other nodes were stopped")
        }

        var record = RunRecord(name: topology.name, topology: absolutePath, basePort: topology.basePort, capture: options.capture,
                               launcher: name,
                               nodes: topology.nodes.map { node in
                                   entry(for: node, pid: children[node.name]?.pid, run: run,
                                         namespace: namespaces.first { $0.spec.name == node.name })
                               })
        record.nicMode = options.nicMode?.rawValue
        record.seed = options.seed
        do { try run.write(record) } catch {
            for child in children.values { child.kill(SIGKILL) }
            removeNamespaces()
            throw OrchestratorError("cannot record the run in \(run.recordPath): \(error)")
        }
        // The nodes run on; `up` stops watching them so its loop can end.
        children.values.forEach { $0.release() }
        return record
    }

    /// What a node process is started with, by `up` and by a restart of one node.
    /// Everything else (the node's interfaces, links, NIC with `--nic` applied, the base port)
    /// is in the configuration file `up` wrote into the run directory.
    static func nodeArguments(_ node: String, run: RunDirectory, capture: Bool, seed: UInt64) -> [String] {
        var arguments = ["node", "--config", run.configurationPath(node: node), "--run-dir", run.path]
        if capture { arguments.append("--capture") }
        if seed != 0 { arguments += ["--seed", String(seed)] }
        return arguments
    }

    /// Starts one node's process again, as `up` did (killed first if it still runs), and
    /// waits until it answers; the record gets its new pid.
    public func restart(_ node: RunRecord.Node, of record: RunRecord, in run: RunDirectory,
                        timeout: Double) throws(OrchestratorError) -> RunRecord.Node {
        guard node.isOurProcess else {
            throw OrchestratorError("\(node.name) is a \(node.kind) node, not a process of ours: nicbed cannot restart it alone")
        }
        if ProcessControl.isAlive(node.pid) {
            Glibc.kill(node.pid, SIGKILL)
            _ = ProcessControl.waitForExit(node.pid, seconds: 5)
        }
        unlink(node.socket)
        let loop: Loop
        do { loop = try Loop() } catch { throw OrchestratorError("cannot start an event loop: \(error)") }
        defer { loop.close() }
        guard FileManager.default.fileExists(atPath: run.configurationPath(node: node.name)) else {
            throw OrchestratorError("cannot start \(node.name) again: its configuration \(run.configurationPath(node: node.name)) is gone")
        }
        // The configuration `up` wrote: the node comes back as it was launched, even if the
        // topology file was edited since.
        let arguments = Self.nodeArguments(node.name, run: run, capture: record.capture, seed: record.seed ?? 0)
        var exited: String?
        let child: ChildProcess
        do {
            child = try ChildProcess(loop: loop, executable: ProcessControl.currentExecutable(), arguments: arguments,
                                     logPath: run.logPath(node: node.name), detached: true) { status, signal in
                exited = signal != 0 ? "killed by signal \(signal)" : "exited with status \(status)"
            }
        } catch {
            throw OrchestratorError("cannot start \(node.name) again: \(error)")
        }
        var answered = false
        let deadline = Date().addingTimeInterval(timeout)
        let poll = LoopTimer(loop: loop)
        poll.start(after: 20, repeating: 50) {
            answered = ControlClient.status(at: node.socket) != nil
            if answered || exited != nil || Date() > deadline { loop.stop() }
        }
        loop.run()
        poll.close()
        guard answered else {
            child.kill(SIGKILL)
            throw OrchestratorError("\(node.name) did not come back: \(exited ?? "no answer within \(Int(timeout)) s") (log: \(run.logPath(node: node.name)))")
        }
        child.release()
        var restarted = node
        restarted.pid = child.pid
        return restarted
    }

    /// How the run record keeps a node: our processes by pid and control socket; a linux or
    /// external node by its interfaces (nothing answers for it), and a linux node's namespace.
    private func entry(for node: NodeSpec, pid: Int32?, run: RunDirectory, namespace: LinuxNamespace?) -> RunRecord.Node {
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

    public func state(of node: RunRecord.Node) -> NodeState {
        if let namespace = node.namespace {
            return .namespace(namespace, present: FileManager.default.fileExists(atPath: "/run/netns/\(namespace)"))
        }
        guard node.isOurProcess else { return .external }
        guard ProcessControl.isAlive(node.pid) else { return .stopped }
        return ControlClient.status(at: node.socket) == nil ? .notAnswering : .running
    }

    public func control(_ request: ControlRequest, on node: RunRecord.Node, timeout: Double?,
                        onResponse: (ControlResponse) -> Void) throws(OrchestratorError) -> Int32 {
        try controlBySocket(request, on: node, timeout: timeout, onResponse: onResponse)
    }

    public func exec(_ arguments: [String], on node: RunRecord.Node, terminal: Bool,
                     output: (String) -> Void, error: (String) -> Void) throws(OrchestratorError) -> Int32 {
        if let namespace = node.namespace {
            guard !arguments.isEmpty else {
                throw OrchestratorError("no command for \(node.name): nicbed exec \(node.name) -- COMMAND [ARGUMENTS…]")
            }
            guard geteuid() == 0 else {
                throw OrchestratorError("\(node.name) is a Linux network namespace (\(namespace)), and only root can run commands in it: sudo nicbed exec \(node.name) -- \(arguments.joined(separator: " "))")
            }
            if terminal { try NamespaceExec.replaceProcess(namespace: namespace, command: arguments) }
            let ran = try SystemCommand.run(LinuxNamespace.execArguments(namespace: namespace, command: arguments))
            ran.output.split(separator: "\n").forEach { output(String($0)) }
            ran.error.split(separator: "\n").forEach { error(String($0)) }
            return ran.status
        }
        guard node.isOurProcess else {
            throw OrchestratorError("\(node.name) is an external node: nicbed cannot run commands in it")
        }
        return try execBySocket(arguments, on: node, output: output, error: error)
    }

    /// The node's log file in the run directory (it stays there after `down`).
    public func log(of node: RunRecord.Node, in run: RunDirectory) throws(OrchestratorError) -> String {
        guard node.isOurProcess else {
            throw OrchestratorError("\(node.name) is a \(node.kind) node: no nicbed process runs it, so it has no log")
        }
        guard let data = FileManager.default.contents(atPath: node.log) else { throw OrchestratorError("no log at \(node.log)") }
        return String(decoding: data, as: UTF8.self)
    }

    public func crash(_ node: RunRecord.Node) throws(OrchestratorError) {
        guard node.isOurProcess else {
            throw OrchestratorError("\(node.name) is a \(node.kind) node, not a process of ours: end its programs with `nicbed exec \(node.name) -- kill …`")
        }
        guard ProcessControl.isAlive(node.pid) else { throw OrchestratorError("\(node.name) (pid \(node.pid)) is not running") }
        Glibc.kill(node.pid, SIGKILL)
        _ = ProcessControl.waitForExit(node.pid, seconds: 5)
    }

    /// Politely over the control socket, then by signal; then the namespaces and their devices.
    public func stop(_ record: RunRecord, in run: RunDirectory, print: (String) -> Void) throws(OrchestratorError) {
        let namespaces = record.nodes.compactMap(\.namespace)
        if !namespaces.isEmpty && geteuid() != 0 {
            throw OrchestratorError("\(record.name) has Linux network namespaces (\(namespaces.joined(separator: ", "))), and only root can remove them: sudo nicbed down \(record.name)")
        }
        var forced: [String] = []
        let processes = record.nodes.filter(\.isOurProcess)
        for node in processes where ProcessControl.isAlive(node.pid) {
            _ = try? ControlClient.send(ControlRequest(command: .shutdown), to: node.socket, timeout: 2) { _ in }
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
    }
}

import Foundation
import Topology
#if canImport(Glibc)
import Glibc
#endif

/// The launcher of docker compose projects: one container per node (`ComposeFile`), started
/// by compose, and ready when docker says every container is healthy. Our nodes answer on
/// their control sockets in the run directory (mounted at the same path), so `exec`, `cp`,
/// `stats`, `link` and `capture` reach them as on a local run; a linux node's commands run
/// with `docker exec` in its container (the user's, when the node names an image).
public struct DockerCompose: Launcher {
    public let name = "docker"
    public static let defaultImage = "nicbed:latest"
    /// Docker is slower to start a container than a process.
    static let minimumReadySeconds = 120.0

    public init() {}

    static func composePath(_ run: RunDirectory) -> String { "\(run.path)/compose.yaml" }

    public func start(_ topology: Topology, path: String, options: Orchestrator.UpOptions, in run: RunDirectory,
                      print: (String) -> Void) throws(OrchestratorError) -> RunRecord {
        if let problem = ComposeFile.unsupported(topology).first { throw OrchestratorError(problem) }
        let engine = try DockerEngine.find()
        guard engine.hasImage(options.image) else {
            throw OrchestratorError("the image \(options.image) is not in this docker: build it with `docker/build-offline` (no pulling needed), or `docker build -f docker/Dockerfile -t \(options.image) .`, or name another with --image")
        }
        let project = URL(fileURLWithPath: run.path).lastPathComponent
        do {
            try run.create()
            for node in topology.nodes where node.kind == .host {
                try FileManager.default.createDirectory(atPath: run.diskPath(node: node.name), withIntermediateDirectories: true)
            }
        } catch {
            throw OrchestratorError("cannot create the run directory \(run.path): \(error)")
        }
        let file = ComposeFile(topology: topology, topologyPath: path, project: project, image: options.image, run: run,
                               options: options, user: geteuid() == 0 ? nil : "\(geteuid()):\(getegid())")
        let composePath = Self.composePath(run)
        do { try file.render().write(toFile: composePath, atomically: true, encoding: .utf8) } catch {
            throw OrchestratorError("cannot write \(composePath): \(error)")
        }
        // Recorded before compose runs, so that `nicbed down` finds what an interrupted `up` made.
        var record = RunRecord(name: project, topology: path, basePort: topology.basePort, capture: options.capture,
                               launcher: name, nodes: topology.inContainers().nodes.map { entry(for: $0, project: project, run: run) })
        record.nicMode = options.nicMode?.rawValue
        record.seed = options.seed
        do { try run.write(record) } catch {
            throw OrchestratorError("cannot record the run in \(run.recordPath): \(error)")
        }
        func undo() {
            _ = try? engine.compose(project: project, file: composePath, ["down", "-v", "--remove-orphans", "-t", "2"])
            run.removeRecord()
        }
        let started = Date()
        print("docker project \(project): \(composePath) (\(engine.compose.joined(separator: " ")))")
        let up = try engine.compose(project: project, file: composePath, ["up", "-d"])
        guard up.status == 0 else {
            undo()
            throw OrchestratorError("compose could not start \(project) (status \(up.status)): \(up.error.split(separator: "\n").suffix(5).joined(separator: " / "))")
        }

        let containers = record.nodes.compactMap(\.container)
        let deadline = Date().addingTimeInterval(max(options.readyTimeoutSeconds, Self.minimumReadySeconds))
        var seen: [String: DockerEngine.Container] = [:]
        while true {
            seen = engine.inspect(containers)
            let healthy = containers.allSatisfy { seen[$0]?.health == "healthy" }
            let dead = containers.filter { seen[$0].map { $0.status == "exited" || $0.status == "dead" } ?? true }
            if healthy { break }
            if !dead.isEmpty || Date() > deadline {
                for container in dead.isEmpty ? containers.filter({ seen[$0]?.health != "healthy" }) : dead {
                    let state = seen[container].map { "\($0.status) \($0.health)" } ?? "missing"
                    print("container \(container) is \(state); its log:")
                    let log = (try? engine.run(["logs", "--tail", "20", container])).map { $0.output + $0.error } ?? ""
                    for line in log.split(separator: "\n").suffix(20) { print("  | \(line)") }
                }
                undo()
                throw OrchestratorError("topology '\(topology.name)' did not come up under docker; the project's containers were removed")
            }
            usleep(250_000)
        }
        for index in record.nodes.indices {
            guard let container = record.nodes[index].container, let state = seen[container] else { continue }
            record.nodes[index].address = state.address
            if record.nodes[index].socket.isEmpty == false { record.nodes[index].pid = state.pid }
        }
        do { try run.write(record) } catch {
            undo()
            throw OrchestratorError("cannot record the run in \(run.recordPath): \(error)")
        }
        print(String(format: "%d containers healthy in %.1f s", containers.count, Date().timeIntervalSince(started)))
        return record
    }

    /// Our nodes by control socket (their pid is the container's, once it runs); linux nodes by
    /// their interfaces, as locally.
    private func entry(for node: NodeSpec, project: String, run: RunDirectory) -> RunRecord.Node {
        let container = ComposeFile.containerName(project: project, service: node.name)
        var entry: RunRecord.Node
        if node.kind.runsOurStack {
            entry = RunRecord.Node(name: node.name, kind: node.kind.rawValue, pid: 0, socket: run.socketPath(node: node.name), log: "")
        } else {
            entry = RunRecord.Node(name: node.name, kind: node.kind.rawValue, pid: 0, socket: "", log: "")
            entry.interfaces = node.interfaces.map { interface in
                NodeStatus.InterfaceStatus(name: interface.name, mac: interface.mac.description,
                                           address: interface.address?.description ?? "-",
                                           underlay: "vxlan \(interface.link) port \(interface.localPort)",
                                           peer: interface.peerHost)
            }
            if node.container != nil {
                entry.appContainer = ComposeFile.containerName(project: project, service: ComposeFile.appService(of: node.name))
            }
        }
        entry.container = container
        return entry
    }

    public func state(of node: RunRecord.Node) -> NodeState {
        guard let container = node.container else { return .stopped }
        guard let engine = try? DockerEngine.cli(), let state = engine.inspect([container])[container] else { return .stopped }
        guard node.isOurProcess else { return .container(container, status: state.status) }
        guard state.status == "running" else { return .stopped }
        return ControlClient.status(at: node.socket) == nil ? .notAnswering : .running
    }

    public func control(_ request: ControlRequest, on node: RunRecord.Node, timeout: Double?,
                        onResponse: (ControlResponse) -> Void) throws(OrchestratorError) -> Int32 {
        try controlBySocket(request, on: node, timeout: timeout, onResponse: onResponse)
    }

    public func exec(_ arguments: [String], on node: RunRecord.Node, terminal: Bool,
                     output: (String) -> Void, error: (String) -> Void) throws(OrchestratorError) -> Int32 {
        if node.isOurProcess {
            return try execBySocket(arguments, on: node, output: output, error: error)
        }
        guard let container = node.appContainer ?? node.container else {
            throw OrchestratorError("\(node.name) has no container")
        }
        guard !arguments.isEmpty else {
            throw OrchestratorError("no command for \(node.name): nicbed exec \(node.name) -- COMMAND [ARGUMENTS…]")
        }
        let engine = try DockerEngine.cli()
        // A terminal only when there is one: `-t` without one makes docker refuse.
        if terminal { try ReplaceProcess.with([engine.docker, "exec", isatty(STDIN_FILENO) == 1 ? "-it" : "-i", container] + arguments) }
        let ran = try engine.run(["exec", container] + arguments)
        ran.output.split(separator: "\n").forEach { output(String($0)) }
        ran.error.split(separator: "\n").forEach { error(String($0)) }
        return ran.status
    }

    /// `docker logs` of the node's container (our nodes log to standard error).
    public func log(of node: RunRecord.Node, in run: RunDirectory) throws(OrchestratorError) -> String {
        guard node.isOurProcess, let container = node.container else {
            throw OrchestratorError("\(node.name) is a \(node.kind) node: no nicbed process runs it, so it has no log of ours (its container's: docker logs \(node.appContainer ?? node.container ?? "?"))")
        }
        let result = try DockerEngine.cli().run(["logs", container])
        guard result.status == 0 else { throw OrchestratorError("docker logs \(container): \(result.error)") }
        return result.output + result.error
    }

    public func crash(_ node: RunRecord.Node) throws(OrchestratorError) {
        guard let container = node.container else { throw OrchestratorError("\(node.name) has no container") }
        try DockerEngine.cli().must(["kill", container])
    }

    /// `docker restart`, then docker's health check again.
    public func restart(_ node: RunRecord.Node, of record: RunRecord, in run: RunDirectory,
                        timeout: Double) throws(OrchestratorError) -> RunRecord.Node {
        guard let container = node.container else { throw OrchestratorError("\(node.name) has no container") }
        let engine = try DockerEngine.cli()
        try engine.must(["restart", "-t", "1", container])
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let state = engine.inspect([container])[container], state.health == "healthy" {
                var restarted = node
                restarted.address = state.address
                if node.isOurProcess { restarted.pid = state.pid }
                return restarted
            }
            usleep(250_000)
        }
        throw OrchestratorError("\(container) was restarted and is not healthy within \(Int(timeout)) s")
    }

    /// `compose down -v`: the containers, the network and any volume go; the run directory
    /// (logs of captures, the hosts' disks) stays, as after a local run.
    public func stop(_ record: RunRecord, in run: RunDirectory, print: (String) -> Void) throws(OrchestratorError) {
        let engine = try DockerEngine.cli()
        let composePath = Self.composePath(run)
        let down = try engine.compose(project: record.name, file: composePath, ["down", "-v", "--remove-orphans", "-t", "5"])
        let left = engine.leftovers(project: record.name)
        guard left.isEmpty else {
            throw OrchestratorError("compose down (status \(down.status): \(down.error.split(separator: "\n").last ?? "")) left \(left.joined(separator: ", ")); `nicbed down \(record.name)` tries again")
        }
        for node in record.nodes where node.isOurProcess { unlink(node.socket) }
    }
}

import Topology
import Yams

/// A topology as a docker compose project, in the form both `docker compose` (v2) and
/// `docker-compose` (v1.29) accept:
/// - one service per node of ours, running `nicbed node --in-container`: it binds its link ends
///   on the container's address and finds its peers by service name (the node names) on the
///   project's `underlay` network, each link end on its own UDP port as locally;
/// - a linux node is a container of our image (NET_ADMIN) that makes the node's VXLAN devices,
///   addresses and routes in its own network namespace (`nicbed linux-container`); a user's
///   image named by the node runs as `NODE-app` in that namespace (`network_mode: service:NODE`);
/// - the topology file is mounted read-only and the run directory read-write, both at the
///   paths they have here: control sockets, logs, captures and the hosts' disks are where
///   `nicbed` looks for them, so every command works as on a local run;
/// - a health check asks each node of ours on its control socket.
public struct ComposeFile {
    public var topology: Topology
    /// Absolute; mounted at the same path in every container.
    public var topologyPath: String
    public var project: String
    public var image: String
    public var run: RunDirectory
    public var options: Orchestrator.UpOptions
    /// `UID:GID` for our nodes' processes, so that what they write in the run directory is the
    /// user's; nil runs them as the image's root.
    public var user: String?

    /// Where a linux node's container says it has made its devices (its health check).
    public static let linuxReadyFile = "/tmp/nicbed-linux-ready"
    /// The program in the image.
    public static let executable = "/usr/bin/nicbed"

    public init(topology: Topology, topologyPath: String, project: String, image: String, run: RunDirectory,
                options: Orchestrator.UpOptions, user: String?) {
        self.topology = topology
        self.topologyPath = topologyPath
        self.project = project
        self.image = image
        self.run = run
        self.options = options
        self.user = user
    }

    public static func containerName(project: String, service: String) -> String { "\(project)-\(service)" }
    public static func appService(of node: String) -> String { "\(node)-app" }

    /// The nodes compose cannot run, with why; empty when the whole topology fits.
    public static func unsupported(_ topology: Topology) -> [String] {
        topology.nodes.filter { $0.kind == .external }.map {
            "\($0.name) is an external node (a guest nicbed does not start): under docker, make it a linux node with an image"
        }
    }

    /// The underlay's MTU: the largest frame of any link with its VXLAN, UDP and IPv4 headers,
    /// so that no datagram is fragmented on the docker network.
    var underlayMTU: Int {
        max(1500, (topology.links.map(\.mtu).max() ?? InterfaceSpec.defaultMTU) + LinuxUnderlay.overhead)
    }

    public func render() throws -> String {
        var services: [(Node, Node)] = []
        for node in topology.nodes {
            switch node.kind {
            case .host, .router, .switch: services.append((Node(node.name), ourNode(node)))
            case .linux:
                services.append((Node(node.name), linuxNode(node)))
                if let container = node.container {
                    services.append((Node(Self.appService(of: node.name)), userContainer(container, of: node)))
                }
            case .external: continue
            }
        }
        let document: Node = .mapping(.init([
            (Node("services"), .mapping(.init(services))),
            (Node("networks"), .mapping(.init([
                (Node("underlay"), .mapping(.init([
                    (Node("driver_opts"), .mapping(.init([
                        (Node("com.docker.network.driver.mtu"), Self.text(String(underlayMTU))),
                    ]))),
                    (Node("labels"), labels(node: nil)),
                ]))),
            ]))),
        ]))
        let header = """
        # The topology \(topology.name) (\(topologyPath)) as a docker compose project, written by
        # `nicbed compose`. Start it with `docker compose -p \(project) -f FILE up -d` (or
        # docker-compose), or let `nicbed up --docker` do it and wait until every node is healthy.

        """
        return header + (try Yams.serialize(node: document, width: -1))
    }

    private func ourNode(_ node: NodeSpec) -> Node {
        var command = [Self.executable, "node", "--topology", topologyPath, "--name", node.name,
                       "--run-dir", run.path, "--in-container"]
        if let port = options.basePort { command += ["--base-port", String(port)] }
        if options.capture { command.append("--capture") }
        if let mode = options.nicMode { command += ["--nic", mode.rawValue] }
        if options.seed != 0 { command += ["--seed", String(options.seed)] }
        var fields = common(node.name, command: command)
        if let user { fields.append((Node("user"), Self.text(user))) }
        fields.append((Node("volumes"), Self.list([
            "\(topologyPath):\(topologyPath):ro",
            "\(run.path):\(run.path)",
        ])))
        fields.append((Node("healthcheck"), healthcheck([Self.executable, "probe", "--socket", run.socketPath(node: node.name)])))
        return .mapping(.init(fields))
    }

    private func linuxNode(_ node: NodeSpec) -> Node {
        var command = [Self.executable, "linux-container", "--topology", topologyPath, "--name", node.name,
                       "--ready-file", Self.linuxReadyFile]
        if let port = options.basePort { command += ["--base-port", String(port)] }
        var fields = common(node.name, command: command)
        fields.append((Node("cap_add"), Self.list(["NET_ADMIN"])))
        // Our stack speaks IPv4 only; the kernel's IPv6 chatter would only fill captures.
        fields.append((Node("sysctls"), .mapping(.init([
            (Node("net.ipv6.conf.all.disable_ipv6"), Self.text("1")),
            (Node("net.ipv6.conf.default.disable_ipv6"), Self.text("1")),
        ]))))
        fields.append((Node("volumes"), Self.list(["\(topologyPath):\(topologyPath):ro"])))
        fields.append((Node("healthcheck"), healthcheck([Self.executable, "probe", "--file", Self.linuxReadyFile])))
        return .mapping(.init(fields))
    }

    private func userContainer(_ container: ContainerSpec, of node: NodeSpec) -> Node {
        var fields: [(Node, Node)] = [
            (Node("image"), Self.text(container.image)),
            (Node("container_name"), Self.text(Self.containerName(project: project, service: Self.appService(of: node.name)))),
            (Node("network_mode"), Self.text("service:\(node.name)")),
            (Node("depends_on"), .mapping(.init([
                (Node(node.name), .mapping(.init([(Node("condition"), Self.text("service_healthy"))]))),
            ]))),
            (Node("labels"), labels(node: node.name)),
        ]
        switch container.command {
        case .line(let text): fields.append((Node("command"), Self.text(text)))
        case .arguments(let words): fields.append((Node("command"), Self.list(words)))
        case nil: break
        }
        if !container.environment.isEmpty {
            fields.append((Node("environment"), .mapping(.init(container.environment.map { (Node($0.name), Self.text($0.value)) }))))
        }
        return .mapping(.init(fields))
    }

    private func common(_ name: String, command: [String]) -> [(Node, Node)] {
        [
            (Node("image"), Self.text(image)),
            (Node("container_name"), Self.text(Self.containerName(project: project, service: name))),
            (Node("hostname"), Self.text(name)),
            // docker's init forwards SIGTERM and reaps: `down` stops a node at once, not after
            // docker's 10 s grace.
            (Node("init"), Node("true")),
            (Node("command"), Self.list(command)),
            (Node("networks"), Self.list(["underlay"])),
            (Node("labels"), labels(node: name)),
        ]
    }

    private func healthcheck(_ test: [String]) -> Node {
        .mapping(.init([
            (Node("test"), Self.list(["CMD"] + test)),
            (Node("interval"), Self.text("1s")),
            (Node("timeout"), Self.text("3s")),
            (Node("retries"), Node("60")),
        ]))
    }

    private func labels(node: String?) -> Node {
        var pairs = [(Node("org.nicbed.topology"), Self.text(topology.name)), (Node("org.nicbed.project"), Self.text(project))]
        if let node { pairs.append((Node("org.nicbed.node"), Self.text(node))) }
        return .mapping(.init(pairs))
    }

    /// Quoted, so that no value is read as a number, a boolean or YAML 1.1's base 60 (`0:0`).
    private static func text(_ value: String) -> Node { Node(value, .implicit, .doubleQuoted) }
    private static func list(_ values: [String]) -> Node { .sequence(.init(values.map(text))) }
}

import Foundation
import Topology
#if canImport(Glibc)
import Glibc
#endif

/// A `kind: linux` node: a network namespace in which the kernel's own stack runs, each of
/// its interfaces a VXLAN device joined to its link through a veth pair (`LinuxUnderlay`).
/// `nicbed up` creates it before any node process starts, since ours bind their sockets to the
/// veth pairs' root-side addresses; `nicbed down` removes it with everything inside.
struct LinuxNamespace {
    let name: String
    let spec: NodeSpec

    init(topology: Topology, node: NodeSpec) {
        name = LinuxUnderlay.namespace(topology: topology.name, node: node.name)
        spec = node
    }

    /// The root-namespace ends of the node's veth pairs.
    var rootDevices: [String] { spec.interfaces.map { LinuxUnderlay.rootDevice(port: $0.localPort) } }

    /// Refuses early, before anything is created, when the machine cannot make Linux nodes.
    static func checkPossible(for nodes: [NodeSpec]) throws(OrchestratorError) {
        guard !nodes.isEmpty else { return }
        let names = nodes.map(\.name).joined(separator: ", ")
        guard geteuid() == 0 else {
            throw OrchestratorError("\(names) \(nodes.count == 1 ? "is a node" : "are nodes") of kind linux, and only root can create network namespaces, veth pairs and VXLAN devices: run `sudo nicbed up …`, or leave such nodes out")
        }
        for (tool, package) in [("ip", "iproute2"), ("ethtool", "ethtool"), ("sysctl", "procps")]
        where SystemCommand.locate(tool) == nil {
            throw OrchestratorError("linux nodes (\(names)) need `\(tool)`, which is not installed: apt-get install \(package)")
        }
    }

    func create() throws(OrchestratorError) {
        if FileManager.default.fileExists(atPath: "/run/netns/\(name)") {
            throw OrchestratorError("network namespace \(name) for node \(spec.name) exists already: the topology is up, or an earlier run was not taken down (`nicbed down`, or `ip netns del \(name)`)")
        }
        for interface in spec.interfaces {
            let device = LinuxUnderlay.rootDevice(port: interface.localPort)
            if FileManager.default.fileExists(atPath: "/sys/class/net/\(device)") {
                throw OrchestratorError("the underlay device \(device) of \(spec.name):\(interface.name) exists already: another topology uses UDP port \(interface.localPort) (choose another --base-port), or an earlier run left it (`ip link del \(device)`)")
            }
            let owner = try SystemCommand.must(["ip", "-o", "-4", "addr", "show", "to", "\(interface.peerHost)/32"])
            if !owner.isEmpty {
                throw OrchestratorError("the underlay address \(interface.peerHost) of link \(interface.link) (to \(spec.name):\(interface.name)) is already in use: \(owner.trimmingCharacters(in: .whitespacesAndNewlines)); choose another --base-port")
            }
        }
        try SystemCommand.must(["ip", "netns", "add", name])
        do {
            try configure()
        } catch {
            Self.remove(namespace: name, rootDevices: rootDevices)
            throw error
        }
    }

    private func configure() throws(OrchestratorError) {
        let inside = ["ip", "netns", "exec", name]
        try SystemCommand.must(["ip", "-n", name, "link", "set", "lo", "up"])
        // Our stack speaks IPv4 only; the kernel's IPv6 chatter (router solicitations, MLD)
        // would only fill captures with frames every port drops.
        try SystemCommand.must(inside + ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        for interface in spec.interfaces {
            let port = String(interface.localPort)
            let (root, veth) = (LinuxUnderlay.rootDevice(port: interface.localPort), LinuxUnderlay.namespaceDevice(port: interface.localPort))
            let vethMTU = String(interface.mtu + LinuxUnderlay.overhead)
            try SystemCommand.must(["ip", "link", "add", root, "mtu", vethMTU, "type", "veth",
                                    "peer", "name", veth, "mtu", vethMTU, "netns", name])
            try SystemCommand.must(["ip", "addr", "add", "\(interface.peerHost)/31", "dev", root])
            try SystemCommand.must(["ip", "link", "set", root, "up"])
            try SystemCommand.must(["ip", "-n", name, "addr", "add", "\(interface.localHost)/31", "dev", veth])
            try SystemCommand.must(["ip", "-n", name, "link", "set", veth, "up"])
            // One source port (the range [port, port+1)), so our port's peer filter, which
            // admits only the configured host:port, lets the device's datagrams in.
            try SystemCommand.must(["ip", "-n", name, "link", "add", interface.name, "type", "vxlan",
                                    "id", String(interface.link), "local", interface.localHost, "remote", interface.peerHost,
                                    "dstport", port, "srcport", port, String(interface.localPort + 1),
                                    "nolearning", "dev", veth])
            try SystemCommand.must(["ip", "-n", name, "link", "set", interface.name, "address", interface.mac.description,
                                    "mtu", String(interface.mtu)])
            // The kernel would leave TCP and UDP checksums for a NIC to fill in, and no NIC ever
            // sees these frames: over veth they reach our socket with the checksum unfinished.
            try SystemCommand.must(inside + ["ethtool", "-K", interface.name, "tx", "off"])
            if let address = interface.address {
                try SystemCommand.must(["ip", "-n", name, "addr", "add", address.description, "dev", interface.name])
            }
            try SystemCommand.must(["ip", "-n", name, "link", "set", interface.name, "up"])
        }
        for route in spec.routes {
            try SystemCommand.must(["ip", "-n", name, "route", "add", "\(route.destination.network)/\(route.destination.prefixLength)",
                                    "via", route.nextHop.description])
        }
        if let gateway = spec.gateway {
            try SystemCommand.must(["ip", "-n", name, "route", "add", "default", "via", gateway.description])
        }
    }

    /// Ends the processes still inside (a server started with `nicbed exec`), then removes the
    /// namespace and the veth pairs. Returns what could not be removed.
    @discardableResult
    static func remove(namespace: String, rootDevices: [String]) -> [String] {
        var problems: [String] = []
        let pids = ((try? SystemCommand.run(["ip", "netns", "pids", namespace]))?.output ?? "")
            .split(separator: "\n").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        for pid in pids { kill(pid, SIGTERM) }
        for pid in pids where !ProcessControl.waitForExit(pid, seconds: 2) {
            kill(pid, SIGKILL)
            _ = ProcessControl.waitForExit(pid, seconds: 2)
        }
        if FileManager.default.fileExists(atPath: "/run/netns/\(namespace)"),
           let result = try? SystemCommand.run(["ip", "netns", "del", namespace]), result.status != 0 {
            problems.append("namespace \(namespace): \(result.error)")
        }
        // Deleting the namespace takes its veth ends, and with them the root ends; a pair whose
        // namespace was already gone is removed here.
        for device in rootDevices where FileManager.default.fileExists(atPath: "/sys/class/net/\(device)") {
            if let result = try? SystemCommand.run(["ip", "link", "del", device]), result.status != 0,
               FileManager.default.fileExists(atPath: "/sys/class/net/\(device)") {
                problems.append("device \(device): \(result.error)")
            }
        }
        return problems
    }

    /// How a user's command runs inside: `ip netns exec NAME COMMAND…`.
    static func execArguments(namespace: String, command: [String]) -> [String] {
        ["ip", "netns", "exec", namespace] + command
    }
}

/// `nicbed exec` into a linux node: the calling process becomes `ip netns exec NAMESPACE
/// COMMAND…`, keeping its terminal, so an interactive program (a shell, `ping` without -c)
/// behaves as if run there.
public enum NamespaceExec {
    /// Does not return unless exec fails, which it reports.
    public static func replaceProcess(namespace: String, command: [String]) throws(OrchestratorError) -> Never {
        guard let ip = SystemCommand.locate("ip") else {
            throw OrchestratorError("`ip` (iproute2) is not installed: apt-get install iproute2")
        }
        try ReplaceProcess.with([ip] + LinuxNamespace.execArguments(namespace: namespace, command: command).dropFirst())
    }
}

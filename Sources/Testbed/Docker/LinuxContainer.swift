import EventLoop
import Foundation
import Topology
#if canImport(Glibc)
import Glibc
#endif

/// A `kind: linux` node under docker: what `LinuxNamespace` does in a namespace of its own,
/// done in the container's namespace, which docker made with the container's underlay
/// interface in it. Each interface of the node becomes a VXLAN device over that interface,
/// to its peer's container found by name; the container's default route is replaced by the
/// node's gateway, so everything in the namespace (a user's image too) goes over the
/// emulated network. Then it watches the peers: a peer that moved (a restarted container) gets
/// its device's remote moved after it.
public struct LinuxContainer {
    let spec: NodeSpec
    let readyFile: String
    /// The container's own interface on the docker network, renamed when the node has an
    /// interface of the same name (docker calls it eth0, and so do topologies). Topology
    /// interface names have no '-', so this one never clashes.
    static let underlayName = "nb-under"
    static let peerWait = 60.0

    public init(topology: Topology, node: String, readyFile: String) throws(OrchestratorError) {
        guard let spec = topology.inContainers().node(named: node), spec.kind == .linux else {
            throw OrchestratorError("\(topology.sourcePath) has no linux node '\(node)'")
        }
        self.spec = spec
        self.readyFile = readyFile
    }

    /// Makes the devices, says so in the ready file, then watches the peers until stopped.
    public func run(log: (String) -> Void) throws(OrchestratorError) -> Never {
        let underlay = try prepareUnderlay()
        var remotes: [String: String] = [:]
        for interface in spec.interfaces {
            let remote = try resolve(interface.peerHost, waitingUpTo: Self.peerWait)
            try makeDevice(interface, remote: remote, underlay: underlay)
            remotes[interface.name] = remote
            log("\(interface.name): vxlan \(interface.link) to \(interface.peerHost)=\(remote):\(interface.peerPort) over \(underlay)")
        }
        for route in spec.routes {
            try SystemCommand.must(["ip", "route", "add", "\(route.destination.network)/\(route.destination.prefixLength)",
                                    "via", route.nextHop.description])
        }
        if let gateway = spec.gateway {
            try SystemCommand.must(["ip", "route", "replace", "default", "via", gateway.description])
        }
        guard FileManager.default.createFile(atPath: readyFile, contents: Data("ready\n".utf8)) else {
            throw OrchestratorError("cannot write \(readyFile)")
        }
        log("ready")
        while true {
            sleep(1)
            for interface in spec.interfaces {
                guard let now = Self.lookUp(interface.peerHost), now != remotes[interface.name] else { continue }
                do {
                    try SystemCommand.must(["ip", "link", "set", interface.name, "type", "vxlan", "remote", now])
                    log("\(interface.name): peer \(interface.peerHost) moved to \(now)")
                    remotes[interface.name] = now
                } catch {
                    log("\(interface.name): peer \(interface.peerHost) moved to \(now), and the device could not follow: \(error)")
                }
            }
        }
    }

    /// The interface docker gave the container: the one its default route leaves by. Its
    /// default route goes (the node's gateway takes its place); its subnet route stays.
    private func prepareUnderlay() throws(OrchestratorError) -> String {
        let route = try SystemCommand.must(["ip", "-o", "-4", "route", "show", "default"])
        let words = route.split(separator: " ").map(String.init)
        guard let at = words.firstIndex(of: "dev"), at + 1 < words.count else {
            throw OrchestratorError("the container has no default route to find its docker network by: \(route)")
        }
        var device = words[at + 1]
        try SystemCommand.must(["ip", "route", "del", "default"])
        if spec.interfaces.contains(where: { $0.name == device }) {
            // Down and up again takes the routes through it; the subnet route comes back with it.
            try SystemCommand.must(["ip", "link", "set", device, "down"])
            try SystemCommand.must(["ip", "link", "set", device, "name", Self.underlayName])
            try SystemCommand.must(["ip", "link", "set", Self.underlayName, "up"])
            device = Self.underlayName
        }
        return device
    }

    private func makeDevice(_ interface: InterfaceSpec, remote: String, underlay: String) throws(OrchestratorError) {
        let port = String(interface.localPort)
        // One source port, so that our port's peer filter, which admits its peer's host:port
        // only, lets the device's datagrams in.
        try SystemCommand.must(["ip", "link", "add", interface.name, "type", "vxlan", "id", String(interface.link),
                                "remote", remote, "dstport", port, "srcport", port, String(interface.localPort + 1),
                                "nolearning", "dev", underlay])
        try SystemCommand.must(["ip", "link", "set", interface.name, "address", interface.mac.description, "mtu", String(interface.mtu)])
        // The kernel would leave TCP and UDP checksums for a NIC to fill in, and no NIC sees
        // these frames: they would reach our node with the checksum unfinished.
        try SystemCommand.must(["ethtool", "-K", interface.name, "tx", "off"])
        if let address = interface.address {
            try SystemCommand.must(["ip", "addr", "add", address.description, "dev", interface.name])
        }
        try SystemCommand.must(["ip", "link", "set", interface.name, "up"])
    }

    private func resolve(_ host: String, waitingUpTo seconds: Double) throws(OrchestratorError) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let address = Self.lookUp(host) { return address }
            usleep(200_000)
        }
        throw OrchestratorError("the peer \(host) did not appear in docker's DNS within \(Int(seconds)) s")
    }

    /// The name's IPv4 address now, or nil. Blocking is fine here: this process carries no frames.
    static func lookUp(_ host: String) -> String? {
        guard let address = try? SocketAddress(host: host, port: 0) else { return nil }
        let text = address.description
        return String(text[..<(text.lastIndex(of: ":") ?? text.endIndex)])
    }
}

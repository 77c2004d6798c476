import ArgumentParser
import Foundation
import Testbed
import Topology

/// A container's health check (`nicbed compose` writes it): exits 0 when the node is ready.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 when a node is ready: its control socket answers and every peer has an address, or its ready file exists.",
        discussion: """
        A container's health check (`nicbed compose` writes it).
          nicbed probe --socket /run/nicbed/h1.sock
        """,
        shouldDisplay: false)

    @Option(help: "A node's control socket.")
    var socket: String?

    @Option(help: "A file whose presence means ready (a linux node's container).")
    var file: String?

    func run() throws {
        if let file {
            guard FileManager.default.fileExists(atPath: file) else { throw Failure("\(file) is not there yet") }
            return
        }
        guard let socket else { throw ValidationError("give --socket or --file") }
        guard let status = ControlClient.status(at: socket) else { throw Failure("\(socket) does not answer") }
        let waiting = status.interfaces.filter { $0.peer.contains("unresolved") }.map(\.name)
        guard waiting.isEmpty else { throw Failure("\(status.name): no address yet for the peers of \(waiting.joined(separator: ", "))") }
    }
}

/// What a linux node's container runs under docker.
struct LinuxContainerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linux-container",
        abstract: "Make a linux node's VXLAN devices, addresses and routes in this container's namespace, then follow its peers (what `nicbed compose` runs).",
        discussion: """
          nicbed linux-container --topology /topology.yaml --name l1
        """,
        shouldDisplay: false)

    @Option(help: "The topology file.")
    var topology: String

    @Option(help: "The linux node's name.")
    var name: String

    @Option(help: "First underlay UDP port, overriding the file's.")
    var basePort: UInt16?

    @Option(help: "Written once the devices are made (the container's health check looks for it).")
    var readyFile = ComposeFile.linuxReadyFile

    func run() throws {
        let model: Topology
        do { model = try Topology.load(path: topology, basePortOverride: basePort) } catch {
            throw Failure(error.description)
        }
        do {
            try LinuxContainer(topology: model, node: name, readyFile: readyFile).run { StandardStreams.error("\(name): \($0)") }
        } catch {
            throw Failure(error.description)
        }
    }
}

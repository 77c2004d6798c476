import ArgumentParser
import Testbed

struct Capture: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start or stop recording one interface of a running node to a pcap file in the run directory.",
        discussion: """
        The file is <run dir>/<node>-<iface>.pcap (`nicbed up --capture`, or `capture: true` in the
        topology, records every interface from the start). tshark and Wireshark read it; the
        node flushes it every second, so it can be read while it grows.
          nicbed capture h1:eth0
          nicbed capture --stop h1:eth0
        For a linux or external node, which has no NIC of ours, it records at the other end of
        the link (the same frames, less those lost on their way in).
        """)

    @Option(name: .customLong("run"), help: "The topology, when several are running.")
    var topologyName: String?

    @Flag(help: "Stop recording instead.")
    var stop = false

    @Argument(help: "NODE:IFACE, e.g. h1:eth0.")
    var end: NodeInterface

    func run() throws {
        var (node, interface) = (end.node, end.interface)
        do {
            if let far = try Orchestrator.ourEndFacing(node: node, interface: interface, runName: topologyName) {
                StandardStreams.error("\(end) has no NIC of ours: recording at \(far.node):\(far.interface)")
                (node, interface) = far
            }
        } catch let error as OrchestratorError {
            throw Failure(error.description)
        }
        try Exec.run(["capture", stop ? "stop" : "start", interface], on: node, runName: topologyName)
    }
}

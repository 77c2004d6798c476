import ArgumentParser
import Testbed
import Topology

struct Link: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or change a link end while the topology runs: impairments of what it sends, up or down.",
        discussion: """
        Settings apply to the frames the named end sends (each direction of a link has its own); \
        `down` drops everything crossing that end, both ways, until `up`. For the end of a linux or \
        external node, which has no NIC of ours, its frames are impaired where they arrive:
        at the other end of its link, which `show` and `set` then name.
          nicbed link show h1:eth0
          nicbed link set h1:eth0 loss 5% delay 20ms
          nicbed link set r1:eth1 rate 50Mbit queue 256KiB
          nicbed link set h1:eth0 rate none loss 0
          nicbed link down h1:eth0
        Fields: \(ImpairmentField.summary)
        """)

    enum Action: String, ExpressibleByArgument, CaseIterable { case show, set, up, down }

    @Option(name: .customLong("run"), help: "The topology, when several are running.")
    var topologyName: String?

    @Argument(help: "show, set, up or down.")
    var action: Action

    @Argument(help: "The link end, NODE:IFACE (e.g. h1:eth0).")
    var end: NodeInterface

    @Argument(help: "For set: FIELD VALUE pairs, e.g. loss 5% delay 20ms.")
    var settings: [String] = []

    func validate() throws {
        if action == .set && (settings.isEmpty || settings.count % 2 != 0) {
            throw ValidationError("set needs FIELD VALUE pairs, e.g. `nicbed link set \(end) loss 5%`; fields: \(ImpairmentField.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if action != .set && !settings.isEmpty {
            throw ValidationError("\(action.rawValue) takes no settings")
        }
    }

    func run() throws {
        let status: Int32
        do {
            status = try LinkControl.run(LinkControl.Action(rawValue: action.rawValue)!, node: end.node, interface: end.interface,
                                         settings: settings, runName: topologyName, notice: StandardStreams.error,
                                         output: StandardStreams.output, error: StandardStreams.error)
        } catch {
            throw Failure(error.description)
        }
        if status != 0 { throw ExitCode(status) }
    }
}

import ArgumentParser
import Testbed

struct PingAllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pingall",
        abstract: "Every host pings every other host; prints who reaches whom, as Mininet's pingall.",
        discussion: """
        A host is pinged at its first interface's address. `h1 -> h2 X h4` means h1 reached h2 and h4 \
        but not h3. The exit status is 1 when any pair did not answer. --json prints {lab_name, pairs: \
        [{source, destination, destination_address, sent, reached}], sent, received, dropped_percent} \
        instead.
          nicbed pingall
          nicbed pingall -c 3 -W 0.5 --json
        """)

    @Option(name: .customLong("run"), help: "The topology, when several are running.")
    var topologyName: String?

    @Option(name: .short, help: "Echo requests per pair; a pair is reached when any is answered (useful on lossy links).")
    var count = 1

    @Option(name: .customShort("W"), help: "Seconds to wait for each reply.")
    var timeout = 1.0

    @Flag(help: "Print the outcome as JSON instead of Mininet's lines.")
    var json = false

    func validate() throws {
        guard (1...100).contains(count) else { throw ValidationError("-c needs a count from 1 to 100") }
        guard timeout > 0 && timeout <= 60 else { throw ValidationError("-W needs seconds in (0, 60]") }
    }

    func run() throws {
        do {
            let running = try RunningTopology.select(topologyName)
            if !json { StandardStreams.output("*** Ping: testing reachability") }
            let outcome = try PingAll.run(running, count: count, timeout: timeout) { if !json { StandardStreams.output($0) } }
            if json {
                StandardStreams.output(JSONOutput.encode(PingAll.Report(labName: running.record.name, outcome)))
            } else {
                StandardStreams.output(PingAll.summary(outcome))
            }
            if outcome.received != outcome.sent { throw ExitCode(1) }
        } catch let error as OrchestratorError {
            throw Failure(error.description)
        }
    }
}

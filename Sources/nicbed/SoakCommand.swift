import ArgumentParser
import Foundation
import Testbed

struct SoakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Mixed traffic with faults across a running topology for a long time, watching that no node's memory or file descriptors grow.",
        discussion: """
        Each round runs, at once, a TCP transfer, a UDP stream at 20 Mbit/s and pings between random \
        hosts; one round in three also impairs a random link end of a node of ours (3 % loss, 20 ms \
        delay, or the link down) for 3 s, then puts its own settings back. Every --sample, each node \
        process's PSS (/proc/PID/smaps_rollup) and open descriptors are printed. At the end, each node \
        is compared with itself at the end of the warm-up (--warm-up, a sixth of the run by default: \
        card memory counts in PSS page by page as it is first used): flat if its PSS grew by at most 2 \
        MiB or 10 % and its descriptors by at most 2; stepped if it grew more, but not in the second \
        half of the run (a working size reached once, such as a delay line's slots the first time a \
        fault delays a link end); grew if it went on growing, which is what a leak does; died if its \
        process was gone. The exit status is 1 if any node grew or died. Transfers a fault breaks are \
        counted, not fatal. Needs local processes (`nicbed up`, not --docker). Not a test: CI runs the \
        short version in TestbedTests.

        Example:
          nicbed up topologies/leaf-spine.yaml
          nicbed soak --duration 2h --sample 5m --json soak.json
        """)

    @Option(name: .customLong("run"), help: "The topology, when several are running.")
    var topologyName: String?

    @Option(help: "How long: a number followed by h, m or s, e.g. 2h, 30m, 90s.")
    var duration = "1h"

    @Option(help: "How long before the baseline sample (same units); a sixth of --duration by default.")
    var warmUp: String?

    @Option(help: "How often to sample and print the nodes' resources (same units).")
    var sample = "1m"

    @Option(help: "Seed of the random choices (pairs of hosts, faults).")
    var seed: UInt64 = 1

    @Option(help: "Bytes of each round's TCP transfer.")
    var transferBytes = 20 << 20

    @Option(help: "Also write the report, with every sample, as JSON to this file.")
    var json: String?

    static func seconds(_ text: String, option: String) throws -> Double {
        let units: [Character: Double] = ["h": 3600, "m": 60, "s": 1]
        guard let unit = text.last, let scale = units[unit], let value = Double(text.dropLast()), value > 0, value * scale <= 7 * 86_400 else {
            throw ValidationError("--\(option) '\(text)' is not a duration: a number followed by h, m or s, e.g. 2h, 30m, 90s (up to a week)")
        }
        return value * scale
    }

    func validate() throws {
        _ = try Self.seconds(duration, option: "duration")
        _ = try Self.seconds(sample, option: "sample")
        let total = try Self.seconds(duration, option: "duration")
        var warm = total / 6
        if let warmUp { warm = try Self.seconds(warmUp, option: "warm-up") }
        guard warm < total else { throw ValidationError("--warm-up must be shorter than --duration") }
        // At least four samples after the warm-up: the verdict compares its halves.
        guard try Self.seconds(sample, option: "sample") * 4 <= total - warm else {
            throw ValidationError("--sample must be at most a quarter of the time after the warm-up (\(Int(total - warm)) s), so that the verdict can tell a step from a trend")
        }
        guard transferBytes > 0 else { throw ValidationError("--transfer-bytes needs a positive number of bytes") }
    }

    func run() throws {
        let total = try Self.seconds(duration, option: "duration")
        var warmUpSeconds = total / 6
        if let warmUp { warmUpSeconds = try Self.seconds(warmUp, option: "warm-up") }
        let sampleSeconds = try Self.seconds(sample, option: "sample")
        let options = Soak.Options(duration: .seconds(total), warmUp: .seconds(warmUpSeconds),
                                   sampleEvery: .seconds(sampleSeconds), seed: seed, transferBytes: transferBytes)
        let report: Soak.Report
        do {
            let running = try RunningTopology.select(topologyName)
            StandardStreams.output("soak of \(running.record.name) for \(duration), sampling every \(sample)")
            report = try Soak(running: running, options: options) { StandardStreams.output($0) }.run()
        } catch {
            throw Failure(error.description)
        }
        StandardStreams.output(String(format: "%d rounds in %.0f s: %d transfers, %d failed under faults, %d faults",
                                      report.rounds, report.seconds, report.transfers, report.transfersFailed, report.faults))
        StandardStreams.output("node       PSS warmed up   half-way      last      peak   fds then  last  verdict")
        for node in report.nodes {
            StandardStreams.output(String(format: "%-10@ %10.1f MiB %10.1f %9.1f %9.1f %9d %5d  %@", node.name as NSString,
                                          Double(node.pssBaseline) / 1_048_576, Double(node.pssMiddle) / 1_048_576,
                                          Double(node.pssLast) / 1_048_576, Double(node.pssPeak) / 1_048_576,
                                          node.fdsBaseline, node.fdsLast, node.verdict.rawValue as NSString))
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            do { try encoder.encode(report).write(to: URL(fileURLWithPath: json)) } catch {
                throw Failure("cannot write \(json): \(error)")
            }
        }
        StandardStreams.output(report.held ? "no node's memory or descriptors kept growing" : "a node's memory or descriptors kept growing")
        if !report.held { throw ExitCode(1) }
    }
}

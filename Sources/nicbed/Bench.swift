import ArgumentParser
import Bench
import Foundation
import Testbed

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the testbed: tunnel ceiling, TCP goodput, the kernel's TCP, ping, cp, start-up.",
        discussion: """
        Every figure is measured in this run, and each target is a ratio or bound on figures of this \
        same run (a shared machine's noise cancels as far as it can). Prints a table and writes the \
        figures as JSON. Run it on a release build; the Linux kernel's figures (iperf3 and ping \
        between two namespaces over VXLAN) need root and iperf3.

        Examples:
          nicbed bench                              everything, JSON to bench.json
          nicbed bench --only tcp,kernel            TCP only, ours and the kernel's
          nicbed bench --quick --nodes 10,100       smaller transfers, no 1000-node start-up
        """)

    @Option(help: "Parts to run, comma-separated: tunnel, tcp, kernel, ping, cp, startup (default: all).")
    var only: String?

    @Option(help: "Where to write the figures as JSON.")
    var json = "bench.json"

    @Option(help: "Start-up sizes in nodes, comma-separated.")
    var nodes = "10,100,1000"

    @Option(help: "Bytes each TCP transfer moves (suffixes K, M, G).")
    var tcpBytes = "1G"

    @Flag(help: "Smaller transfers and fewer pings (about a minute less; noisier figures).")
    var quick = false

    func run() throws {
        var options = Benchmark.Options()
        if let only {
            var parts = Set<Benchmark.Part>()
            for name in only.split(separator: ",") {
                guard let part = Benchmark.Part(rawValue: String(name)) else {
                    throw ValidationError("--only: '\(name)' is not a part; the parts are \(Benchmark.Part.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                parts.insert(part)
            }
            options.parts = parts
        }
        options.startUpNodes = try nodes.split(separator: ",").map { text in
            guard let count = Int(text), (3...5000).contains(count) else { throw ValidationError("--nodes: '\(text)' is not a node count from 3 to 5000") }
            return count
        }
        guard let bytes = Bench.parseBytes(tcpBytes), bytes > 0 else { throw ValidationError("--tcp-bytes: '\(tcpBytes)' is not a size such as 500M or 1G") }
        options.tcpBytes = bytes
        if quick {
            options.tcpBytes = min(options.tcpBytes, 300_000_000)
            options.copyBytes = 128 << 20
            options.pings = 200
            options.iperfSeconds = 3
            options.tunnelSeconds = 1.5
        }
        let report: BenchReport
        do { report = try Benchmark(options: options, print: { print($0) }).run() } catch {
            throw Failure("bench: \(error)")
        }
        print("")
        print(report.table())
        do { try report.json().write(toFile: json, atomically: true, encoding: .utf8) } catch {
            throw Failure("bench: cannot write \(json): \(error)")
        }
        print("\nfigures written to \(json)")
    }
}

/// One end of the tunnel ceiling's measurement, started by `nicbed bench`; prints its result
/// as one JSON line.
struct BenchTunnel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-tunnel", abstract: "One end of `nicbed bench`'s tunnel ceiling.",
                                                    discussion: """
                                                      nicbed bench-tunnel receive --local 40001 --peer 40000 --seconds 3
                                                    """,
                                                    shouldDisplay: false)

    @Argument(help: "send or receive")
    var role: String
    @Option var local: UInt16
    @Option var peer: UInt16
    @Option var frameBytes = 1514
    @Option var seconds = 3.0

    func run() throws {
        let result: TunnelCeiling.Result
        switch role {
        case "send": result = try TunnelCeiling.send(localPort: local, peerPort: peer, frameBytes: frameBytes, seconds: seconds)
        case "receive": result = try TunnelCeiling.receive(localPort: local, peerPort: peer) {}
        default: throw ValidationError("the role is send or receive")
        }
        let data = try JSONEncoder().encode(result)
        print(String(decoding: data, as: UTF8.self))
    }
}

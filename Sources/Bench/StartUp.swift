import Foundation
import Testbed

/// How long `nicbed up` takes to bring a topology of N nodes to ready, and what each idle
/// host then holds (PSS: its private pages, and its share of the pages it shares).
struct StartUp {
    struct Result {
        var nodes: Int
        var seconds: Double
        var pssPerHostMiB: Double
    }

    static func measure(nodes: Int, scratch: String, basePort: Int) throws -> Result {
        let name = "bench-up-\(nodes)"
        let path = "\(scratch)/\(name).yaml"
        try BenchTopologies.startUp(name: name, nodes: nodes, basePort: basePort).write(toFile: path, atomically: true, encoding: .utf8)
        var options = Orchestrator.UpOptions()
        options.readyTimeoutSeconds = 600
        let started = Date()
        let record = try Orchestrator.up(topologyPath: path, options: options) { _ in }
        let seconds = Date().timeIntervalSince(started)
        defer { try? Orchestrator.down(runName: record.name) { _ in } }
        // Idle: let start-up's transient pages settle first.
        Thread.sleep(forTimeInterval: 1)
        let hosts = record.nodes.filter { $0.kind == "host" }
        let pss = hosts.compactMap { Shell.pss(of: $0.pid) }
        let mean = pss.isEmpty ? 0 : pss.reduce(0, +) / Double(pss.count) / 1_048_576
        return Result(nodes: nodes, seconds: seconds, pssPerHostMiB: mean)
    }
}

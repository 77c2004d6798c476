import Foundation
import Testbed
import Topology
#if canImport(Glibc)
import Glibc
#endif

/// Runs a scenario: brings its topology up (local processes, or a compose project), runs the
/// steps in order through the nicbed commands a user would type, stops at the first step that
/// fails (the rest are reported as skipped), and always tears down, keeping the logs, the
/// captures and what each step printed in the artifacts folder.
public final class ScenarioRunner {
    public struct Options: Sendable {
        public var docker = false
        public var image: String?
        public var basePort: UInt16?
        /// Leave the topology up when a step fails, to look at it.
        public var keep = false
        /// The folder under which each scenario gets its artifacts folder.
        public var artifacts: String
        /// Seeds every link impairment (`nicbed up --seed`) and the generated files of `copy` steps.
        public var seed: UInt64
        public init(artifacts: String, seed: UInt64) {
            self.artifacts = artifacts
            self.seed = seed
        }
    }

    let scenario: Scenario
    let topology: Topology
    /// The topology file `nicbed up` starts: the scenario's, or the inline one written out.
    let topologyPath: String
    let options: Options
    /// The nicbed executable the steps run.
    let nicbed: String
    let artifacts: String
    let runName: String
    /// Steps running in the background, by name, with the check `await` makes of them.
    var background: [String: Background] = [:]
    /// The filter rules each partition put in place, for `heal`.
    var partitions: [String: [InstalledRule]] = [:]

    /// A rule at a port of ours: `nicbed exec NODE filter add IFACE [--incoming] NAME …`.
    struct InstalledRule {
        var node: String
        var interface: String
        var incoming: Bool
        var name: String
    }

    struct Background {
        var step: Step
        var command: StepCommand
        var started: Date
        var check: (Int32, String) -> Verdict
    }

    /// What one step found.
    struct Verdict {
        var measured: String
        var failure: String?
        static func pass(_ measured: String) -> Verdict { Verdict(measured: measured) }
        static func fail(_ failure: String, measured: String = "") -> Verdict { Verdict(measured: measured, failure: failure) }
    }

    public init(scenario: Scenario, options: Options, nicbed: String) throws(TopologyError) {
        self.scenario = scenario
        let stamp = Int(Date().timeIntervalSince1970)
        artifacts = "\(options.artifacts)/\(scenario.name)-\(stamp)"
        if let inline = scenario.inlineTopology {
            topologyPath = "\(artifacts)/topology.yaml"
            do {
                try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
                try inline.write(toFile: topologyPath, atomically: true, encoding: .utf8)
            } catch {
                throw TopologyError(file: topologyPath, line: 0, column: 0, field: "", message: "cannot write the scenario's topology: \(error.localizedDescription)")
            }
        } else {
            topologyPath = scenario.topology
        }
        topology = try Topology.load(path: topologyPath, basePortOverride: options.basePort)
        self.options = options
        self.nicbed = nicbed
        runName = topology.name
    }

    public func run(print: (String) -> Void) -> ScenarioReport {
        let started = Date()
        var report = ScenarioReport(scenario: scenario.name, file: scenario.file, topology: topologyPath,
                                    launcher: options.docker ? "docker" : "local", passed: false, seconds: 0,
                                    steps: [], error: nil, artifacts: artifacts)
        do { try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true) } catch {
            report.error = "cannot create the artifacts folder \(artifacts): \(error.localizedDescription)"
            return report
        }
        print("scenario \(scenario.name) (\(scenario.file)) on \(topology.name), \(options.docker ? "under docker" : "local processes")")
        var up = ["up", topologyPath]
        if let port = options.basePort { up += ["--base-port", String(port)] }
        up += ["--seed", String(options.seed)]
        if options.docker { up += ["--docker"] + (options.image.map { ["--image", $0] } ?? []) }
        let upVerdict = command(up, label: "up", seconds: 300) { status, printed in
            status == 0 ? .pass("") : .fail("`nicbed \(up.joined(separator: " "))` exited \(status): \(printed.split(separator: "\n").suffix(3).joined(separator: " / "))")
        }
        if let failure = upVerdict.failure {
            report.error = failure
        } else {
            var failed = false
            for step in scenario.steps {
                if failed || Interrupt.requested {
                    let skipped = result(step, outcome: .skipped, verdict: .pass(""), seconds: 0)
                    report.steps.append(skipped)
                    print(ScenarioReport.line(skipped))
                    continue
                }
                let began = Date()
                let (outcome, verdict, output) = perform(step)
                let line = result(step, outcome: outcome, verdict: verdict, seconds: Date().timeIntervalSince(began), output: output)
                report.steps.append(line)
                print(ScenarioReport.line(line))
                failed = outcome == .failed
            }
            if Interrupt.requested { report.error = "interrupted (SIGINT): the remaining steps were skipped" }
        }
        for (_, running) in background { running.command.stop() }
        report.passed = report.error == nil && !report.steps.contains { $0.outcome == .failed }
        collectArtifacts()
        if options.keep && !report.passed && upVerdict.failure == nil {
            print("--keep: \(runName) stays up; `nicbed down \(runName)` stops it")
        } else {
            _ = command(["down", runName], label: "down", seconds: 120, interruptible: false) { _, _ in .pass("") }
        }
        report.seconds = Date().timeIntervalSince(started)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try? encoder.encode(report).write(to: URL(fileURLWithPath: "\(artifacts)/report.json"))
        print(report.summaryLine)
        return report
    }

    private func result(_ step: Step, outcome: ScenarioReport.Outcome, verdict: Verdict, seconds: Double,
                        output: String? = nil) -> ScenarioReport.StepResult {
        ScenarioReport.StepResult(number: step.number, kind: step.kind, summary: summary(step), location: step.location,
                                  outcome: outcome, measured: verdict.measured, failure: verdict.failure,
                                  seconds: seconds, output: output)
    }

    /// Runs `nicbed ARGUMENTS` to its end (or its deadline), its output kept as `label`.
    func command(_ arguments: [String], label: String, seconds: Double, interruptible: Bool = true,
                 judge: (Int32, String) -> Verdict) -> Verdict {
        let path = "\(artifacts)/\(label).out"
        let running: StepCommand
        do { running = try StepCommand(nicbed, arguments, outputPath: path) } catch {
            return .fail("cannot start nicbed \(arguments.joined(separator: " ")): \(error.localizedDescription)")
        }
        switch running.wait(until: Date().addingTimeInterval(seconds), interruptible: interruptible) {
        case .exited(let status): return judge(status, running.printed)
        case .timedOut: return .fail("`nicbed \(arguments.joined(separator: " "))` did not end within \(Int(seconds)) s", measured: lastLine(running.printed))
        case .interrupted: return .fail("interrupted")
        }
    }

    /// The step's own file name for what its commands print.
    func label(_ step: Step, _ part: String = "") -> String {
        String(format: "step-%02d-%@%@", step.number, step.kind, part.isEmpty ? "" : "-\(part)")
    }

    /// A node's address as the others reach it: its first interface's.
    func address(of node: String) -> String? {
        topology.node(named: node)?.interfaces.first?.address?.address.description
    }

    func lastLine(_ text: String) -> String {
        text.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// Logs of our nodes and every capture, copied out of the run directory before `down`.
    private func collectArtifacts() {
        for node in topology.nodes where node.kind.runsOurStack {
            _ = command(["logs", node.name], label: "log-\(node.name)", seconds: 30, interruptible: false) { _, _ in .pass("") }
        }
        let run = RunDirectory(topologyName: runName)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? [] where name.hasSuffix(".pcap") {
            try? FileManager.default.copyItem(atPath: "\(run.path)/\(name)", toPath: "\(artifacts)/\(name)")
        }
    }
}

import ArgumentParser
import Foundation
import Scenarios
import Topology
#if canImport(Glibc)
import Glibc
#endif

struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run scenario files: bring a topology up, run the steps (traffic, faults, checks), report, tear down.",
        discussion: """
        Each scenario names a topology and a list of steps (see README, "Scenarios"). Every file is \
        read and checked before anything starts; a malformed one is reported as FILE:LINE:COLUMN and \
        nothing runs (exit 2). Each step prints one line: what ran, what was measured, ok or FAIL with \
        what was expected. The first failed step ends its scenario (the rest are skipped); the \
        topology is always torn down (unless --keep), also on Ctrl-C, and logs, captures and what \
        every step printed stay in the artifacts folder the report names. Exit 1 when any scenario \
        failed.

          nicbed test scenarios/                          every scenario in the folder
          nicbed test scenarios/copy-survives-a-flapping-link.yaml --junit report.xml
          nicbed test --docker scenarios/docker/
        """)

    @Argument(help: "Scenario files, or folders of them (*.yaml).")
    var paths: [String]

    @Flag(help: "Run the topologies under docker compose (the image from docker/build-offline).")
    var docker = false

    @Option(help: "Under --docker, the image the nodes run.")
    var image: String?

    @Option(help: "First underlay UDP port, overriding the topology files'.")
    var basePort: UInt16?

    @Flag(help: "Leave the topology up after a failed scenario, to look at it.")
    var keep = false

    @Option(help: "Write a JUnit XML report here.")
    var junit: String?

    @Option(help: "Write the report as JSON here.")
    var json: String?

    @Option(help: "The folder for each scenario's artifacts (logs, captures, step outputs).")
    var artifacts = "nicbed-artifacts"

    @Option(help: "Seed of every link impairment's random draws and of the files copy steps generate (printed; random unless set), so a run is as repeatable as real time allows.")
    var seed: UInt64?

    func run() throws {
        var files: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw Failure("\(path): no such file or folder") }
            if isFolder.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".yaml") }.sorted()
                files += names.map { "\(path.hasSuffix("/") ? String(path.dropLast()) : path)/\($0)" }
            } else {
                files.append(path)
            }
        }
        guard !files.isEmpty else { throw Failure("no scenario files in \(paths.joined(separator: ", "))") }
        // Every file is checked before anything starts.
        var scenarios: [Scenario] = []
        for file in files {
            do { scenarios.append(try ScenarioParser.load(path: file)) } catch {
                StandardStreams.error("Error: \(error.description)")
                throw ExitCode(2)
            }
        }
        let seed = seed ?? UInt64.random(in: 0...UInt64(UInt32.max))
        StandardStreams.output("nicbed test: \(scenarios.count) scenario\(scenarios.count == 1 ? "" : "s"), seed \(seed)")
        // Ctrl-C (or a CI's SIGTERM) ends the running step and tears the topology down, even
        // when a parent started us with those signals blocked.
        signal(SIGINT) { _ in Interrupt.requested = true }
        signal(SIGTERM) { _ in Interrupt.requested = true }
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        var options = ScenarioRunner.Options(artifacts: URL(fileURLWithPath: artifacts).standardizedFileURL.path, seed: seed)
        options.docker = docker
        options.image = image
        options.basePort = basePort
        options.keep = keep
        var reports: [ScenarioReport] = []
        for scenario in scenarios where !Interrupt.requested {
            let runner: ScenarioRunner
            do { runner = try ScenarioRunner(scenario: scenario, options: options, nicbed: Self.executable) } catch {
                StandardStreams.error("Error: \(error.description)")
                throw ExitCode(2)
            }
            reports.append(runner.run { StandardStreams.output($0) })
        }
        if let junit {
            do { try JUnitReport.render(reports).write(toFile: junit, atomically: true, encoding: .utf8) } catch {
                throw Failure("cannot write \(junit): \(error.localizedDescription)")
            }
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            do { try encoder.encode(reports).write(to: URL(fileURLWithPath: json)) } catch {
                throw Failure("cannot write \(json): \(error.localizedDescription)")
            }
        }
        let failed = reports.filter { !$0.passed }
        StandardStreams.output("\(reports.count - failed.count) of \(scenarios.count) scenario\(scenarios.count == 1 ? "" : "s") passed" + (failed.isEmpty ? "" : "; failed: \(failed.map(\.scenario).joined(separator: ", "))"))
        if Interrupt.requested { throw ExitCode(130) }
        if !failed.isEmpty || reports.count < scenarios.count { throw ExitCode(1) }
    }

    /// This nicbed, which every step runs.
    static var executable: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `nicbed test` end to end: the shipped scenarios pass (locally, and the docker one under
/// docker); a wrong expectation fails with a report and a JUnit file that say which step,
/// what was expected and what was measured; a malformed scenario is refused before anything
/// starts; and Ctrl-C leaves nothing behind.
@Suite("nicbed test", .serialized)
struct NicbedTest {
    static var scenarios: String { Environment.repository.appendingPathComponent("scenarios").path }
    static var topologies: String { Environment.repository.appendingPathComponent("topologies").path }

    /// The shipped scenarios include a Linux node, so root (CI runs as root).
    @Test(.enabled(if: Environment.isRoot || Environment.isCI, "needs root (a scenario has a linux node)"))
    func everyShippedScenarioPasses() throws {
        let run = try TestRun(ports: 32)
        defer { run.finish() }
        let junit = "\(run.root)/report.xml"
        let result = try run.nicbed("test", Self.scenarios, "--base-port", String(run.basePort), "--junit", junit,
                                    "--artifacts", "\(run.root)/artifacts", seconds: 1200)
        #expect(result.status == 0, "\(result.output) \(result.error)")
        #expect(result.output.contains("14 of 14 scenarios passed"), "\(result.output)")
        let document = try XMLDocument(contentsOf: URL(fileURLWithPath: junit))
        #expect(try document.nodes(forXPath: "//testsuite").count == 14)
        #expect(try document.nodes(forXPath: "//failure").isEmpty)
    }

    @Test(.enabled(if: Docker.canRun, "\(Docker.missing ?? "")"))
    func theDockerScenarioPassesUnderDocker() throws {
        try Docker.images()
        let run = try TestRun()
        defer { run.finish() }
        let result = try run.nicbed("test", "--docker", "--image", Docker.image, "\(Self.scenarios)/docker",
                                    "--artifacts", "\(run.root)/artifacts", seconds: 600)
        #expect(result.status == 0, "\(result.output) \(result.error)")
        #expect(result.output.contains("PASS app-in-container"), "\(result.output)")
        #expect(try Docker.leftovers(project: "app-in-container") == [])
    }

    @Test func aWrongExpectationFailsNamingTheStepTheExpectationAndTheMeasurement() throws {
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        let file = "\(run.root)/wrong.yaml"
        try """
        name: wrong-on-purpose
        topology: \(Self.topologies)/line3.yaml
        steps:
          - ping: {from: h1, to: h2, count: 2, loss: 0%}
          - expect: {node: h2, counter: stack.icmpEchoRepliesSent, equals: 7}
          - ping: {from: h2, to: h1, count: 1}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let junit = "\(run.root)/report.xml", json = "\(run.root)/report.json"
        let result = try run.nicbed("test", file, "--base-port", String(run.basePort), "--junit", junit, "--json", json,
                                    "--artifacts", "\(run.root)/artifacts", seconds: 120)
        #expect(result.status == 1, "\(result.output) \(result.error)")
        // The step's line, and the scenario's: which step, what was expected, what was measured.
        #expect(result.output.contains("FAIL  2 expect h2 stack.icmpEchoRepliesSent = 7: stack.icmpEchoRepliesSent = 2"), "\(result.output)")
        #expect(result.output.contains("expected stack.icmpEchoRepliesSent = 7, measured 2 [\(file):5:5]"), "\(result.output)")
        #expect(result.output.contains("skip  3 ping h2 -> h1"), "\(result.output)")
        #expect(result.output.contains("FAIL wrong-on-purpose: step 2 (expect): expected stack.icmpEchoRepliesSent = 7, measured 2"), "\(result.output)")
        // The JUnit file says the same, and parses as XML.
        let document = try XMLDocument(contentsOf: URL(fileURLWithPath: junit))
        let failures = try document.nodes(forXPath: "//testsuite[@name='wrong-on-purpose']/testcase/failure")
        #expect(failures.count == 1)
        let failure = try #require(failures.first as? XMLElement)
        #expect(failure.attribute(forName: "message")?.stringValue == "expected stack.icmpEchoRepliesSent = 7, measured 2")
        #expect((failure.parent as? XMLElement)?.attribute(forName: "name")?.stringValue == "02 expect h2 stack.icmpEchoRepliesSent = 7")
        #expect(try document.nodes(forXPath: "//testcase/skipped").count == 1)
        // And so does the JSON.
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [[String: Any]])
        let steps = try #require(reports.first?["steps"] as? [[String: Any]])
        #expect(steps.map { $0["outcome"] as? String } == ["passed", "failed", "skipped"])
        // Torn down all the same.
        #expect(run.nodeProcesses().isEmpty)
    }

    @Test func aMalformedScenarioIsRefusedBeforeAnythingStarts() throws {
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        let good = "\(run.root)/good.yaml", bad = "\(run.root)/bad.yaml"
        try "name: good\ntopology: \(Self.topologies)/line3.yaml\nsteps:\n  - wait: 1s\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "name: bad\ntopology: \(Self.topologies)/line3.yaml\nsteps:\n  - wait: 1s\n  - link: {end: r1:eth1, dwon: 3s}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let result = try run.nicbed("test", good, bad, "--base-port", String(run.basePort), "--artifacts", "\(run.root)/artifacts", seconds: 60)
        #expect(result.status == 2, "\(result.output) \(result.error)")
        #expect(result.error.contains("\(bad):5:26: steps[2].link.dwon: unknown key 'dwon'; accepted: end, set, down, up, timeout"), "\(result.error)")
        // Not even the good one ran: no topology, no artifacts.
        #expect(!FileManager.default.fileExists(atPath: "\(run.root)/line3/run.json"))
        #expect(!FileManager.default.fileExists(atPath: "\(run.root)/artifacts"))
    }

    /// Ctrl-C in the middle of a step: the step ends, the rest are skipped, and the topology
    /// goes with every process, namespace and socket of it.
    @Test(.enabled(if: Environment.isRoot || Environment.isCI, "needs root (a linux node's namespace)"))
    func anInterruptLeavesNothingBehind() throws {
        let run = try TestRun(ports: 4)
        defer { run.finish() }
        let file = "\(run.root)/long.yaml"
        try """
        name: interrupted
        topology: \(Self.topologies)/linux-behind-router.yaml
        steps:
          - ping: {from: h1, to: l1, count: 2}
          - wait: 120s
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let test = try run.background(["test", file, "--base-port", String(run.basePort), "--artifacts", "\(run.root)/artifacts"])
        let up = try Deadline.waitUntil(seconds: 60, pollingEvery: 0.2) {
            FileManager.default.fileExists(atPath: "\(run.root)/linux-behind-router/run.json")
                && (try? String(contentsOfFile: test.outputPath, encoding: .utf8))?.contains("ok    1 ping") == true
        }
        try #require(up, "the scenario did not get to its wait")
        #expect(!run.nodeProcesses().isEmpty)
        kill(test.pid, SIGINT)
        let ended = try test.wait(seconds: 60)
        #expect(ended.status == 130, "\(ended.output) \(ended.error)")
        #expect(ended.output.contains("interrupted (SIGINT)"), "\(ended.output)")
        #expect(run.nodeProcesses().isEmpty, "node processes left")
        #expect(!FileManager.default.fileExists(atPath: "/run/netns/nicbed-linux-behind-router-l1"), "namespace left")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: "\(run.root)/linux-behind-router")) ?? []
        #expect(!left.contains { $0.hasSuffix(".sock") || $0 == "run.json" }, "\(left)")
    }

    /// The same under docker: no container, network or volume of the project is left.
    @Test(.enabled(if: Docker.canRun, "\(Docker.missing ?? "")"))
    func anInterruptUnderDockerLeavesNoContainer() throws {
        try Docker.images()
        let run = try TestRun()
        defer { run.finish() }
        let file = "\(run.root)/long.yaml"
        try """
        name: interrupted-in-docker
        topology: \(Self.topologies)/app-in-container.yaml
        steps:
          - ping: {from: h1, to: l1, count: 2}
          - wait: 120s
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let test = try run.background(["test", "--docker", "--image", Docker.image, file, "--artifacts", "\(run.root)/artifacts"])
        let up = try Deadline.waitUntil(seconds: 120, pollingEvery: 0.2) {
            (try? String(contentsOfFile: test.outputPath, encoding: .utf8))?.contains("ok    1 ping") == true
        }
        try #require(up, "the scenario did not get to its wait: \(test.transcript)")
        #expect(try !Docker.leftovers(project: "app-in-container").isEmpty)
        kill(test.pid, SIGINT)
        let ended = try test.wait(seconds: 90)
        #expect(ended.status == 130, "\(ended.output) \(ended.error)")
        #expect(try Docker.leftovers(project: "app-in-container") == [])
        let left = (try? FileManager.default.contentsOfDirectory(atPath: "\(run.root)/app-in-container")) ?? []
        #expect(!left.contains { $0.hasSuffix(".sock") || $0 == "run.json" }, "\(left)")
    }
}

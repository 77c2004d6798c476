import Foundation
@testable import Scenarios
import Testing
import Topology

/// Scenario files as written, and every kind of mistake refused at its file, line and column
/// before anything starts.
@Suite("scenario files")
struct ScenarioParsing {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios").path

    /// Parsed as if it were a file in scenarios/, so `../topologies/…` resolves.
    static func parse(_ text: String) throws(TopologyError) -> Scenario {
        try ScenarioParser.parse(text, file: "\(folder)/example.yaml")
    }

    static func error(_ text: String) -> String {
        do { _ = try parse(text); return "no error" } catch { return error.description.replacingOccurrences(of: "\(folder)/", with: "") }
    }

    static let head = "name: t\ntopology: ../topologies/line3.yaml\nsteps:\n"

    @Test func everyShippedScenarioParses() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasSuffix(".yaml") }
        #expect(names.count >= 14)
        for name in names + ["docker/app-in-container.yaml"] {
            let scenario = try ScenarioParser.load(path: "\(Self.folder)/\(name)")
            #expect(!scenario.steps.isEmpty, "\(name)")
            #expect(FileManager.default.fileExists(atPath: scenario.topology), "\(name)")
        }
    }

    @Test func theIssuesExampleReadsAsWritten() throws {
        let scenario = try Self.parse(Self.head + """
          - ping: {from: h1, to: h2, count: 5, loss: 0%}
          - copy: {from: h1, to: h2, size: 64MiB, background: big}
          - link: {end: r1:eth1, down: 3s}
          - await: {step: big, sha256: match, within: 60s}
          - expect: {node: h2, counter: nic.cpuCopiedBytes, equals: 0}
        """)
        #expect(scenario.steps.map(\.kind) == ["ping", "copy", "link", "await", "expect"])
        #expect(scenario.steps[1].background == "big")
        #expect(scenario.steps[3].timeout == .seconds(60))
        #expect(scenario.steps[2].timeout == .seconds(18), "the pause and 15 s for the two commands")
        #expect(scenario.steps[0].location.hasSuffix("example.yaml:4:5"))
        guard case let .ping(ping) = scenario.steps[0].action, case let .link(link) = scenario.steps[2].action,
              case let .expect(expectation) = scenario.steps[4].action else { Issue.record("kinds"); return }
        #expect(ping.count == 5 && ping.maximumLoss == 0 && ping.to == "h2")
        guard case .down(.some(let pause)) = link.change else { Issue.record("link down"); return }
        #expect(pause == .seconds(3))
        guard case .equals(0) = expectation.bound else { Issue.record("bound"); return }
        #expect(scenario.topology.hasSuffix("/topologies/line3.yaml"))
    }

    @Test("every mistake is refused at its place, saying what is accepted", arguments: [
        ("  - pnig: {from: h1, to: h2}\n", "example.yaml:4:5: steps[1].pnig: unknown step 'pnig'; accepted: ping, pingall"),
        ("  - ping: {from: h9, to: h2}\n", "example.yaml:4:18: steps[1].ping.from: the topology has no node 'h9'; accepted: h1, r1, h2"),
        ("  - ping: {from: h1, to: h2, cuont: 3}\n", "example.yaml:4:30: steps[1].ping.cuont: unknown key 'cuont'; accepted: from, to, count, interval, loss, rtt, timeout"),
        ("  - ping: {from: h1, to: h2, loss: lots}\n", "example.yaml:4:36: steps[1].ping.loss: 'lots' is not a percentage; accepted: a percentage"),
        ("  - wait: 3 seconds\n", "example.yaml:4:11: steps[1].wait: '3 seconds' is not a duration"),
        ("  - await: big\n", "example.yaml:4:12: steps[1].await: no earlier step runs in the background as 'big'"),
        ("  - copy: {from: r1, to: h2, size: 1MiB}\n", "steps[1].copy.from: 'r1' is not a host"),
        ("  - copy: {from: h1, to: h2}\n", "steps[1].copy: give exactly one of size (a generated file) and file (a local file)"),
        ("  - link: {end: r1:eth7, down: 1s}\n", "steps[1].link.end: the topology has no link end 'r1:eth7'"),
        ("  - link: {end: r1:eth1, down: 1s, up: true}\n", "steps[1].link: give exactly one of set, down, up"),
        ("  - link: {end: r1:eth1, set: {los: 1%}}\n", "steps[1].link.set.los: unknown impairment 'los'"),
        ("  - expect: {node: h2, counter: x, equals: 1, at_most: 2}\n", "steps[1].expect: no single bound; accepted: exactly one of equals, at_least, at_most"),
        ("  - run: {node: h1, command: [ping], output: \"([\"}\n", "steps[1].run.output: '([' is not a regular expression"),
        ("  - partition: {groups: [[h1], [r1]]}\n", "steps[1].partition.groups[2][1]: r1 is a router node: partitions are between hosts and linux nodes"),
        ("  - partition: {groups: [[h1]]}\n", "steps[1].partition.groups: a partition needs two groups at least"),
        ("  - partition: {groups: [[h1], [h1, h2]]}\n", "steps[1].partition.groups: a node is in two groups"),
        ("  - partition: {from: [h1]}\n", "steps[1].partition: give groups (both ways), or from and to (one way)"),
        ("  - nic: {end: h2:eth0, card_memory: 1GiB}\n", "steps[1].nic.card_memory: h2's card has 16MiB: it can shrink, not grow"),
        ("  - nic: {end: h2:eth0}\n", "steps[1].nic: give exactly one of card_memory and checksum_lie"),
        ("  - start: {node: h1, command: [serve]}\n", "steps[1].start: a started program needs a name for its stop"),
        ("  - run: {node: h1, command: [serve], ready: serving}\n", "steps[1].run.ready: ready is for a program started in the background"),
        ("  - heal: split\n", "steps[1].heal: no earlier partition is named 'split'"),
        ("  - filter: {end: h2:eth0, name: f, drop: {tcp: synack}}\n", "steps[1].filter.drop: tcp 'synack'; accepted: syn (SYN without ACK), fin, rst, ack"),
        ("  - filter: {end: h2:eth0, name: f, drop: {dst: 10.0.0}}\n", "steps[1].filter.drop: dst '10.0.0' is not A.B.C.D or A.B.C.D/N"),
        ("  - filter: {end: h2:eth0, name: f}\n", "steps[1].filter: give exactly one of drop, match (with delay or corrupt) and remove"),
        ("  - filter: {end: h2:eth0, name: f, match: {tcp: ack}}\n", "steps[1].filter: match: needs exactly one of delay and corrupt"),
        ("  - filter: {end: h2:eth0, name: f, drop: {tcp: ack}, delay: 1s}\n", "steps[1].filter.delay: drop: drops; to delay or corrupt, write match: {…} with it"),
        ("  - ping: {from: h1, to: h2}\n    extra: 1\n", "example.yaml:4:5: steps[1]: a step has exactly one key, its kind (got 2)"),
        ("  - copy: {from: h1, to: h2, size: 1MiB, background: a}\n  - copy: {from: h1, to: h2, size: 1MiB, background: a}\n", "example.yaml:5:54: steps[2].copy.background: step 1 runs in the background as 'a' already"),
    ])
    func mistakes(step: String, message: String) {
        let error = Self.error(Self.head + step)
        #expect(error.contains(message), "\(error)")
    }

    @Test func aTopologyWrittenInlineIsCheckedAtTheScenariosLines() throws {
        let scenario = try Self.parse("name: t\ntopology:\n  name: two\n  nodes: {a: {kind: host}, b: {kind: host}}\n  links: [{endpoints: [a:eth0, b:eth0]}]\nsteps:\n  - ping: {from: a, to: b}\n")
        #expect(scenario.inlineTopology?.contains("name: two") == true)
        #expect(scenario.topology.hasSuffix("example.yaml"))
        let error = Self.error("name: t\ntopology:\n  name: two\n  nodes: {a: {kind: hots}}\n  links: []\nsteps: [wait: 1s]\n")
        #expect(error.contains("example.yaml:4:21: topology.nodes.a.kind: 'hots' is not a node kind"), "\(error)")
    }

    @Test func theTopologyMustExistAndBeValid() {
        #expect(Self.error("name: t\ntopology: ../topologies/nope.yaml\nsteps: [wait: 1s]\n")
            .contains("example.yaml:2:11: topology: no topology file at"))
        // A folder is named at the scenario's field too, not by the topology loader (a fuzz finding).
        #expect(Self.error("name: t\ntopology: ../topologies\nsteps: [wait: 1s]\n")
            .contains("example.yaml:2:11: topology:"))
        #expect(Self.error("name: t\ntopology: .\nsteps: [wait: 1s]\n").contains("is a directory, not a topology file"))
        #expect(Self.error("name: T!\ntopology: ../topologies/line3.yaml\nsteps: [wait: 1s]\n")
            .contains("example.yaml:1:7: name: 'T!' is not a scenario name"))
        #expect(Self.error("name: t\ntopology: ../topologies/line3.yaml\n").contains("steps: missing"))
        #expect(Self.error("name: t\ntopology: ../topologies/line3.yaml\nsteps: []\n").contains("steps: no steps"))
        #expect(Self.error("name: t\ntopology: ../topologies/line3.yaml\nsteps: [wait: 1s]\nextra: 1\n").contains("unknown key 'extra'"))
    }
}

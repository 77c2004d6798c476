import Testing
import Topology

/// `serve:`, the host's file server, with its port, deadlines and session cap, and what it refuses.
@Suite("the serve field")
struct ServeFieldTests {
    static func yaml(_ line: String, kind: String = "host") -> String {
        """
        name: s
        nodes:
          a:
            kind: \(kind)
            \(line)
          b: {kind: host}
        links:
          - endpoints: [a:eth0, b:eth0]

        """
    }

    static func node(_ line: String) throws -> NodeSpec? {
        try Topology.parse(yaml: yaml(line), sourcePath: "test.yaml").node(named: "a")
    }

    @Test func trueFalseAndAPortTakeTheDefaultLimits() throws {
        #expect(try Self.node("serve: true")?.serve == 80)
        #expect(try Self.node("serve: false")?.serve == nil)
        let custom = try Self.node("serve: {port: 8080}")
        #expect(custom?.serve == 8080)
        #expect(custom?.serveLimits == FileServerLimits())
        #expect(FileServerLimits() == FileServerLimits(headTimeout: .seconds(10), idleTimeout: .seconds(60), sessions: 256))
    }

    @Test func theDeadlinesAndTheCapAreSetInTheMapping() throws {
        let node = try Self.node("serve: {port: 80, head_timeout: 5s, idle_timeout: 90s, sessions: 1000}")
        #expect(node?.serveLimits == FileServerLimits(headTimeout: .seconds(5), idleTimeout: .seconds(90), sessions: 1000))
    }

    @Test(arguments: [
        ("serve: {port: 0}", "nodes.a.serve.port", "'0' is not a TCP port"),
        ("serve: {port: 70000}", "nodes.a.serve.port", "'70000' is not a TCP port"),
        ("serve: {port: http}", "nodes.a.serve.port", "'http' is not a TCP port"),
        ("serve: {head_timeout: 5s}", "nodes.a.serve.port", "port"),
        ("serve: {port: 80, head_timeout: 0s}", "nodes.a.serve.head_timeout", "is not a duration from 1s to 3600s"),
        ("serve: {port: 80, idle_timeout: 2h}", "nodes.a.serve.idle_timeout", "is not a duration from 1s to 3600s"),
        ("serve: {port: 80, sessions: 0}", "nodes.a.serve.sessions", "'0' is not a number of sessions"),
        ("serve: {port: 80, threads: 4}", "nodes.a.serve.threads", "threads"),
        ("serve: maybe", "nodes.a.serve", "'maybe' is neither true nor false"),
    ])
    func badValuesAreRefusedAtTheirField(line: String, field: String, saying: String) {
        do {
            _ = try Topology.parse(yaml: Self.yaml(line), sourcePath: "test.yaml")
            Issue.record("\(line) was accepted")
        } catch {
            #expect(error.field == field, "\(error)")
            #expect(error.line == 5, "\(error)")
            #expect(error.description.contains(saying), "\(error)")
        }
    }

    @Test func onlyAHostServes() {
        expectRefusal(Self.yaml("serve: true", kind: "router"), line: 5, column: 12, field: "nodes.a.serve",
                      saying: "only a host serves files")
    }
}
